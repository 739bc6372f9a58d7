"""Completion by an analysis server that cannot stream (the original system's webhook).

The sender signs `"<timestamp>.<raw body>"` with HMAC-SHA256 under a shared secret and sends the hex
digest; we refuse bad signatures and timestamps outside the tolerance (replays), and completing a job
twice changes nothing. Body: {"job_id": "...", "result": <AnalysisResult as proto JSON>} or
{"job_id": "...", "failure": {"reason": "...", "message": "..."}}.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable

from google.protobuf import json_format

from yousync.analyzer.v1 import analyzer_pb2
from yousync_analysis_orchestrator.completion import Completion
from yousync_analysis_orchestrator.db.uow import OrchestratorUnitOfWork
from yousync_analysis_orchestrator.domain import Job
from yousync_platform.errors import FailedPrecondition, InvalidArgument, NotFound, Unauthenticated

MAX_BODY = 2 * 1024 * 1024


def sign(secret: bytes, timestamp: int, body: bytes) -> str:
    return hmac.new(secret, str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()


class Webhook:
    def __init__(self, *, uow: Callable[[], OrchestratorUnitOfWork], secret: bytes, tolerance_seconds: int) -> None:
        self._uow = uow
        self._secret = secret
        self._tolerance = tolerance_seconds
        self._completion = Completion(uow)

    async def complete(self, body: bytes, signature: str, timestamp: int) -> Job:
        if not self._secret:
            raise FailedPrecondition("WEBHOOK_DISABLED", "the completion webhook is not configured")
        if len(body) > MAX_BODY:
            raise InvalidArgument("BODY_TOO_LARGE", "the webhook body is too large")
        if abs(time.time() - timestamp) > self._tolerance:
            raise Unauthenticated("STALE_TIMESTAMP", "the signature timestamp is outside the allowed window")
        if not hmac.compare_digest(sign(self._secret, timestamp, body), signature.strip().lower()):
            raise Unauthenticated("BAD_SIGNATURE", "the webhook signature does not match")
        try:
            payload = json.loads(body)
            job_id = str(payload["job_id"])
        except (ValueError, KeyError, TypeError):
            raise InvalidArgument("INVALID_BODY", "expected JSON with job_id and result or failure") from None
        async with self._uow() as uow:
            job = await uow.repo.job(job_id)
        if job is None:
            raise NotFound("JOB_NOT_FOUND", "job not found")
        if not job.state.terminal:
            if isinstance(payload.get("result"), dict):
                try:
                    result = json_format.ParseDict(payload["result"], analyzer_pb2.AnalysisResult())
                except json_format.ParseError as exc:
                    raise InvalidArgument("INVALID_RESULT", f"result is not an AnalysisResult: {exc}") from None
                if result.verdict == analyzer_pb2.VERDICT_UNSPECIFIED:
                    raise InvalidArgument("INVALID_RESULT", "result.verdict is required")
                await self._completion.complete(job.id, result)
            elif isinstance(payload.get("failure"), dict):
                failure = payload["failure"]
                await self._completion.fail(
                    job.id, str(failure.get("reason", "EXTERNAL_FAILURE"))[:64], str(failure.get("message", ""))[:500]
                )
            else:
                raise InvalidArgument("INVALID_BODY", "expected result or failure")
        async with self._uow() as uow:
            current = await uow.repo.job(job_id)
        assert current is not None
        return current
