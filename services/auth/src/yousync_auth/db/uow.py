"""Auth's unit of work: one transaction, with its repositories."""

from __future__ import annotations

from typing import Self

from yousync_auth.db.repository import RefreshTokenRepository, UserRepository
from yousync_platform.db import UnitOfWork


class AuthUnitOfWork(UnitOfWork):
    users: UserRepository
    refresh_tokens: RefreshTokenRepository

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        self.users = UserRepository(self.session)
        self.refresh_tokens = RefreshTokenRepository(self.session)
        return self
