"""The watchers of bench/sse.py: cheap SSE clients in separate processes.

A watcher is an asyncio protocol on a raw socket (no HTTP client library): it sends one GET, reads the
response head, decodes the chunked body and the `text/event-stream` frames, parses each `data:` line as
JSON, and notes `time.monotonic()` when the bytes holding the terminal event (status completed or failed)
arrive. CLOCK_MONOTONIC is system-wide on Linux, so those moments compare with the t0 the main process
takes when it completes a job. The watchers are spread over a few processes so that reading 10,000
streams does not queue behind one client's event loop (the gateway is what is measured).

Protocol with the main process (a multiprocessing pipe): the child sends "ready"; the main process sends
"go"; the child connects every watcher and sends ("connected", counts); once they all ended (terminal,
failure, or `timeout`) it sends ("done", arrivals, counts).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import resource
import time
from multiprocessing.connection import Connection
from typing import Any

TERMINAL = ("completed", "failed")
OPENING = 250
_CODE = re.compile(rb'"code"\s*:\s*"([A-Z_]+)"')


class Counts:
    def __init__(self, watchers: int) -> None:
        self.watchers = watchers
        self.connected = 0
        self.failures = 0
        self.reasons: dict[str, int] = {}
        self.ended = 0
        self.arrivals: list[tuple[str, float]] = []
        self.all_connected = asyncio.Event()
        self.all_ended = asyncio.Event()

    def fail(self, reason: str) -> None:
        self.failures += 1
        self.reasons[reason] = self.reasons.get(reason, 0) + 1
        self._check()

    def end(self) -> None:
        self.ended += 1
        if self.ended >= self.watchers:
            self.all_ended.set()

    def _check(self) -> None:
        if self.connected + self.failures >= self.watchers:
            self.all_connected.set()

    def summary(self) -> dict[str, Any]:
        return {"connected": self.connected, "failures": self.failures, "reasons": self.reasons}


class Watcher(asyncio.Protocol):
    def __init__(self, job_id: str, request: bytes, counts: Counts) -> None:
        self.job_id = job_id
        self.request = request
        self.counts = counts
        self.transport: asyncio.Transport | None = None
        self.buffer = b""  # undecoded bytes (head, then chunked body)
        self.text = b""  # decoded body not yet split into events
        self.head = True
        self.connected = False
        self.finished = False
        self.opened: asyncio.Future[None] = asyncio.get_running_loop().create_future()  # first event, or the end

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's is no asyncio.Transport subclass
        transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        now = time.monotonic()
        self.buffer += data
        if self.head:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            status = self.buffer[9:12]
            if status != b"200":
                code = _CODE.search(self.buffer)
                self._finish(f"{status.decode()} {code.group(1).decode() if code else ''}".strip())
                return
            self.head = False
            self.buffer = self.buffer[end + 4 :]
        # Chunked transfer encoding: <hex size>\r\n<data>\r\n ... 0\r\n\r\n
        buffer = self.buffer
        at = 0
        ended = False
        while True:
            line_end = buffer.find(b"\r\n", at)
            if line_end < 0:
                break
            size = int(buffer[at:line_end].split(b";", 1)[0], 16)
            if size == 0:
                ended = True
                break
            start = line_end + 2
            if len(buffer) < start + size + 2:
                break
            self.text += buffer[start : start + size]
            at = start + size + 2
        self.buffer = buffer[at:]
        while not self.finished:
            end = self.text.find(b"\n\n")
            if end < 0:
                break
            event, self.text = self.text[:end], self.text[end + 2 :]
            for line in event.split(b"\n"):
                if line.startswith(b"data:"):
                    self._event(json.loads(line[5:]), now)
        if ended and not self.finished:
            self._finish("ended without a terminal event")

    def _event(self, data: dict[str, Any], now: float) -> None:
        if not self.connected:
            self.connected = True
            self.counts.connected += 1
            self.counts._check()
            self.opened.set_result(None)
        if data.get("status") in TERMINAL:
            self.counts.arrivals.append((self.job_id, now))
            self._finish(None)

    def _finish(self, failure: str | None) -> None:
        if self.finished:
            return
        self.finished = True
        if not self.opened.done():
            self.opened.set_result(None)
        if failure is not None:
            self.counts.fail(failure)
        self.counts.end()
        if self.transport is not None:
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.finished:
            self._finish(type(exc).__name__ if exc else "closed before the terminal event")


async def _watch_all(conn: Connection, host: str, port: int, targets: list[tuple[str, str]], timeout: float) -> None:
    loop = asyncio.get_running_loop()
    counts = Counts(len(targets))
    # Streams being opened (connected, not yet at their first event) at once, per process: a steady ramp
    # rather than 10,000 SYNs in one burst, which would only measure the kernel's listen queue.
    gate = asyncio.Semaphore(OPENING)

    async def open_one(job_id: str, path: str) -> None:
        head = f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: text/event-stream\r\n"
        request = (head + "Cache-Control: no-cache\r\n\r\n").encode()
        watcher = Watcher(job_id, request, counts)
        async with gate:
            try:
                await loop.create_connection(lambda: watcher, host, port)
            except OSError as error:
                watcher.finished = True
                counts.fail(type(error).__name__)
                counts.end()
                return
            await watcher.opened

    await loop.run_in_executor(None, conn.recv)  # "go"
    opening = [asyncio.create_task(open_one(job_id, path)) for job_id, path in targets]
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(counts.all_connected.wait(), timeout)
    conn.send(("connected", counts.summary()))
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(counts.all_ended.wait(), timeout)
    await asyncio.gather(*opening, return_exceptions=True)
    conn.send(("done", counts.arrivals, counts.summary()))


def child(conn: Connection, host: str, port: int, targets: list[tuple[str, str]], timeout: float) -> None:
    """A watcher process's entry point (multiprocessing, spawn)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 65536)), hard))
    try:
        import uvloop

        runner: Any = uvloop.run
    except ImportError:
        runner = asyncio.run
    conn.send("ready")
    runner(_watch_all(conn, host, port, targets, timeout))
