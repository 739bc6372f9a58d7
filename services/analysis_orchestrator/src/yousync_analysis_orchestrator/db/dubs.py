"""The `dubs` table (one row per mix a user made of a scene) and the queries dubbing needs."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import BigInteger, Boolean, DateTime, Float, Index, Integer, String, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from yousync_analysis_orchestrator.db.models import AnalysisBase, TakeRow
from yousync_analysis_orchestrator.domain_dubs import Dub, LatestTake


class DubRow(AnalysisBase):
    __tablename__ = "dubs"
    __table_args__ = (Index("ix_dubs_user_script_created", "user_id", "script_id", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64))
    script_id: Mapped[int] = mapped_column(BigInteger)
    blob_key: Mapped[str] = mapped_column(String(512))
    duration_seconds: Mapped[float] = mapped_column(Float)
    lines_mixed: Mapped[int] = mapped_column(Integer)
    with_background: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


def _dub(row: DubRow) -> Dub:
    return Dub(
        id=str(row.id),
        user_id=row.user_id,
        script_id=row.script_id,
        blob_key=row.blob_key,
        duration_seconds=row.duration_seconds,
        lines_mixed=row.lines_mixed,
        with_background=row.with_background,
        created_at=row.created_at,
    )


class DubRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def latest_takes(self, user_id: str, script_id: int) -> list[LatestTake]:
        """The user's newest take of each line of the scene (any verdict: it is their voice)."""
        newest_first = func.row_number().over(
            partition_by=TakeRow.token_id, order_by=(TakeRow.created_at.desc(), TakeRow.id.desc())
        )
        ranked = (
            select(TakeRow.token_id, TakeRow.blob_key, newest_first.label("rank"))
            .where(TakeRow.user_id == user_id, TakeRow.script_id == script_id)
            .subquery()
        )
        rows = await self._session.execute(
            select(ranked.c.token_id, ranked.c.blob_key).where(ranked.c.rank == 1).order_by(ranked.c.token_id)
        )
        return [LatestTake(token_id=r[0], blob_key=r[1]) for r in rows]

    async def add(self, dub: Dub) -> Dub:
        row = DubRow(
            id=uuid.UUID(dub.id),
            user_id=dub.user_id,
            script_id=dub.script_id,
            blob_key=dub.blob_key,
            duration_seconds=dub.duration_seconds,
            lines_mixed=dub.lines_mixed,
            with_background=dub.with_background,
        )
        self._session.add(row)
        await self._session.flush()
        await self._session.refresh(row)
        return _dub(row)

    async def latest(self, user_id: str, script_id: int) -> Dub | None:
        row = await self._session.scalar(
            select(DubRow)
            .where(DubRow.user_id == user_id, DubRow.script_id == script_id)
            .order_by(DubRow.created_at.desc(), DubRow.id.desc())
            .limit(1)
        )
        return _dub(row) if row else None
