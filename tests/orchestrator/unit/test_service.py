"""The use cases on in-memory fakes: uploads (caps, idempotency, the limit of analyses at once), the job's
life (exactly one end), watching (exact replay, snapshots said so, gaps filled), the webhook (replays)."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from tests.orchestrator.unit.audio import ogg_claiming, wav
from tests.orchestrator.unit.conftest import SECRET, World, make_world
from yousync_analysis_orchestrator.domain import (
    Analysis,
    JobEvent,
    JobState,
    Scores,
    Stage,
    event_message_id,
    webhook_signature,
)
from yousync_analysis_orchestrator.service import UploadRequest
from yousync_platform.errors import (
    AlreadyExists,
    DomainError,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    ResourceExhausted,
    Unauthenticated,
)

ANALYSIS = Analysis(verdict=1, scores=Scores(70, 80, 75, 85, 77), duration_seconds=1.245, raw=b"opaque")


async def chunks(data: bytes, size: int = 4096) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]
        await asyncio.sleep(0)


def request(user: str = "u1", token_id: int = 7, key: str = "") -> UploadRequest:
    return UploadRequest(user, token_id, "audio/wav", "take.wav", key)


def blobs_of(world: World) -> list[Path]:
    return [p for p in world.blobs.root.rglob("*") if p.is_file() and ".meta" not in p.parts and ".tmp" not in p.parts]


async def test_upload_queues_a_job_with_its_first_event_and_dispatch(world: World) -> None:
    upload = await world.service.upload(request(), chunks(wav(1)))
    job = upload.job
    assert not upload.replayed and job.state == JobState.QUEUED and job.last_sequence == 1
    assert [e.sequence for e in world.store.events[job.id].values()] == [1]
    assert [subject for subject, _, _ in world.store.outbox] == ["analysis.jobs.dispatch"]
    take = world.store.takes[job.take_id]
    assert take.duration_seconds == pytest.approx(1.0) and len(blobs_of(world)) == 1


async def test_caps_are_the_analyzers_too_large_and_too_long(world: World) -> None:
    with pytest.raises(ResourceExhausted) as large:
        await world.service.upload(request(), chunks(wav(1) + bytes(3 * 1024 * 1024)))
    assert large.value.reason == "TOO_LARGE"
    with pytest.raises(InvalidArgument) as long:
        await world.service.upload(request(), chunks(wav(30)))
    assert long.value.reason == "TOO_LONG" and long.value.metadata["max_seconds"] == "20"
    with pytest.raises(InvalidArgument) as bomb:
        await world.service.upload(request(), chunks(ogg_claiming(3600)))
    assert bomb.value.reason == "TOO_LONG" and "3600.0 s" in bomb.value.message
    assert world.store.jobs == {} and blobs_of(world) == [], "nothing stored, no blob left behind"


async def test_the_limit_of_analyses_at_once_is_exact_under_concurrency(world: World) -> None:
    outcomes = await asyncio.gather(
        *(world.service.upload(request(), chunks(wav(1))) for _ in range(8)), return_exceptions=True
    )
    accepted = [o for o in outcomes if not isinstance(o, BaseException)]
    refused = [o for o in outcomes if isinstance(o, BaseException)]
    assert len(accepted) == 4 and len(refused) == 4
    for error in refused:
        assert isinstance(error, ResourceExhausted) and error.reason == "TOO_MANY_ANALYSES"
        assert error.metadata["retry_after_seconds"] == "5"
    assert len(blobs_of(world)) == 4, "refused uploads deleted their blob"
    # Another user is not counted; an ended job frees a place.
    await world.service.upload(request(user="u2"), chunks(wav(1)))
    await world.service.complete(accepted[0].job.id, ANALYSIS)
    await world.service.upload(request(), chunks(wav(1)))
    with pytest.raises(ResourceExhausted):
        await world.service.upload(request(), chunks(wav(1)))


async def test_a_replay_returns_its_job_and_is_not_counted(tmp_path: Path) -> None:
    world = make_world(tmp_path, max_active_analyses=1)
    data = wav(1)
    first = await world.service.upload(request(key="k"), chunks(data))
    for _ in range(3):  # at the limit, a retry still gets its job
        again = await world.service.upload(request(key="k"), chunks(data))
        assert again.replayed and again.job.id == first.job.id
    with pytest.raises(ResourceExhausted):
        await world.service.upload(request(key="other"), chunks(data))
    with pytest.raises(FailedPrecondition, match="another line"):
        await world.service.upload(request(key="k", token_id=8), chunks(data))
    with pytest.raises(FailedPrecondition, match="different recording"):
        await world.service.upload(request(key="k"), chunks(wav(2)))
    assert len(world.store.jobs) == 1 and len(blobs_of(world)) == 1


async def test_replay_only_answers_an_earlier_upload_and_stores_nothing(world: World) -> None:
    data = wav(1)
    first = await world.service.upload(request(key="k"), chunks(data))
    replay = replace(request(key="k"), replay_only=True)
    again = await world.service.upload(replay, chunks(data))
    assert again.replayed and again.job.id == first.job.id
    with pytest.raises(FailedPrecondition):
        await world.service.upload(replay, chunks(wav(2)))
    with pytest.raises(NotFound) as none:
        await world.service.upload(replace(replay, request_id="new"), chunks(data))
    assert none.value.reason == "NO_EARLIER_UPLOAD"
    assert len(world.store.jobs) == 1 and len(blobs_of(world)) == 1


async def test_concurrent_uploads_with_one_key_make_one_job(world: World) -> None:
    data = wav(1)
    uploads = await asyncio.gather(*(world.service.upload(request(key="same"), chunks(data)) for _ in range(10)))
    assert len({u.job.id for u in uploads}) == 1 and sum(not u.replayed for u in uploads) == 1
    assert len(blobs_of(world)) == 1


async def test_a_job_ends_exactly_once(world: World) -> None:
    job = (await world.service.upload(request(), chunks(wav(1)))).job
    started = await world.service.start(job.id)
    assert started is not None and started.state == JobState.RUNNING and started.sequence == 2
    progressed = await world.service.progress(job.id, Stage.ALIGNMENT, 50, "")
    assert progressed is not None and progressed.progress == 10 + 50 * 85 // 100 and progressed.message == "alignment"
    done = await world.service.complete(job.id, ANALYSIS)
    assert done is not None and done.state == JobState.COMPLETED
    assert await world.service.complete(job.id, ANALYSIS) is None
    assert await world.service.fail(job.id, "X", "late") is None
    assert await world.service.progress(job.id, Stage.SCORING, 90, "late") is None
    assert await world.service.start(job.id) is None
    result = await world.service.result("u1", job.id)
    assert result.analysis == b"opaque" and result.duration_seconds == 1.245
    takes, _ = await world.service.takes("u1", size=10, token="", token_id=0, script_id=0)
    assert takes[0].duration_seconds == 1.245, "the take's duration is the analysis' own"
    subjects = [subject for subject, _, _ in world.store.outbox]
    assert subjects.count("analysis.events.take_completed") == 1
    assert [e.sequence for e in world.store.events[job.id].values()] == [1, 2, 3, 4]


async def test_the_dispatch_and_the_last_event_are_sent_at_once_with_their_outbox_ids(world: World) -> None:
    """Latency: neither waits for the relay; the relay's copy has the same message id (JetStream keeps one)."""
    job = (await world.service.upload(request(), chunks(wav(1)))).job
    assert world.live.sent_now == [(s, p, str(i)) for s, p, i in world.store.outbox]
    assert [s for s, _, _ in world.live.sent_now] == ["analysis.jobs.dispatch"]
    await world.service.start(job.id)
    await world.service.complete(job.id, ANALYSIS)
    terminal = [row for row in world.store.outbox if row[0] == f"analysis.job.{job.id}.events"]
    assert len(terminal) == 1 and world.live.sent_now[1:] == [(s, p, str(i)) for s, p, i in terminal]
    assert terminal[0][2] == event_message_id(job.id, 3)
    # A failed job's last event too; a job already ended sends nothing.
    other = (await world.service.upload(request(), chunks(wav(1)))).job
    await world.service.fail(other.id, "X", "broken")
    assert world.live.sent_now[-1][0] == f"analysis.job.{other.id}.events"
    sent = len(world.live.sent_now)
    assert await world.service.fail(other.id, "X", "again") is None and len(world.live.sent_now) == sent
    # A job completed through the webhook too (its watchers wait as much as anyone's).
    hooked = (await world.service.upload(request(), chunks(wav(1)))).job
    body = json.dumps({"job_id": hooked.id, "failure": {"reason": "GPU", "message": "fell over"}}).encode()
    done = await world.service.complete_externally(*signed(body, int(world.clock[0])))
    assert world.live.sent_now[-1][:2] == (f"analysis.job.{hooked.id}.events", world.store.outbox[-1][1])
    assert world.live.sent_now[-1][2] == str(event_message_id(hooked.id, done.last_sequence))
    sent = len(world.live.sent_now)
    await world.service.complete_externally(*signed(body, int(world.clock[0]) + 1))  # already over: nothing sent
    assert len(world.live.sent_now) == sent


