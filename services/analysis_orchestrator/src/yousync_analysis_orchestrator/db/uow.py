"""The orchestrator's unit of work: one transaction, the repositories of each aggregate."""

from __future__ import annotations

from typing import Self

from yousync_analysis_orchestrator.db.repositories import JobEvents, Jobs, Outbox, Takes, WebhookNonces
from yousync_platform.db import UnitOfWork


class OrchestratorUnitOfWork(UnitOfWork):
    takes: Takes
    jobs: Jobs
    events: JobEvents
    outbox: Outbox
    nonces: WebhookNonces

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        self.takes = Takes(self.session)
        self.jobs = Jobs(self.session)
        self.events = JobEvents(self.session)
        self.outbox = Outbox(self.session)
        self.nonces = WebhookNonces(self.session)
        return self

    async def commit(self) -> None:
        await self.outbox.notify()
        await super().commit()
