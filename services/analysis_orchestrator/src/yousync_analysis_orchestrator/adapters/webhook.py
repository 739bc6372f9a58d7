"""The completion webhook's body (the original system's): {"job_id": "...", "result": <AnalysisResult as
proto JSON>} or {"job_id": "...", "failure": {"reason": "...", "message": "..."}}. Checking the signature,
the window and replays is the service's (`AnalysisService.complete_externally`)."""

from __future__ import annotations

import json

from google.protobuf import json_format

from yousync.analyzer.v1 import analyzer_pb2
from yousync_analysis_orchestrator.adapters.convert import analysis_of
from yousync_analysis_orchestrator.domain import Analysis, webhook_signature
from yousync_platform.errors import InvalidArgument

sign = webhook_signature  # for senders and tests: the hex signature of "<timestamp>.<body>"


def parse_external(body: bytes) -> tuple[str, Analysis | tuple[str, str]]:
    try:
        payload = json.loads(body)
        job_id = str(payload["job_id"])
    except (ValueError, KeyError, TypeError):
        raise InvalidArgument("INVALID_BODY", "expected JSON with job_id and result or failure") from None
    if isinstance(payload.get("result"), dict):
        try:
            result = json_format.ParseDict(payload["result"], analyzer_pb2.AnalysisResult())
        except json_format.ParseError as exc:
            raise InvalidArgument("INVALID_RESULT", f"result is not an AnalysisResult: {exc}") from None
        if result.verdict == analyzer_pb2.VERDICT_UNSPECIFIED:
            raise InvalidArgument("INVALID_RESULT", "result.verdict is required")
        return job_id, analysis_of(result)
    if isinstance(payload.get("failure"), dict):
        failure = payload["failure"]
        return job_id, (str(failure.get("reason", "EXTERNAL_FAILURE")), str(failure.get("message", "")))
    raise InvalidArgument("INVALID_BODY", "expected result or failure")
