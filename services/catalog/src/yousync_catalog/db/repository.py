"""Catalog persistence: every statement runs in the caller's unit of work (one transaction)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Select, and_, bindparam, delete, exists, func, literal, select, text, tuple_, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from yousync_catalog.db.models import (
    ActorRow,
    BookmarkRow,
    CreateRequestRow,
    ProcessedEventRow,
    ScriptBookmarkRow,
    ScriptRow,
    TokenRow,
)
from yousync_catalog.domain import (
    Actor,
    ActorSummary,
    Bookmark,
    Duet,
    Page,
    PitchPoint,
    Script,
    ScriptBookmark,
    ScriptBookmarkExists,
    ScriptFilter,
    ScriptKind,
    ScriptOrder,
    ScriptSummary,
    Token,
    TokenSummary,
    Word,
    actor_search_text,
)
from yousync_platform import paging
from yousync_platform.errors import InvalidArgument


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _actor(row: ActorRow) -> Actor:
    return Actor(
        id=row.id,
        external_id=row.external_id or "",
        name=row.name,
        aliases=tuple(row.aliases or ()),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _word(value: Sequence[Any]) -> Word:
    """A stored word: [word, start, end] or [word, start, end, probability]."""
    probability = float(value[3]) if len(value) > 3 and value[3] is not None else 1.0
    return Word(str(value[0]), float(value[1]), float(value[2]), probability)


def _token(row: TokenRow, actor_name: str | None, script_title: str, language: str, video_offset: float = 0.0) -> Token:
    return Token(
        id=row.id,
        external_id=row.external_id or "",
        script_id=row.script_id,
        script_title=script_title,
        language=language,
        actor=ActorSummary(row.actor_id, actor_name or "") if row.actor_id is not None else None,
        position=row.position,
        text=row.text,
        translation=row.translation,
        start_seconds=row.start_seconds,
        end_seconds=row.end_seconds,
        words=tuple(_word(w) for w in row.words or ()),
        reference_blob_key=row.reference_blob_key,
        reference_content_type=row.reference_content_type,
        reference_sha256=row.reference_sha256,
        reference_duration_seconds=row.reference_duration_seconds,
        reference_pitch=tuple(
            PitchPoint(float(p[0]), None if p[1] is None else float(p[1])) for p in row.reference_pitch or ()
        ),
        view_count=row.view_count,
        take_count=row.take_count,
        video_offset_seconds=video_offset,
    )


def _script(row: ScriptRow, actors: Sequence[ActorSummary], token_count: int, tokens: Sequence[Token] = ()) -> Script:
    return Script(
        id=row.id,
        external_id=row.external_id or "",
        title=row.title,
        work_title=row.work_title,
        kind=ScriptKind(row.kind) if row.kind in ScriptKind._value2member_map_ else ScriptKind.OTHER,
        category=row.category,
        language=row.language,
        source_video_url=row.source_video_url,
        thumbnail_url=row.thumbnail_url,
        duration_seconds=row.duration_seconds,
        background_blob_key=row.background_blob_key,
        background_content_type=row.background_content_type,
        actors=tuple(actors),
        view_count=row.view_count,
        take_count=row.take_count,
        created_at=row.created_at,
        updated_at=row.updated_at,
        token_count=token_count,
        tokens=tuple(tokens),
        video_start_seconds=row.video_start_seconds,
        collections=tuple(row.collections or ()),
    )


_TOKEN_COUNT = (
    select(func.count(TokenRow.id)).where(TokenRow.script_id == ScriptRow.id).correlate(ScriptRow).scalar_subquery()
)


class ScriptRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def _actors_of(self, script_ids: Sequence[int]) -> dict[int, list[ActorSummary]]:
        if not script_ids:
            return {}
        rows = await self._session.execute(
            select(TokenRow.script_id, ActorRow.id, ActorRow.name)
            .join(ActorRow, ActorRow.id == TokenRow.actor_id)
            .where(TokenRow.script_id.in_(script_ids))
            .group_by(TokenRow.script_id, ActorRow.id, ActorRow.name)
            .order_by(TokenRow.script_id, func.min(TokenRow.position), ActorRow.id)
        )
        result: dict[int, list[ActorSummary]] = {}
        for script_id, actor_id, name in rows:
            result.setdefault(script_id, []).append(ActorSummary(actor_id, name))
        return result

    async def page(self, filters: ScriptFilter, limit: int, page_token: str) -> Page[Script]:
        actor_compact = filters.actor_compact()
        fp = paging.fingerprint(
            filters.category,
            filters.actor_id,
            filters.language,
            filters.terms(),
            filters.kind,
            filters.collection,
            filters.source_video_url,
            actor_compact,
        )
        query: Select[Any] = select(ScriptRow, _TOKEN_COUNT)
        if filters.collection:
            query = query.where(ScriptRow.collections.contains([filters.collection]))
        if filters.source_video_url:
            query = query.where(ScriptRow.source_video_url == filters.source_video_url)
        if actor_compact:
            query = query.where(
                exists()
                .where(TokenRow.script_id == ScriptRow.id)
                .where(ActorRow.id == TokenRow.actor_id)
                .where(ActorRow.search_text.like(_like(actor_compact), escape="\\"))
            )
        if filters.category:
            query = query.where(ScriptRow.category == filters.category)
        if filters.language:
            query = query.where(ScriptRow.language == filters.language)
        if filters.kind is not None:
            query = query.where(ScriptRow.kind == filters.kind.value)
        if filters.actor_id:
            query = query.where(
                exists().where(TokenRow.script_id == ScriptRow.id, TokenRow.actor_id == filters.actor_id)
            )
        for term in filters.terms():
            query = query.where(ScriptRow.search_text.like(_like(term), escape="\\"))

        order = filters.order
        if order is ScriptOrder.POPULAR:
            key = paging.decode(page_token, order.value, fp, (int, int, int))
            if key is not None:
                query = query.where(
                    tuple_(ScriptRow.take_count, ScriptRow.view_count, ScriptRow.id) < tuple_(*map(literal, key))
                )
            query = query.order_by(ScriptRow.take_count.desc(), ScriptRow.view_count.desc(), ScriptRow.id.desc())
        elif order is ScriptOrder.LATEST:
            key = paging.decode(page_token, order.value, fp, (str, int))
            if key is not None:
                try:
                    created = dt.datetime.fromisoformat(key[0])
                except ValueError:
                    raise InvalidArgument("INVALID_PAGE_TOKEN", "page_token is malformed") from None
                query = query.where(
                    tuple_(ScriptRow.created_at, ScriptRow.id) < tuple_(literal(created), literal(key[1]))
                )
            query = query.order_by(ScriptRow.created_at.desc(), ScriptRow.id.desc())
        else:
            key = paging.decode(page_token, order.value, fp, (str, int))
            if key is not None:
                query = query.where(
                    tuple_(func.lower(ScriptRow.title), ScriptRow.id) > tuple_(literal(key[0]), literal(key[1]))
                )
            query = query.order_by(func.lower(ScriptRow.title), ScriptRow.id)

        rows = (await self._session.execute(query.limit(limit + 1))).all()
        more = len(rows) > limit
        rows = rows[:limit]
        actors = await self._actors_of([r[0].id for r in rows])
        scripts = [_script(r[0], actors.get(r[0].id, ()), int(r[1])) for r in rows]
        next_token = ""
        if more and rows:
            last: ScriptRow = rows[-1][0]
            if order is ScriptOrder.POPULAR:
                next_token = paging.encode(order.value, fp, [last.take_count, last.view_count, last.id])
            elif order is ScriptOrder.LATEST:
                next_token = paging.encode(order.value, fp, [last.created_at.isoformat(), last.id])
            else:
                next_token = paging.encode(order.value, fp, [last.title.lower(), last.id])
        return Page(tuple(scripts), next_token)

    async def get(self, script_id: int, *, with_tokens: bool) -> Script | None:
        found = (await self._session.execute(select(ScriptRow, _TOKEN_COUNT).where(ScriptRow.id == script_id))).first()
        if found is None:
            return None
        row: ScriptRow = found[0]
        tokens: list[Token] = []
        if with_tokens:
            token_rows = await self._session.execute(
                select(TokenRow, ActorRow.name)
                .outerjoin(ActorRow, ActorRow.id == TokenRow.actor_id)
                .where(TokenRow.script_id == script_id)
                .order_by(TokenRow.position, TokenRow.id)
            )
            tokens = [_token(t, name, row.title, row.language, row.video_start_seconds) for t, name in token_rows]
        actors = await self._actors_of([row.id])
        return _script(row, actors.get(row.id, ()), int(found[1]), tokens)

    async def get_row(self, script_id: int, *, lock: bool = False) -> ScriptRow | None:
        query = select(ScriptRow).where(ScriptRow.id == script_id)
        if lock:
            query = query.with_for_update()
        return (await self._session.execute(query)).scalar_one_or_none()

    async def add(self, values: dict[str, Any]) -> int:
        row = ScriptRow(**values)
        self._session.add(row)
        await self._session.flush()
        return row.id

    async def update(self, script_id: int, values: dict[str, Any]) -> bool:
        result = await self._session.execute(
            update(ScriptRow)
            .where(ScriptRow.id == script_id)
            .values(**values, updated_at=func.now())
            .returning(ScriptRow.id)
        )
        return result.scalar_one_or_none() is not None

    async def delete(self, script_id: int) -> bool:
        result = await self._session.execute(delete(ScriptRow).where(ScriptRow.id == script_id).returning(ScriptRow.id))
        return result.scalar_one_or_none() is not None

    async def upsert_external(self, external_id: str, values: dict[str, Any]) -> int:
        statement = (
            insert(ScriptRow)
            .values(external_id=external_id, **values)
            .on_conflict_do_update(index_elements=[ScriptRow.external_id], set_={**values, "updated_at": func.now()})
            .returning(ScriptRow.id)
        )
        return int((await self._session.execute(statement)).scalar_one())

    async def refresh_search_text(self, script_ids: Iterable[int]) -> None:
        ids = sorted(set(script_ids))
        if not ids:
            return
        await self._session.execute(
            text(
                """
                UPDATE catalog.scripts s SET search_text = lower(concat_ws(' ',
                    s.title, s.work_title, s.category,
                    (SELECT string_agg(a.search_text, ' ') FROM catalog.actors a
                       WHERE a.id IN (SELECT t.actor_id FROM catalog.tokens t WHERE t.script_id = s.id)),
                    (SELECT string_agg(t.text, ' ' ORDER BY t.position) FROM catalog.tokens t
                       WHERE t.script_id = s.id)))
                WHERE s.id = ANY(:ids)
                """
            ).bindparams(bindparam("ids", value=ids)),
        )

    async def add_view(self, script_id: int) -> int | None:
        """Count one view of the script itself; its new view count, or None when it is absent."""
        return await self._session.scalar(
            update(ScriptRow)
            .where(ScriptRow.id == script_id)
            .values(view_count=ScriptRow.view_count + 1)
            .returning(ScriptRow.view_count)
        )

    async def summaries(self, script_ids: Sequence[int]) -> dict[int, Script]:
        """Scripts (without tokens) by id."""
        if not script_ids:
            return {}
        rows = (await self._session.execute(select(ScriptRow, _TOKEN_COUNT).where(ScriptRow.id.in_(script_ids)))).all()
        actors = await self._actors_of([r[0].id for r in rows])
        return {r[0].id: _script(r[0], actors.get(r[0].id, ()), int(r[1])) for r in rows}

    async def duets(self, limit: int) -> list[Duet]:
        """Source videos shared by exactly two scripts, pairs ordered by id, by their first script id."""
        pairs = (
            await self._session.execute(
                select(ScriptRow.source_video_url, func.array_agg(ScriptRow.id))
                .where(ScriptRow.source_video_url != "")
                .group_by(ScriptRow.source_video_url)
                .having(func.count(ScriptRow.id) == 2)
                .order_by(func.min(ScriptRow.id))
                .limit(limit)
            )
        ).all()
        scripts = await self.summaries([i for _, ids in pairs for i in ids])
        duets: list[Duet] = []
        for url, ids in pairs:
            first, second = sorted(ids)
            duets.append(Duet(url, (scripts[first], scripts[second])))
        return duets

    async def add_views(self, script_id: int, count: int = 1) -> None:
        await self._session.execute(
            update(ScriptRow).where(ScriptRow.id == script_id).values(view_count=ScriptRow.view_count + count)
        )

    async def add_takes(self, script_id: int, count: int = 1) -> None:
        await self._session.execute(
            update(ScriptRow).where(ScriptRow.id == script_id).values(take_count=ScriptRow.take_count + count)
        )


class TokenRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, token_id: int) -> Token | None:
        found = (
            await self._session.execute(
                select(TokenRow, ActorRow.name, ScriptRow.title, ScriptRow.language, ScriptRow.video_start_seconds)
                .join(ScriptRow, ScriptRow.id == TokenRow.script_id)
                .outerjoin(ActorRow, ActorRow.id == TokenRow.actor_id)
                .where(TokenRow.id == token_id)
            )
        ).first()
        if found is None:
            return None
        return _token(found[0], found[1], found[2], found[3], found[4])

    async def script_of(self, token_id: int) -> int | None:
        return await self._session.scalar(select(TokenRow.script_id).where(TokenRow.id == token_id))

    async def next_position(self, script_id: int) -> int:
        current = await self._session.scalar(
            select(func.coalesce(func.max(TokenRow.position), 0)).where(TokenRow.script_id == script_id)
        )
        return int(current or 0) + 1

    async def add(self, values: dict[str, Any]) -> int:
        row = TokenRow(**values)
        self._session.add(row)
        await self._session.flush()
        return row.id

    async def update(self, token_id: int, values: dict[str, Any]) -> bool:
        result = await self._session.execute(
            update(TokenRow)
            .where(TokenRow.id == token_id)
            .values(**values, updated_at=func.now())
            .returning(TokenRow.id)
        )
        return result.scalar_one_or_none() is not None

    async def delete(self, token_id: int) -> int | None:
        """Deletes the token; returns its script id (None when absent)."""
        result = await self._session.execute(
            delete(TokenRow).where(TokenRow.id == token_id).returning(TokenRow.script_id)
        )
        return result.scalar_one_or_none()

    async def upsert_external(self, external_id: str, values: dict[str, Any]) -> int:
        statement = (
            insert(TokenRow)
            .values(external_id=external_id, **values)
            .on_conflict_do_update(index_elements=[TokenRow.external_id], set_={**values, "updated_at": func.now()})
            .returning(TokenRow.id)
        )
        return int((await self._session.execute(statement)).scalar_one())

    async def delete_missing(self, script_id: int, keep_ids: Sequence[int]) -> int:
        """Delete the script's tokens not in `keep_ids`; how many went."""
        result = await self._session.execute(
            delete(TokenRow).where(TokenRow.script_id == script_id, TokenRow.id.not_in(keep_ids)).returning(TokenRow.id)
        )
        return len(result.all())

    async def add_view(self, token_id: int) -> int | None:
        """Count a view; the new view count, or None when the token is absent."""
        return await self._session.scalar(
            update(TokenRow)
            .where(TokenRow.id == token_id)
            .values(view_count=TokenRow.view_count + 1)
            .returning(TokenRow.view_count)
        )

    async def add_take(self, token_id: int) -> None:
        """Count a take."""
        await self._session.execute(
            update(TokenRow).where(TokenRow.id == token_id).values(take_count=TokenRow.take_count + 1)
        )


class ActorRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def page(self, terms: tuple[str, ...], limit: int, page_token: str) -> Page[Actor]:
        fp = paging.fingerprint(terms)
        query = select(ActorRow)
        for term in terms:
            compact = "".join(term.split())
            query = query.where(ActorRow.search_text.like(_like(compact), escape="\\"))
        key = paging.decode(page_token, "name", fp, (str, int))
        if key is not None:
            query = query.where(
                tuple_(func.lower(ActorRow.name), ActorRow.id) > tuple_(literal(key[0]), literal(key[1]))
            )
        rows = (
            (await self._session.execute(query.order_by(func.lower(ActorRow.name), ActorRow.id).limit(limit + 1)))
            .scalars()
            .all()
        )
        more = len(rows) > limit
        rows = rows[:limit]
        next_token = paging.encode("name", fp, [rows[-1].name.lower(), rows[-1].id]) if more and rows else ""
        return Page(tuple(_actor(r) for r in rows), next_token)

    async def get(self, actor_id: int) -> Actor | None:
        row = await self._session.get(ActorRow, actor_id)
        return _actor(row) if row else None

    async def exists(self, actor_id: int) -> bool:
        return bool(await self._session.scalar(select(exists().where(ActorRow.id == actor_id))))

    async def add(self, name: str, aliases: list[str]) -> int:
        row = ActorRow(name=name, aliases=aliases, search_text=actor_search_text(name, aliases))
        self._session.add(row)
        await self._session.flush()
        return row.id

    async def update(self, actor_id: int, values: dict[str, Any]) -> bool:
        row = await self._session.get(ActorRow, actor_id, with_for_update=True)
        if row is None:
            return False
        for name, value in values.items():
            setattr(row, name, value)
        row.search_text = actor_search_text(row.name, row.aliases)
        row.updated_at = func.now()  # type: ignore[assignment]
        await self._session.flush()
        return True

    async def delete(self, actor_id: int) -> bool:
        result = await self._session.execute(delete(ActorRow).where(ActorRow.id == actor_id).returning(ActorRow.id))
        return result.scalar_one_or_none() is not None

    async def in_use(self, actor_id: int) -> bool:
        return bool(await self._session.scalar(select(exists().where(TokenRow.actor_id == actor_id))))

    async def scripts_of(self, actor_id: int) -> list[int]:
        rows = await self._session.scalars(select(TokenRow.script_id).where(TokenRow.actor_id == actor_id).distinct())
        return list(rows)

    async def upsert_external(self, external_id: str, name: str, aliases: list[str]) -> int:
        values = {"name": name, "aliases": aliases, "search_text": actor_search_text(name, aliases)}
        statement = (
            insert(ActorRow)
            .values(external_id=external_id, **values)
            .on_conflict_do_update(index_elements=[ActorRow.external_id], set_={**values, "updated_at": func.now()})
            .returning(ActorRow.id)
        )
        return int((await self._session.execute(statement)).scalar_one())


class BookmarkRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def _select(self) -> Select[BookmarkRow, TokenRow, str, ScriptRow]:
        return (
            select(BookmarkRow, TokenRow, ActorRow.name, ScriptRow)
            .join(TokenRow, TokenRow.id == BookmarkRow.token_id)
            .join(ScriptRow, ScriptRow.id == TokenRow.script_id)
            .outerjoin(ActorRow, ActorRow.id == TokenRow.actor_id)
        )

    @staticmethod
    def _bookmark(row: BookmarkRow, token: TokenRow, actor_name: str | None, script: ScriptRow) -> Bookmark:
        return Bookmark(
            token_id=row.token_id,
            created_at=row.created_at,
            token=TokenSummary(
                id=token.id,
                script_id=token.script_id,
                text=token.text,
                actor=ActorSummary(token.actor_id, actor_name or "") if token.actor_id is not None else None,
                position=token.position,
            ),
            script=ScriptSummary(
                id=script.id,
                title=script.title,
                work_title=script.work_title,
                category=script.category,
                thumbnail_url=script.thumbnail_url,
                source_video_url=script.source_video_url,
            ),
        )

    async def page(self, user_id: str, limit: int, page_token: str) -> Page[Bookmark]:
        fp = paging.fingerprint(user_id)
        query = self._select().where(BookmarkRow.user_id == user_id)
        key = paging.decode(page_token, "bookmarks", fp, (int,))
        if key is not None:
            query = query.where(BookmarkRow.id < key[0])
        rows = (await self._session.execute(query.order_by(BookmarkRow.id.desc()).limit(limit + 1))).all()
        more = len(rows) > limit
        rows = rows[:limit]
        items = tuple(self._bookmark(*r) for r in rows)
        next_token = paging.encode("bookmarks", fp, [rows[-1][0].id]) if more and rows else ""
        return Page(items, next_token)

    async def create(self, user_id: str, token_id: int) -> Bookmark:
        await self._session.execute(
            insert(BookmarkRow).values(user_id=user_id, token_id=token_id).on_conflict_do_nothing()
        )
        found = (
            await self._session.execute(
                self._select().where(BookmarkRow.user_id == user_id, BookmarkRow.token_id == token_id)
            )
        ).one()
        return self._bookmark(*found)

    async def delete(self, user_id: str, token_id: int) -> bool:
        result = await self._session.execute(
            delete(BookmarkRow)
            .where(and_(BookmarkRow.user_id == user_id, BookmarkRow.token_id == token_id))
            .returning(BookmarkRow.id)
        )
        return result.scalar_one_or_none() is not None


