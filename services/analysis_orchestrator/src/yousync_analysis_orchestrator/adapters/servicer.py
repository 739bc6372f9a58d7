"""gRPC adapter for AnalysisService: protobuf in → use case → protobuf out."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc

from yousync.analysis.v1 import analysis_pb2, analysis_pb2_grpc
from yousync.common.v1 import common_pb2
from yousync_analysis_orchestrator.adapters.convert import (
    audio_access_pb,
    event_pb,
    job_pb,
    overview_pb,
    result_pb,
    take_pb,
)
from yousync_analysis_orchestrator.service import AnalysisService, UploadRequest
from yousync_platform.context import require_principal
from yousync_platform.errors import InvalidArgument

# Trailing metadata of an UploadTake answered with the job of an earlier upload with the same key.
REPLAYED_KEY = "idempotent-replayed"


class AnalysisServicer(analysis_pb2_grpc.AnalysisServiceServicer):
    def __init__(self, service: AnalysisService) -> None:
        self._service = service

    async def UploadTake(
        self, request_iterator: AsyncIterator[analysis_pb2.UploadTakeRequest], context: grpc.aio.ServicerContext
    ) -> analysis_pb2.Job:
        principal = require_principal()
        first = await anext(aiter(request_iterator), None)
        if first is None or first.WhichOneof("payload") != "metadata":
            raise InvalidArgument("METADATA_FIRST", "the first message must carry the upload metadata")
        meta = first.metadata

        async def chunks() -> AsyncIterator[bytes]:
            async for message in request_iterator:
                if message.WhichOneof("payload") != "chunk":
                    raise InvalidArgument("METADATA_TWICE", "only the first message may carry metadata")
                yield message.chunk

        request = UploadRequest(
            principal.subject, meta.token_id, meta.content_type, meta.filename, meta.request_id, meta.replay_only
        )
        upload = await self._service.upload(request, chunks())
        if upload.replayed:
            context.set_trailing_metadata(((REPLAYED_KEY, "true"),))
        return job_pb(upload.job)

    async def GetJob(self, request: analysis_pb2.GetJobRequest, context: grpc.aio.ServicerContext) -> analysis_pb2.Job:
        return job_pb(await self._service.job(require_principal().subject, request.job_id))

    async def WatchJob(
        self, request: analysis_pb2.WatchJobRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[analysis_pb2.JobEvent]:
        async for event in self._service.watch(require_principal().subject, request.job_id, request.after_sequence):
            yield event_pb(event)

    async def GetResult(
        self, request: analysis_pb2.GetResultRequest, context: grpc.aio.ServicerContext
    ) -> analysis_pb2.Result:
        return result_pb(await self._service.result(require_principal().subject, request.job_id))

    async def ListMyTakes(
        self, request: analysis_pb2.ListMyTakesRequest, context: grpc.aio.ServicerContext
    ) -> analysis_pb2.ListMyTakesResponse:
        takes, next_token = await self._service.takes(
            require_principal().subject,
            size=request.page_size,
            token=request.page_token,
            token_id=request.token_id,
            script_id=request.script_id,
        )
        return analysis_pb2.ListMyTakesResponse(takes=[take_pb(t) for t in takes], next_page_token=next_token)

    async def GetMyOverview(
        self, request: analysis_pb2.GetMyOverviewRequest, context: grpc.aio.ServicerContext
    ) -> analysis_pb2.MyOverview:
        return overview_pb(await self._service.overview(require_principal().subject))

    async def GetTakeAudio(
        self, request: analysis_pb2.GetTakeAudioRequest, context: grpc.aio.ServicerContext
    ) -> common_pb2.AudioAccess:
        url, content_type = await self._service.take_audio(require_principal().subject, request.take_id)
        return audio_access_pb(url, content_type)

    async def DeleteTake(
        self, request: analysis_pb2.DeleteTakeRequest, context: grpc.aio.ServicerContext
    ) -> analysis_pb2.DeleteTakeResponse:
        await self._service.delete_take(require_principal().subject, request.take_id)
        return analysis_pb2.DeleteTakeResponse()

    async def CompleteJobExternally(
        self, request: analysis_pb2.CompleteJobExternallyRequest, context: grpc.aio.ServicerContext
    ) -> analysis_pb2.Job:
        return job_pb(await self._service.complete_externally(request.body, request.signature, request.timestamp))
