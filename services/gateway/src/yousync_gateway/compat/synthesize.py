"""The original frontend's "listen to my dub" under `/compat/api`: mix the caller's latest takes of a
clip's lines over its background track (the orchestrator's DubService does it), and the latest mix."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel

from yousync.analysis.v1 import dub_pb2, dub_pb2_grpc
from yousync_gateway.compat.auth import PREFIX, TAG
from yousync_gateway.deps import CallerDep, GatewayState, State
from yousync_gateway.errors import COMMON_ERRORS, errors
from yousync_gateway.routes.catalog import MAX_ID
from yousync_platform.client import ClientPolicy

router = APIRouter(prefix=PREFIX, tags=[TAG], responses=COMMON_ERRORS)

DUB_SERVICE = "yousync.analysis.v1.DubService"
ClipId = Annotated[int, Path(ge=1, le=MAX_ID, description="Clip id (the original frontend's 'token' id).")]
# Mixing decodes every take and the background: seconds, not milliseconds.
MIX_TIMEOUT_SECONDS = 60.0


class CompatSynthesized(BaseModel):
    status: str
    message: str
    dubbing_audio_url: str


class CompatDubbing(BaseModel):
    url: str


def _stub(state: GatewayState) -> dub_pb2_grpc.DubServiceStub:
    channel = state.clients.channels.get(
        state.settings.analysis_target,
        ClientPolicy(
            DUB_SERVICE, timeout_seconds=state.settings.rpc_timeout_seconds, idempotent=frozenset({"GetLatestDub"})
        ),
    )
    return dub_pb2_grpc.DubServiceStub(channel)


@router.post(
    "/synthesize/{clip_id}",
    response_model=CompatSynthesized,
    summary="Mix my latest takes of a clip over its background track (original frontend)",
    description="The frontend sends `{}` (ignored) with `Authorization: Bearer` (`Bearer null` when logged out → "
    "401). The caller's newest take of each line is placed at the line's time over the clip's background track; "
    "the WAV is stored and answered as a short-lived URL. 404 when the clip is unknown or the caller has no take "
    "of its lines.",
    responses=errors(401, 404),
)
async def synthesize(clip_id: ClipId, caller: CallerDep, state: State) -> dict[str, Any]:
    dub = await _stub(state).CreateDub(
        dub_pb2.CreateDubRequest(script_id=clip_id), metadata=caller.metadata, timeout=MIX_TIMEOUT_SECONDS
    )
    return {
        "status": "success",
        "message": f"mixed {dub.lines_mixed} line(s)" + (" over the background track" if dub.with_background else ""),
        "dubbing_audio_url": dub.audio.url,
    }


@router.get(
    "/tokens/{clip_id}/latest-dubbing",
    response_model=CompatDubbing,
    summary="My latest mix of a clip (original frontend)",
    description="`{url}`: a short-lived URL of the caller's most recent mix of the clip. 404 when there is none "
    "(or the clip is unknown); other users' mixes are never visible.",
    responses=errors(401, 404),
)
async def latest_dubbing(clip_id: ClipId, caller: CallerDep, state: State) -> dict[str, Any]:
    dub = await _stub(state).GetLatestDub(dub_pb2.GetLatestDubRequest(script_id=clip_id), metadata=caller.metadata)
    return {"url": dub.audio.url}