class ScriptBookmarkRepository:
    """Bookmarks of whole scripts (clips), per user."""

    def __init__(self, session: AsyncSession, scripts: ScriptRepository) -> None:
        self._session = session
        self._scripts = scripts

    async def _with_scripts(self, rows: Sequence[ScriptBookmarkRow]) -> tuple[ScriptBookmark, ...]:
        scripts = await self._scripts.summaries([r.script_id for r in rows])
        return tuple(
            ScriptBookmark(id=r.id, script_id=r.script_id, created_at=r.created_at, script=scripts[r.script_id])
            for r in rows
            if r.script_id in scripts
        )

    async def page(self, user_id: str, limit: int, page_token: str) -> Page[ScriptBookmark]:
        fp = paging.fingerprint(user_id)
        query = select(ScriptBookmarkRow).where(ScriptBookmarkRow.user_id == user_id)
        key = paging.decode(page_token, "script-bookmarks", fp, (int,))
        if key is not None:
            query = query.where(ScriptBookmarkRow.id < key[0])
        rows = (await self._session.scalars(query.order_by(ScriptBookmarkRow.id.desc()).limit(limit + 1))).all()
        more = len(rows) > limit
        rows = rows[:limit]
        next_token = paging.encode("script-bookmarks", fp, [rows[-1].id]) if more and rows else ""
        return Page(await self._with_scripts(rows), next_token)

    async def create(self, user_id: str, script_id: int) -> ScriptBookmark:
        """ScriptBookmarkExists when the user has bookmarked the script already."""
        row = await self._session.scalar(
            insert(ScriptBookmarkRow)
            .values(user_id=user_id, script_id=script_id)
            .on_conflict_do_nothing()
            .returning(ScriptBookmarkRow)
        )
        if row is None:
            raise ScriptBookmarkExists(script_id)
        return (await self._with_scripts([row]))[0]

    async def delete(self, user_id: str, script_id: int) -> bool:
        result = await self._session.execute(
            delete(ScriptBookmarkRow)
            .where(ScriptBookmarkRow.user_id == user_id, ScriptBookmarkRow.script_id == script_id)
            .returning(ScriptBookmarkRow.id)
        )
        return result.scalar_one_or_none() is not None


class EventLog:
    """Processed event ids: `claim` succeeds once per id, in the caller's transaction."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def claim(self, event_id: str, subject: str) -> bool:
        claimed = await self._session.scalar(
            insert(ProcessedEventRow)
            .values(event_id=event_id, subject=subject)
            .on_conflict_do_nothing()
            .returning(ProcessedEventRow.event_id)
        )
        return claimed is not None


class CreateRequests:
    """Idempotency keys of creates."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def find(self, kind: str, principal: str, request_id: str) -> int | None:
        return await self._session.scalar(
            select(CreateRequestRow.resource_id).where(
                CreateRequestRow.kind == kind,
                CreateRequestRow.principal == principal,
                CreateRequestRow.request_id == request_id,
            )
        )

    async def remember(self, kind: str, principal: str, request_id: str, resource_id: int) -> bool:
        """False when a concurrent create with the same key won."""
        inserted = await self._session.scalar(
            insert(CreateRequestRow)
            .values(kind=kind, principal=principal, request_id=request_id, resource_id=resource_id)
            .on_conflict_do_nothing()
            .returning(CreateRequestRow.resource_id)
        )
        return inserted is not None
