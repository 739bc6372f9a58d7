"""QueueMonitor against the session's real NATS JetStream: depth, work in progress, idle pulls, the age
of the oldest unacknowledged message, and dead letters from MAX_DELIVERIES advisories."""

from __future__ import annotations

import asyncio
import contextlib
import uuid

import nats
from nats.js.api import AckPolicy, ConsumerConfig
from prometheus_client import REGISTRY

from yousync_platform.events import ensure_stream
from yousync_platform.queue_metrics import QueueMonitor


def value(name: str, stream: str, consumer: str) -> float:
    sample = REGISTRY.get_sample_value(name, {"stream": stream, "consumer": consumer})
    assert sample is not None, name
    return sample


async def test_the_monitor_reports_depth_age_work_and_dead_letters(nats_url: str) -> None:
    stream = f"QM{uuid.uuid4().hex[:8].upper()}"
    subject, consumer = f"{stream.lower()}.jobs", "workers"
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    try:
        await ensure_stream(js, stream, [f"{stream.lower()}.>"])
        await js.add_consumer(
            stream,
            ConsumerConfig(
                durable_name=consumer,
                filter_subject=subject,
                ack_policy=AckPolicy.EXPLICIT,
                ack_wait=1.0,
                max_deliver=1,
            ),
        )
        monitor = QueueMonitor(nc, stream, consumer, subject, interval_seconds=3600)
        await monitor.start()
        try:
            await monitor.sample()
            assert value("jetstream_consumer_pending_messages", stream, consumer) == 0
            assert value("jetstream_consumer_oldest_unacked_age_seconds", stream, consumer) == 0

            await js.publish(f"{stream.lower()}.other", b"not a job")  # another subject of the stream
            for n in range(3):
                await js.publish(subject, str(n).encode())
            await monitor.sample()
            assert value("jetstream_consumer_pending_messages", stream, consumer) == 3
            assert value("jetstream_consumer_oldest_unacked_age_seconds", stream, consumer) > 0

            pull = await js.pull_subscribe_bind(consumer, stream)
            [first] = await pull.fetch(1, timeout=5)
            await monitor.sample()
            assert value("jetstream_consumer_pending_messages", stream, consumer) == 2
            assert value("jetstream_consumer_ack_pending_messages", stream, consumer) == 1

            # Never acked, one delivery allowed: after ack_wait JetStream dead-letters it (an advisory).
            assert first.data == b"0"
            dead = value("jetstream_dead_letters_total", stream, consumer)
            async with asyncio.timeout(30):
                while value("jetstream_dead_letters_total", stream, consumer) < dead + 1:
                    # The server notices an exhausted message when it next looks for one to deliver.
                    with contextlib.suppress(nats.errors.TimeoutError):
                        await pull.fetch(1, timeout=1)
        finally:
            await monitor.stop()
    finally:
        await js.delete_stream(stream)
        await nc.close()
