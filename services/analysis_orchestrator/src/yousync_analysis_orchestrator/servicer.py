"""gRPC adapter for AnalysisService: protobuf in → use case → protobuf out."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc

from yousync.analysis.v1 import analysis_pb2, analysis_pb2_grpc
from yousync.common.v1 import common_pb2
from yousync_analysis_orchestrator.convert import audio_access_pb, job_pb, overview_pb, result_pb, take_pb
from yousync_analysis_orchestrator.progress import JobWatcher
from yousync_analysis_orchestrator.queries import Queries
from yousync_analysis_orchestrator.uploads import UploadRequest, Uploads
from yousync_analysis_orchestrator.webhook import Webhook
from yousync_platform.context import require_principal
from yousync_platform.errors import InvalidArgument


class AnalysisServicer(analysis_pb2_grpc.AnalysisServiceServicer):
    def __init__(self, *, uploads: Uploads, queries: Queries, watcher: JobWatcher, webhook: Webhook) -> None:
        self._uploads = uploads
        self._queries = queries
        self._watcher = watcher
        self._webhook = webhook

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

        request = UploadRequest(principal.subject, meta.token_id, meta.content_type, meta.filename, meta.request_id)
        return job_pb(await self._uploads.upload(request, chunks()))

    async def GetJob(self, request: analysis_pb2.GetJobRequest, context: grpc.aio.ServicerContext) -> analysis_pb2.Job:
        return job_pb(await self._queries.job(require_principal().subject, request.job_id))

    async def WatchJob(
        self, request: analysis_pb2.WatchJobRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[analysis_pb2.JobEvent]:
        async for event in self._watcher.watch(require_principal().subject, request.job_id, request.after_sequence):
            yield event

    async def GetResult(
        self, request: analysis_pb2.GetResultRequest, context: grpc.aio.ServicerContext
    ) -> analysis_pb2.Result:
        return result_pb(await self._queries.result(require_principal().subject, request.job_id))

    async def ListMyTakes(
        self, request: analysis_pb2.ListMyTakesRequest, context: grpc.aio.ServicerContext
    ) -> analysis_pb2.ListMyTakesResponse:
        takes, next_token = await self._queries.takes(
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
        return overview_pb(await self._queries.overview(require_principal().subject))

    async def GetTakeAudio(
        self, request: analysis_pb2.GetTakeAudioRequest, context: grpc.aio.ServicerContext
    ) -> common_pb2.AudioAccess:
        url, content_type = await self._queries.take_audio(require_principal().subject, request.take_id)
        return audio_access_pb(url, content_type)

    async def DeleteTake(
        self, request: analysis_pb2.DeleteTakeRequest, context: grpc.aio.ServicerContext
    ) -> analysis_pb2.DeleteTakeResponse:
        await self._queries.delete_take(require_principal().subject, request.take_id)
        return analysis_pb2.DeleteTakeResponse()

    async def CompleteJobExternally(
        self, request: analysis_pb2.CompleteJobExternallyRequest, context: grpc.aio.ServicerContext
    ) -> analysis_pb2.Job:
        return job_pb(await self._webhook.complete(request.body, request.signature, request.timestamp))
