"""gRPC adapter for VideoRequestService: protobuf in → use case → protobuf out."""

from __future__ import annotations

import grpc

from yousync.catalog.v1 import requests_pb2, requests_pb2_grpc
from yousync_catalog.requests.domain import Status, VideoRequest
from yousync_catalog.requests.service import VideoRequestService
from yousync_platform.context import require_principal
from yousync_platform.protobuf import timestamp

SERVICE_NAME = "yousync.catalog.v1.VideoRequestService"
_TO_PB = {
    Status.PENDING: requests_pb2.VIDEO_REQUEST_STATUS_PENDING,
    Status.APPROVED: requests_pb2.VIDEO_REQUEST_STATUS_APPROVED,
    Status.REJECTED: requests_pb2.VIDEO_REQUEST_STATUS_REJECTED,
}
_FROM_PB = {v: k for k, v in _TO_PB.items()}


def request_pb(r: VideoRequest) -> requests_pb2.VideoRequest:
    return requests_pb2.VideoRequest(
        id=r.id,
        requester_id=r.requester_id,
        requester_name=r.requester_name,
        actor=r.actor,
        content=r.content,
        url=r.url,
        status=_TO_PB[r.status],
        create_time=timestamp(r.created_at),
        update_time=timestamp(r.updated_at),
    )


class VideoRequestServicer(requests_pb2_grpc.VideoRequestServiceServicer):
    def __init__(self, service: VideoRequestService) -> None:
        self._service = service

    async def ListVideoRequests(
        self, request: requests_pb2.ListVideoRequestsRequest, context: grpc.aio.ServicerContext
    ) -> requests_pb2.ListVideoRequestsResponse:
        require_principal()
        found = await self._service.list_all(request.page_size)
        return requests_pb2.ListVideoRequestsResponse(requests=[request_pb(r) for r in found])

    async def ListMyVideoRequests(
        self, request: requests_pb2.ListMyVideoRequestsRequest, context: grpc.aio.ServicerContext
    ) -> requests_pb2.ListMyVideoRequestsResponse:
        found = await self._service.list_mine(require_principal(), request.page_size)
        return requests_pb2.ListMyVideoRequestsResponse(requests=[request_pb(r) for r in found])

    async def CreateVideoRequest(
        self, request: requests_pb2.CreateVideoRequestRequest, context: grpc.aio.ServicerContext
    ) -> requests_pb2.VideoRequest:
        created = await self._service.create(
            require_principal(), request.actor, request.content, request.url, request.requester_name
        )
        return request_pb(created)

    async def DeleteVideoRequest(
        self, request: requests_pb2.DeleteVideoRequestRequest, context: grpc.aio.ServicerContext
    ) -> requests_pb2.DeleteVideoRequestResponse:
        await self._service.delete(require_principal(), request.id)
        return requests_pb2.DeleteVideoRequestResponse()

    async def SetVideoRequestStatus(
        self, request: requests_pb2.SetVideoRequestStatusRequest, context: grpc.aio.ServicerContext
    ) -> requests_pb2.VideoRequest:
        caller = require_principal()
        return request_pb(await self._service.set_status(caller, request.id, _FROM_PB.get(request.status)))
