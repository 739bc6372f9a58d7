"""The original frontend's catalog routes under `/compat/api`: clip lists, a clip with its lines, views,
actors, duet scenes, lookup by video, and bookmarks of clips.

Reads need no sign-in (the frontend's Next server calls them during SSR). Bookmarks need a valid
bearer token: a missing, malformed (`Bearer null`), expired or forged one is 401, never 403 or 500.
A trailing slash is optional (the frontend sends `/tokens/`, `/tokens/popular/` ...), never a redirect.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, Field

from yousync.catalog.v1 import catalog_pb2
from yousync_gateway.caching import public_read
from yousync_gateway.compat import convert
from yousync_gateway.deps import CallerDep, State, verify_access_token
from yousync_gateway.errors import COMMON_ERRORS, ApiError, errors, from_domain
from yousync_gateway.routes.catalog import MAX_ID, TEXT
from yousync_platform.access_tokens import bearer_token
from yousync_platform.errors import DomainError

router = APIRouter(prefix="/compat/api", tags=["compatibility: catalog"], responses=COMMON_ERRORS)

ClipId = Annotated[int, Path(ge=1, le=MAX_ID, description="Clip id (our script id; the frontend's token id).")]
LIST_PAGE = 100
# `GET /tokens/` returns every clip (the frontend opens its detail modal only from that list); a bound.
MAX_ALL_PAGES = 50
MAX_BOOKMARK_PAGES = 10


class Clip(BaseModel):
    """The frontend's Token: one dubbable clip."""

    id: int
    token_name: str
    actor_name: str
    category: str | None
    start_time: float = Field(description="Seconds on the video's timeline.")
    end_time: float
    s3_textgrid_url: str | None
    s3_pitch_url: str | None
    s3_bgvoice_url: str | None = Field(description="Short-lived URL of the background track, or null.")
    thumbnail_url: str | None
    youtube_url: str = Field(description="https://www.youtube.com/watch?v=<id>, or empty when the clip has no video.")
    view_count: int


class LineWord(BaseModel):
    id: int
    script_id: int
    word: str
    start_time: float
    end_time: float
    probability: float


class ClipLine(BaseModel):
    """The frontend's "script": one line of the clip."""

    id: int = Field(description="ClipLine id (our token id): the id of the upload path.")
    token_id: int
    script: str
    translation: str | None
    start_time: float
    end_time: float
    words: list[LineWord]


class ClipPitchPoint(BaseModel):
    time: float
    hz: float | None


class ClipDetail(Clip):
    """The frontend's TokenDetail: every time on the video's timeline, lines in chronological order."""

    bgvoice_url: str | None
    pitch: list[ClipPitchPoint] | None
    scripts: list[ClipLine]


class ActorHit(BaseModel):
    id: int
    name: str


class DuetScene(BaseModel):
    scene_title: str
    youtube_url: str
    thumbnail_url: str | None
    duet_pair: list[Clip]


class ClipViewCount(BaseModel):
    token_id: int
    view_count: int


class BookmarkedClip(BaseModel):
    id: int
    token_name: str
    actor_name: str
    category: str | None
    thumbnail_url: str | None
    youtube_url: str


class ClipBookmark(BaseModel):
    id: int
    user_id: str
    token_id: int = Field(description="The bookmarked clip's id.")
    created_at: str | None
    token: BookmarkedClip


class ClipBookmarkCreate(BaseModel):
    token_id: int = Field(ge=1, le=MAX_ID, description="Clip id.")


class ClipBookmarkCreated(BaseModel):
    token_id: int


async def _clips(state: State, **filters: Any) -> list[dict[str, Any]]:
    response = await state.clients.catalog.ListScripts(catalog_pb2.ListScriptsRequest(page_size=LIST_PAGE, **filters))
    return [convert.clip(s) for s in response.scripts]


@router.get("/tokens", response_model=list[Clip], summary="Every clip")
@public_read
async def all_clips(state: State) -> list[dict[str, Any]]:
    clips: list[dict[str, Any]] = []
    page_token = ""
    for _ in range(MAX_ALL_PAGES):
        response = await state.clients.catalog.ListScripts(
            catalog_pb2.ListScriptsRequest(
                page_size=LIST_PAGE, page_token=page_token, order_by=catalog_pb2.SCRIPT_ORDER_LATEST
            )
        )
        clips.extend(convert.clip(s) for s in response.scripts)
        page_token = response.next_page_token
        if not page_token:
            break
    return clips


@router.get("/tokens/popular", response_model=list[Clip], summary="Most practised clips (100)")
@public_read
async def popular_clips(state: State) -> list[dict[str, Any]]:
    return await _clips(state, order_by=catalog_pb2.SCRIPT_ORDER_POPULAR)


@router.get("/tokens/latest", response_model=list[Clip], summary="Newest clips (100)")
@public_read
async def latest_clips(state: State) -> list[dict[str, Any]]:
    return await _clips(state, order_by=catalog_pb2.SCRIPT_ORDER_LATEST)


@router.get("/tokens/sync-collection", response_model=list[Clip], summary="The curated sync collection")
@public_read
async def sync_collection(state: State) -> list[dict[str, Any]]:
    return await _clips(state, collection="sync-collection", order_by=catalog_pb2.SCRIPT_ORDER_POPULAR)


