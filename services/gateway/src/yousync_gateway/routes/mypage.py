"""The signed-in user's page: bookmarks, takes, overview."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response

from yousync.analysis.v1 import analysis_pb2
from yousync.auth.v1 import auth_pb2
from yousync.catalog.v1 import catalog_pb2
from yousync_gateway import convert, schemas
from yousync_gateway.deps import Caller, CallerDep, GatewayState, State
from yousync_gateway.errors import COMMON_ERRORS, errors
from yousync_gateway.routes.analysis import JOB_ID
from yousync_gateway.routes.catalog import MAX_ID, TEXT

router = APIRouter(prefix="/api/mypage", tags=["my page"], responses=COMMON_ERRORS)

TokenId = Annotated[int, Path(ge=1, le=MAX_ID, description="Token (line) id.")]
TakeId = Annotated[str, Path(pattern=JOB_ID, description="Take id.")]
PageToken = Annotated[str, Query(max_length=1024, pattern=TEXT, description="`next_page_token` of the previous page.")]


@router.get(
    "/bookmarks",
    response_model=list[schemas.Bookmark],
    summary="The caller's bookmarks, newest first (a JSON array)",
    description="Always an array (empty when there are none). Up to `page_size` items (default 100); when more "
    "exist the `X-Next-Page-Token` response header carries the cursor for `page_token`.",
    responses=errors(401),
)
async def list_bookmarks(
    response: Response,
    caller: CallerDep,
    state: State,
    page_size: Annotated[int | None, Query(ge=1, le=100)] = None,
    page_token: PageToken = "",
) -> list[dict[str, Any]]:
    result = await state.clients.catalog.ListBookmarks(
        catalog_pb2.ListBookmarksRequest(page_size=page_size or 100, page_token=page_token), metadata=caller.metadata
    )
    if result.next_page_token:
        response.headers["X-Next-Page-Token"] = result.next_page_token
    return [convert.bookmark(b) for b in result.bookmarks]


@router.post(
    "/bookmarks",
    status_code=201,
    response_model=schemas.Bookmark,
    summary="Bookmark a token (idempotent)",
    responses=errors(401, 404),
)
async def create_bookmark(body: schemas.BookmarkCreate, caller: CallerDep, state: State) -> dict[str, Any]:
    bookmark = await state.clients.catalog.CreateBookmark(
        catalog_pb2.CreateBookmarkRequest(token_id=body.token_id), metadata=caller.metadata
    )
    return convert.bookmark(bookmark)


@router.delete(
    "/bookmarks/{token_id}",
    status_code=204,
    response_class=Response,
    summary="Remove a bookmark",
    description="404 when the caller has no bookmark on this token.",
    responses=errors(401, 404),
)
async def delete_bookmark(token_id: TokenId, caller: CallerDep, state: State) -> Response:
    await state.clients.catalog.DeleteBookmark(
        catalog_pb2.DeleteBookmarkRequest(token_id=token_id), metadata=caller.metadata
    )
    return Response(status_code=204)


@router.get(
    "/takes",
    response_model=schemas.TakeList,
    summary="The caller's takes with their scores, newest first",
    responses=errors(400, 401),
)
async def list_takes(
    caller: CallerDep,
    state: State,
    token_id: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
    script_id: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
    page_size: Annotated[int | None, Query(ge=1, le=100)] = None,
    page_token: PageToken = "",
) -> dict[str, Any]:
    result = await state.clients.analysis.ListMyTakes(
        analysis_pb2.ListMyTakesRequest(
            page_size=page_size or 0, page_token=page_token, token_id=token_id, script_id=script_id
        ),
        metadata=caller.metadata,
    )
    return {"takes": [convert.take(t) for t in result.takes], "next_page_token": result.next_page_token}


@router.get(
    "/takes/{take_id}/audio",
    response_model=schemas.AudioAccess,
    summary="Short-lived URL of one of the caller's takes",
    responses=errors(401, 404),
)
async def take_audio(take_id: TakeId, caller: CallerDep, state: State) -> dict[str, Any]:
    access = await state.clients.analysis.GetTakeAudio(
        analysis_pb2.GetTakeAudioRequest(take_id=take_id), metadata=caller.metadata
    )
    return convert.audio_access(access) or {"url": "", "expires_at": None, "content_type": ""}


@router.delete(
    "/takes/{take_id}",
    status_code=204,
    response_class=Response,
    summary="Delete one of the caller's takes (its audio, job and result)",
    responses=errors(401, 404),
)
async def delete_take(take_id: TakeId, caller: CallerDep, state: State) -> Response:
    await state.clients.analysis.DeleteTake(analysis_pb2.DeleteTakeRequest(take_id=take_id), metadata=caller.metadata)
    return Response(status_code=204)


@router.get(
    "/my-dubbed-tokens",
    response_model=list[schemas.DubbedToken],
    summary="Tokens the caller has recorded, most recent first (a JSON array)",
    responses=errors(401),
)
async def my_dubbed_tokens(caller: CallerDep, state: State) -> list[dict[str, Any]]:
    result = await state.clients.analysis.ListMyTakes(
        analysis_pb2.ListMyTakesRequest(page_size=100), metadata=caller.metadata
    )
    return convert.dubbed_tokens(result.takes)


async def overview_sources(caller: Caller, state: GatewayState) -> tuple[Any, Any, Any, Any]:
    """What a my-page overview is made of, asked for at once: the user, the orchestrator's overview, the
    bookmarks and the latest takes (both surfaces, /api and /compat/api, build theirs from these)."""
    md = caller.metadata
    return await asyncio.gather(
        state.clients.auth.GetMe(auth_pb2.GetMeRequest(), metadata=md),
        state.clients.analysis.GetMyOverview(analysis_pb2.GetMyOverviewRequest(), metadata=md),
        state.clients.catalog.ListBookmarks(catalog_pb2.ListBookmarksRequest(page_size=100), metadata=md),
        state.clients.analysis.ListMyTakes(analysis_pb2.ListMyTakesRequest(page_size=100), metadata=md),
    )


@router.get(
    "/overview",
    response_model=schemas.Overview,
    summary="The caller's progress: counts, score statistics, weekly progress, recent takes and bookmarks",
    responses=errors(401),
)
async def overview(caller: CallerDep, state: State) -> dict[str, Any]:
    me, mine, bookmarks, takes = await overview_sources(caller, state)

    def stats(s: analysis_pb2.ScoreStats) -> dict[str, float]:
        return {"average": s.average, "best": s.best}

    return {
        "total_takes": mine.total_takes,
        "scored_takes": mine.scored_takes,
        "distinct_tokens": mine.distinct_tokens,
        "distinct_scripts": mine.distinct_scripts,
        "pronunciation": stats(mine.pronunciation),
        "intonation": stats(mine.intonation),
        "expressiveness": stats(mine.expressiveness),
        "timing": stats(mine.timing),
        "overall": stats(mine.overall),
        "weekly": [
            {"week_start": convert.ts(w.week_start_time), "takes": w.takes, "average_overall": w.average_overall}
            for w in mine.weekly
        ],
        "recent_takes": [convert.take(t) for t in mine.recent_takes],
        "user_info": convert.user(me),
        "total_bookmarks": len(bookmarks.bookmarks),
        "total_dubbed_tokens": mine.distinct_tokens,
        "total_practice_count": mine.total_takes,
        "average_completion_rate": round(mine.overall.average, 2),
        "recent_bookmarks": [convert.bookmark(b) for b in bookmarks.bookmarks],
        "recent_dubbed_tokens": convert.dubbed_tokens(takes.takes),
    }
