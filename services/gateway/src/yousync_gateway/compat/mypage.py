"""The original frontend's my page under `/compat/api/mypage`, in its vocabulary ("token" = our script,
a clip; "script" = our token, a line): the overview, and a clip's per-line analysis status.

Conversions only: counts and averages come from the orchestrator's overview, takes from ListMyTakes,
clip fields (actor, video URL) from the catalog's GetScript.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import grpc
from fastapi import APIRouter, Path
from google.protobuf.timestamp_pb2 import Timestamp
from pydantic import BaseModel

from yousync.analysis.v1 import analysis_pb2
from yousync.catalog.v1 import catalog_pb2
from yousync_gateway import convert
from yousync_gateway.compat import convert as compat_convert
from yousync_gateway.compat.analysis import envelope
from yousync_gateway.compat.auth import PREFIX, TAG
from yousync_gateway.deps import Caller, CallerDep, GatewayState, State
from yousync_gateway.errors import COMMON_ERRORS, errors
from yousync_gateway.routes.catalog import MAX_ID
from yousync_gateway.routes.mypage import overview_sources

router = APIRouter(prefix=f"{PREFIX}/mypage", tags=[TAG], responses=COMMON_ERRORS)

ClipId = Annotated[int, Path(ge=1, le=MAX_ID, description="Clip id (the original frontend's 'token' id).")]
RECENT_CLIPS = 20
TAKE_PAGES = 10


class CompatUserInfo(BaseModel):
    id: str
    email: str
    full_name: str
    profile_picture: str


class CompatClip(BaseModel):
    id: int
    token_name: str
    actor_name: str
    category: str
    youtube_url: str
    thumbnail_url: str


class CompatBookmark(BaseModel):
    id: int
    token_id: int
    created_at: str | None
    token: CompatClip


class CompatDubbedClip(BaseModel):
    token_id: int
    token_name: str
    actor_name: str
    category: str
    youtube_url: str
    thumbnail_url: str
    last_dubbed_at: str | None
    total_scripts: int
    completed_scripts: int


class CompatOverview(BaseModel):
    user_info: CompatUserInfo
    total_bookmarks: int
    total_dubbed_tokens: int
    total_practice_count: int
    average_completion_rate: float
    recent_bookmarks: list[CompatBookmark]
    recent_dubbed_tokens: list[CompatDubbedClip]


class CompatScriptResult(BaseModel):
    script_id: int
    script_text: str
    has_result: bool
    job_id: str | None
    status: str | None
    result: dict[str, Any] | None
    created_at: str | None


class CompatAnalysisStatus(BaseModel):
    token_id: int
    has_analysis: bool
    script_results: list[CompatScriptResult]


def clip_fields(script: catalog_pb2.Script) -> dict[str, Any]:
    """A clip (our script) in the original's Token fields."""
    return {
        "id": script.id,
        "token_name": script.title,
        "actor_name": script.actors[0].name if script.actors else "",
        "category": script.category,
        "youtube_url": script.source_video_url,
        "thumbnail_url": script.thumbnail_url,
    }


async def _clips(state: GatewayState, ids: list[int]) -> dict[int, catalog_pb2.Script]:
    """GetScript for each id (concurrently); a clip deleted since is left out."""
    found = await asyncio.gather(
        *(state.clients.catalog.GetScript(catalog_pb2.GetScriptRequest(script_id=i)) for i in ids),
        return_exceptions=True,
    )
    out: dict[int, catalog_pb2.Script] = {}
    for i, script in zip(ids, found, strict=True):
        if isinstance(script, catalog_pb2.Script):
            out[i] = script
        elif isinstance(script, BaseException) and not _not_found(script):
            raise script
    return out


def _not_found(error: BaseException) -> bool:
    return isinstance(error, grpc.aio.AioRpcError) and error.code() == grpc.StatusCode.NOT_FOUND


async def _bookmarked_clips(
    state: GatewayState, caller: Caller, line_bookmarks: catalog_pb2.ListBookmarksResponse
) -> dict[int, Timestamp]:
    """Bookmarked clips, newest first, each once: the caller's clip bookmarks (the catalog's
    ListScriptBookmarks, which the compat bookmark routes write, where the catalog has it) and the clips
    of the lines the caller bookmarked through /api."""
    found: list[tuple[Timestamp, int]] = [(b.create_time, b.script.id) for b in line_bookmarks.bookmarks]
    list_clip_bookmarks = getattr(state.clients.catalog, "ListScriptBookmarks", None)
    request_type = getattr(catalog_pb2, "ListScriptBookmarksRequest", None)
    if list_clip_bookmarks is not None and request_type is not None:
        page = await list_clip_bookmarks(request_type(page_size=100), metadata=caller.metadata)
        found += [(b.create_time, b.script_id) for b in page.bookmarks]
    found.sort(key=lambda item: (item[0].seconds, item[0].nanos), reverse=True)
    marked: dict[int, Timestamp] = {}
    for created, script_id in found:
        marked.setdefault(script_id, created)
    return marked