async def run_job(world: World, steps: int = 5) -> str:
    job = (await world.service.upload(request(), chunks(wav(1)))).job
    await world.service.start(job.id)
    for i in range(steps):
        await world.service.progress(job.id, Stage.SCORING, 20 * i, f"step {i}")
    await world.service.complete(job.id, ANALYSIS)
    return job.id


async def watched(world: World, job_id: str, after: int) -> list[JobEvent]:
    return [e async for e in world.service.watch("u1", job_id, after)]


async def test_resuming_a_finished_job_replays_exactly_the_missed_events(world: World) -> None:
    job_id = await run_job(world)
    last = world.store.jobs[job_id].last_sequence
    resumed = await watched(world, job_id, 1)
    assert [e.sequence for e in resumed] == list(range(2, last + 1))
    assert not any(e.snapshot for e in resumed)
    assert resumed[-1].result is not None and resumed[-1].result.analysis == b"opaque"
    assert await watched(world, job_id, last) == []
    fresh = await watched(world, job_id, 0)
    assert len(fresh) == 1 and fresh[0].snapshot and fresh[0].sequence == last


async def test_a_client_older_than_what_is_kept_gets_a_snapshot_said_so(tmp_path: Path) -> None:
    world = make_world(tmp_path, events_kept=3)
    job_id = await run_job(world)
    last = world.store.jobs[job_id].last_sequence
    assert [e.sequence for e in await watched(world, job_id, last - 3)] == [last - 2, last - 1, last]
    old = await watched(world, job_id, 1)
    assert len(old) == 1 and old[0].snapshot and old[0].sequence == last and old[0].result is not None


