"""The JetStream consumer of analysis.events.take_completed counts each event exactly once."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from sqlalchemy import text

from tests.catalog.conftest import CatalogHarness
from yousync.analysis.v1 import events_pb2
from yousync_catalog.domain import ScriptFilter
from yousync_catalog.events import DURABLE, STREAM, TAKE_COMPLETED_SUBJECT, TakeCounter
from yousync_platform.db import create_engine
from yousync_platform.events import connect, publish


@pytest.fixture
async def nats_client(nats_url: str) -> AsyncIterator[NatsClient]:
    client = await connect(nats_url, name="test-publisher")
    yield client
    await client.close()


def event(event_id: str, token_id: int, script_id: int) -> bytes:
    return events_pb2.TakeCompleted(
        event_id=event_id, job_id="j", take_id="t", user_id="u", token_id=token_id, script_id=script_id
    ).SerializeToString()


async def counts(catalog: CatalogHarness, token_id: int) -> tuple[int, int]:
    async with catalog.uow() as uow:
        token = await uow.tokens.get(token_id)
        assert token is not None
        script = await uow.scripts.get(token.script_id, with_tokens=False)
        assert script is not None
        return token.take_count, script.take_count


async def wait_for(catalog: CatalogHarness, token_id: int, expected: tuple[int, int]) -> None:
    for _ in range(200):
        if await counts(catalog, token_id) == expected:
            return
        await asyncio.sleep(0.05)
    assert await counts(catalog, token_id) == expected


async def consumer_acked(js: JetStreamContext, stream_seq: int) -> None:
    """Wait until the service's durable consumer has acked everything up to `stream_seq`."""
    for _ in range(200):
        info = await js.consumer_info(STREAM, DURABLE)
        if info.ack_floor is not None and (info.ack_floor.stream_seq or 0) >= stream_seq:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"the take counter never acked message {stream_seq}")


async def test_take_completed_counted_once_despite_duplicates_and_redelivery(
    catalog: CatalogHarness, nats_client: NatsClient
) -> None:
    await catalog.import_demo()
    listing = await catalog.app.service.list_scripts(ScriptFilter(), 10, "")
    script = await catalog.app.service.get_script(listing.items[0].id)
    token_id, script_id = script.tokens[0].id, script.id
    js = nats_client.jetstream()

    first = str(uuid.uuid4())
    await publish(js, TAKE_COMPLETED_SUBJECT, event(first, token_id, script_id), msg_id=first)
    await wait_for(catalog, token_id, (1, 1))

    # The same event again: once deduplicated by JetStream (same Nats-Msg-Id), once delivered
    # (a relay retrying after the duplicate window, under another message id): still one take.
    await publish(js, TAKE_COMPLETED_SUBJECT, event(first, token_id, script_id), msg_id=first)
    await publish(js, TAKE_COMPLETED_SUBJECT, event(first, token_id, script_id), msg_id=first + "-again")
    # A poison message is terminated, not retried, and does not stop the consumer.
    await publish(js, TAKE_COMPLETED_SUBJECT, b"\xff\xff not protobuf", msg_id=str(uuid.uuid4()))
    second = str(uuid.uuid4())
    await publish(js, TAKE_COMPLETED_SUBJECT, event(second, token_id, script_id), msg_id=second)
    await wait_for(catalog, token_id, (2, 2))

    # Redelivery: a consumer that committed the count but died before acking. JetStream redelivers
    # after ack_wait; the real handler then sees the event id already claimed and only acks.
    third = str(uuid.uuid4())
    crashy = await js.pull_subscribe(
        TAKE_COMPLETED_SUBJECT,
        durable="test-crashy",
        stream=STREAM,
        config=ConsumerConfig(ack_policy=AckPolicy.EXPLICIT, ack_wait=1.0, deliver_policy=DeliverPolicy.NEW),
    )
    try:
        third_ack = await publish(js, TAKE_COMPLETED_SUBJECT, event(third, token_id, script_id), msg_id=third)
        [delivered] = await crashy.fetch(1, timeout=5)
        assert delivered.metadata.num_delivered == 1
        # The crashing consumer's effect (the service's own consumer races it for the same event: one wins).
        await catalog.app.service.record_take_completed(third, token_id, script_id)
        await wait_for(catalog, token_id, (3, 3))
        [redelivered] = await crashy.fetch(1, timeout=5)
        assert redelivered.metadata.num_delivered == 2
        await TakeCounter(catalog.app.service).handle(redelivered)
    finally:
        await crashy.unsubscribe()
        await js.delete_consumer(STREAM, "test-crashy")
    await wait_for(catalog, token_id, (3, 3))
    # The service's own consumer also got `third`: once it has acked it, it must not have counted it again.
    await consumer_acked(js, third_ack.seq)
    assert await counts(catalog, token_id) == (3, 3)

    # Many distinct events at once: each counted.
    ids = [str(uuid.uuid4()) for _ in range(20)]
    await asyncio.gather(*[publish(js, TAKE_COMPLETED_SUBJECT, event(i, token_id, script_id), msg_id=i) for i in ids])
    await wait_for(catalog, token_id, (23, 23))
    info = await js.consumer_info(STREAM, "catalog-take-counter")
    assert info.num_ack_pending == 0


async def test_counting_waits_for_the_script_without_holding_its_line(
    catalog: CatalogHarness, postgres_url: str
) -> None:
    """An import locks a script's row, then its lines'. A view or a take counted meanwhile must wait for the
    script without holding its line, or the two deadlock and PostgreSQL aborts one (the import, say)."""
    await catalog.import_demo()
    listing = await catalog.app.service.list_scripts(ScriptFilter(), 10, "")
    script = await catalog.app.service.get_script(listing.items[0].id)
    token_id, script_id = script.tokens[0].id, script.id
    engine = create_engine(postgres_url)
    try:
        async with engine.begin() as importing:  # an import's transaction, between its script and its lines
            await importing.execute(text("SET LOCAL lock_timeout = '5s'"))
            touch = "UPDATE catalog.{} SET updated_at = now() WHERE id = :id"
            await importing.execute(text(touch.format("scripts")), {"id": script_id})
            view = asyncio.create_task(catalog.app.service.record_view(token_id))
            take = asyncio.create_task(catalog.app.service.record_take_completed(str(uuid.uuid4()), token_id, 0))
            await asyncio.sleep(0.3)
            assert not view.done() and not take.done(), "both wait for the script's row"
            await importing.execute(text(touch.format("tokens")), {"id": token_id})  # its line is free
        assert await view == 1
        assert await take is True
    finally:
        await engine.dispose()
    assert await counts(catalog, token_id) == (1, 1)