@router.get(
    "/overview",
    response_model=CompatOverview,
    summary="My page overview (original frontend)",
    description="`average_completion_rate` is the mean overall score of the caller's scored takes on the 0–100 "
    "scale the frontend prints with a '%'. `recent_dubbed_tokens`: the clips the caller recorded, most recent "
    "first (up to 20), with `actor_name` and `youtube_url`. `recent_bookmarks`: bookmarked clips, newest first.",
    responses=errors(401),
)
async def overview(caller: CallerDep, state: State) -> dict[str, Any]:
    me, mine, bookmarks, takes = await overview_sources(caller, state)
    # Takes, newest first → clips in order of their latest take, with the lines recorded in each.
    recent: dict[int, tuple[analysis_pb2.Take, set[int]]] = {}
    for take in takes.takes:
        if take.script_id not in recent:
            if len(recent) == RECENT_CLIPS:
                continue
            recent[take.script_id] = (take, set())
        recent[take.script_id][1].add(take.token_id)
    marked = await _bookmarked_clips(state, caller, bookmarks)
    clips = await _clips(state, sorted(set(recent) | set(marked)))
    dubbed = []
    for script_id, (latest, lines) in recent.items():
        clip = clips.get(script_id)
        if clip is None:
            continue
        fields = clip_fields(clip)
        dubbed.append(
            {
                "token_id": script_id,
                **{k: v for k, v in fields.items() if k != "id"},
                "last_dubbed_at": convert.ts(latest.create_time),
                "total_scripts": clip.token_count or len(clip.tokens),
                "completed_scripts": len(lines),
            }
        )
    return {
        "user_info": {
            "id": me.id,
            "email": me.email,
            "full_name": me.display_name,
            "profile_picture": me.picture_url,
        },
        "total_bookmarks": len(marked),
        "total_dubbed_tokens": mine.distinct_scripts,
        "total_practice_count": mine.total_takes,
        "average_completion_rate": round(mine.overall.average, 2),
        "recent_bookmarks": [
            {
                "id": script_id,
                "token_id": script_id,
                "created_at": convert.ts(created),
                "token": clip_fields(clips[script_id]),
            }
            for script_id, created in marked.items()
            if script_id in clips
        ],
        "recent_dubbed_tokens": dubbed,
    }


async def latest_takes_by_line(
    state: GatewayState, caller: Caller, clip: catalog_pb2.Script, *, scored: bool = False
) -> dict[int, analysis_pb2.Take]:
    """The caller's newest take of each line of the clip (ListMyTakes filtered by the clip, paged);
    with `scored`, the newest completed one where there is one, else the newest."""
    wanted = {t.id for t in clip.tokens}
    latest: dict[int, analysis_pb2.Take] = {}
    newest_scored: dict[int, analysis_pb2.Take] = {}
    page_token = ""
    for _ in range(TAKE_PAGES):
        page = await state.clients.analysis.ListMyTakes(
            analysis_pb2.ListMyTakesRequest(script_id=clip.id, page_size=100, page_token=page_token),
            metadata=caller.metadata,
        )
        for take in page.takes:
            if take.token_id in wanted:
                latest.setdefault(take.token_id, take)
                if take.state == analysis_pb2.JOB_STATE_COMPLETED:
                    newest_scored.setdefault(take.token_id, take)
        page_token = page.next_page_token
        if not page_token or len(newest_scored if scored else latest) == len(wanted):
            break
    return {**latest, **newest_scored} if scored else latest


@router.get(
    "/tokens/{clip_id}/analysis-status",
    response_model=CompatAnalysisStatus,
    summary="Per-line analysis of a clip for the caller (original frontend)",
    description="One entry per line of the clip, in order, each with the caller's latest scored take of that "
    "line, else the latest take (no duplication: results are matched by line, not by clip). `result` is "
    "`{result: PitchResult}` when that take was scored. Unknown clip → 404; other users' takes are never included.",
    responses=errors(401, 404),
)
async def analysis_status(clip_id: ClipId, caller: CallerDep, state: State) -> dict[str, Any]:
    clip = await state.clients.catalog.GetScript(catalog_pb2.GetScriptRequest(script_id=clip_id))
    latest = await latest_takes_by_line(state, caller, clip, scored=True)
    completed = [t for t in latest.values() if t.state == analysis_pb2.JOB_STATE_COMPLETED]
    results = await asyncio.gather(
        *(
            state.clients.analysis.GetResult(analysis_pb2.GetResultRequest(job_id=t.job_id), metadata=caller.metadata)
            for t in completed
        )
    )
    by_line = {r.token_id: r for r in results}
    entries = []
    for line in clip.tokens:
        take = latest.get(line.id)
        result = by_line.get(line.id)
        entries.append(
            {
                "script_id": line.id,
                "script_text": line.text,
                "has_result": result is not None,
                "job_id": take.job_id if take else None,
                "status": convert.status_of(take.state) if take else None,
                "result": envelope(result, compat_convert.reference_words(line)) if result is not None else None,
                "created_at": convert.ts(take.create_time) if take else None,
            }
        )
    return {"token_id": clip.id, "has_analysis": bool(by_line), "script_results": entries}
