"""The original frontend's video-request board under `/compat/api/request`, over the catalog's
VideoRequestService (which holds the rules: one pending request per user, delete only your own
rejected one, admins change statuses). Statuses are the original's Korean labels."""

from __future__ import annotations

from typing import Annotated, Any

import grpc
from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from yousync.auth.v1 import auth_pb2
from yousync.catalog.v1 import requests_pb2, requests_pb2_grpc
from yousync_gateway import convert
from yousync_gateway.compat.auth import PREFIX, TAG
from yousync_gateway.deps import CallerDep, GatewayState, State
from yousync_gateway.errors import COMMON_ERRORS, ApiError, errors, from_grpc
from yousync_gateway.routes.catalog import MAX_ID
from yousync_platform.client import ClientPolicy

router = APIRouter(prefix=f"{PREFIX}/request", tags=[TAG], responses=COMMON_ERRORS)

REQUEST_SERVICE = "yousync.catalog.v1.VideoRequestService"
RequestId = Annotated[int, Path(ge=1, le=MAX_ID, description="Video request id.")]
LABELS = {
    requests_pb2.VIDEO_REQUEST_STATUS_PENDING: "심사중",
    requests_pb2.VIDEO_REQUEST_STATUS_APPROVED: "승인됨",
    requests_pb2.VIDEO_REQUEST_STATUS_REJECTED: "거절됨",
}
STATUS_OF = {
    **{label: status for status, label in LABELS.items()},
    "pending": requests_pb2.VIDEO_REQUEST_STATUS_PENDING,
    "approved": requests_pb2.VIDEO_REQUEST_STATUS_APPROVED,
    "rejected": requests_pb2.VIDEO_REQUEST_STATUS_REJECTED,
}
# The original answered these rule violations with 400.
BAD_REQUEST_REASONS = frozenset({"REQUEST_ALREADY_PENDING", "REQUEST_NOT_REJECTED"})


class CompatVideoRequestIn(BaseModel):
    actor: str = Field(min_length=1, max_length=200)
    content: str = Field(default="", max_length=2000)
    url: str = Field(min_length=1, max_length=2048, description="http(s) address; stored, never fetched.")


class CompatStatusIn(BaseModel):
    status: str = Field(description="심사중 | 승인됨 | 거절됨 (or pending | approved | rejected).")


class CompatVideoRequest(BaseModel):
    id: int
    actor: str
    content: str
    url: str
    status: str
    date: str | None
    requester: str
    token_id: int | None = None
    token_name: str


class CompatDetail(BaseModel):
    detail: str


def _stub(state: GatewayState) -> requests_pb2_grpc.VideoRequestServiceStub:
    policy = ClientPolicy(
        REQUEST_SERVICE,
        timeout_seconds=state.settings.rpc_timeout_seconds,
        idempotent=frozenset({"ListVideoRequests", "ListMyVideoRequests"}),
    )
    return requests_pb2_grpc.VideoRequestServiceStub(state.clients.channels.get(state.settings.catalog_target, policy))


def _out(r: requests_pb2.VideoRequest) -> dict[str, Any]:
    return {
        "id": r.id,
        "actor": r.actor,
        "content": r.content,
        "url": r.url,
        "status": LABELS.get(r.status, "심사중"),
        "date": convert.ts(r.create_time),
        "requester": r.requester_name,
        # Read by the frontend as a React key and alt text; a request is not (yet) a clip.
        "token_id": None,
        "token_name": r.actor,
    }


def _rule_error(error: grpc.aio.AioRpcError) -> ApiError:
    mapped = from_grpc(error)
    if mapped.code in BAD_REQUEST_REASONS:
        return ApiError(400, mapped.code, mapped.detail)
    return mapped


@router.get(
    "/all",
    response_model=list[CompatVideoRequest],
    summary="The request board: everyone's requests, newest first (original frontend)",
    description="Signed-in users only (the frontend sends `Bearer`; `Bearer null` → 401). Up to 200 newest. "
    "`requester` is the requester's display name, which the frontend compares with its user's name.",
    responses=errors(401),
)
async def all_requests(caller: CallerDep, state: State) -> list[dict[str, Any]]:
    found = await _stub(state).ListVideoRequests(requests_pb2.ListVideoRequestsRequest(), metadata=caller.metadata)
    return [_out(r) for r in found.requests]


@router.get(
    "/mine",
    response_model=list[CompatVideoRequest],
    summary="My requests, newest first (original frontend)",
    responses=errors(401),
)
async def my_requests(caller: CallerDep, state: State) -> list[dict[str, Any]]:
    found = await _stub(state).ListMyVideoRequests(requests_pb2.ListMyVideoRequestsRequest(), metadata=caller.metadata)
    return [_out(r) for r in found.requests]


@router.post(
    "",
    response_model=CompatVideoRequest,
    summary="File a video request (original frontend; its path is `/request/`)",
    description="`{actor, content, url}`. 400 while the caller already has a request under review (심사중). The "
    "URL must be http(s); it is stored as text and never fetched.",
    responses=errors(400, 401, 422),
)
async def create_request(body: CompatVideoRequestIn, caller: CallerDep, state: State) -> dict[str, Any]:
    me = await state.clients.auth.GetMe(auth_pb2.GetMeRequest(), metadata=caller.metadata)
    try:
        created = await _stub(state).CreateVideoRequest(
            requests_pb2.CreateVideoRequestRequest(
                actor=body.actor, content=body.content, url=body.url, requester_name=me.display_name
            ),
            metadata=caller.metadata,
        )
    except grpc.aio.AioRpcError as error:
        raise _rule_error(error) from None
    return _out(created)


@router.delete(
    "/{request_id}",
    response_model=CompatDetail,
    summary="Delete my rejected request (original frontend)",
    description="Only the caller's own request (another user's or unknown → 404), only once rejected (거절됨; "
    "otherwise 400).",
    responses=errors(400, 401, 404),
)
async def delete_request(request_id: RequestId, caller: CallerDep, state: State) -> dict[str, Any]:
    try:
        await _stub(state).DeleteVideoRequest(
            requests_pb2.DeleteVideoRequestRequest(id=request_id), metadata=caller.metadata
        )
    except grpc.aio.AioRpcError as error:
        raise _rule_error(error) from None
    return {"detail": "request deleted"}


@router.patch(
    "/{request_id}/status",
    response_model=CompatVideoRequest,
    summary="Change a request's status (admins only)",
    description="`{status}`: 심사중, 승인됨 or 거절됨 (or pending, approved, rejected). Not an admin → 403.",
    responses=errors(400, 401, 403, 404, 422),
)
async def set_status(request_id: RequestId, body: CompatStatusIn, caller: CallerDep, state: State) -> dict[str, Any]:
    status = STATUS_OF.get(body.status.strip().lower() if body.status.isascii() else body.status.strip())
    try:
        changed = await _stub(state).SetVideoRequestStatus(
            requests_pb2.SetVideoRequestStatusRequest(
                id=request_id, status=status or requests_pb2.VIDEO_REQUEST_STATUS_UNSPECIFIED
            ),
            metadata=caller.metadata,
        )
    except grpc.aio.AioRpcError as error:
        raise _rule_error(error) from None
    return _out(changed)
