"""CompleteJobExternally: HMAC-SHA256 over "<timestamp>.<raw body>", replay window, idempotency."""

from __future__ import annotations

import json
import time

import grpc
from google.protobuf import json_format

from tests.grpc_helpers import expect_error
from tests.orchestrator.conftest import WEBHOOK_SECRET, Flow, dispatcher_paused, take, wait_for
from yousync.analysis.v1 import analysis_pb2
from yousync.analyzer.v1 import analyzer_pb2
from yousync_analysis_orchestrator.adapters.webhook import sign
from yousync_analysis_orchestrator.subjects import DISPATCHER_DURABLE, STREAM

UNAUTH = grpc.StatusCode.UNAUTHENTICATED


def signed(
    body: bytes, *, timestamp: int | None = None, secret: str = WEBHOOK_SECRET
) -> analysis_pb2.CompleteJobExternallyRequest:
    ts = int(time.time()) if timestamp is None else timestamp
    return analysis_pb2.CompleteJobExternallyRequest(body=body, signature=sign(secret.encode(), ts, body), timestamp=ts)


def result_body(job_id: str, overall: float = 77.0) -> bytes:
    result = analyzer_pb2.AnalysisResult(
        model_version="external-1",
        verdict=analyzer_pb2.VERDICT_SCORED,
        scores=analyzer_pb2.Scores(pronunciation=70, intonation=80, expressiveness=75, timing=85, overall=overall),
    )
    return json.dumps({"job_id": job_id, "result": json_format.MessageToDict(result)}).encode()


async def test_signed_completion_is_accepted_once(flow: Flow, lines: dict[str, int]) -> None:
    user = await flow.user("hooked@example.com")
    async with dispatcher_paused(flow):
        job = await flow.upload(user, lines["force"], take("force"))
        body = result_body(job.id)
        completed = await flow.stub.CompleteJobExternally(signed(body))
        assert completed.state == analysis_pb2.JOB_STATE_COMPLETED
        # Idempotent: the same (or another) valid completion changes nothing.
        again = await flow.stub.CompleteJobExternally(signed(result_body(job.id, overall=10.0)))
        assert again.state == analysis_pb2.JOB_STATE_COMPLETED and again.last_sequence == completed.last_sequence
        result = await flow.stub.GetResult(analysis_pb2.GetResultRequest(job_id=job.id), metadata=user)
        assert result.analysis.model_version == "external-1" and result.analysis.scores.overall == 77.0
        events = await flow.watch(user, job.id)
        assert events[-1].state == analysis_pb2.JOB_STATE_COMPLETED
    # The dispatcher is back: it runs a new job to the end, and it consumed the externally completed job's
    # dispatch (acked, nothing pending) without touching its one result.
    fresh = await flow.upload(user, lines["force"], take("force"))
    assert (await flow.watch(user, fresh.id))[-1].state == analysis_pb2.JOB_STATE_COMPLETED
    js = flow.orchestrator.nats.jetstream()

    async def drained() -> bool:
        info = await js.consumer_info(STREAM, DISPATCHER_DURABLE)
        return info.num_pending == 0 and info.num_ack_pending == 0

    await wait_for(drained, timeout=30)
    result = await flow.stub.GetResult(analysis_pb2.GetResultRequest(job_id=job.id), metadata=user)
    assert result.analysis.model_version == "external-1"
    final = await flow.stub.GetJob(analysis_pb2.GetJobRequest(job_id=job.id), metadata=user)
    assert final.last_sequence == completed.last_sequence, "the dispatcher changed nothing"


