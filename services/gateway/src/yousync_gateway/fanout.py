"""One upstream `WatchJob` stream per job and user in this gateway process, shared by all its watchers.

Ten thousand browser tabs watching one job cost the orchestrator one stream, and the gateway one
protobuf → JSON → SSE encoding per event (`JobFeed.frames`), not one per tab. A feed starts from
the sequence its first watcher asked for (0: the current state, then what follows) and keeps the job's few
events, so a watcher that joins late replays from its own position; a watcher resuming after a sequence
(`Last-Event-ID`) shares the job's feed when that feed began at or before its sequence (it holds every later
event exactly), otherwise a feed that starts there, which the orchestrator answers with exactly the
missed events. Feeds are keyed by (user, job): the orchestrator authorised the first watcher's call for
that user, and only that user's later watchers share it (another user's watch is its own call, and fails
as before). A feed ends with its upstream (terminal event, deadline, error), or
when its last watcher leaves.

Delivery: a watcher that has sent everything and is waiting registers as a listener; when a frame
arrives the feed calls every listener synchronously (`on_frame`), and a listener that can write the
frame (already framed as an HTTP chunk, once, in `Frame.chunk`) straight to its socket does so there and
keeps sleeping. So the fan-out of one event to ten thousand watchers is one pass of socket writes; only
what cannot go that way (the end of a stream, a slow client) wakes a watcher's own task, after the pass.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import Awaitable, Callable
from typing import Any, NamedTuple, Protocol, TypeVar

import grpc

from yousync.analysis.v1 import analysis_pb2
from yousync_gateway import convert, sse
from yousync_gateway.errors import from_grpc
from yousync_gateway.server import chunk

log = logging.getLogger(__name__)
T = TypeVar("T")


class Frame(NamedTuple):
    sequence: int
    frame: bytes  # the SSE event (without `retry:`)
    terminal: bool
    chunk: bytes  # `frame` as one chunk of chunked transfer encoding


class Listener(Protocol):
    def on_frame(self) -> bool:
        """The feed has a new frame (its last); called synchronously, it must not block. True: `wake()` it
        once every listener has had the frame (its task must run: the end, a frame it could not write)."""

    def wake(self) -> None:
        """Run the listener's task (see on_frame)."""

    def on_end(self) -> None:
        """The feed ended."""


class JobFeed:
    def __init__(self, hub: FeedHub, key: tuple[str, str, int], stub: Any, metadata: Any, timeout: float) -> None:
        self._hub = hub
        self._key = key
        self.job_id = key[1]
        # In arrival order; a job has a few dozen.
        self.frames: list[Frame] = []
        self.done = False
        self.watchers = 0
        self._listeners: dict[Listener, None] = {}  # insertion-ordered: the first to wait is written first
        self._after_end: asyncio.Future[Any] | None = None
        loop = asyncio.get_running_loop()
        self._started: asyncio.Future[None] = loop.create_future()
        self._next: asyncio.Future[None] = loop.create_future()
        self._call = stub.WatchJob(
            analysis_pb2.WatchJobRequest(job_id=self.job_id, after_sequence=key[2]), metadata=metadata, timeout=timeout
        )
        self._task = loop.create_task(self._run())

    async def started(self) -> None:
        """Until the first event or the end; an error before any event (404, 401...) is raised here."""
        await asyncio.shield(self._started)

    async def changed(self) -> None:
        """Until another frame arrives or the feed ends."""
        await asyncio.shield(self._next)

    async def after_end(self, fetch: Callable[[], Awaitable[T]]) -> T:
        """`fetch()` (the job's state once this feed has ended) run once for all the feed's watchers, not once
        each: ten thousand watchers of a watch that broke make one GetJob call, not ten thousand."""
        assert self.done
        if self._after_end is None:
            self._after_end = asyncio.ensure_future(fetch())
        result: T = await asyncio.shield(self._after_end)
        return result

    def listen(self, listener: Listener) -> None:
        self._listeners[listener] = None

    def unlisten(self, listener: Listener) -> None:
        self._listeners.pop(listener, None)

    def _notify(self) -> None:
        if self._listeners:
            if self.done:
                for listener in list(self._listeners):
                    listener.on_end()
            else:
                # One pass of socket writes with the collector held off (a full collection in the middle
                # would delay every write after it; it runs after the pass instead), then the tasks that
                # must run are woken: the pass itself allocates next to nothing.
                waking: list[Listener] = []
                collecting = gc.isenabled()
                gc.disable()
                try:
                    for listener in list(self._listeners):
                        if listener.on_frame():
                            waking.append(listener)
                finally:
                    if collecting:
                        gc.enable()
                for listener in waking:
                    listener.wake()
        if not self._started.done():
            self._started.set_result(None)
        if not self._next.done():
            self._next.set_result(None)
        self._next = asyncio.get_running_loop().create_future()

    async def _run(self) -> None:
        try:
            while True:
                event = await self._call.read()
                if event is grpc.aio.EOF:
                    break
                terminal = event.state in convert.JOB_TERMINAL
                data = convert.job_event(event)
                if event.snapshot:
                    data["snapshot"] = True  # the current state, standing for events not replayed
                frame = sse.event(data, event_id=event.sequence)
                self.frames.append(Frame(event.sequence, frame, terminal, chunk(frame)))
                self._notify()
                if terminal:
                    break
        except grpc.aio.AioRpcError as error:
            if not self._started.done():
                self._started.set_exception(from_grpc(error))
                self._started.exception()  # retrieved: watchers that come later see it through started()
            elif error.code() not in (grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.CANCELLED):
                log.warning("watch ended with an error", extra={"grpc_code": error.code().name})
        finally:
            self.done = True
            self._call.cancel()
            self._hub.forget(self._key, self)
            if not self._started.done():
                self._started.set_result(None)
            self._notify()

    def leave(self) -> None:
        self.watchers -= 1
        if self.watchers <= 0 and not self.done:
            self._hub.forget(self._key, self)
            self._task.cancel()

    async def close(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task


class FeedHub:
    """The feeds of this process: `join` gives the (user, job)'s feed, starting it if there is none."""

    def __init__(self) -> None:
        self._feeds: dict[tuple[str, str, int], JobFeed] = {}
        self.upstream_calls = 0  # WatchJob calls made (observability, tests)

    def __len__(self) -> int:
        return len(self._feeds)

    async def join(
        self, stub: Any, subject: str, job_id: str, metadata: Any, timeout: float, *, after: int = 0
    ) -> JobFeed:
        """The (user, job)'s feed for a watcher after sequence `after` (0: from the current state)."""
        shared = self._feeds.get((subject, job_id, 0))
        if after and shared is not None and not shared.done:
            # The job's feed serves a resuming watcher exactly when it began at or before `after`.
            shared.watchers += 1
            try:
                await shared.started()
            except BaseException:
                shared.leave()
                raise
            if shared.frames and shared.frames[0][0] <= after:
                return shared
            shared.leave()
        key = (subject, job_id, after)
        feed = self._feeds.get(key)
        if feed is None or feed.done:
            feed = JobFeed(self, key, stub, metadata, timeout)
            self._feeds[key] = feed
            self.upstream_calls += 1
        feed.watchers += 1
        return feed

    def forget(self, key: tuple[str, str, int], feed: JobFeed) -> None:
        if self._feeds.get(key) is feed:
            del self._feeds[key]

    async def close(self) -> None:
        feeds = list(self._feeds.values())
        self._feeds.clear()
        for feed in feeds:
            await feed.close()
