"""Upload → dispatch → analyzer → result, with the stream of events checked, on the real suite."""

from __future__ import annotations

import asyncio

import grpc
from prometheus_client import REGISTRY
from sqlalchemy import text

from tests.grpc_helpers import expect_error
from tests.orchestrator.conftest import Flow, take, wait_for
from yousync.analysis.v1 import analysis_pb2
from yousync.analyzer.v1 import analyzer_pb2
from yousync.common.v1 import common_pb2
from yousync_analysis_orchestrator.subjects import STREAM
from yousync_catalog.events import DURABLE as CATALOG_DURABLE

TERMINAL = (analysis_pb2.JOB_STATE_COMPLETED, analysis_pb2.JOB_STATE_FAILED)


async def take_count(flow: Flow, token_id: int) -> int:
    """The catalog's stored counter (read under the catalog's API cache, which may lag by its TTL)."""
    async with flow.catalog.uow() as uow:
        value = await uow.session.scalar(text("SELECT take_count FROM catalog.tokens WHERE id = :id"), {"id": token_id})
    return int(value)


def assert_well_formed(events: list[analysis_pb2.JobEvent], after: int = 0) -> None:
    sequences = [e.sequence for e in events]
    assert sequences == sorted(set(sequences)), f"sequences must strictly increase: {sequences}"
    assert all(s > after for s in sequences)
    assert [e.state in TERMINAL for e in events].count(True) == 1, "exactly one terminal event"
    assert events[-1].state in TERMINAL, "the terminal event is the last one"
    progress = [e.progress for e in events]
    assert progress == sorted(progress), f"progress never goes back: {progress}"


async def test_upload_to_result_with_live_events(flow: Flow, lines: dict[str, int]) -> None:
    user = await flow.user("learner@example.com")
    before = await take_count(flow, lines["frankly"])
    # The browser labels WebM as audio/wav: the orchestrator sniffs the bytes.
    job = await flow.upload(user, lines["frankly"], take("frankly", "good.webm"), label="audio/wav")
    assert job.state == analysis_pb2.JOB_STATE_QUEUED and job.id and job.take_id
    assert job.token_id == lines["frankly"] and job.script_id > 0

    events = await flow.watch(user, job.id)
    assert_well_formed(events)
    assert events[0].sequence >= 1
    stages = [e.stage for e in events]
    for stage in (
        analysis_pb2.JOB_STAGE_DISPATCHED,
        analysis_pb2.JOB_STAGE_DECODING,
        analysis_pb2.JOB_STAGE_ALIGNMENT,
        analysis_pb2.JOB_STAGE_SCORING,
    ):
        assert stage in stages, f"stage {analysis_pb2.JobStage.Name(stage)} relayed live: {stages}"
    final = events[-1]
    assert final.state == analysis_pb2.JOB_STATE_COMPLETED, final
    assert final.progress == 100
    analysis = final.result.analysis
    assert analysis.verdict == analyzer_pb2.VERDICT_SCORED
    assert analysis.scores.overall > 50 and analysis.model_version
    assert analysis.detected_format == common_pb2.AUDIO_FORMAT_WEBM
    assert len(analysis.pitch.reference) > 5 and len(analysis.pitch.take) > 5

    result = await flow.stub.GetResult(analysis_pb2.GetResultRequest(job_id=job.id), metadata=user)
    assert result.analysis == analysis and result.take_id == job.take_id
    got = await flow.stub.GetJob(analysis_pb2.GetJobRequest(job_id=job.id), metadata=user)
    assert got.state == analysis_pb2.JOB_STATE_COMPLETED and got.last_sequence == final.sequence

    # Watching a finished job gives its terminal snapshot at once.
    again = await flow.watch(user, job.id)
    assert len(again) == 1 and again[0].sequence == final.sequence and again[0].result.analysis == analysis
    assert await flow.watch(user, job.id, after=final.sequence) == []

    # The catalog counted the take once (TakeCompleted through the outbox and JetStream).
    async def counted() -> bool:
        return await take_count(flow, lines["frankly"]) > before

    await wait_for(counted, timeout=20)

    async def settled() -> bool:  # every event published and every delivery to the catalog acked
        async with flow.catalog.uow() as uow:
            unpublished = await uow.session.scalar(
                text("SELECT count(*) FROM analysis.outbox WHERE published_at IS NULL")
            )
        info = await flow.orchestrator.nats.jetstream().consumer_info(STREAM, CATALOG_DURABLE)
        return unpublished == 0 and info.num_pending == 0 and info.num_ack_pending == 0

    await wait_for(settled, timeout=20)
    assert await take_count(flow, lines["frankly"]) == before + 1, "counted exactly once"


def summary(events: list[analysis_pb2.JobEvent]) -> list[tuple[int, int, int, int]]:
    return [(e.sequence, e.state, e.stage, e.progress) for e in events]


