"""Upload edge cases (missing/empty/wrong field, wrong type, unsupported audio, 413 before the full body,
idempotency scoped to the line and the recording, replays counted against nothing), per-user limits (429 +
Retry-After; analyses at once are the orchestrator's, atomic in PostgreSQL), one source for the caps,
signed blob URLs."""

from __future__ import annotations

import array
import asyncio
import fcntl
import io
import json
import termios
import time
import wave
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.fixtures.suite import WEBHOOK_SECRET, wait_for
from tests.gateway.conftest import (
    GATEWAY_MAX_UPLOAD,
    MAX_UPLOAD,
    Flow,
    Gateway,
    dispatcher_paused,
    gateway_settings,
    multipart,
    read_sse,
    running_gateway,
    take,
)
from yousync_analysis_orchestrator.adapters.webhook import sign
from yousync_analyzer.settings import AnalyzerSettings


def assert_error(response: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["detail"] and body["code"]
    if code:
        assert body["code"] == code, body
    return body


async def test_upload_mistakes_are_4xx_with_a_message(gateway: Gateway, lines: dict[str, int]) -> None:
    headers = await gateway.sign_in("mistakes@example.com")
    url = f"/api/tokens/{lines['frankly']}/upload-audio"
    wav = take("frankly", "good.wav")
    post = gateway.http.post
    assert_error(await post(url, headers=headers, **multipart("audio", wav)), 422, "MISSING_FILE")
    assert_error(await post(url, headers=headers, data={"note": "no file here"}, files={"other": ("a", b"x")}), 422)
    assert_error(await post(url, headers=headers, **multipart("audio_file", b"")), 422, "EMPTY_FILE")
    assert_error(await post(url, headers={**headers, "Content-Type": "audio/wav"}, content=wav), 415, "NOT_MULTIPART")
    assert_error(await post(url, headers={**headers, "Content-Type": "multipart/form-data"}, content=b"--x--"), 400)
    truncated = b'--b\r\nContent-Disposition: form-data; name="audio_file"; filename="a.wav"\r\n\r\nRIFF'
    assert_error(
        await post(url, headers={**headers, "Content-Type": "multipart/form-data; boundary=b"}, content=truncated),
        400,
        "MALFORMED_MULTIPART",
    )
    assert_error(await post(url, headers=headers, **multipart("audio_file", b"not audio at all" * 100)), 415)
    assert_error(await post("/api/tokens/987654321/upload-audio", headers=headers, **multipart("audio_file", wav)), 404)
    assert_error(await post("/api/tokens/0/upload-audio", headers=headers, **multipart("audio_file", wav)), 422)
    # Without sign-in: 401 before any byte of the body is used.
    assert_error(await post(url, **multipart("audio_file", wav)), 401)
    assert (await gateway.http.get("/api/mypage/takes", headers=headers)).json()["takes"] == []


async def test_idempotency_key_returns_the_same_job(gateway: Gateway, lines: dict[str, int]) -> None:
    headers = await gateway.sign_in("retry@example.com")
    url = f"/api/tokens/{lines['houston']}/upload-audio"
    wav = take("houston", "good.wav")
    keyed = {**headers, "Idempotency-Key": "k-1"}
    async with dispatcher_paused(gateway.flow):
        first = await gateway.http.post(url, headers=keyed, **multipart("file", wav))
        again = await gateway.http.post(url, headers=keyed, **multipart("file", wav))
        assert first.status_code == again.status_code == 202
        assert first.json()["job_id"] == again.json()["job_id"]
        assert "idempotent-replayed" not in first.headers and again.headers["idempotent-replayed"] == "true"
        other = await gateway.http.post(url, headers=keyed, **multipart("file", take("houston", "good.flac")))
        assert_error(other, 409, "IDEMPOTENCY_KEY_REUSED")
        # The same key, the same recording, another line: not the first upload's job.
        elsewhere = await gateway.http.post(
            f"/api/tokens/{lines['offer']}/upload-audio", headers=keyed, **multipart("file", wav)
        )
        assert "another line" in assert_error(elsewhere, 409, "IDEMPOTENCY_KEY_REUSED")["detail"]
        takes = (await gateway.http.get("/api/mypage/takes", headers=headers)).json()["takes"]
        for item in takes:  # nothing left for the dispatcher to analyse
            await gateway.http.delete(f"/api/mypage/takes/{item['id']}", headers=headers)


async def _raw_request(port: int, head: bytes, body: AsyncIterator[bytes]) -> tuple[bytes, int]:
    """Send a request over a raw socket, streaming `body`, and stop sending as soon as a response arrives.
    Returns the response head and at most how many body bytes the server had read by then: what was sent,
    less what still waited in this client's buffers and in the server's receive queue. (What was sent alone
    says little: on loopback the kernel buffers megabytes, up to net.ipv4.tcp_rmem's maximum on the
    server's side, 32 MiB on some machines, while the server is busy with what it already read.)"""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(head)
    sent = 0
    response = asyncio.ensure_future(reader.read(4096))
    try:
        async for chunk in body:
            if response.done():
                break
            writer.write(chunk)
            sent += len(chunk)
            try:
                await writer.drain()
            except ConnectionError:
                break
            await asyncio.sleep(0)
        unread = _unread_bytes(writer) if response.done() else 0
        data = await asyncio.wait_for(response, 10)
    finally:
        writer.close()
    return data, max(0, sent - unread)


def _unread_bytes(writer: asyncio.StreamWriter) -> int:
    """Bytes written that the server has not read: in this client's transport and socket, and in the
    server's receive queue (/proc/net/tcp, the line of the connection seen from the server's side)."""
    sock = writer.get_extra_info("socket")
    queued = array.array("i", [0])
    fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, queued)  # SIOCOUTQ: not yet acknowledged by the server
    ours, server = sock.getsockname()[1], sock.getpeername()[1]
    receive_queue = 0
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].split(":")[1], 16) == server and int(fields[2].split(":")[1], 16) == ours:
            receive_queue = int(fields[4].split(":")[1], 16)
    return writer.transport.get_write_buffer_size() + queued[0] + receive_queue


