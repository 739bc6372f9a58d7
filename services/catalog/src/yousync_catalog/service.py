"""Catalog use cases. Takes a unit-of-work factory and a blob store; no grpc, no SQL."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from yousync_catalog.cache import SingleFlightCache
from yousync_catalog.db.uow import CatalogUnitOfWork
from yousync_catalog.domain import (
    ACTOR_FIELDS,
    MAX_TEXT_LENGTH,
    SCRIPT_FIELDS,
    TOKEN_FIELDS,
    Actor,
    ActorNotFound,
    AudioLink,
    Bookmark,
    CatalogImport,
    Duet,
    ImportReport,
    Page,
    Script,
    ScriptBookmark,
    ScriptFilter,
    ScriptKind,
    ScriptNotFound,
    Token,
    TokenNotFound,
    Word,
    check_collections,
    check_id,
    check_line_timing,
    check_text,
    check_video_url,
    search_terms,
)
from yousync_platform.context import Principal
from yousync_platform.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied, Unauthenticated
from yousync_platform.paging import page_size
from yousync_platform.storage import BlobStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CatalogPolicy:
    audio_url_ttl: dt.timedelta = dt.timedelta(minutes=10)
    list_cache_ttl_seconds: float = 5.0
    detail_cache_ttl_seconds: float = 2.0
    cache_min_refresh_seconds: float = 0.5


def require_admin(principal: Principal | None) -> Principal:
    if principal is None:
        raise Unauthenticated("AUTHENTICATION_REQUIRED", "sign-in required")
    if not principal.is_admin:
        raise PermissionDenied("ADMIN_REQUIRED", "only administrators may edit the catalog")
    return principal


def require_user(principal: Principal | None) -> Principal:
    if principal is None:
        raise Unauthenticated("AUTHENTICATION_REQUIRED", "sign-in required")
    return principal


def _unknown_fields(values: dict[str, Any], allowed: frozenset[str]) -> None:
    unknown = sorted(set(values) - allowed)
    if unknown:
        raise InvalidArgument("INVALID_UPDATE_MASK", f"fields not updatable: {', '.join(unknown)}")


def clean_script_values(values: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    _unknown_fields(values, SCRIPT_FIELDS)
    cleaned: dict[str, Any] = {}
    for name, value in values.items():
        if name == "kind":
            cleaned[name] = (value or ScriptKind.OTHER).value if isinstance(value, ScriptKind | None) else str(value)
        elif name == "duration_seconds":
            if float(value) < 0:
                raise InvalidArgument("INVALID_DURATION", "duration_seconds must not be negative")
            cleaned[name] = float(value)
        elif name == "video_start_seconds":
            if float(value) < 0:
                raise InvalidArgument("INVALID_VIDEO_START", "video_start_seconds must not be negative")
            cleaned[name] = float(value)
        elif name == "collections":
            cleaned[name] = list(check_collections(value))
        elif name == "source_video_url":
            cleaned[name] = check_video_url(check_text(value, name, required=False, limit=2000))
        elif name == "thumbnail_url":
            cleaned[name] = check_text(value, name, required=False, limit=2000)
        elif name == "language":
            cleaned[name] = check_text(value, name, required=False, limit=35)
        else:
            cleaned[name] = check_text(value, name, required=name == "title", limit=300)
    if creating and not cleaned.get("title"):
        raise InvalidArgument("MISSING_FIELD", "title is required")
    return cleaned


class CatalogService:
    def __init__(
        self,
        *,
        uow: Callable[[], CatalogUnitOfWork],
        blobs: BlobStore,
        policy: CatalogPolicy | None = None,
    ) -> None:
        self._uow = uow
        self._blobs = blobs
        self._policy = policy or CatalogPolicy()
        self.lists: SingleFlightCache[Page[Script]] = SingleFlightCache(
            ttl_seconds=self._policy.list_cache_ttl_seconds,
            min_refresh_seconds=self._policy.cache_min_refresh_seconds,
        )
        self.details: SingleFlightCache[Any] = SingleFlightCache(
            ttl_seconds=self._policy.detail_cache_ttl_seconds,
            min_refresh_seconds=self._policy.cache_min_refresh_seconds,
            max_entries=4096,
        )
        self._links: dict[str, AudioLink] = {}
        self._change_listeners: list[Callable[[bool], None]] = []

    @property
    def blobs(self) -> BlobStore:
        return self._blobs

    async def close(self) -> None:
        await self.lists.close()
        await self.details.close()

    def on_change(self, listener: Callable[[bool], None]) -> None:
        """Call `listener(structure)` after every committed change (e.g. to tell other caches)."""
        self._change_listeners.append(listener)

    def _changed(self, *, structure: bool) -> None:
        """After a write: edits drop cached reads at once; counter updates refresh them soon."""
        if structure:
            self.lists.clear()
            self.details.clear()
            self._links.clear()
        else:
            self.lists.mark_stale()
            self.details.mark_stale()
        for listener in self._change_listeners:
            listener(structure)

    # ---- audio access ---------------------------------------------------------------------------
    async def _link(self, key: str | None, content_type: str) -> AudioLink | None:
        if not key:
            return None
        now = dt.datetime.now(dt.UTC)
        cached = self._links.get(key)
        if cached is not None and cached.expires_at - now > self._policy.audio_url_ttl / 2:
            return cached
        signed = await self._blobs.signed_url(key, expires_in=self._policy.audio_url_ttl)
        link = AudioLink(url=signed.url, expires_at=signed.expires_at, content_type=content_type)
        if len(self._links) > 10_000:
            self._links.clear()
        self._links[key] = link
        return link

    async def _with_audio(self, token: Token) -> Token:
        link = await self._link(token.reference_blob_key, token.reference_content_type)
        return dataclasses.replace(token, reference_audio=link)

    # ---- public reads -------------------------------------------------------------------------------
    async def list_scripts(self, filters: ScriptFilter, requested_size: int, page_token: str) -> Page[Script]:
        size = page_size(requested_size)
        terms = filters.terms()  # validates the query length

        filters.actor_compact()  # validates the actor-name length

        async def load() -> Page[Script]:
            async with self._uow() as uow:
                return await uow.scripts.page(filters, size, page_token)

        if terms or filters.actor_name:  # free-text searches are too varied to cache
            page = await load()
        else:
            page = await self.lists.get(("scripts", filters, size, page_token), load)
        return dataclasses.replace(page, items=tuple([await self._with_background(s) for s in page.items]))

    async def _with_background(self, script: Script) -> Script:
        if not script.background_blob_key:
            return script
        background = await self._link(script.background_blob_key, script.background_content_type)
        return dataclasses.replace(script, background_track=background)

    async def list_duets(self, requested_size: int) -> tuple[Duet, ...]:
        size = page_size(requested_size)

        async def load() -> tuple[Duet, ...]:
            async with self._uow() as uow:
                return tuple(await uow.scripts.duets(size))

        duets: tuple[Duet, ...] = await self.details.get(("duets", size), load)
        signed: list[Duet] = []
        for duet in duets:
            first, second = duet.scripts
            pair = (await self._with_background(first), await self._with_background(second))
            signed.append(dataclasses.replace(duet, scripts=pair))
        return tuple(signed)

    async def record_script_view(self, script_id: int) -> int:
        check_id(script_id, "script")
        async with self._uow() as uow:
            views = await uow.scripts.add_view(script_id)
            if views is None:
                raise ScriptNotFound(script_id)
            await uow.commit()
        self._changed(structure=False)
        return views

    async def get_script(self, script_id: int) -> Script:
        check_id(script_id, "script")

        async def load() -> Script | None:
            async with self._uow() as uow:
                return await uow.scripts.get(script_id, with_tokens=True)

        script: Script | None = await self.details.get(("script", script_id), load)
        if script is None:
            raise ScriptNotFound(script_id)
        tokens = tuple([await self._with_audio(t) for t in script.tokens])
        background = await self._link(script.background_blob_key, script.background_content_type)
        return dataclasses.replace(script, tokens=tokens, background_track=background)

    async def _token(self, token_id: int) -> Token:
        check_id(token_id, "token")

        async def load() -> Token | None:
            async with self._uow() as uow:
                return await uow.tokens.get(token_id)

        token: Token | None = await self.details.get(("token", token_id), load)
        if token is None:
            raise TokenNotFound(token_id)
        return token

    async def get_token(self, token_id: int) -> Token:
        return await self._with_audio(await self._token(token_id))

    async def list_actors(self, query: str, requested_size: int, page_token: str) -> Page[Actor]:
        size = page_size(requested_size)
        terms = search_terms(query)
        async with self._uow() as uow:
            return await uow.actors.page(terms, size, page_token)

    async def get_actor(self, actor_id: int) -> Actor:
        check_id(actor_id, "actor")
        async with self._uow() as uow:
            actor = await uow.actors.get(actor_id)
        if actor is None:
            raise ActorNotFound(actor_id)
        return actor

    async def record_view(self, token_id: int) -> int:
        check_id(token_id, "token")
        async with self._uow() as uow:
            # A script's row before its lines' (the order an import locks them, or the two can deadlock).
            script_id = await uow.tokens.script_of(token_id)
            if script_id is None:
                raise TokenNotFound(token_id)
            await uow.scripts.add_views(script_id)
            views = await uow.tokens.add_view(token_id)
            if views is None:  # deleted meanwhile: nothing is kept
                raise TokenNotFound(token_id)
            await uow.commit()
        self._changed(structure=False)
        return views

    async def read_reference_audio(
        self, token_id: int, chunk_size: int = 64 * 1024
    ) -> tuple[str, AsyncIterator[bytes]]:
        token = await self._token(token_id)
        if not token.reference_blob_key:
            raise NotFound("REFERENCE_AUDIO_NOT_FOUND", "this token has no reference audio")
        return token.reference_content_type, self._blobs.iter_chunks(token.reference_blob_key, chunk_size)

    # ---- import -------------------------------------------------------------------------------------
    async def apply_import(self, catalog: CatalogImport) -> ImportReport:
        """Write a validated catalog (its audio already stored) in ONE transaction: upsert actors, scripts
        and lines by external id, remove lines that left a re-imported script; then drop cached reads.
        For trusted callers only (the import command); no RPC leads here."""
        report = ImportReport()
        async with self._uow() as uow:
            actor_ids = {
                external: await uow.actors.upsert_external(external, name, aliases)
                for external, (name, aliases) in catalog.actors.items()
            }
            report.actors = len(actor_ids)
            script_ids: list[int] = []
            for script in catalog.scripts:
                script_id = await uow.scripts.upsert_external(script.external_id, script.values)
                script_ids.append(script_id)
                kept = [
                    await uow.tokens.upsert_external(
                        line.external_id,
                        {**line.values, "script_id": script_id, "actor_id": actor_ids[line.actor], "position": n},
                    )
                    for n, line in enumerate(script.lines, start=1)
                ]
                report.removed_tokens += await uow.tokens.delete_missing(script_id, kept)
                report.tokens += len(kept)
            report.scripts = len(script_ids)
            await uow.scripts.refresh_search_text(script_ids)
            await uow.commit()
        self._changed(structure=True)
        return report

    # ---- events -------------------------------------------------------------------------------------
    async def record_take_completed(self, event_id: str, token_id: int, script_id: int, subject: str = "") -> bool:
        """Count one completed take, once per event id (the claim and the counters share a transaction)."""
        if not event_id:
            raise InvalidArgument("MISSING_EVENT_ID", "event without an id")
        async with self._uow() as uow:
            if not await uow.events.claim(event_id, subject):
                return False
            # The line's own script, else the event's; the script's row first, as in record_view.
            token_script = await uow.tokens.script_of(token_id) if token_id > 0 else None
            target = token_script or script_id
            if target:
                await uow.scripts.add_takes(target)
            if token_script is not None:
                await uow.tokens.add_take(token_id)
            await uow.commit()
        self._changed(structure=False)
        return True

    # ---- bookmarks ----------------------------------------------------------------------------------
    async def list_bookmarks(self, principal: Principal | None, requested_size: int, page_token: str) -> Page[Bookmark]:
        user = require_user(principal)
        size = page_size(requested_size, default=50)
        async with self._uow() as uow:
            return await uow.bookmarks.page(user.subject, size, page_token)

    async def create_bookmark(self, principal: Principal | None, token_id: int) -> Bookmark:
        user = require_user(principal)
        check_id(token_id, "token")
        async with self._uow() as uow:
            if await uow.tokens.script_of(token_id) is None:
                raise TokenNotFound(token_id)
            bookmark = await uow.bookmarks.create(user.subject, token_id)
            await uow.commit()
        return bookmark

    async def delete_bookmark(self, principal: Principal | None, token_id: int) -> None:
        user = require_user(principal)
        check_id(token_id, "token")
        async with self._uow() as uow:
            if not await uow.bookmarks.delete(user.subject, token_id):
                raise NotFound("BOOKMARK_NOT_FOUND", "no such bookmark", {"token_id": str(token_id)})
            await uow.commit()

    # ---- bookmarks of whole scripts (clips) --------------------------------------------------------
    async def list_script_bookmarks(
        self, principal: Principal | None, requested_size: int, page_token: str
    ) -> Page[ScriptBookmark]:
        user = require_user(principal)
        size = page_size(requested_size, default=50)
        async with self._uow() as uow:
            return await uow.script_bookmarks.page(user.subject, size, page_token)

    async def create_script_bookmark(self, principal: Principal | None, script_id: int) -> ScriptBookmark:
        """ALREADY_EXISTS (BOOKMARK_EXISTS) when bookmarked already; SCRIPT_NOT_FOUND for an unknown script."""
        user = require_user(principal)
        check_id(script_id, "script")
        async with self._uow() as uow:
            if await uow.scripts.get_row(script_id) is None:
                raise ScriptNotFound(script_id)
            bookmark = await uow.script_bookmarks.create(user.subject, script_id)
            await uow.commit()
        return bookmark

    async def delete_script_bookmark(self, principal: Principal | None, script_id: int) -> bool:
        """Idempotent; whether the caller had such a bookmark."""
        user = require_user(principal)
        check_id(script_id, "script")
        async with self._uow() as uow:
            deleted = await uow.script_bookmarks.delete(user.subject, script_id)
            await uow.commit()
        return deleted

    # ---- admin edits --------------------------------------------------------------------------------
    async def _idempotent(self, kind: str, principal: Principal, request_id: str) -> int | None:
        if not request_id:
            return None
        if len(request_id) > 128:
            raise InvalidArgument("INVALID_REQUEST_ID", "request_id must be at most 128 characters")
        async with self._uow() as uow:
            return await uow.create_requests.find(kind, principal.subject, request_id)

    async def create_script(self, principal: Principal | None, values: dict[str, Any], request_id: str = "") -> Script:
        admin = require_admin(principal)
        cleaned = clean_script_values(values, creating=True)
        existing = await self._idempotent("script", admin, request_id)
        if existing is None:
            async with self._uow() as uow:
                script_id = await uow.scripts.add(cleaned)
                await uow.scripts.refresh_search_text([script_id])
                if request_id and not await uow.create_requests.remember(
                    "script", admin.subject, request_id, script_id
                ):
                    existing = None  # lost a race: fall through to the winner below
                else:
                    await uow.commit()
                    existing = script_id
            if existing is None:
                existing = await self._idempotent("script", admin, request_id)
        self._changed(structure=True)
        return await self.get_script(int(existing or 0))

    async def update_script(self, principal: Principal | None, script_id: int, values: dict[str, Any]) -> Script:
        require_admin(principal)
        check_id(script_id, "script")
        cleaned = clean_script_values(values, creating=False)
        async with self._uow() as uow:
            if cleaned:
                if not await uow.scripts.update(script_id, cleaned):
                    raise ScriptNotFound(script_id)
                await uow.scripts.refresh_search_text([script_id])
            elif await uow.scripts.get_row(script_id) is None:
                raise ScriptNotFound(script_id)
            await uow.commit()
        self._changed(structure=True)
        return await self.get_script(script_id)

    async def delete_script(self, principal: Principal | None, script_id: int) -> None:
        require_admin(principal)
        check_id(script_id, "script")
        async with self._uow() as uow:
            if not await uow.scripts.delete(script_id):
                raise ScriptNotFound(script_id)
            await uow.commit()
        self._changed(structure=True)

    async def _clean_token(
        self, uow: CatalogUnitOfWork, values: dict[str, Any], current: Token | None
    ) -> dict[str, Any]:
        _unknown_fields(values, TOKEN_FIELDS)
        cleaned: dict[str, Any] = {}
        for name, value in values.items():
            if name == "text":
                cleaned[name] = check_text(value, "text", required=True, limit=MAX_TEXT_LENGTH)
            elif name == "translation":
                cleaned[name] = check_text(value, "translation", required=False, limit=MAX_TEXT_LENGTH)
            elif name in {"start_seconds", "end_seconds"}:
                cleaned[name] = float(value)
            elif name == "position":
                if int(value) < 0:
                    raise InvalidArgument("INVALID_POSITION", "position must not be negative")
                if int(value) > 0:
                    cleaned[name] = int(value)
            elif name == "words":
                cleaned[name] = [
                    [w.word, w.start, w.end] if w.probability == 1.0 else [w.word, w.start, w.end, w.probability]
                    for w in value
                ]
            elif name == "actor_id":
                if value:
                    if not await uow.actors.exists(int(value)):
                        raise ActorNotFound(int(value))
                    cleaned[name] = int(value)
                else:
                    cleaned[name] = None
            elif name == "script_id":
                if current is not None and int(value) not in (0, current.script_id):
                    raise InvalidArgument("SCRIPT_ID_IMMUTABLE", "a token cannot move to another script")
                if current is None:
                    cleaned[name] = check_id(int(value), "script")
        start = cleaned.get("start_seconds", current.start_seconds if current else 0.0)
        end = cleaned.get("end_seconds", current.end_seconds if current else 0.0)
        words = values.get("words", current.words if current else ())
        check_line_timing(start, end, tuple(words))
        if current is None and "text" not in cleaned:
            raise InvalidArgument("MISSING_FIELD", "text is required")
        return cleaned

    async def create_token(self, principal: Principal | None, values: dict[str, Any], request_id: str = "") -> Token:
        admin = require_admin(principal)
        existing = await self._idempotent("token", admin, request_id)
        if existing is None:
            async with self._uow() as uow:
                cleaned = await self._clean_token(uow, values, None)
                script_id = cleaned.get("script_id", 0)
                if await uow.scripts.get_row(script_id, lock=True) is None:
                    raise ScriptNotFound(script_id)
                cleaned.setdefault("position", await uow.tokens.next_position(script_id))
                token_id = await uow.tokens.add(cleaned)
                await uow.scripts.refresh_search_text([script_id])
                if request_id and not await uow.create_requests.remember("token", admin.subject, request_id, token_id):
                    pass
                else:
                    await uow.commit()
                    existing = token_id
            if existing is None:
                existing = await self._idempotent("token", admin, request_id)
        self._changed(structure=True)
        return await self.get_token(int(existing or 0))

    async def update_token(self, principal: Principal | None, token_id: int, values: dict[str, Any]) -> Token:
        require_admin(principal)
        check_id(token_id, "token")
        async with self._uow() as uow:
            current = await uow.tokens.get(token_id)
            if current is None:
                raise TokenNotFound(token_id)
            cleaned = await self._clean_token(uow, values, current)
            if cleaned:
                await uow.tokens.update(token_id, cleaned)
                await uow.scripts.refresh_search_text([current.script_id])
            await uow.commit()
        self._changed(structure=True)
        return await self.get_token(token_id)

    async def delete_token(self, principal: Principal | None, token_id: int) -> None:
        require_admin(principal)
        check_id(token_id, "token")
        async with self._uow() as uow:
            script_id = await uow.tokens.delete(token_id)
            if script_id is None:
                raise TokenNotFound(token_id)
            await uow.scripts.refresh_search_text([script_id])
            await uow.commit()
        self._changed(structure=True)

    @staticmethod
    def _clean_actor(values: dict[str, Any], *, creating: bool) -> dict[str, Any]:
        _unknown_fields(values, ACTOR_FIELDS)
        cleaned: dict[str, Any] = {}
        if "name" in values or creating:
            cleaned["name"] = check_text(values.get("name", ""), "name", required=True, limit=200)
        if "aliases" in values:
            aliases = [check_text(a, "alias", required=True, limit=200) for a in values["aliases"]]
            cleaned["aliases"] = list(dict.fromkeys(aliases))[:50]
        return cleaned

    async def create_actor(self, principal: Principal | None, values: dict[str, Any], request_id: str = "") -> Actor:
        admin = require_admin(principal)
        cleaned = self._clean_actor(values, creating=True)
        existing = await self._idempotent("actor", admin, request_id)
        if existing is None:
            async with self._uow() as uow:
                actor_id = await uow.actors.add(cleaned["name"], cleaned.get("aliases", []))
                if request_id and not await uow.create_requests.remember("actor", admin.subject, request_id, actor_id):
                    pass
                else:
                    await uow.commit()
                    existing = actor_id
            if existing is None:
                existing = await self._idempotent("actor", admin, request_id)
        return await self.get_actor(int(existing or 0))

    async def update_actor(self, principal: Principal | None, actor_id: int, values: dict[str, Any]) -> Actor:
        require_admin(principal)
        check_id(actor_id, "actor")
        cleaned = self._clean_actor(values, creating=False)
        async with self._uow() as uow:
            if not await uow.actors.update(actor_id, cleaned):
                raise ActorNotFound(actor_id)
            await uow.scripts.refresh_search_text(await uow.actors.scripts_of(actor_id))
            await uow.commit()
        self._changed(structure=True)
        return await self.get_actor(actor_id)

    async def delete_actor(self, principal: Principal | None, actor_id: int) -> None:
        require_admin(principal)
        check_id(actor_id, "actor")
        async with self._uow() as uow:
            if await uow.actors.in_use(actor_id):
                raise FailedPrecondition("ACTOR_IN_USE", "the actor still speaks lines; reassign or delete them first")
            if not await uow.actors.delete(actor_id):
                raise ActorNotFound(actor_id)
            await uow.commit()
        self._changed(structure=True)


__all__ = ["CatalogPolicy", "CatalogService", "Word", "require_admin"]