async def test_resume_of_a_finished_job_replays_every_missed_event(flow: Flow, lines: dict[str, int]) -> None:
    user = await flow.user("resumer-finished@example.com")
    job = await flow.upload(user, lines["houston"], take("houston"))
    live = await flow.watch(user, job.id)
    assert live[0].snapshot and not any(e.snapshot for e in live[1:])
    final = live[-1]
    assert final.state == analysis_pb2.JOB_STATE_COMPLETED and final.sequence > 3
    # The whole story is kept: resuming after 1 gives 2..N, in order, exactly as they happened.
    resumed = await flow.watch(user, job.id, after=1)
    assert [e.sequence for e in resumed] == list(range(2, final.sequence + 1))
    assert not any(e.snapshot for e in resumed)
    live_after_1 = [e for e in live if e.sequence > 1]
    assert summary(resumed)[-len(live_after_1) :] == summary(live_after_1), "the same events as live"
    assert resumed[-1].result.analysis == final.result.analysis
    middle = final.sequence // 2
    assert [e.sequence for e in await flow.watch(user, job.id, after=middle)] == list(
        range(middle + 1, final.sequence + 1)
    )


async def test_resume_with_after_sequence_misses_nothing(flow: Flow, lines: dict[str, int]) -> None:
    """Live: drop the stream after the second event, stay away a while, resume: no gap, no repeat."""
    user = await flow.user("resumer@example.com")
    job = await flow.upload(user, lines["houston"], take("houston", "slow.opus.ogg"))
    first: list[analysis_pb2.JobEvent] = []
    stream = flow.stub.WatchJob(analysis_pb2.WatchJobRequest(job_id=job.id), metadata=user, timeout=60)
    async for event in stream:
        first.append(event)
        if len(first) == 2 or event.state in TERMINAL:
            break
    stream.cancel()

    async def moved_on() -> bool:  # events happen while the client is away
        got = await flow.stub.GetJob(analysis_pb2.GetJobRequest(job_id=job.id), metadata=user)
        return got.last_sequence >= first[-1].sequence + 2 or got.state in TERMINAL

    await wait_for(moved_on, timeout=60, interval=0.02)
    resumed = await flow.watch(user, job.id, after=first[-1].sequence)
    if first[-1].state in TERMINAL:
        assert resumed == []
        return
    assert_well_formed(resumed, after=first[-1].sequence)
    assert not any(e.snapshot for e in resumed), "nothing folded into a snapshot"
    combined = [e.sequence for e in first[1:] + resumed]
    assert combined == list(range(first[1].sequence, resumed[-1].sequence + 1)), f"no gap: {combined}"
    assert resumed[-1].state == analysis_pb2.JOB_STATE_COMPLETED


async def test_rerecord_verdict_for_silence_like_noise(flow: Flow, lines: dict[str, int]) -> None:
    user = await flow.user("noisy@example.com")
    job = await flow.upload(user, lines["force"], take("force", "noisy.opus.ogg"))
    events = await flow.watch(user, job.id)
    final = events[-1]
    assert final.state == analysis_pb2.JOB_STATE_COMPLETED
    assert final.result.analysis.verdict == analyzer_pb2.VERDICT_RERECORD
    assert final.result.analysis.rerecord_reason != analyzer_pb2.RERECORD_REASON_UNSPECIFIED


async def test_many_users_in_parallel(flow: Flow, lines: dict[str, int]) -> None:
    users = [await flow.user(f"parallel{i}@example.com") for i in range(4)]
    line_ids = ["frankly", "force", "houston", "offer"]
    jobs = await asyncio.gather(
        *(flow.upload(u, lines[line], take(line)) for u, line in zip(users, line_ids, strict=True))
    )
    finals = await asyncio.gather(*(flow.watch(u, j.id) for u, j in zip(users, jobs, strict=True)))
    for events in finals:
        assert_well_formed(events)
        assert events[-1].state == analysis_pb2.JOB_STATE_COMPLETED