async def test_the_identical_signed_call_twice_is_refused(flow: Flow, lines: dict[str, int]) -> None:
    user = await flow.user("replayed@example.com")
    async with dispatcher_paused(flow):
        job = await flow.upload(user, lines["force"], take("force"))
        call = signed(result_body(job.id))
        completed = await flow.stub.CompleteJobExternally(call)
        assert completed.state == analysis_pb2.JOB_STATE_COMPLETED
        await expect_error(flow.stub.CompleteJobExternally(call), grpc.StatusCode.ALREADY_EXISTS, "WEBHOOK_REPLAYED")
        # A replayed failure for a job another call completed: refused the same way, nothing changes.
        failure = signed(json.dumps({"job_id": job.id, "failure": {"reason": "X", "message": "y"}}).encode())
        await flow.stub.CompleteJobExternally(failure)
        await expect_error(flow.stub.CompleteJobExternally(failure), grpc.StatusCode.ALREADY_EXISTS, "WEBHOOK_REPLAYED")
        still = await flow.stub.GetJob(analysis_pb2.GetJobRequest(job_id=job.id), metadata=user)
        assert still.state == analysis_pb2.JOB_STATE_COMPLETED and still.last_sequence == completed.last_sequence


async def test_bad_signatures_and_replays_are_refused(flow: Flow, lines: dict[str, int]) -> None:
    user = await flow.user("hooked2@example.com")
    async with dispatcher_paused(flow):
        job = await flow.upload(user, lines["force"], take("force"))
        body = result_body(job.id)
        good = signed(body)
        tampered = analysis_pb2.CompleteJobExternallyRequest(
            body=result_body(job.id, overall=100.0), signature=good.signature, timestamp=good.timestamp
        )
        await expect_error(flow.stub.CompleteJobExternally(tampered), UNAUTH, "BAD_SIGNATURE")
        await expect_error(
            flow.stub.CompleteJobExternally(signed(body, secret="wrong-secret-xxxxxxxx")), UNAUTH, "BAD_SIGNATURE"
        )
        stale = signed(body, timestamp=int(time.time()) - 3600)
        await expect_error(flow.stub.CompleteJobExternally(stale), UNAUTH, "STALE_TIMESTAMP")
        future = signed(body, timestamp=int(time.time()) + 3600)
        await expect_error(flow.stub.CompleteJobExternally(future), UNAUTH, "STALE_TIMESTAMP")
        await expect_error(
            flow.stub.CompleteJobExternally(analysis_pb2.CompleteJobExternallyRequest(body=body)), UNAUTH
        )
        await expect_error(
            flow.stub.CompleteJobExternally(signed(b"not json")), grpc.StatusCode.INVALID_ARGUMENT, "INVALID_BODY"
        )
        await expect_error(
            flow.stub.CompleteJobExternally(
                signed(json.dumps({"job_id": job.id, "result": {"verdict": 7, "nope": 1}}).encode())
            ),
            grpc.StatusCode.INVALID_ARGUMENT,
            "INVALID_RESULT",
        )
        await expect_error(
            flow.stub.CompleteJobExternally(signed(result_body("00000000-0000-0000-0000-000000000000"))),
            grpc.StatusCode.NOT_FOUND,
        )
        still = await flow.stub.GetJob(analysis_pb2.GetJobRequest(job_id=job.id), metadata=user)
        assert still.state == analysis_pb2.JOB_STATE_QUEUED, "nothing changed"
    await flow.watch(user, job.id)


async def test_failure_completion(flow: Flow, lines: dict[str, int]) -> None:
    user = await flow.user("hooked3@example.com")
    async with dispatcher_paused(flow):
        job = await flow.upload(user, lines["force"], take("force"))
        body = json.dumps({"job_id": job.id, "failure": {"reason": "MODEL_CRASHED", "message": "gpu fell over"}})
        failed = await flow.stub.CompleteJobExternally(signed(body.encode()))
        assert failed.state == analysis_pb2.JOB_STATE_FAILED
        assert failed.failure.reason == "MODEL_CRASHED"
        events = await flow.watch(user, job.id)
        assert events[-1].state == analysis_pb2.JOB_STATE_FAILED and events[-1].failure.message == "gpu fell over"
