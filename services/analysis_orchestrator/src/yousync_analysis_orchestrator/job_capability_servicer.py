"""gRPC adapter for JobCapabilityService: protobuf in → use case → protobuf out."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc

from yousync.analysis.v1 import analysis_pb2, job_capability_pb2, job_capability_pb2_grpc
from yousync_analysis_orchestrator.adapters.convert import event_pb
from yousync_analysis_orchestrator.job_capability import JobCapability

SERVICE_NAME = "yousync.analysis.v1.JobCapabilityService"
# Authorized by the per-job proof in the request, not by a user's token.
PUBLIC_METHODS = frozenset({f"/{SERVICE_NAME}/WatchJobByCapability"})


class JobCapabilityServicer(job_capability_pb2_grpc.JobCapabilityServiceServicer):
    def __init__(self, capability: JobCapability) -> None:
        self._capability = capability

    async def WatchJobByCapability(
        self, request: job_capability_pb2.WatchJobByCapabilityRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[analysis_pb2.JobEvent]:
        async for event in self._capability.watch(request.job_id, request.after_sequence, request.proof):
            yield event_pb(event)