async def test_413_as_soon_as_the_cap_is_exceeded(gateway: Gateway, lines: dict[str, int]) -> None:
    headers = await gateway.sign_in("big@example.com")
    port = int(urlsplit(gateway.url).port or 0)
    path = f"/api/tokens/{lines['frankly']}/upload-audio"
    wav = take("frankly", "good.wav")
    boundary = "XyZ"
    preamble = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="audio_file"; filename="big.wav"\r\n'
        "Content-Type: audio/wav\r\n\r\n"
    ).encode()
    total_planned = 20 * GATEWAY_MAX_UPLOAD

    async def body() -> AsyncIterator[bytes]:
        # Chunked transfer (no Content-Length): the gateway only learns the size while reading.
        first = preamble + wav
        yield f"{len(first):x}\r\n".encode() + first + b"\r\n"
        filler = b"\0" * 65536
        for _ in range(total_planned // len(filler)):
            yield f"{len(filler):x}\r\n".encode() + filler + b"\r\n"

    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {headers['Authorization']}\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\nTransfer-Encoding: chunked\r\n\r\n"
    ).encode()
    response, sent = await _raw_request(port, head, body())
    assert response.startswith(b"HTTP/1.1 413"), response[:200]
    assert b"PAYLOAD_TOO_LARGE" in response or b"TOO_LARGE" in response
    assert sent < 4 * GATEWAY_MAX_UPLOAD, f"answered after reading {sent} bytes of a {total_planned} byte body"

    # A declared Content-Length over the cap is refused before the body is read at all.
    declared = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {headers['Authorization']}\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {10**9}\r\n\r\n"
    ).encode()

    async def nothing() -> AsyncIterator[bytes]:
        await asyncio.sleep(0.5)
        yield b""

    response, _ = await _raw_request(port, declared, nothing())
    assert response.startswith(b"HTTP/1.1 413"), response[:200]

    # Just over the orchestrator's own cap (but under the gateway's): its TOO_LARGE is a 413 too.
    over = wav + b"\0" * (MAX_UPLOAD - len(wav) + 1)
    assert_error(await gateway.http.post(path, headers=headers, **multipart("audio_file", over)), 413, "TOO_LARGE")
    assert (await gateway.http.get("/api/mypage/takes", headers=headers)).json()["takes"] == []


