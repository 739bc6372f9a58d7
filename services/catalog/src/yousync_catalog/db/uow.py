"""The catalog's unit of work: one transaction, with its repositories."""

from __future__ import annotations

from typing import Self

from yousync_catalog.db.repository import (
    ActorRepository,
    BookmarkRepository,
    CreateRequests,
    EventLog,
    ScriptBookmarkRepository,
    ScriptRepository,
    TokenRepository,
)
from yousync_platform.db import UnitOfWork


class CatalogUnitOfWork(UnitOfWork):
    scripts: ScriptRepository
    tokens: TokenRepository
    actors: ActorRepository
    bookmarks: BookmarkRepository
    script_bookmarks: ScriptBookmarkRepository
    events: EventLog
    create_requests: CreateRequests

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        self.scripts = ScriptRepository(self.session)
        self.tokens = TokenRepository(self.session)
        self.actors = ActorRepository(self.session)
        self.bookmarks = BookmarkRepository(self.session)
        self.script_bookmarks = ScriptBookmarkRepository(self.session, self.scripts)
        self.events = EventLog(self.session)
        self.create_requests = CreateRequests(self.session)
        return self
