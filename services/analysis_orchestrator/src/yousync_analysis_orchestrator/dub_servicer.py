"""gRPC adapter for DubService: protobuf in → use case → protobuf out."""

from __future__ import annotations

import grpc

from yousync.analysis.v1 import dub_pb2, dub_pb2_grpc
from yousync.common.v1 import common_pb2
from yousync_analysis_orchestrator.domain_dubs import Dub
from yousync_analysis_orchestrator.dubbing import Dubbing
from yousync_platform.context import require_principal
from yousync_platform.protobuf import timestamp
from yousync_platform.storage.base import SignedUrl

SERVICE_NAME = "yousync.analysis.v1.DubService"


def dub_pb(dub: Dub, url: SignedUrl) -> dub_pb2.Dub:
    return dub_pb2.Dub(
        id=dub.id,
        script_id=dub.script_id,
        audio=common_pb2.AudioAccess(url=url.url, expire_time=timestamp(url.expires_at), content_type="audio/wav"),
        duration_seconds=dub.duration_seconds,
        lines_mixed=dub.lines_mixed,
        with_background=dub.with_background,
        create_time=timestamp(dub.created_at),
    )


class DubServicer(dub_pb2_grpc.DubServiceServicer):
    def __init__(self, dubbing: Dubbing) -> None:
        self._dubbing = dubbing

    async def CreateDub(self, request: dub_pb2.CreateDubRequest, context: grpc.aio.ServicerContext) -> dub_pb2.Dub:
        return dub_pb(*await self._dubbing.create(require_principal().subject, request.script_id))

    async def GetLatestDub(
        self, request: dub_pb2.GetLatestDubRequest, context: grpc.aio.ServicerContext
    ) -> dub_pb2.Dub:
        return dub_pb(*await self._dubbing.latest(require_principal().subject, request.script_id))