@pytest.fixture
async def tight(flow: Flow, blob_root: Path) -> AsyncIterator[Gateway]:
    settings = gateway_settings(flow, blob_root, uploads_per_minute=3, max_concurrent_streams=2)
    async with running_gateway(flow, settings) as gateway:
        yield gateway


async def delete_takes(gateway: Gateway, headers: dict[str, str]) -> None:
    for item in (await gateway.http.get("/api/mypage/takes", headers=headers)).json()["takes"]:
        assert (await gateway.http.delete(f"/api/mypage/takes/{item['id']}", headers=headers)).status_code == 204


async def test_analyses_at_once_are_limited_atomically(gateway: Gateway, lines: dict[str, int]) -> None:
    """8 parallel uploads by one user with a limit of 4: exactly 4 accepted, 4 refused with Retry-After (the
    orchestrator counts in the upload's transaction, under a per-user lock, for every replica)."""
    limit = gateway.flow.settings.max_active_analyses
    assert limit == 4
    headers = await gateway.sign_in("eight-at-once@example.com")
    other = await gateway.sign_in("eight-at-once-other@example.com")
    url = f"/api/tokens/{lines['offer']}/upload-audio"
    wav = take("offer", "good.wav")
    async with dispatcher_paused(gateway.flow):
        try:
            responses = await asyncio.gather(
                *(gateway.http.post(url, headers=headers, **multipart("audio_file", wav)) for _ in range(2 * limit))
            )
            statuses = sorted(r.status_code for r in responses)
            assert statuses == [202] * limit + [429] * limit, [r.text for r in responses]
            for refused in (r for r in responses if r.status_code == 429):
                assert assert_error(refused, 429, "TOO_MANY_ANALYSES")["detail"].startswith(f"at most {limit}")
                assert 1 <= int(refused.headers["retry-after"]) <= 60
            taken = (await gateway.http.get("/api/mypage/takes", headers=headers)).json()["takes"]
            assert len(taken) == limit, "the refused uploads left nothing behind"
            # Another user is not affected.
            assert (await gateway.http.post(url, headers=other, **multipart("audio_file", wav))).status_code == 202
            # One analysis gone: one more upload fits, and only one.
            assert (
                await gateway.http.delete(f"/api/mypage/takes/{taken[0]['id']}", headers=headers)
            ).status_code == 204
            assert (await gateway.http.post(url, headers=headers, **multipart("audio_file", wav))).status_code == 202
            assert_error(await gateway.http.post(url, headers=headers, **multipart("audio_file", wav)), 429)
        finally:
            await delete_takes(gateway, headers)
            await delete_takes(gateway, other)


async def test_per_user_limits(tight: Gateway, lines: dict[str, int]) -> None:
    headers = await tight.sign_in("limits@example.com")
    other = await tight.sign_in("limits-other@example.com")
    url = f"/api/tokens/{lines['offer']}/upload-audio"
    wav = take("offer", "good.wav")
    async with dispatcher_paused(tight.flow):
        jobs = []
        for key in ("a", "b"):
            response = await tight.http.post(
                url, headers={**headers, "Idempotency-Key": key}, **multipart("audio_file", wav)
            )
            assert response.status_code == 202, response.text
            jobs.append(response.json())
        # Retries with the same key are answered with their job and use up nothing.
        for _ in range(5):
            replay = await tight.http.post(
                url, headers={**headers, "Idempotency-Key": "a"}, **multipart("audio_file", wav)
            )
            assert replay.status_code == 202 and replay.json()["job_id"] == jobs[0]["job_id"], replay.text
        # Streams: two per user.
        first = asyncio.create_task(read_sse(tight.http, jobs[0]["progress_url"], timeout=30))
        second = asyncio.create_task(read_sse(tight.http, jobs[1]["progress_url"], timeout=30))
        subject = tight.sessions["limits@example.com"]["user"]["id"]
        await wait_until(lambda: tight.state.limits.streams.held(subject) == 2)
        third = await read_sse(tight.http, jobs[0]["progress_url"])
        assert third.status == 429 and "TOO_MANY_STREAMS" in third.body
        # Another user is not affected.
        assert (await tight.http.post(url, headers=other, **multipart("audio_file", b"junk" * 64))).status_code == 415
        # Closing a stream gives its slot back.
        first.cancel()
        await asyncio.gather(first, return_exceptions=True)
        await wait_until(lambda: tight.state.limits.streams.held(subject) == 1)
        again = asyncio.create_task(read_sse(tight.http, jobs[0]["progress_url"], stop_after=1))
        assert (await again).events[0].data["status"] == "processing"
        second.cancel()
        await asyncio.gather(second, return_exceptions=True)
        await delete_takes(tight, headers)
    # Uploads per minute: 2 were counted (not the replays, not the refused junk); the third fits, the
    # fourth is rate limited.
    response = await tight.http.post(url, headers=headers, **multipart("audio_file", b"junk" * 64))
    assert response.status_code == 415
    async with dispatcher_paused(tight.flow):
        third = await tight.http.post(url, headers={**headers, "Idempotency-Key": "c"}, **multipart("audio_file", wav))
        assert third.status_code == 202
        limited = await tight.http.post(url, headers=headers, **multipart("audio_file", wav))
        assert_error(limited, 429, "UPLOAD_RATE_LIMITED")
        assert 1 <= int(limited.headers["retry-after"]) <= 60
        # Over the rate, a retry still gets its job (nothing new starts); a new key does not.
        retry = await tight.http.post(url, headers={**headers, "Idempotency-Key": "c"}, **multipart("audio_file", wav))
        assert retry.status_code == 202 and retry.json()["job_id"] == third.json()["job_id"], retry.text
        assert retry.headers["idempotent-replayed"] == "true"
        fresh = await tight.http.post(url, headers={**headers, "Idempotency-Key": "d"}, **multipart("audio_file", wav))
        assert_error(fresh, 429, "UPLOAD_RATE_LIMITED")
        await delete_takes(tight, headers)


