"""Failures on the way: a dispatcher killed mid-analysis, NATS restarting, the analyzer down."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import uuid

import pytest
from sqlalchemy import text

from tests.orchestrator.conftest import Flow, dispatcher_paused, orchestrator_settings, take, wait_for
from yousync.analysis.v1 import analysis_pb2
from yousync_analysis_orchestrator.server import create
from yousync_analyzer.server import build
from yousync_analyzer.settings import AnalyzerSettings
from yousync_dev.embedded.nats import LocalNats
from yousync_dev.ports import free_port
from yousync_platform.db import create_engine


async def job_row(postgres_url: str, job_id: str) -> dict[str, object]:
    engine = create_engine(postgres_url)
    async with engine.connect() as conn:
        row = (
            (
                await conn.execute(
                    text(
                        "SELECT state, attempts, failure_reason, (SELECT count(*) FROM analysis.results r "
                        "WHERE r.job_id = j.id) AS results FROM analysis.jobs j WHERE id = :id"
                    ),
                    {"id": job_id},
                )
            )
            .mappings()
            .one()
        )
    await engine.dispose()
    return dict(row)


async def test_dispatcher_killed_mid_analysis_is_redelivered_once(
    flow: Flow, lines: dict[str, int], postgres_url: str, subprocess_env: dict[str, str]
) -> None:
    user = await flow.user("killed@example.com")
    async with dispatcher_paused(flow):
        worker = subprocess.Popen(
            [sys.executable, "-m", "yousync_analysis_orchestrator"],
            env={**subprocess_env, "ORCHESTRATOR_ROLES": "dispatcher"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            job = await flow.upload(user, lines["frankly"], take("frankly", "slow.opus.ogg"))
            stream = flow.stub.WatchJob(analysis_pb2.WatchJobRequest(job_id=job.id), metadata=user, timeout=60)
            async for event in stream:
                if event.state == analysis_pb2.JOB_STATE_RUNNING:
                    worker.send_signal(signal.SIGKILL)
                    break
                assert event.state == analysis_pb2.JOB_STATE_QUEUED, event
            stream.cancel()
            assert worker.wait(10) == -signal.SIGKILL
            row = await job_row(postgres_url, job.id)
            assert row["state"] == "RUNNING" and row["results"] == 0, "killed before it could finish"
        finally:
            if worker.poll() is None:
                worker.kill()
    # The in-process dispatcher is back: after ack_wait the message is redelivered to it.
    events = await flow.watch(user, job.id, timeout=60)
    assert events[-1].state == analysis_pb2.JOB_STATE_COMPLETED
    row = await job_row(postgres_url, job.id)
    assert row["results"] == 1 and row["attempts"] == 2


async def test_nats_restart_mid_run_loses_no_job(
    flow: Flow, lines: dict[str, int], local_nats: LocalNats, nats_url: str
) -> None:
    if local_nats.url != nats_url:
        pytest.skip("NATS is external (YOUSYNC_TEST_NATS_URL): it cannot be restarted by the test")
    user = await flow.user("outage@example.com")
    local_nats.stop()
    try:
        jobs = [await flow.upload(user, lines[line], take(line)) for line in ("force", "houston", "offer")]
        assert all(j.state == analysis_pb2.JOB_STATE_QUEUED for j in jobs), "uploads work while NATS is down"

        relay = flow.orchestrator.relay
        assert relay is not None
        failures = relay.failures

        async def relay_failed() -> bool:  # it tried to publish them while NATS was down, and keeps them
            return relay.failures > failures

        await wait_for(relay_failed, timeout=30, interval=0.05)
    finally:
        local_nats.start()
    finals = await asyncio.gather(*(flow.watch(user, j.id, timeout=90) for j in jobs))
    assert all(events[-1].state == analysis_pb2.JOB_STATE_COMPLETED for events in finals)


async def test_analyzer_down_jobs_wait_then_complete(flow: Flow, lines: dict[str, int], postgres_url: str) -> None:
    port = free_port()
    env = dict(
        database_url=postgres_url,
        nats_url=flow.settings.nats_url,
        catalog_target=flow.settings.catalog_target,
        analyzer_target=f"127.0.0.1:{port}",
        auth_target=flow.settings.auth_target,
    )
    settings = orchestrator_settings(env, roles="dispatcher", retry_delay_seconds=1.0)
    analyzer = build(AnalyzerSettings(workers=1, grpc_port=port))
    await analyzer.pool.start()
    user = await flow.user("patient@example.com")
    async with dispatcher_paused(flow):
        worker = await create(settings, flow.blob_settings)
        await worker.start_workers()
        try:
            job = await flow.upload(user, lines["force"], take("force"))

            async def waiting() -> bool:
                got = await flow.stub.GetJob(analysis_pb2.GetJobRequest(job_id=job.id), metadata=user)
                return got.message.startswith("waiting to retry")

            await wait_for(waiting, timeout=15, interval=0.05)
            await analyzer.grpc.start()
            await analyzer.grpc.set_serving()
            events = await flow.watch(user, job.id, timeout=60)
            assert events[-1].state == analysis_pb2.JOB_STATE_COMPLETED, events[-1]
            assert (await job_row(postgres_url, job.id))["attempts"] >= 1
        finally:
            await worker.resources.aclose()
            await analyzer.grpc.stop(0)
            analyzer.pool.close()


async def test_analyzer_that_never_returns_dead_letters_the_job(
    flow: Flow, lines: dict[str, int], postgres_url: str
) -> None:
    env = dict(
        database_url=postgres_url,
        nats_url=flow.settings.nats_url,
        catalog_target=flow.settings.catalog_target,
        analyzer_target=f"127.0.0.1:{free_port()}",
        auth_target=flow.settings.auth_target,
    )
    settings = orchestrator_settings(env, roles="dispatcher", retry_delay_seconds=0.2)
    user = await flow.user("unlucky@example.com")
    async with dispatcher_paused(flow):
        worker = await create(settings, flow.blob_settings)
        await worker.start_workers()
        try:
            job = await flow.upload(user, lines["force"], take("force"))
            events = await flow.watch(user, job.id, timeout=60)
        finally:
            await worker.resources.aclose()
    final = events[-1]
    assert final.state == analysis_pb2.JOB_STATE_FAILED
    assert final.failure.reason == "DEAD_LETTERED"
    assert "3 attempts" in final.failure.message
    row = await job_row(postgres_url, job.id)
    assert row["results"] == 0 and row["failure_reason"] == "DEAD_LETTERED"


async def test_message_out_of_deliveries_dead_letters_the_job(flow: Flow, lines: dict[str, int]) -> None:
    """Every worker holding the dispatch died (here: nak'ed it max_deliver times): the job still ends."""
    from yousync_analysis_orchestrator.subjects import DISPATCH, DISPATCHER_DURABLE, STREAM

    user = await flow.user("orphan@example.com")
    async with dispatcher_paused(flow):
        job = await flow.upload(user, lines["force"], take("force"))
        js = flow.orchestrator.nats.jetstream()
        subscription = await js.pull_subscribe(DISPATCH, durable=DISPATCHER_DURABLE, stream=STREAM)
        try:
            for _ in range(flow.settings.max_deliver):
                for message in await subscription.fetch(1, timeout=10):
                    if analysis_pb2.JobEvent.FromString(message.data).job_id == job.id:
                        await message.nak()
                    else:
                        await message.ack()
        finally:
            await subscription.unsubscribe()
    # A live dispatcher pulls again: JetStream finds the message out of deliveries and says so.
    events = await flow.watch(user, job.id, timeout=30)
    assert events[-1].state == analysis_pb2.JOB_STATE_FAILED
    assert events[-1].failure.reason == "DEAD_LETTERED"


async def test_the_silence_check_reads_every_watched_jobs_last_sequence_in_one_query(
    flow: Flow, lines: dict[str, int], postgres_url: str
) -> None:
    """The real repository behind silence.py: known jobs with their sequences, unknown and malformed ids left out."""
    from sqlalchemy.ext.asyncio import async_sessionmaker

    from yousync_analysis_orchestrator.db.uow import OrchestratorUnitOfWork

    user = await flow.user("quiet@example.com")
    engine = create_engine(postgres_url)
    try:
        async with dispatcher_paused(flow):  # the jobs stay where they are while this reads them
            jobs = [await flow.upload(user, lines["force"], take("force")) for _ in range(2)]
            async with OrchestratorUnitOfWork(async_sessionmaker(engine, expire_on_commit=False)) as uow:
                known = await uow.jobs.last_sequences([jobs[0].id, jobs[1].id, "not-a-uuid", str(uuid.uuid4())])
                assert await uow.jobs.last_sequences([]) == {}
            for job in jobs:
                got = await flow.stub.GetJob(analysis_pb2.GetJobRequest(job_id=job.id), metadata=user)
                assert known.pop(job.id) == got.last_sequence >= 1
        assert known == {}
    finally:
        await engine.dispose()
