"""Signed blob URLs of the filesystem store (the local default), verified and streamed by the gateway."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import FileResponse, Response

from yousync_gateway.deps import State
from yousync_gateway.errors import COMMON_ERRORS, ApiError, errors, from_domain
from yousync_platform.errors import DomainError

router = APIRouter(prefix="/api/blobs", tags=["blobs"], responses=COMMON_ERRORS)


@router.get(
    "/{key:path}",
    summary="A stored audio object, through a signed URL",
    description="URLs come from the API (reference audio, background tracks, take audio) and expire. The signature "
    "covers the key and the expiry (HMAC-SHA256).",
    response_class=FileResponse,
    responses={
        200: {"content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}},
        **errors(403, 404),
    },
)
async def get_blob(
    state: State,
    key: Annotated[str, Path(max_length=512)],
    expires: Annotated[str, Query(max_length=20)] = "",
    signature: Annotated[str, Query(max_length=100)] = "",
) -> Response:
    store, signer = state.blob_store, state.blob_signer
    if store is None or signer is None:
        raise ApiError(404, "NOT_FOUND", "no such route")
    try:
        signer.verify(key, expires, signature)
        info = store.stat_sync(key)
    except DomainError as exc:
        raise from_domain(exc) from None
    if info is None:
        raise ApiError(404, "BLOB_NOT_FOUND", "stored object not found")
    return FileResponse(
        store.path_of(key),
        media_type=info.content_type,
        headers={"Cache-Control": "private, max-age=60"},
    )