async def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    async def met() -> bool:
        return condition()

    await wait_for(met, timeout=timeout, interval=0.02)


async def test_caps_have_one_source_a_take_over_the_analyzers_cap_is_413_at_upload(
    flow: Flow, blob_root: Path, lines: dict[str, int]
) -> None:
    """With the default caps (the analyzer's 10 MiB), a 20 MiB take is refused at upload, not accepted
    and failed later."""
    analyzer_cap = AnalyzerSettings().max_take_bytes
    settings = gateway_settings(flow, blob_root, max_upload_bytes=0)  # 0: derived from the shared take cap
    assert settings.max_take_bytes == analyzer_cap
    assert analyzer_cap < settings.max_upload_bytes < 20 * 1024 * 1024
    async with running_gateway(flow, settings) as gateway:
        headers = await gateway.sign_in("twenty@example.com")
        boundary = "TwEnTy"
        preamble = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="audio_file"; filename="twenty.wav"\r\n'
            "Content-Type: audio/wav\r\n\r\n"
        ).encode() + take("frankly", "good.wav")
        size = 20 * 1024 * 1024
        head = (
            f"POST /api/tokens/{lines['frankly']}/upload-audio HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Authorization: {headers['Authorization']}\r\n"
            f"Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {size}\r\n\r\n"
        ).encode()

        async def body() -> AsyncIterator[bytes]:
            # Only the start: the declared size is refused before the body is read (a client that kept
            # sending would meet a closed connection, which is the edge's business, not the cap's).
            yield preamble

        response, _ = await _raw_request(int(urlsplit(gateway.url).port or 0), head, body())
        assert response.startswith(b"HTTP/1.1 413"), response[:200]
        assert b"PAYLOAD_TOO_LARGE" in response
        assert (await gateway.http.get("/api/mypage/takes", headers=headers)).json()["takes"] == []


async def test_a_take_too_long_is_refused_at_upload(gateway: Gateway, lines: dict[str, int]) -> None:
    """The container says 120 s (the analyzer takes at most 60): 413 TOO_LONG at once, nothing stored."""
    headers = await gateway.sign_in("too-long@example.com")
    url = f"/api/tokens/{lines['force']}/upload-audio"
    response = await gateway.http.post(url, headers=headers, **multipart("audio_file", long_wav(120)))
    assert "120.0 s" in assert_error(response, 413, "TOO_LONG")["detail"]
    assert (await gateway.http.get("/api/mypage/takes", headers=headers)).json()["takes"] == []


