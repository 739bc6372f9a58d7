"""The orchestrator's unit of work."""

from __future__ import annotations

from typing import Self

from yousync_analysis_orchestrator.db.repository import Repository
from yousync_platform.db import UnitOfWork


class OrchestratorUnitOfWork(UnitOfWork):
    repo: Repository

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        self.repo = Repository(self.session)
        return self
