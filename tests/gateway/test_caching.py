"""HTTP caching of the public catalog reads (ETag, 304, Cache-Control) and the gateway's response cache,
kept honest by the catalog's `catalog.changed` events over the session's real NATS."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import grpc
import httpx
import psutil
import pytest
from prometheus_client import REGISTRY

from tests.fixtures.suite import Flow, Gateway, gateway_settings, running_gateway, wait_for
from yousync.catalog.v1 import catalog_pb2 as pb
from yousync_gateway.caching import Entry, ResponseCache, etag_matches, strong_etag

PUBLIC = "public, max-age=30, stale-while-revalidate=60"


def cache_count(result: str) -> float:
    return REGISTRY.get_sample_value("gateway_catalog_cache_requests_total", {"result": result}) or 0.0


async def public_paths(gateway: Gateway) -> list[str]:
    scripts = (await gateway.http.get("/api/scripts/popular")).json()["scripts"]
    script = (await gateway.http.get(f"/api/scripts/{scripts[0]['id']}")).json()
    actors = (await gateway.http.get("/api/actors")).json()["actors"]
    return [
        "/api/scripts/popular",
        "/api/scripts/latest?page_size=2",
        "/api/scripts?q=hamlet",
        f"/api/scripts/category/{script['category']}",
        f"/api/scripts/{script['id']}",
        f"/api/tokens/{script['tokens'][0]['id']}",
        "/api/actors",
        f"/api/actors/{actors[0]['id']}",
        f"/api/actors/{actors[0]['id']}/scripts",
    ]


async def test_public_reads_have_a_strong_etag_and_answer_304(gateway: Gateway, demo_loaded: None) -> None:
    signed_in = await gateway.sign_in("etag@example.com")
    for path in await public_paths(gateway):
        first = await gateway.http.get(path, headers=signed_in)
        assert first.status_code == 200, (path, first.text)
        etag = first.headers["etag"]
        assert etag.startswith('"') and etag.endswith('"') and len(etag) > 8, etag  # strong: no W/
        # Signed in or not, the answer is the same for everyone: a shared cache (CDN) may keep it.
        assert first.headers["cache-control"] == PUBLIC
        assert first.headers["content-type"] == "application/json"

        again = await gateway.http.get(path, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.content == b"", path
        assert again.headers["etag"] == etag and again.headers["cache-control"] == PUBLIC
        assert (await gateway.http.get(path, headers={"If-None-Match": f'"other", W/{etag}'})).status_code == 304
        assert (await gateway.http.get(path, headers={"If-None-Match": "*"})).status_code == 304
        changed = await gateway.http.get(path, headers={"If-None-Match": '"something-else"'})
        assert changed.status_code == 200 and changed.content == first.content
        assert changed.headers["etag"] == etag


async def test_cached_answers_keep_cors_request_ids_and_the_documented_shape(
    gateway: Gateway, demo_loaded: None
) -> None:
    origin = "http://localhost:3000"
    path = "/api/scripts/popular"
    for request_id in ("cache-cors-1", "cache-cors-2"):  # the second is a cache hit
        response = await gateway.http.get(path, headers={"Origin": origin, "X-Request-Id": request_id})
        assert response.status_code == 200
        assert response.headers["access-control-allow-origin"] == origin
        assert response.headers["x-request-id"] == request_id
        body = response.json()
        assert set(body) == {"scripts", "next_page_token"} and body["scripts"]
        assert {"id", "title", "token_name", "actor_name", "youtube_url", "actors"} <= set(body["scripts"][0])
    # Through the trailing-slash rewrite, to the same entry.
    assert (await gateway.http.get(path + "/")).headers["etag"] == response.headers["etag"]


async def test_hits_answered_before_routing_carry_exactly_what_the_whole_stack_gives(
    flow: Flow, blob_root: Path, demo_loaded: None
) -> None:
    """Per shape (anonymous, signed in, cross-origin; 200 and 304) the first hit goes through every
    middleware and later ones are answered before routing: same status, body and headers (less the
    request id, which is each request's own), and the same metrics. A gateway of its own, so that no
    other test taught it a shape first."""
    async with running_gateway(flow, gateway_settings(flow, blob_root, catalog_cache_seconds=300)) as gateway:
        fast = gateway.app.fast_hits
        assert fast is not None, "the fast path is on with the response cache (tracing off)"
        path = "/api/scripts/latest?page_size=4"
        signed_in = await gateway.sign_in("fast-hits@example.com")
        etag = (await gateway.http.get(path)).headers["etag"]  # a miss: the entry is stored
        shapes = [{}, signed_in, {"Origin": "http://localhost:3000"}, {"If-None-Match": etag}]
        for n, extra in enumerate(shapes):
            served, hits = fast.served, cache_count("hit") + cache_count("not_modified")
            labels = {"route": "/api/scripts/latest", "method": "GET", "status": "304" if n == 3 else "200"}
            requests = REGISTRY.get_sample_value("http_requests_total", labels) or 0.0
            whole, early = [
                await gateway.http.get(path, headers={**extra, "X-Request-Id": f"fast-{n}-{k}"}) for k in range(2)
            ]
            assert fast.served == served + 1, f"shape {n}: only the second hit was answered before routing"
            assert cache_count("hit") + cache_count("not_modified") == hits + 2
            assert REGISTRY.get_sample_value("http_requests_total", labels) == requests + 2
            assert early.status_code == whole.status_code == (304 if n == 3 else 200)
            assert early.content == whole.content
            assert early.headers["x-request-id"] == f"fast-{n}-1" and whole.headers["x-request-id"] == f"fast-{n}-0"

            def shape(response: httpx.Response) -> list[tuple[str, str]]:
                return sorted((k, v) for k, v in response.headers.multi_items() if k not in ("x-request-id", "date"))

            assert shape(early) == shape(whole), n
        # An edit empties the cache: the next read goes the whole way again.
        assert gateway.state.cache is not None
        gateway.state.cache.clear()
        served = fast.served
        assert (await gateway.http.get(path)).status_code == 200 and fast.served == served


async def test_errors_and_private_reads_are_not_public(gateway: Gateway, demo_loaded: None) -> None:
    missing = await gateway.http.get("/api/scripts/999999999")
    assert missing.status_code == 404
    assert "etag" not in missing.headers and "public" not in missing.headers.get("cache-control", "")
    bad = await gateway.http.get("/api/scripts/popular?page_size=0")
    assert bad.status_code in (400, 422) and "etag" not in bad.headers
    headers = await gateway.sign_in("private@example.com")
    mine = await gateway.http.get("/api/mypage/overview", headers=headers)
    assert mine.status_code == 200
    assert "public" not in mine.headers.get("cache-control", "") and "etag" not in mine.headers
    # Nothing of the caller's is ever kept by the response cache.
    cache = gateway.state.cache
    assert cache is not None
    assert all(not key[0].startswith(("/api/mypage", "/api/auth")) for key in cache._entries)


async def test_repeated_reads_are_served_from_the_cache(gateway: Gateway, demo_loaded: None) -> None:
    path = "/api/scripts/latest?page_size=3"
    await gateway.http.get(path)
    hits = cache_count("hit")
    for _ in range(5):
        assert (await gateway.http.get(path)).status_code == 200
    assert cache_count("hit") - hits >= 5


async def test_an_edit_reaches_the_cache_over_nats(flow: Flow, blob_root: Path) -> None:
    """A catalog edit is announced on `catalog.changed`; a gateway that hears it drops what it cached,
    one that does not (no NATS) keeps serving the old answer until its entries expire."""
    stub, admin = flow.catalog.stub, await flow.catalog.admin()
    marker = uuid.uuid4().hex[:10]
    category = f"probe-{marker}"
    script = await stub.CreateScript(
        pb.CreateScriptRequest(script=pb.Script(title=f"Before {marker}", category=category)), metadata=admin
    )
    detail, listing = f"/api/scripts/{script.id}", f"/api/scripts/category/{category}"
    try:
        async with (
            running_gateway(flow, gateway_settings(flow, blob_root, catalog_cache_seconds=300)) as hearing,
            running_gateway(flow, gateway_settings(flow, blob_root, catalog_cache_seconds=300, nats_url="")) as deaf,
        ):
            before: dict[str, Any] = {}
            for gateway in (hearing, deaf):
                for path in (detail, listing):
                    first = await gateway.http.get(path)
                    assert first.status_code == 200 and f"Before {marker}" in first.text
                    before[path] = first.headers["etag"]
                    assert gateway.state.cache is not None and len(gateway.state.cache) >= 1

            await stub.UpdateScript(
                pb.UpdateScriptRequest(script=pb.Script(id=script.id, title=f"After {marker}")), metadata=admin
            )

            async def renamed() -> httpx.Response | None:
                response = await hearing.http.get(detail)
                return response if response.json()["title"] == f"After {marker}" else None

            fresh = await wait_for(renamed, timeout=10, interval=0.05)
            assert fresh.headers["etag"] != before[detail]
            listed = await hearing.http.get(listing, headers={"If-None-Match": before[listing]})
            assert listed.status_code == 200 and listed.json()["scripts"][0]["title"] == f"After {marker}"
            # The deaf gateway still has the old answers: the events are what made the difference.
            stale = await deaf.http.get(detail, headers={"If-None-Match": before[detail]})
            assert stale.status_code == 304

            await stub.DeleteScript(pb.DeleteScriptRequest(script_id=script.id), metadata=admin)

            async def gone() -> bool:
                return (await hearing.http.get(detail)).status_code == 404

            await wait_for(gone, timeout=10, interval=0.05)
    finally:
        with contextlib.suppress(grpc.aio.AioRpcError):  # NOT_FOUND: the test deleted it
            await stub.DeleteScript(pb.DeleteScriptRequest(script_id=script.id), metadata=admin)


# ---------------------------------------------------------------- the cache itself (a fake clock)
class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def entry(body: bytes, at: float) -> Entry:
    return Entry(body, strong_etag(body), b"application/json", None, at)


def test_entries_expire_are_bounded_and_a_read_older_than_a_change_is_not_kept() -> None:
    clock = Clock()
    cache = ResponseCache(ttl_seconds=5, max_entries=2, counters_refresh_seconds=1, clock=clock)
    cache.put(("/a", b""), entry(b"a", clock.now), cache.generation)
    clock.now += 4.9
    assert cache.get(("/a", b"")) is not None
    clock.now += 0.2
    assert cache.get(("/a", b"")) is None  # expired: this caller reads it again...
    stale = cache.get(("/a", b""))  # ...while the others still get the old answer
    assert stale is not None and stale.body == b"a"
    clock.now += 5.0  # the refresh never came back (an error): after the grace another caller tries
    assert cache.get(("/a", b"")) is None and cache.get(("/a", b"")) is stale
    cache.put(("/a", b""), entry(b"a2", clock.now), cache.generation)  # refreshed
    fresh = cache.get(("/a", b""))
    assert fresh is not None and fresh.body == b"a2"
    clock.now += 5.0
    assert cache.get(("/a", b"")) is None
    cache.clear()  # a change: nobody gets the old answer, stale or not
    assert cache.get(("/a", b"")) is None and cache.get(("/a", b"")) is None

    for name in ("/1", "/2", "/3"):
        cache.put((name, b""), entry(name.encode(), clock.now), cache.generation)
    assert len(cache) == 2 and cache.get(("/1", b"")) is None

    began = cache.generation  # a read starts, then the catalog changes, then the read ends
    cache.on_event(b"\x10\x01")  # CatalogChanged{kind: EDIT}
    assert len(cache) == 0
    cache.put(("/late", b""), entry(b"old", clock.now), began)
    assert cache.get(("/late", b"")) is None

    cache.put(("/x", b""), entry(b"x", clock.now), cache.generation)
    cache.on_event(b"\x10\x02")  # COUNTERS: dropped now...
    assert len(cache) == 0
    cache.put(("/x", b""), entry(b"x", clock.now), cache.generation)
    cache.on_event(b"\x10\x02")  # ...but not again within a second
    assert len(cache) == 1
    clock.now += 1.0
    cache.on_event(b"\x10\x02")
    assert len(cache) == 0
    cache.put(("/y", b""), entry(b"y", clock.now), cache.generation)
    cache.on_event(b"\xff\xff")  # undecodable: safer to forget
    assert len(cache) == 0


def test_if_none_match_comparison() -> None:
    tag = strong_etag(b"{}")
    assert etag_matches(tag, tag) and etag_matches(b"W/" + tag, tag) and etag_matches(b'"a", ' + tag, tag)
    assert etag_matches(b"*", tag)
    assert not etag_matches(b'"a"', tag) and not etag_matches(b"", tag)
    assert strong_etag(b"1") != strong_etag(b"2")


# ---------------------------------------------------------------- worker processes
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("workers", [2])
async def test_the_gateway_runs_several_worker_processes(
    gateway: Gateway, demo_loaded: None, blob_root: Path, tmp_path: Path, workers: int
) -> None:
    settings = gateway.state.settings
    port, metrics_port = free_port(), free_port()
    env = {
        **os.environ,
        "GATEWAY_HTTP_PORT": str(port),
        "GATEWAY_METRICS_PORT": str(metrics_port),
        "GATEWAY_WORKERS": str(workers),
        "GATEWAY_AUTH_TARGET": settings.auth_target,
        "GATEWAY_CATALOG_TARGET": settings.catalog_target,
        "GATEWAY_ANALYSIS_TARGET": settings.analysis_target,
        "GATEWAY_NATS_URL": settings.nats_url,
        "GATEWAY_STREAM_TICKET_SECRET": "test-stream-ticket-secret-0123456789",
        "GATEWAY_LOG_LEVEL": "WARNING",
        "BLOB_BACKEND": "filesystem",
        "BLOB_FS_ROOT": str(blob_root),
        "BLOB_URL_SECRET": "test-secret-for-signed-blob-urls",
        # The master compiles the gateway's modules once and its workers read the bytecode (under
        # PYTHONDONTWRITEBYTECODE every fresh interpreter compiles them all again: seconds of CPU each).
        "PYTHONPYCACHEPREFIX": str(tmp_path / "pycache"),
    }
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    log = tmp_path / "gateway.log"
    with log.open("wb") as sink:
        process = subprocess.Popen([sys.executable, "-m", "yousync_gateway"], env=env, stdout=sink, stderr=sink)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:

            async def serving() -> bool:
                assert process.poll() is None, log.read_text()[-3000:]
                try:
                    response = await http.get("/api/scripts/popular")
                except httpx.TransportError:
                    return False
                assert response.status_code == 200, (response.text, log.read_text()[-3000:])
                return True

            # Three fresh interpreters (master, two workers) import the gateway: slow on a starved machine.
            await wait_for(serving, timeout=300, interval=0.2)

            def python_children() -> list[psutil.Process]:
                return [c for c in psutil.Process(process.pid).children() if "python" in c.name().lower()]

            async def all_workers() -> bool:
                return len(python_children()) >= workers

            await wait_for(all_workers, timeout=180, interval=0.2)
            # Every request is answered whichever worker takes it.
            answers = [await http.get("/api/scripts/popular") for _ in range(20)]
            assert {r.status_code for r in answers} == {200}
            assert len({r.headers["etag"] for r in answers}) == 1
            # One metrics port for the pod: the main process adds up what every worker counted.
            scraped = (await http.get(f"http://127.0.0.1:{metrics_port}/metrics")).text
            counted = sum(
                float(line.rsplit(" ", 1)[1])
                for line in scraped.splitlines()
                if line.startswith("http_requests_total{") and 'route="/api/scripts/popular"' in line
            )
            assert counted >= 21, scraped[:2000]
    finally:
        try:
            children = psutil.Process(process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            children = []
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        _, alive = psutil.wait_procs(children, timeout=30)
        for child in alive:  # never leave a worker behind, whatever happened above
            child.kill()
    assert process.returncode == 0 and not alive


def test_a_bad_workers_setting_is_a_clear_error() -> None:
    env = {**os.environ, "GATEWAY_WORKERS": "0", "GATEWAY_STREAM_TICKET_SECRET": "x" * 32, "BLOB_URL_SECRET": "y" * 32}
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "yousync_gateway"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0 and time.monotonic() - started < 60
    assert "GATEWAY_WORKERS" in result.stderr + result.stdout