def long_wav(seconds: int, rate: int = 8000) -> bytes:
    """A real WAV (8-bit mono, quiet noise) of `seconds`."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(1)
        out.setframerate(rate)
        out.writeframes(bytes(128 + (i * 7919) % 5 for i in range(rate * seconds)))
    return buffer.getvalue()


async def test_signed_blob_urls(gateway: Gateway, lines: dict[str, int]) -> None:
    token = (await gateway.http.get(f"/api/tokens/{lines['frankly']}")).json()
    url = urlsplit(token["reference_audio_url"])
    path = f"{url.path}?{url.query}"
    audio = await gateway.http.get(path)
    assert audio.status_code == 200 and audio.content[:4] == b"OggS"
    assert audio.headers["content-type"].startswith("audio/")
    tampered = path.replace("signature=", "signature=A")
    assert_error(await gateway.http.get(tampered), 403, "INVALID_SIGNATURE")
    assert_error(await gateway.http.get(url.path), 403)
    expired = path.replace("expires=", "expires=1").split("&")[0] + "&signature=x"
    assert (await gateway.http.get(expired)).status_code == 403
    assert (await gateway.http.get("/api/blobs/../../etc/passwd?expires=1&signature=x")).status_code in (403, 404)


async def test_progress_resume_replays_exactly_the_missed_events(gateway: Gateway, lines: dict[str, int]) -> None:
    """Last-Event-ID: live, drop after the second event and come back later: no gap; on the finished job,
    resuming after id 1 gives every event 2..N in order. Snapshots say they are."""
    headers = await gateway.sign_in("resume-sse@example.com")
    upload = await gateway.http.post(
        f"/api/tokens/{lines['houston']}/upload-audio",
        headers=headers,
        **multipart("audio_file", take("houston", "slow.opus.ogg")),
    )
    assert upload.status_code == 202, upload.text
    job_id = upload.json()["job_id"]
    first = await read_sse(gateway.http, upload.json()["progress_url"], stop_after=2)
    assert first.events[0].data.get("snapshot") is True and "snapshot" not in first.events[1].data
    seen = int(first.events[-1].id or 0)

    async def moved_on() -> bool:
        result = (await gateway.http.get(f"/api/tokens/analysis-result/{job_id}", headers=headers)).json()
        return result["status"] != "processing"

    await wait_for(moved_on, timeout=60, interval=0.05)
    ticket = (await gateway.http.post(f"/api/tokens/analysis-progress/{job_id}/ticket", headers=headers)).json()
    resumed = await read_sse(gateway.http, ticket["progress_url"], headers={"Last-Event-ID": str(seen)})
    ids = [int(e.id or 0) for e in resumed.events]
    assert ids == list(range(seen + 1, ids[-1] + 1)), f"no gap after {seen}: {ids}"
    assert not any(e.data.get("snapshot") for e in resumed.events)
    assert resumed.events[-1].data["status"] == "completed" and resumed.events[-1].data["result"]
    everything = await read_sse(gateway.http, ticket["progress_url"], headers={"Last-Event-ID": "1"})
    assert [int(e.id or 0) for e in everything.events] == list(range(2, ids[-1] + 1))
    await delete_takes(gateway, headers)


async def test_webhook_replay_is_409(gateway: Gateway, lines: dict[str, int]) -> None:
    """The identical signed completion call twice: 200, then 409 WEBHOOK_REPLAYED (nonces kept for the window)."""
    headers = await gateway.sign_in("webhook-replay@example.com")
    async with dispatcher_paused(gateway.flow):
        upload = await gateway.http.post(
            f"/api/tokens/{lines['force']}/upload-audio", headers=headers, **multipart("audio_file", take("force"))
        )
        job_id = upload.json()["job_id"]
        body = json.dumps({"job_id": job_id, "failure": {"reason": "GPU_GONE", "message": "no gpu"}}).encode()
        timestamp = int(time.time())
        signed = {
            "X-Signature": sign(WEBHOOK_SECRET.encode(), timestamp, body),
            "X-Timestamp": str(timestamp),
            "Content-Type": "application/json",
        }
        first = await gateway.http.post("/api/tokens/webhook/analysis-complete", content=body, headers=signed)
        assert first.status_code == 200 and first.json()["status"] == "failed", first.text
        again = await gateway.http.post("/api/tokens/webhook/analysis-complete", content=body, headers=signed)
        assert_error(again, 409, "WEBHOOK_REPLAYED")
        await delete_takes(gateway, headers)
