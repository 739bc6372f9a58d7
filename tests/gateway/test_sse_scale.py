"""Live progress at scale: the watchers of one job in one gateway process share ONE upstream WatchJob
stream, and each still gets every event, in order, and the terminal one."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from typing import Any

import httpx
from prometheus_client import REGISTRY

from tests.fixtures.suite import wait_for
from tests.gateway.conftest import Gateway, SseStream, dispatcher_paused, read_sse, take, upload

WATCHERS = 40


def direct_events() -> float:
    """Events the gateway's fan-out wrote straight to sockets (server.DirectBody), not through a woken task."""
    return REGISTRY.get_sample_value("gateway_sse_events_direct_total") or 0.0


def watch_calls_handled() -> float:
    """WatchJob calls the orchestrator (in this process) has finished handling, as its metrics count them."""
    return sum(
        sample.value
        for family in REGISTRY.collect()
        if family.name == "grpc_server_handled"
        for sample in family.samples
        if sample.name == "grpc_server_handled_total" and sample.labels["grpc_method"].endswith("/WatchJob")
    )


async def test_many_watchers_of_one_job_share_one_upstream_stream(gateway: Gateway, lines: dict[str, int]) -> None:
    headers = await gateway.sign_in("fanout@example.com")
    other = await gateway.sign_in("fanout-other@example.com")
    hub = gateway.state.feeds
    limits = httpx.Limits(max_connections=WATCHERS + 10, max_keepalive_connections=WATCHERS + 10)
    async with httpx.AsyncClient(base_url=gateway.url, timeout=60, limits=limits) as http:
        async with dispatcher_paused(gateway.flow):
            accepted = await upload(gateway, headers, lines["frankly"], take("frankly", "good.wav"))
            job_id = accepted["job_id"]
            calls_before, handled_before = hub.upstream_calls, watch_calls_handled()
            direct_before = direct_events()
            watchers = [asyncio.create_task(read_sse(http, accepted["progress_url"])) for _ in range(WATCHERS)]
            # One more resumes after the first event (EventSource's Last-Event-ID): it shares the feed too.
            resume = read_sse(http, accepted["progress_url"], headers={"Last-Event-ID": "1"})
            watchers.append(asyncio.create_task(resume))

            async def all_joined() -> bool:
                return sum(f.watchers for key, f in hub._feeds.items() if key[1] == job_id) >= WATCHERS + 1

            # Another user's watch of the same job is not shared with the owner's: it is refused as before.
            stranger = await read_sse(http, f"/api/tokens/analysis-progress/{job_id}", headers=other)
            assert stranger.status == 404
            await wait_for(all_joined, timeout=60, interval=0.05)
        # The dispatcher runs again: the job goes through its stages to the end.
        streams: list[SseStream] = await asyncio.wait_for(asyncio.gather(*watchers), 120)

    owner_calls = hub.upstream_calls - calls_before - 1  # the stranger's refused call was its own
    assert owner_calls == 1, f"{owner_calls} upstream WatchJob calls for {WATCHERS + 1} watchers of one job"

    async def upstream_finished() -> bool:  # what the orchestrator saw: the shared call and the stranger's
        return watch_calls_handled() - handled_before >= 2

    await wait_for(upstream_finished, timeout=30, interval=0.05)
    assert watch_calls_handled() - handled_before == 2
    full = streams[0]
    sequences = [int(e.id) for e in full.events if e.id]
    assert full.events[-1].data["status"] == "completed" and full.events[-1].data["result"]["job_id"] == job_id
    assert sequences == sorted(set(sequences)) and len(sequences) >= 3
    for stream in streams[:WATCHERS]:
        assert stream.status == 200 and stream.retry is not None
        assert [int(e.id) for e in stream.events if e.id] == sequences, "every watcher gets every event, in order"
        assert stream.events[-1].data["status"] == "completed"
    resumed = streams[WATCHERS]
    assert [int(e.id) for e in resumed.events if e.id] == [s for s in sequences if s > 1]
    assert resumed.events[-1].data["status"] == "completed"
    # The live events reached the waiting watchers in the fan-out's own pass (each watcher's events after its
    # first, the terminal one included): at least one per watcher.
    assert direct_events() - direct_before >= WATCHERS
    # Nothing left behind: the feed ended with its job.
    assert all(key[1] != job_id for key in hub._feeds)


