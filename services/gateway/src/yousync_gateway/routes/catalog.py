"""The public catalog: scripts (scenes), tokens (lines) and actors. No sign-in needed.

The reads are the hottest routes of the gateway. Each is `@public_read` (strong ETag, 304,
Cache-Control, and the gateway's response cache: see caching.py), and answers with JSON it encodes
itself: `convert` already builds exactly the documented shape (`response_model`, which the API docs
show), so validating it again on every request would only cost time.
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from yousync.catalog.v1 import catalog_pb2
from yousync_gateway import convert, schemas
from yousync_gateway.caching import public_read
from yousync_gateway.deps import CallerDep, State
from yousync_gateway.errors import COMMON_ERRORS, errors

router = APIRouter(prefix="/api", tags=["catalog"], responses=COMMON_ERRORS)

MAX_ID = 2**63 - 1
TEXT = r"^[^\x00-\x1f\x7f]*$"
ScriptId = Annotated[int, Path(ge=1, le=MAX_ID, description="Script (scene) id.")]
TokenId = Annotated[int, Path(ge=1, le=MAX_ID, description="Token (line) id.")]
ActorId = Annotated[int, Path(ge=1, le=MAX_ID, description="Actor id.")]
PageSize = Annotated[int | None, Query(ge=1, le=100, description="1-100 (default 20).")]
PageToken = Annotated[str, Query(max_length=1024, pattern=TEXT, description="`next_page_token` of the previous page.")]


class Order(StrEnum):
    popular = "popular"
    latest = "latest"
    by_title = "title"


class Kind(StrEnum):
    movie = "movie"
    drama = "drama"
    animation = "animation"
    stage_play = "stage_play"
    other = "other"


def _json(payload: dict[str, Any]) -> Response:
    body = json.dumps(payload, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()
    return Response(body, media_type="application/json")


ORDER = {
    None: catalog_pb2.SCRIPT_ORDER_UNSPECIFIED,
    Order.popular: catalog_pb2.SCRIPT_ORDER_POPULAR,
    Order.latest: catalog_pb2.SCRIPT_ORDER_LATEST,
    Order.by_title: catalog_pb2.SCRIPT_ORDER_TITLE,
}


async def _list(
    state: State,
    *,
    order: Order | None = None,
    category: str = "",
    actor_id: int = 0,
    language: str = "",
    q: str = "",
    kind: Kind | None = None,
    page_size: int | None = None,
    page_token: str = "",
) -> Response:
    request = catalog_pb2.ListScriptsRequest(
        page_size=page_size or 0,
        page_token=page_token,
        category=category,
        actor_id=actor_id,
        language=language,
        query=q,
        order_by=ORDER[order],
        kind=f"SCRIPT_KIND_{kind.name.upper()}" if kind else None,
    )
    response = await state.clients.catalog.ListScripts(request)
    return _json(
        {"scripts": [convert.script(s) for s in response.scripts], "next_page_token": response.next_page_token}
    )


@router.get(
    "/scripts",
    response_model=schemas.ScriptList,
    summary="List or search scripts",
    description="Filter by category, actor, language, kind or free text (`q`: titles, actors, line text); "
    "order by popularity, newest or title. Keyset pages: pass `next_page_token` back as `page_token`.",
    responses=errors(400),
)
@public_read
async def list_scripts(
    state: State,
    order: Order | None = None,
    category: Annotated[str, Query(max_length=100, pattern=TEXT)] = "",
    actor_id: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
    language: Annotated[str, Query(max_length=35, pattern=TEXT)] = "",
    q: Annotated[str, Query(max_length=200, pattern=TEXT)] = "",
    kind: Kind | None = None,
    page_size: PageSize = None,
    page_token: PageToken = "",
) -> Response:
    return await _list(
        state,
        order=order,
        category=category,
        actor_id=actor_id,
        language=language,
        q=q,
        kind=kind,
        page_size=page_size,
        page_token=page_token,
    )


@router.get(
    "/scripts/popular", response_model=schemas.ScriptList, summary="Most practised scripts", responses=errors(400)
)
@public_read
async def popular_scripts(state: State, page_size: PageSize = None, page_token: PageToken = "") -> Response:
    return await _list(state, order=Order.popular, page_size=page_size, page_token=page_token)


@router.get("/scripts/latest", response_model=schemas.ScriptList, summary="Newest scripts", responses=errors(400))
@public_read
async def latest_scripts(state: State, page_size: PageSize = None, page_token: PageToken = "") -> Response:
    return await _list(state, order=Order.latest, page_size=page_size, page_token=page_token)


@router.get(
    "/scripts/category/{category}",
    response_model=schemas.ScriptList,
    summary="Scripts of one category",
    responses=errors(400),
)
@public_read
async def scripts_by_category(
    state: State,
    category: Annotated[str, Path(min_length=1, max_length=100, pattern=TEXT)],
    order: Order | None = None,
    page_size: PageSize = None,
    page_token: PageToken = "",
) -> Response:
    return await _list(state, order=order, category=category, page_size=page_size, page_token=page_token)


@router.get(
    "/scripts/{script_id}",
    response_model=schemas.ScriptDetail,
    summary="A script with its tokens (lines) in order",
    responses=errors(404),
)
@public_read
async def get_script(script_id: ScriptId, state: State) -> Response:
    script = await state.clients.catalog.GetScript(catalog_pb2.GetScriptRequest(script_id=script_id))
    return _json(convert.script(script, with_tokens=True))


@router.get(
    "/tokens/{token_id}",
    response_model=schemas.Token,
    summary="A token (line): words, reference-audio URL, pitch contour",
    responses=errors(404),
)
@public_read
async def get_token(token_id: TokenId, state: State) -> Response:
    return _json(convert.token(await state.clients.catalog.GetToken(catalog_pb2.GetTokenRequest(token_id=token_id))))


@router.post(
    "/tokens/{token_id}/view",
    response_model=schemas.ViewCount,
    summary="Count one view of a token",
    responses=errors(401, 404),
)
async def record_view(token_id: TokenId, caller: CallerDep, state: State) -> dict[str, Any]:
    response = await state.clients.catalog.RecordView(
        catalog_pb2.RecordViewRequest(token_id=token_id), metadata=caller.metadata
    )
    return {"token_id": response.token_id, "view_count": response.view_count}


@router.get("/actors", response_model=schemas.ActorList, summary="List or search actors", responses=errors(400))
@public_read
async def list_actors(
    state: State,
    q: Annotated[str, Query(max_length=200, pattern=TEXT, description="Name or alias, any case, spaces ignored.")] = "",
    page_size: PageSize = None,
    page_token: PageToken = "",
) -> Response:
    response = await state.clients.catalog.ListActors(
        catalog_pb2.ListActorsRequest(page_size=page_size or 0, page_token=page_token, query=q)
    )
    return _json({"actors": [convert.actor(a) for a in response.actors], "next_page_token": response.next_page_token})


@router.get("/actors/{actor_id}", response_model=schemas.Actor, summary="An actor", responses=errors(404))
@public_read
async def get_actor(actor_id: ActorId, state: State) -> Response:
    return _json(convert.actor(await state.clients.catalog.GetActor(catalog_pb2.GetActorRequest(actor_id=actor_id))))


@router.get(
    "/actors/{actor_id}/scripts",
    response_model=schemas.ScriptList,
    summary="Scripts in which an actor speaks",
    responses=errors(400, 404),
)
@public_read
async def actor_scripts(
    actor_id: ActorId,
    state: State,
    order: Order | None = None,
    page_size: PageSize = None,
    page_token: PageToken = "",
) -> Response:
    return await _list(state, order=order, actor_id=actor_id, page_size=page_size, page_token=page_token)