async def test_live_watch_fills_a_lost_publish_from_the_database(world: World) -> None:
    job = (await world.service.upload(request(), chunks(wav(1)))).job
    world.live.drop = {3, 4}
    seen: list[JobEvent] = []

    async def watch() -> None:
        async for event in world.service.watch("u1", job.id, 1):
            seen.append(event)

    watcher = asyncio.create_task(watch())
    for _ in range(100):  # until the watcher listens (a few loop turns, no time involved)
        if world.live.queues.get(job.id):
            break
        await asyncio.sleep(0)
    await world.service.start(job.id)
    for i in range(4):
        await world.service.progress(job.id, Stage.SCORING, 20 * i, f"step {i}")
    await world.service.complete(job.id, ANALYSIS)  # the terminal event goes via the outbox: not published here
    await world.live.publish(
        JobEvent(
            job.id, world.store.jobs[job.id].last_sequence, JobState.COMPLETED, Stage.DONE, 100, "", job.created_at
        )
    )
    await asyncio.wait_for(watcher, 5)
    assert [e.sequence for e in seen] == list(range(2, world.store.jobs[job.id].last_sequence + 1))
    assert seen[-1].result is not None


async def test_quiet_watchers_cost_one_read_per_period_not_one_each(tmp_path: Path) -> None:
    """Fifty watchers of queued jobs that stay quiet: the silence check reads the watched jobs' last
    sequences in one query per period, and nobody reads events that are not there."""
    world = make_world(tmp_path, watch_recheck_seconds=0.05, max_active_analyses=100)
    jobs = [(await world.service.upload(request(), chunks(wav(1)))).job for _ in range(50)]
    seen: list[JobEvent] = []

    async def watch(job_id: str) -> None:
        async for event in world.service.watch("u1", job_id, 1):
            seen.append(event)

    watchers = [asyncio.create_task(watch(job.id)) for job in jobs]
    for _ in range(100):
        if all(world.live.queues.get(job.id) for job in jobs):
            break
        await asyncio.sleep(0)
    opened = world.store.units[0]
    await asyncio.sleep(0.5)  # ten periods of silence
    reads = world.store.units[0] - opened
    assert 5 <= reads <= 12, f"{reads} units of work in 10 periods for 50 quiet watchers"
    assert seen == []
    # One job moves on with its live event lost: only its watcher reads the database, and gets it.
    world.live.drop = {2}
    await world.service.start(jobs[7].id)
    await asyncio.sleep(0.2)
    assert [(e.job_id, e.sequence) for e in seen] == [(jobs[7].id, 2)]
    for watcher in watchers:
        watcher.cancel()
    await asyncio.gather(*watchers, return_exceptions=True)