async def test_a_late_watcher_of_a_finished_job_gets_its_terminal_event(
    gateway: Gateway, lines: dict[str, int]
) -> None:
    headers = await gateway.sign_in("fanout-late@example.com")
    accepted = await upload(gateway, headers, lines["frankly"], take("frankly", "good.wav"))
    first = await read_sse(gateway.http, accepted["progress_url"])
    assert first.events[-1].data["status"] == "completed"
    last = first.events[-1].id
    # Resuming from the terminal event: nothing more to send (204 stops EventSource).
    after_end = await gateway.http.get(
        f"/api/tokens/analysis-progress/{accepted['job_id']}", headers={**headers, "Last-Event-ID": str(last)}
    )
    assert after_end.status_code in (200, 204)
    if after_end.status_code == 200:
        assert '"status":"completed"' in after_end.text
    again = await read_sse(gateway.http, accepted["progress_url"])
    assert again.events[-1].data["status"] == "completed"
    assert all(key[1] != accepted["job_id"] for key in gateway.state.feeds._feeds)


class _SocketProbe:
    """A feed listener behind a watcher's: in the fan-out's pass, after the watcher's write and before any
    task wakes, it reads what the watcher's client socket holds (on loopback a write is in the peer's
    receive queue when the call returns)."""

    def __init__(self, feed: Any, client: socket.socket) -> None:
        self.feed, self.client = feed, client
        self.in_terminal_pass: bytes | None = None

    def on_frame(self) -> bool:
        if self.feed.frames[-1].terminal:
            self.in_terminal_pass = b""
            with contextlib.suppress(BlockingIOError):
                self.in_terminal_pass = self.client.recv(65536)
        return False

    def wake(self) -> None:
        pass

    def on_end(self) -> None:
        pass


async def test_the_last_event_and_the_end_of_the_stream_go_in_one_write(
    gateway: Gateway, lines: dict[str, int]
) -> None:
    """A waiting watcher's terminal event leaves in the fan-out's pass together with the end of the body, in
    one write: the client gets both at once, not the end after the gateway has woken the stream's task.
    The end is not written again, so the keep-alive connection carries the next request cleanly."""
    headers = await gateway.sign_in("fanout-end@example.com")
    host, port = gateway.url.removeprefix("http://").rsplit(":", 1)
    auth = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    loop = asyncio.get_running_loop()
    client = socket.create_connection((host, int(port)))
    client.setblocking(False)

    async def read_until(marker: bytes, seen: bytes = b"") -> bytes:
        while marker not in seen:
            data = await asyncio.wait_for(loop.sock_recv(client, 65536), 30)
            assert data, f"closed before {marker!r}: {seen[-300:]!r}"
            seen += data
        return seen

    try:
        async with dispatcher_paused(gateway.flow):
            accepted = await upload(gateway, headers, lines["frankly"], take("frankly", "good.wav"))
            path = accepted["progress_url"]
            request = f"GET {path} HTTP/1.1\r\nHost: {host}\r\n{auth}Accept: text/event-stream\r\n\r\n"
            await loop.sock_sendall(client, request.encode())
            head = await read_until(b"\n\n\r\n")  # the response's head and its first event (the current state)
            assert head.startswith(b"HTTP/1.1 200") and b"transfer-encoding: chunked" in head.lower(), head
            hub = gateway.state.feeds

            async def waiting_feed() -> Any:
                return next((f for k, f in hub._feeds.items() if k[1] == accepted["job_id"] and f._listeners), None)

            feed = await wait_for(waiting_feed, timeout=30, interval=0.02)
            probe = _SocketProbe(feed, client)
            feed.listen(probe)
        # The dispatcher runs again: the job goes through its stages to the end.

        async def terminal_pass() -> bool:
            return probe.in_terminal_pass is not None

        await wait_for(terminal_pass, timeout=60, interval=0.02)
        terminal = probe.in_terminal_pass
        assert terminal is not None
        assert b'"status":"completed"' in terminal and terminal.endswith(b"\n\n\r\n0\r\n\r\n"), terminal[-200:]
        # The same connection answers another request: no second end of the body comes before its response.
        await loop.sock_sendall(client, f"GET /healthz HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        again = await read_until(b"\r\n\r\n")
        assert again.startswith(b"HTTP/1.1 200 "), again
    finally:
        client.close()
