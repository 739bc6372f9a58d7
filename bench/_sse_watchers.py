"""The watchers of bench/sse.py: cheap SSE clients in separate processes.

A watcher is a raw non-blocking socket (no HTTP client library): it sends one GET, reads the response
head, decodes the chunked body and the `text/event-stream` frames, parses each `data:` line as JSON, and
for the terminal event (status completed or failed) notes two moments: when the bytes holding it reached
its socket (the kernel's receive timestamp, SO_TIMESTAMPNS, CLOCK_REALTIME) and when this process read
them (`time.monotonic()`). Both clocks are system-wide, so they compare with the t0s the main process
takes (in both clocks) when it completes a job. The watchers are spread over a few processes so that reading 10,000
streams does not queue behind one client's event loop (the gateway is what is measured).

The kernel merges segments waiting unread in a socket's receive queue, and the merged one carries the
later segment's timestamp; the stream's end (its last chunk) follows its terminal event, but in the same
write (the gateway's fan-out writes both at once) or right after it (a stream whose task sends them), so
the timestamp of a read that holds both is the event's.
The watcher processes run on CPUs of their own (bench/sse.py) so that they read as they are written to.

Protocol with the main process (a multiprocessing pipe): the child sends "ready"; the main process sends
"go"; the child connects every watcher and sends ("connected", counts); once they all ended (terminal,
failure, or `timeout`) it sends ("done", arrivals, counts).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import resource
import socket
import struct
import time
from multiprocessing.connection import Connection
from typing import Any

TERMINAL = ("completed", "failed")
SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)  # Linux; SCM_TIMESTAMPNS has the same number
_CMSG_SPACE = socket.CMSG_SPACE(16)  # one struct timespec
OPENING = 250
_CODE = re.compile(rb'"code"\s*:\s*"([A-Z_]+)"')


class Counts:
    def __init__(self, watchers: int) -> None:
        self.watchers = watchers
        self.connected = 0
        self.failures = 0
        self.reasons: dict[str, int] = {}
        self.ended = 0
        # (job id, when this process read the terminal event (CLOCK_MONOTONIC), when its bytes reached the
        # socket (the kernel's receive timestamp, CLOCK_REALTIME))
        self.arrivals: list[tuple[str, float, float]] = []
        # Streams that delivered their terminal event. Closing one costs this CPU a few segments' worth of
        # TCP (the FIN each way, a reset for the gateway's end of the stream), which would compete with the
        # reading of the streams still waiting for theirs: they are closed after the round instead.
        self.finished_sockets: list[socket.socket] = []
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


class Watcher:
    """One SSE client on a non-blocking socket read with `add_reader` and `recvmsg`, which also hands over
    the kernel's receive timestamp (SO_TIMESTAMPNS, CLOCK_REALTIME) of the bytes read."""

    def __init__(self, job_id: str, request: bytes, counts: Counts) -> None:
        self.job_id = job_id
        self.request = request
        self.counts = counts
        self.sock: socket.socket | None = None
        self.buffer = b""  # undecoded bytes (head, then chunked body)
        self.text = b""  # decoded body not yet split into events
        self.head = True
        self.connected = False
        self.finished = False
        self.opened: asyncio.Future[None] = asyncio.get_running_loop().create_future()  # first event, or the end

    async def open(self, host: str, port: int) -> None:
        loop = asyncio.get_running_loop()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        try:
            await loop.sock_connect(sock, (host, port))
            sock.send(self.request)
        except OSError as error:
            sock.close()
            self._finish(type(error).__name__)
            return
        self.sock = sock
        loop.add_reader(sock.fileno(), self._readable)
        await self.opened

    def _readable(self) -> None:
        now = time.monotonic()
        assert self.sock is not None
        try:
            data, ancillary, _, _ = self.sock.recvmsg(65536, _CMSG_SPACE)
        except BlockingIOError:
            return
        except OSError as error:
            self._finish(type(error).__name__)
            return
        if not data:
            self._finish("closed before the terminal event")
            return
        stamp = 0.0
        for level, kind, raw in ancillary:
            if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS:
                seconds, nanoseconds = struct.unpack("qq", raw[:16])
                stamp = seconds + nanoseconds / 1e9
        self.data_received(data, now, stamp)

    def data_received(self, data: bytes, now: float, stamp: float) -> None:
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
                    self._event(json.loads(line[5:]), now, stamp)
        if ended and not self.finished:
            self._finish("ended without a terminal event")

    def _event(self, data: dict[str, Any], now: float, stamp: float) -> None:
        if not self.connected:
            self.connected = True
            self.counts.connected += 1
            self.counts._check()
            self.opened.set_result(None)
        if data.get("status") in TERMINAL:
            self.counts.arrivals.append((self.job_id, now, stamp))
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
        if self.sock is not None:
            asyncio.get_running_loop().remove_reader(self.sock.fileno())
            if failure is None:
                self.counts.finished_sockets.append(self.sock)  # closed once every watcher has ended
            else:
                self.sock.close()


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
            await watcher.open(host, port)

    await loop.run_in_executor(None, conn.recv)  # "go"
    opening = [asyncio.create_task(open_one(job_id, path)) for job_id, path in targets]
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(counts.all_connected.wait(), timeout)
    conn.send(("connected", counts.summary()))
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(counts.all_ended.wait(), timeout)
    await asyncio.gather(*opening, return_exceptions=True)
    for sock in counts.finished_sockets:
        sock.close()
    conn.send(("done", counts.arrivals, counts.summary()))


def child(
    conn: Connection, host: str, port: int, targets: list[tuple[str, str]], timeout: float, cpus: set[int] | None
) -> None:
    """A watcher process's entry point (multiprocessing, spawn), on `cpus` (None: any)."""
    if cpus:
        os.sched_setaffinity(0, cpus)
    os.nice(int(os.environ.get("BENCH_SSE_CLIENT_NICE", "0")))
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 65536)), hard))
    try:
        import uvloop

        runner: Any = uvloop.run
    except ImportError:
        runner = asyncio.run
    conn.send("ready")
    runner(_watch_all(conn, host, port, targets, timeout))