async def test_a_watcher_whose_live_events_never_come_gets_them_from_the_database(tmp_path: Path) -> None:
    """Every live event lost (say the listener lost its subscription in a NATS restart): the watcher
    still sees every event and the end, read from the database after a silence."""
    world = make_world(tmp_path, watch_recheck_seconds=0.05)
    job = (await world.service.upload(request(), chunks(wav(1)))).job
    world.live.drop = set(range(1, 100))
    seen: list[JobEvent] = []

    async def watch() -> None:
        async for event in world.service.watch("u1", job.id, 1):
            seen.append(event)

    watcher = asyncio.create_task(watch())
    for _ in range(100):
        if world.live.queues.get(job.id):
            break
        await asyncio.sleep(0)
    await world.service.start(job.id)
    await world.service.progress(job.id, Stage.SCORING, 50, "half")
    await world.service.complete(job.id, ANALYSIS)
    await asyncio.wait_for(watcher, 5)
    assert [e.sequence for e in seen] == list(range(2, world.store.jobs[job.id].last_sequence + 1))
    assert seen[-1].terminal and seen[-1].result is not None


def signed(body: bytes, ts: int) -> tuple[bytes, str, int]:
    return body, webhook_signature(SECRET, ts, body), ts


async def test_webhook_refuses_replays_bad_signatures_and_stale_calls(world: World) -> None:
    job = (await world.service.upload(request(), chunks(wav(1)))).job
    ts = int(world.clock[0])
    body = json.dumps({"job_id": job.id, "failure": {"reason": "GPU", "message": "fell over"}}).encode()
    failed = await world.service.complete_externally(*signed(body, ts))
    assert failed.state == JobState.FAILED and failed.failure_reason == "GPU"
    with pytest.raises(AlreadyExists) as replay:
        await world.service.complete_externally(*signed(body, ts))
    assert replay.value.reason == "WEBHOOK_REPLAYED"
    # Another signed call (another second) is not a replay: completing a finished job changes nothing.
    again = await world.service.complete_externally(*signed(body, ts + 1))
    assert again.last_sequence == failed.last_sequence
    errors: list[tuple[tuple[bytes, str, int], str]] = [
        ((body, "0" * 64, ts), "BAD_SIGNATURE"),
        (signed(body, ts - 301), "STALE_TIMESTAMP"),
        (signed(body, ts + 301), "STALE_TIMESTAMP"),
        (signed(b"not json", ts), "INVALID_BODY"),
    ]
    for call, reason in errors:
        with pytest.raises(DomainError) as error:
            await world.service.complete_externally(*call)
        assert error.value.reason == reason
    # An unknown job: 404, and the call is not kept (its transaction rolls back).
    unknown = json.dumps({"job_id": str(uuid.uuid4()), "failure": {"reason": "GPU", "message": "?"}}).encode()
    with pytest.raises(NotFound) as missing:
        await world.service.complete_externally(*signed(unknown, ts))
    assert missing.value.reason == "JOB_NOT_FOUND"
    # Once its timestamp is too old anyway, the remembered call is forgotten (the store stays bounded).
    assert len(world.store.nonces) == 2
    world.clock[0] += 10_000
    await world.service.complete_externally(*signed(body, int(world.clock[0])))
    assert len(world.store.nonces) == 1
    with pytest.raises(Unauthenticated):
        await world.service.complete_externally(*signed(body, ts))
