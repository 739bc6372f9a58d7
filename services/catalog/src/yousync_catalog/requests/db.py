"""The `video_requests` table (catalog schema) and its repository."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, DateTime, Identity, Index, String, Text, delete, func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from yousync_catalog.db.models import CatalogBase
from yousync_catalog.requests.domain import NewRequest, Status, VideoRequest


class VideoRequestRow(CatalogBase):
    __tablename__ = "video_requests"
    __table_args__ = (
        Index("ix_video_requests_created", "created_at", "id"),
        Index("ix_video_requests_requester", "requester_id", "created_at"),
        # The one-pending-request rule, enforced by the database as well (races).
        Index(
            "uq_video_requests_one_pending",
            "requester_id",
            unique=True,
            postgresql_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    requester_id: Mapped[str] = mapped_column(String(64))
    requester_name: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(Text)
    content: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


def _request(row: VideoRequestRow) -> VideoRequest:
    return VideoRequest(
        id=row.id,
        requester_id=row.requester_id,
        requester_name=row.requester_name,
        actor=row.actor,
        content=row.content,
        url=row.url,
        status=Status(row.status),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class PendingExists(Exception):
    """The requester already has a pending request (the unique partial index said so)."""


class VideoRequestRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def newest(self, limit: int, requester_id: str | None = None) -> list[VideoRequest]:
        query = select(VideoRequestRow)
        if requester_id is not None:
            query = query.where(VideoRequestRow.requester_id == requester_id)
        rows = await self._session.scalars(
            query.order_by(VideoRequestRow.created_at.desc(), VideoRequestRow.id.desc()).limit(limit)
        )
        return [_request(r) for r in rows]

    async def add(self, requester_id: str, new: NewRequest) -> VideoRequest:
        row = VideoRequestRow(
            requester_id=requester_id,
            requester_name=new.requester_name,
            actor=new.actor,
            content=new.content,
            url=new.url,
            status=Status.PENDING.value,
        )
        self._session.add(row)
        try:
            await self._session.flush()
        except IntegrityError:
            raise PendingExists from None
        await self._session.refresh(row)
        return _request(row)

    async def get_for_update(self, request_id: int) -> VideoRequest | None:
        row = await self._session.scalar(
            select(VideoRequestRow).where(VideoRequestRow.id == request_id).with_for_update()
        )
        return _request(row) if row else None

    async def delete(self, request_id: int) -> None:
        await self._session.execute(delete(VideoRequestRow).where(VideoRequestRow.id == request_id))

    async def set_status(self, request_id: int, status: Status) -> VideoRequest | None:
        try:
            row = await self._session.scalar(
                update(VideoRequestRow)
                .where(VideoRequestRow.id == request_id)
                .values(status=status.value, updated_at=func.now())
                .returning(VideoRequestRow)
            )
        except IntegrityError:  # back to pending while the requester has another pending one
            raise PendingExists from None
        return _request(row) if row else None