async def test_my_page_lists_takes_and_overview(flow: Flow, lines: dict[str, int]) -> None:
    user = await flow.user("mypage@example.com")
    jobs = []
    for line in ("frankly", "frankly", "force"):
        job = await flow.upload(user, lines[line], take(line))
        jobs.append(job)
        await flow.watch(user, job.id)
    page1 = await flow.stub.ListMyTakes(analysis_pb2.ListMyTakesRequest(page_size=2), metadata=user)
    assert [t.job_id for t in page1.takes] == [jobs[2].id, jobs[1].id], "newest first"
    assert page1.next_page_token
    page2 = await flow.stub.ListMyTakes(
        analysis_pb2.ListMyTakesRequest(page_size=2, page_token=page1.next_page_token), metadata=user
    )
    assert [t.job_id for t in page2.takes] == [jobs[0].id] and not page2.next_page_token
    assert all(t.scores.overall > 0 for t in page1.takes)
    # The take's duration is the analysis' own (not 0.0).
    for listed in page1.takes:
        result = await flow.stub.GetResult(analysis_pb2.GetResultRequest(job_id=listed.job_id), metadata=user)
        assert listed.duration_seconds == result.analysis.quality.duration_seconds > 0
        # Completeness is stored with the other scores (the list does not read the whole analysis).
        assert 0.6 <= listed.scores.completeness <= 1.0
        assert listed.scores.completeness == result.analysis.scores.completeness
    only_frankly = await flow.stub.ListMyTakes(
        analysis_pb2.ListMyTakesRequest(token_id=lines["frankly"]), metadata=user
    )
    assert {t.job_id for t in only_frankly.takes} == {jobs[0].id, jobs[1].id}
    assert only_frankly.takes[0].token_text.startswith("Frankly")

    overview = await flow.stub.GetMyOverview(analysis_pb2.GetMyOverviewRequest(), metadata=user)
    assert overview.total_takes == 3 and overview.scored_takes == 3
    assert overview.distinct_tokens == 2 and overview.distinct_scripts == 1
    assert 0 < overview.overall.average <= overview.overall.best <= 100
    assert sum(w.takes for w in overview.weekly) == 3
    assert [t.job_id for t in overview.recent_takes][:3] == [jobs[2].id, jobs[1].id, jobs[0].id]

    await expect_error(
        flow.stub.ListMyTakes(analysis_pb2.ListMyTakesRequest(page_token="garbage!"), metadata=user),
        grpc.StatusCode.INVALID_ARGUMENT,
        "INVALID_PAGE_TOKEN",
    )
    await expect_error(
        flow.stub.ListMyTakes(
            analysis_pb2.ListMyTakesRequest(page_token=page1.next_page_token, token_id=lines["force"]), metadata=user
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
        "INVALID_PAGE_TOKEN",
    )
    await expect_error(
        flow.stub.ListMyTakes(analysis_pb2.ListMyTakesRequest(page_size=-1), metadata=user),
        grpc.StatusCode.INVALID_ARGUMENT,
        "INVALID_PAGE_SIZE",
    )


async def test_take_audio_url_and_delete(flow: Flow, lines: dict[str, int]) -> None:
    import httpx

    user = await flow.user("deleter@example.com")
    data = take("force")
    job = await flow.upload(user, lines["force"], data)
    await flow.watch(user, job.id)
    audio = await flow.stub.GetTakeAudio(analysis_pb2.GetTakeAudioRequest(take_id=job.take_id), metadata=user)
    assert audio.content_type == "audio/wav" and audio.url.startswith("http")
    async with httpx.AsyncClient() as http:
        fetched = await http.get(audio.url)
    assert fetched.status_code == 200 and fetched.content == data

    await flow.stub.DeleteTake(analysis_pb2.DeleteTakeRequest(take_id=job.take_id), metadata=user)
    await expect_error(
        flow.stub.GetJob(analysis_pb2.GetJobRequest(job_id=job.id), metadata=user),
        grpc.StatusCode.NOT_FOUND,
        "JOB_NOT_FOUND",
    )
    async with httpx.AsyncClient() as http:
        assert (await http.get(audio.url)).status_code == 404, "the blob is gone too"
    listed = await flow.stub.ListMyTakes(analysis_pb2.ListMyTakesRequest(), metadata=user)
    assert listed.takes == []


async def test_many_watchers_of_one_job_all_see_it_end(flow: Flow, lines: dict[str, int]) -> None:
    """Watchers share the process's one JetStream consumer; each still gets the whole tail of events."""
    user = await flow.user("crowd@example.com")
    job = await flow.upload(user, lines["houston"], take("houston"))
    streams = await asyncio.gather(*(flow.watch(user, job.id) for _ in range(60)))
    finals = {events[-1].sequence for events in streams}
    assert len(finals) == 1, "every watcher saw the same terminal event"
    for events in streams:
        assert_well_formed(events)
        assert events[-1].state == analysis_pb2.JOB_STATE_COMPLETED


def outbox_rows(how: str) -> float:
    return REGISTRY.get_sample_value("outbox_rows_published_total", {"how": how}) or 0.0


async def test_rows_sent_at_once_are_marked_not_sent_again(flow: Flow, lines: dict[str, int]) -> None:
    """The dispatch and the last event go to JetStream at once after their commit; the relay then only marks
    them, and sends what nobody waits for (the take-completed event). Every row ends up published."""
    at_once, relayed = outbox_rows("sent_at_once"), outbox_rows("relayed")
    user = await flow.user("outbox@example.com")
    job = await flow.upload(user, lines["frankly"], take("frankly"))
    events = await flow.watch(user, job.id)
    assert events[-1].state == analysis_pb2.JOB_STATE_COMPLETED

    async def all_published() -> bool:
        async with flow.catalog.uow() as uow:
            waiting = await uow.session.scalar(text("SELECT count(*) FROM analysis.outbox WHERE published_at IS NULL"))
        return waiting == 0

    await wait_for(all_published, timeout=15, interval=0.05)
    assert outbox_rows("sent_at_once") >= at_once + 2, "the dispatch and the last event were not sent again"
    assert outbox_rows("relayed") >= relayed + 1, "the take-completed event went through the relay"
