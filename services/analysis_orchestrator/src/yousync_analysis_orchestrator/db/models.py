"""Tables of the `analysis` schema."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import (
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from yousync_platform.db import Base, schema_metadata


class AnalysisBase(Base):
    __abstract__ = True
    metadata = schema_metadata("analysis")


class TakeRow(AnalysisBase):
    __tablename__ = "takes"
    __table_args__ = (
        UniqueConstraint("user_id", "request_id"),
        Index("ix_takes_user_created", "user_id", "created_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64))
    request_id: Mapped[str] = mapped_column(String(128))
    token_id: Mapped[int] = mapped_column(BigInteger)
    script_id: Mapped[int] = mapped_column(BigInteger)
    token_text: Mapped[str] = mapped_column(Text, default="")
    script_title: Mapped[str] = mapped_column(Text, default="")
    blob_key: Mapped[str] = mapped_column(String(512))
    audio_format: Mapped[int] = mapped_column(Integer)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[bytes] = mapped_column(LargeBinary(32))
    # From the container's header at upload, when it says (the analysis' own figure is in results).
    duration_seconds: Mapped[float | None] = mapped_column(Float)
    label_content_type: Mapped[str] = mapped_column(String(255), default="")
    filename: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class JobRow(AnalysisBase):
    __tablename__ = "jobs"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    take_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(TakeRow.id, ondelete="CASCADE"), unique=True)
    user_id: Mapped[str] = mapped_column(String(64), index=True)
    token_id: Mapped[int] = mapped_column(BigInteger)
    script_id: Mapped[int] = mapped_column(BigInteger)
    state: Mapped[str] = mapped_column(String(16))
    stage: Mapped[str] = mapped_column(String(16))
    progress: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str] = mapped_column(Text, default="")
    last_sequence: Mapped[int] = mapped_column(BigInteger, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    failure_reason: Mapped[str] = mapped_column(String(64), default="")
    failure_message: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    completed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class ResultRow(AnalysisBase):
    """Exactly one per job (the primary key is the job id)."""

    __tablename__ = "results"

    job_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(JobRow.id, ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64), index=True)
    verdict: Mapped[int] = mapped_column(Integer)
    pronunciation: Mapped[float | None] = mapped_column(Float)
    intonation: Mapped[float | None] = mapped_column(Float)
    expressiveness: Mapped[float | None] = mapped_column(Float)
    timing: Mapped[float | None] = mapped_column(Float)
    overall: Mapped[float | None] = mapped_column(Float)
    completeness: Mapped[float | None] = mapped_column(Float)
    duration_seconds: Mapped[float | None] = mapped_column(Float)
    analysis: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class JobEventRow(AnalysisBase):
    """A job's latest events (bounded per job), so a watcher that reconnects gets exactly what it missed."""

    __tablename__ = "job_events"

    job_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(JobRow.id, ondelete="CASCADE"), primary_key=True)
    sequence: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    state: Mapped[str] = mapped_column(String(16))
    stage: Mapped[str] = mapped_column(String(16))
    progress: Mapped[int] = mapped_column(Integer)
    message: Mapped[str] = mapped_column(Text, default="")
    failure_reason: Mapped[str] = mapped_column(String(64), default="")
    failure_message: Mapped[str] = mapped_column(Text, default="")
    time: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class WebhookNonceRow(AnalysisBase):
    """Signed webhook calls already accepted, remembered while their timestamp is still acceptable."""

    __tablename__ = "webhook_nonces"

    key: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)


class OutboxRow(AnalysisBase):
    """Events written in the same transaction as the state they describe; the relay publishes them."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_unpublished", "id", postgresql_where=text("published_at IS NULL")),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    event_id: Mapped[uuid.UUID] = mapped_column(unique=True)
    subject: Mapped[str] = mapped_column(String(255))
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    # The W3C trace context (`traceparent`, `tracestate`) of the transaction that wrote the event, so its
    # publication, and whoever consumes it, continue that trace; NULL when no span was active.
    trace_headers: Mapped[dict[str, str] | None] = mapped_column(JSONB)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    published_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