@router.get("/tokens/category/{category}", response_model=list[Clip], summary="Clips of one category")
@public_read
async def clips_by_category(
    state: State, category: Annotated[str, Path(min_length=1, max_length=100, pattern=TEXT)]
) -> list[dict[str, Any]]:
    return await _clips(state, category=category.strip(), order_by=catalog_pb2.SCRIPT_ORDER_POPULAR)


@router.get(
    "/tokens/{clip_id}",
    response_model=ClipDetail,
    summary="A clip with its lines and words (TokenDetail)",
    responses=errors(404),
)
@public_read
async def clip_detail(clip_id: ClipId, state: State) -> dict[str, Any]:
    script = await state.clients.catalog.GetScript(catalog_pb2.GetScriptRequest(script_id=clip_id))
    return convert.clip_detail(script)


@router.post(
    "/tokens/{clip_id}/view",
    response_model=ClipViewCount,
    summary="Count one view of a clip",
    description="Sign-in optional (the frontend sends its token when it has one); a token that is sent must be "
    "valid (401 otherwise).",
    responses=errors(401, 404),
)
async def record_view(clip_id: ClipId, request: Request, state: State) -> dict[str, Any]:
    header = request.headers.get("authorization")
    if header:
        try:
            await verify_access_token(state, bearer_token(header))
        except DomainError as exc:
            raise from_domain(exc) from None
    response = await state.clients.catalog.RecordScriptView(catalog_pb2.RecordScriptViewRequest(script_id=clip_id))
    return {"token_id": response.script_id, "view_count": response.view_count}


@router.get("/actors/search/{query}", response_model=list[ActorHit], summary="Actors by name or alias (10)")
@public_read
async def search_actors(
    state: State, query: Annotated[str, Path(min_length=2, max_length=200, pattern=TEXT)]
) -> list[dict[str, Any]]:
    response = await state.clients.catalog.ListActors(catalog_pb2.ListActorsRequest(page_size=10, query=query))
    return [{"id": a.id, "name": a.name} for a in response.actors]


@router.get(
    "/actors/{name}",
    response_model=list[Clip],
    summary="Clips of the actors whose name or alias matches (spaces ignored)",
)
@public_read
async def actor_clips(
    state: State, name: Annotated[str, Path(min_length=1, max_length=200, pattern=TEXT)]
) -> list[dict[str, Any]]:
    return await _clips(state, actor_name=name, order_by=catalog_pb2.SCRIPT_ORDER_POPULAR)


@router.get("/duet/scenes", response_model=list[DuetScene], summary="Duet scenes: two actors' clips of one video")
@public_read
async def duet_scenes(state: State) -> list[dict[str, Any]]:
    response = await state.clients.catalog.ListDuets(catalog_pb2.ListDuetsRequest(page_size=100))
    return [convert.duet(d) for d in response.duets]


@router.get(
    "/urls/tokens",
    response_model=list[Clip],
    summary="Clips of one video (exact URL)",
    responses=errors(404),
)
@public_read
async def clips_of_video(
    state: State, youtube_url: Annotated[str, Query(min_length=1, max_length=2000, pattern=TEXT)]
) -> list[dict[str, Any]]:
    clips = await _clips(state, source_video_url=youtube_url.strip(), order_by=catalog_pb2.SCRIPT_ORDER_LATEST)
    if not clips:
        raise ApiError(404, "URL_NOT_FOUND", "no clip of this video")
    return clips


@router.get(
    "/mypage/bookmarks",
    response_model=list[ClipBookmark],
    summary="The caller's bookmarked clips, newest first (always an array)",
    responses=errors(401),
)
async def list_bookmarks(caller: CallerDep, state: State) -> list[dict[str, Any]]:
    bookmarks: list[dict[str, Any]] = []
    page_token = ""
    for _ in range(MAX_BOOKMARK_PAGES):
        response = await state.clients.catalog.ListScriptBookmarks(
            catalog_pb2.ListScriptBookmarksRequest(page_size=100, page_token=page_token), metadata=caller.metadata
        )
        bookmarks.extend(convert.bookmark(b, caller.subject) for b in response.bookmarks)
        page_token = response.next_page_token
        if not page_token:
            break
    return bookmarks


@router.post(
    "/mypage/bookmarks",
    status_code=201,
    response_model=ClipBookmarkCreated,
    summary="ClipBookmark a clip",
    description="409 when the clip is bookmarked already (the frontend treats that as success), 404 for an "
    "unknown clip.",
    responses=errors(401, 404, 409),
)
async def create_bookmark(body: ClipBookmarkCreate, caller: CallerDep, state: State) -> dict[str, Any]:
    bookmark = await state.clients.catalog.CreateScriptBookmark(
        catalog_pb2.CreateScriptBookmarkRequest(script_id=body.token_id), metadata=caller.metadata
    )
    return {"token_id": bookmark.script_id}


@router.delete(
    "/mypage/bookmarks/{clip_id}",
    status_code=204,
    response_class=Response,
    summary="Remove a bookmark of a clip (204 whether or not there was one)",
    responses=errors(401),
)
async def delete_bookmark(clip_id: ClipId, caller: CallerDep, state: State) -> Response:
    await state.clients.catalog.DeleteScriptBookmark(
        catalog_pb2.DeleteScriptBookmarkRequest(script_id=clip_id), metadata=caller.metadata
    )
    return Response(status_code=204)
