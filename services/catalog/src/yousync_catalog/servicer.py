"""gRPC adapter for CatalogService: protobuf in → use case → protobuf out."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TypeAlias

import grpc

from yousync.catalog.v1 import catalog_pb2, catalog_pb2_grpc
from yousync_catalog import convert
from yousync_catalog.service import CatalogService
from yousync_platform.context import current_principal

Context: TypeAlias = grpc.aio.ServicerContext[object, object]


class CatalogServicer(catalog_pb2_grpc.CatalogServiceServicer):
    def __init__(self, service: CatalogService) -> None:
        self._service = service

    async def ListScripts(
        self, request: catalog_pb2.ListScriptsRequest, context: Context
    ) -> catalog_pb2.ListScriptsResponse:
        page = await self._service.list_scripts(convert.script_filter(request), request.page_size, request.page_token)
        return catalog_pb2.ListScriptsResponse(
            scripts=[convert.script_pb(s) for s in page.items], next_page_token=page.next_page_token
        )

    async def GetScript(self, request: catalog_pb2.GetScriptRequest, context: Context) -> catalog_pb2.Script:
        return convert.script_pb(await self._service.get_script(request.script_id))

    async def GetToken(self, request: catalog_pb2.GetTokenRequest, context: Context) -> catalog_pb2.Token:
        return convert.token_pb(await self._service.get_token(request.token_id))

    async def ListActors(
        self, request: catalog_pb2.ListActorsRequest, context: Context
    ) -> catalog_pb2.ListActorsResponse:
        page = await self._service.list_actors(request.query, request.page_size, request.page_token)
        return catalog_pb2.ListActorsResponse(
            actors=[convert.actor_pb(a) for a in page.items], next_page_token=page.next_page_token
        )

    async def GetActor(self, request: catalog_pb2.GetActorRequest, context: Context) -> catalog_pb2.Actor:
        return convert.actor_pb(await self._service.get_actor(request.actor_id))

    async def RecordView(
        self, request: catalog_pb2.RecordViewRequest, context: Context
    ) -> catalog_pb2.RecordViewResponse:
        views = await self._service.record_view(request.token_id)
        return catalog_pb2.RecordViewResponse(token_id=request.token_id, view_count=views)

    async def ReadReferenceAudio(
        self, request: catalog_pb2.ReadReferenceAudioRequest, context: Context
    ) -> AsyncIterator[catalog_pb2.ReadReferenceAudioResponse]:
        content_type, chunks = await self._service.read_reference_audio(request.token_id)
        first = True
        async for chunk in chunks:
            yield catalog_pb2.ReadReferenceAudioResponse(content_type=content_type if first else "", chunk=chunk)
            first = False

    async def CreateScript(self, request: catalog_pb2.CreateScriptRequest, context: Context) -> catalog_pb2.Script:
        values = convert.script_values(request.script, creating=True)
        return convert.script_pb(await self._service.create_script(current_principal(), values, request.request_id))

    async def UpdateScript(self, request: catalog_pb2.UpdateScriptRequest, context: Context) -> catalog_pb2.Script:
        values = convert.script_values(request.script, request.update_mask)
        return convert.script_pb(await self._service.update_script(current_principal(), request.script.id, values))

    async def DeleteScript(
        self, request: catalog_pb2.DeleteScriptRequest, context: Context
    ) -> catalog_pb2.DeleteScriptResponse:
        await self._service.delete_script(current_principal(), request.script_id)
        return catalog_pb2.DeleteScriptResponse()

    async def CreateToken(self, request: catalog_pb2.CreateTokenRequest, context: Context) -> catalog_pb2.Token:
        values = convert.token_values(request.token, creating=True)
        return convert.token_pb(await self._service.create_token(current_principal(), values, request.request_id))

    async def UpdateToken(self, request: catalog_pb2.UpdateTokenRequest, context: Context) -> catalog_pb2.Token:
        values = convert.token_values(request.token, request.update_mask)
        return convert.token_pb(await self._service.update_token(current_principal(), request.token.id, values))

    async def DeleteToken(
        self, request: catalog_pb2.DeleteTokenRequest, context: Context
    ) -> catalog_pb2.DeleteTokenResponse:
        await self._service.delete_token(current_principal(), request.token_id)
        return catalog_pb2.DeleteTokenResponse()

    async def CreateActor(self, request: catalog_pb2.CreateActorRequest, context: Context) -> catalog_pb2.Actor:
        values = convert.actor_values(request.actor, creating=True)
        return convert.actor_pb(await self._service.create_actor(current_principal(), values, request.request_id))

    async def UpdateActor(self, request: catalog_pb2.UpdateActorRequest, context: Context) -> catalog_pb2.Actor:
        values = convert.actor_values(request.actor, request.update_mask)
        return convert.actor_pb(await self._service.update_actor(current_principal(), request.actor.id, values))

    async def DeleteActor(
        self, request: catalog_pb2.DeleteActorRequest, context: Context
    ) -> catalog_pb2.DeleteActorResponse:
        await self._service.delete_actor(current_principal(), request.actor_id)
        return catalog_pb2.DeleteActorResponse()

    async def ListBookmarks(
        self, request: catalog_pb2.ListBookmarksRequest, context: Context
    ) -> catalog_pb2.ListBookmarksResponse:
        page = await self._service.list_bookmarks(current_principal(), request.page_size, request.page_token)
        return catalog_pb2.ListBookmarksResponse(
            bookmarks=[convert.bookmark_pb(b) for b in page.items], next_page_token=page.next_page_token
        )

    async def CreateBookmark(
        self, request: catalog_pb2.CreateBookmarkRequest, context: Context
    ) -> catalog_pb2.Bookmark:
        return convert.bookmark_pb(await self._service.create_bookmark(current_principal(), request.token_id))

    async def DeleteBookmark(
        self, request: catalog_pb2.DeleteBookmarkRequest, context: Context
    ) -> catalog_pb2.DeleteBookmarkResponse:
        await self._service.delete_bookmark(current_principal(), request.token_id)
        return catalog_pb2.DeleteBookmarkResponse()

    async def RecordScriptView(
        self, request: catalog_pb2.RecordScriptViewRequest, context: Context
    ) -> catalog_pb2.RecordScriptViewResponse:
        views = await self._service.record_script_view(request.script_id)
        return catalog_pb2.RecordScriptViewResponse(script_id=request.script_id, view_count=views)

    async def ListDuets(self, request: catalog_pb2.ListDuetsRequest, context: Context) -> catalog_pb2.ListDuetsResponse:
        duets = await self._service.list_duets(request.page_size)
        return catalog_pb2.ListDuetsResponse(duets=[convert.duet_pb(d) for d in duets])

    async def ListScriptBookmarks(
        self, request: catalog_pb2.ListScriptBookmarksRequest, context: Context
    ) -> catalog_pb2.ListScriptBookmarksResponse:
        page = await self._service.list_script_bookmarks(current_principal(), request.page_size, request.page_token)
        return catalog_pb2.ListScriptBookmarksResponse(
            bookmarks=[convert.script_bookmark_pb(b) for b in page.items], next_page_token=page.next_page_token
        )

    async def CreateScriptBookmark(
        self, request: catalog_pb2.CreateScriptBookmarkRequest, context: Context
    ) -> catalog_pb2.ScriptBookmark:
        bookmark = await self._service.create_script_bookmark(current_principal(), request.script_id)
        return convert.script_bookmark_pb(bookmark)

    async def DeleteScriptBookmark(
        self, request: catalog_pb2.DeleteScriptBookmarkRequest, context: Context
    ) -> catalog_pb2.DeleteScriptBookmarkResponse:
        deleted = await self._service.delete_script_bookmark(current_principal(), request.script_id)
        return catalog_pb2.DeleteScriptBookmarkResponse(deleted=deleted)
