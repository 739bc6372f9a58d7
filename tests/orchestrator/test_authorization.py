"""BOLA matrix: another user's job, take, result, audio or stream is NOT_FOUND, never visible."""

from __future__ import annotations

import grpc

from tests.grpc_helpers import expect_error
from tests.orchestrator.conftest import Flow, take
from yousync.analysis.v1 import analysis_pb2

NOT_FOUND = grpc.StatusCode.NOT_FOUND


async def test_other_users_objects_are_not_found(flow: Flow, lines: dict[str, int]) -> None:
    owner = await flow.user("owner@example.com")
    intruder = await flow.user("intruder@example.com")
    job = await flow.upload(owner, lines["frankly"], take("frankly"))
    await flow.watch(owner, job.id)

    calls = {
        "GetJob": flow.stub.GetJob(analysis_pb2.GetJobRequest(job_id=job.id), metadata=intruder),
        "GetResult": flow.stub.GetResult(analysis_pb2.GetResultRequest(job_id=job.id), metadata=intruder),
        "GetTakeAudio": flow.stub.GetTakeAudio(
            analysis_pb2.GetTakeAudioRequest(take_id=job.take_id), metadata=intruder
        ),
        "DeleteTake": flow.stub.DeleteTake(analysis_pb2.DeleteTakeRequest(take_id=job.take_id), metadata=intruder),
        "WatchJob": flow.watch(intruder, job.id),
    }
    for name, call in calls.items():
        error = await expect_error(call, NOT_FOUND)
        assert job.id not in (error.details() or ""), name

    mine = await flow.stub.ListMyTakes(analysis_pb2.ListMyTakesRequest(), metadata=intruder)
    assert mine.takes == []
    overview = await flow.stub.GetMyOverview(analysis_pb2.GetMyOverviewRequest(), metadata=intruder)
    assert overview.total_takes == 0
    filtered = await flow.stub.ListMyTakes(
        analysis_pb2.ListMyTakesRequest(token_id=lines["frankly"]), metadata=intruder
    )
    assert filtered.takes == []

    # The owner still has everything: the intruder's delete changed nothing.
    assert (await flow.stub.GetResult(analysis_pb2.GetResultRequest(job_id=job.id), metadata=owner)).job_id == job.id
    await flow.stub.GetTakeAudio(analysis_pb2.GetTakeAudioRequest(take_id=job.take_id), metadata=owner)


async def test_unknown_and_malformed_ids_are_not_found(flow: Flow) -> None:
    user = await flow.user("ids@example.com")
    for bad in ["", "not-a-uuid", "00000000-0000-0000-0000-000000000000", "'; drop table jobs; --"]:
        await expect_error(flow.stub.GetJob(analysis_pb2.GetJobRequest(job_id=bad), metadata=user), NOT_FOUND)
        await expect_error(flow.stub.GetResult(analysis_pb2.GetResultRequest(job_id=bad), metadata=user), NOT_FOUND)
        await expect_error(flow.watch(user, bad), NOT_FOUND)
        await expect_error(flow.stub.DeleteTake(analysis_pb2.DeleteTakeRequest(take_id=bad), metadata=user), NOT_FOUND)


async def test_every_user_rpc_requires_sign_in(flow: Flow) -> None:
    unauth = grpc.StatusCode.UNAUTHENTICATED
    await expect_error(flow.stub.GetJob(analysis_pb2.GetJobRequest(job_id="x")), unauth)
    await expect_error(flow.stub.GetResult(analysis_pb2.GetResultRequest(job_id="x")), unauth)
    await expect_error(flow.stub.ListMyTakes(analysis_pb2.ListMyTakesRequest()), unauth)
    await expect_error(flow.stub.GetMyOverview(analysis_pb2.GetMyOverviewRequest()), unauth)
    await expect_error(flow.stub.GetTakeAudio(analysis_pb2.GetTakeAudioRequest(take_id="x")), unauth)
    await expect_error(flow.stub.DeleteTake(analysis_pb2.DeleteTakeRequest(take_id="x")), unauth)

    async def watch() -> None:
        async for _ in flow.stub.WatchJob(analysis_pb2.WatchJobRequest(job_id="x")):
            pass

    await expect_error(watch(), unauth)


async def test_result_not_ready_is_distinct_from_missing(flow: Flow, lines: dict[str, int]) -> None:
    user = await flow.user("early@example.com")
    from tests.orchestrator.conftest import dispatcher_paused

    async with dispatcher_paused(flow):
        job = await flow.upload(user, lines["force"], take("force"))
        await expect_error(
            flow.stub.GetResult(analysis_pb2.GetResultRequest(job_id=job.id), metadata=user),
            NOT_FOUND,
            "RESULT_NOT_READY",
        )
    await flow.watch(user, job.id)
