"""NATS JetStream: connections, streams, publishing with de-duplication, durable pull consumers.

Publishing sets `Nats-Msg-Id` (nats-py's `js.publish` has no msg_id argument), so a relay that
retries publishes each event once within the stream's duplicate window. Consumers are durable pull
consumers with explicit acks; handlers are expected to be idempotent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

import nats
from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, PubAck, StorageType, StreamConfig
from nats.js.errors import NotFoundError

from yousync_platform.telemetry import consuming, inject

log = logging.getLogger(__name__)

MSG_ID_HEADER = "Nats-Msg-Id"


class ReconnectHooks:
    """Coroutines to run each time the connection comes back (e.g. to re-create a subscription at once)."""

    def __init__(self) -> None:
        self._hooks: list[Callable[[], Awaitable[None]]] = []

    def add(self, hook: Callable[[], Awaitable[None]]) -> None:
        self._hooks.append(hook)

    async def run(self) -> None:
        for hook in self._hooks:
            try:
                await hook()
            except Exception:
                log.warning("a reconnect hook failed", exc_info=True)


async def connect(url: str, name: str, reconnected: ReconnectHooks | None = None) -> NatsClient:
    """Connect, reconnecting forever in the background (a NATS restart is survivable)."""
    return await nats.connect(
        url,
        name=name,
        max_reconnect_attempts=-1,
        reconnect_time_wait=0.5,
        connect_timeout=5,
        allow_reconnect=True,
        reconnected_cb=reconnected.run if reconnected else None,
    )


async def ensure_stream(
    js: JetStreamContext,
    name: str,
    subjects: list[str],
    *,
    duplicate_window_seconds: float = 120.0,
    max_age_seconds: float = 7 * 24 * 3600,
    storage: StorageType = StorageType.FILE,
    replicas: int = 1,
) -> None:
    config = StreamConfig(
        name=name,
        subjects=subjects,
        storage=storage,
        duplicate_window=duplicate_window_seconds,
        max_age=max_age_seconds,
        num_replicas=replicas,
    )
    try:
        await js.stream_info(name)
        await js.update_stream(config)
    except NotFoundError:
        await js.add_stream(config)


async def publish(
    js: JetStreamContext,
    subject: str,
    payload: bytes,
    *,
    msg_id: str,
    headers: dict[str, str] | None = None,
    timeout: float = 5.0,
) -> PubAck:
    # The current trace context goes along as W3C `traceparent`, so the consumer's span continues it.
    return await js.publish(
        subject, payload, timeout=timeout, headers={**inject(), **(headers or {}), MSG_ID_HEADER: msg_id}
    )


Handler = Callable[[Msg], Awaitable[None]]


class PullConsumer:
    """A durable pull consumer running `handler` for each message with bounded concurrency.

    The handler acks, naks or terms each message itself (explicit ack policy); a handler that
    raises gets the message nak'ed with `retry_delay`.
    """

    def __init__(
        self,
        js: JetStreamContext,
        *,
        stream: str,
        durable: str,
        subject: str,
        handler: Handler,
        concurrency: int = 4,
        ack_wait_seconds: float = 30.0,
        max_deliver: int = 5,
        retry_delay: float = 1.0,
    ) -> None:
        self._js = js
        self._stream = stream
        self._durable = durable
        self._subject = subject
        self._handler = handler
        self._slots = asyncio.Semaphore(concurrency)
        self._config = ConsumerConfig(
            durable_name=durable,
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=ack_wait_seconds,
            max_deliver=max_deliver,
            filter_subject=subject,
            max_ack_pending=max(concurrency * 4, 16),
        )
        self._retry_delay = retry_delay
        self._task: asyncio.Task[None] | None = None
        self._inflight: set[asyncio.Task[None]] = set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"consumer:{self._durable}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._inflight:
            await asyncio.gather(*self._inflight, return_exceptions=True)

    async def _run(self) -> None:
        subscription = None
        while True:
            try:
                if subscription is None:
                    subscription = await self._js.pull_subscribe(
                        self._subject, durable=self._durable, stream=self._stream, config=self._config
                    )
                await self._slots.acquire()
                try:
                    messages = await subscription.fetch(1, timeout=1.0)
                except BaseException:
                    self._slots.release()
                    raise
                task = asyncio.create_task(self._handle(messages[0]))
                self._inflight.add(task)
                task.add_done_callback(self._inflight.discard)
            except nats.errors.TimeoutError:
                continue
            except asyncio.CancelledError:
                if subscription is not None:
                    with contextlib.suppress(Exception):
                        await subscription.unsubscribe()
                raise
            except Exception:
                log.warning("consumer %s: fetch failed, retrying", self._durable, exc_info=True)
                await asyncio.sleep(0.5)

    def _span_attributes(self, msg: Msg) -> dict[str, str | int]:
        attributes: dict[str, str | int] = {
            "messaging.system": "nats",
            "messaging.destination.name": msg.subject,
            "messaging.consumer.group.name": self._durable,
        }
        if msg.headers and MSG_ID_HEADER in msg.headers:
            attributes["messaging.message.id"] = msg.headers[MSG_ID_HEADER]
        return attributes

    async def _handle(self, msg: Msg) -> None:
        try:
            with consuming(f"{msg.subject} process", msg.headers, self._span_attributes(msg)):
                await self._handler(msg)
        except Exception:
            log.exception("consumer %s: handler failed", self._durable)
            with contextlib.suppress(Exception):
                await msg.nak(delay=self._retry_delay)
        finally:
            self._slots.release()
