"""Tables of the `catalog` schema."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    ARRAY,
    BigInteger,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Identity,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY as PG_ARRAY
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from yousync_platform.db import Base, schema_metadata


class CatalogBase(Base):
    __abstract__ = True
    metadata = schema_metadata("catalog")


def _created() -> Mapped[dt.datetime]:
    return mapped_column(DateTime(timezone=True), server_default=func.now())


class ActorRow(CatalogBase):
    __tablename__ = "actors"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    # Stable id from an import manifest (None for actors created through the API).
    external_id: Mapped[str | None] = mapped_column(String(128), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    aliases: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    # Lower-cased name and aliases, with and without spaces: what actor search matches.
    search_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = _created()
    updated_at: Mapped[dt.datetime] = _created()

    __table_args__ = (Index("ix_actors_name_id", func.lower(name), "id"),)


class ScriptRow(CatalogBase):
    __tablename__ = "scripts"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(128), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    work_title: Mapped[str] = mapped_column(String(300), default="")
    kind: Mapped[str] = mapped_column(String(32), default="other")
    category: Mapped[str] = mapped_column(String(100), default="")
    language: Mapped[str] = mapped_column(String(35), default="")
    source_video_url: Mapped[str] = mapped_column(Text, default="")
    thumbnail_url: Mapped[str] = mapped_column(Text, default="")
    duration_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    background_blob_key: Mapped[str | None] = mapped_column(String(512))
    background_content_type: Mapped[str] = mapped_column(String(100), default="")
    view_count: Mapped[int] = mapped_column(BigInteger, default=0)
    take_count: Mapped[int] = mapped_column(BigInteger, default=0)
    # Where the scene's timeline starts on the source video (seconds).
    video_start_seconds: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    # Curated collections (e.g. "sync-collection").
    collections: Mapped[list[str]] = mapped_column(PG_ARRAY(Text), default=list, server_default="{}")
    # Lower-cased title, work title, actor names/aliases and line texts: what free-text search matches.
    search_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = _created()
    updated_at: Mapped[dt.datetime] = _created()

    __table_args__ = (
        Index("ix_scripts_popular", take_count.desc(), view_count.desc(), id.desc()),
        Index("ix_scripts_latest", created_at.desc(), id.desc()),
        Index("ix_scripts_title", func.lower(title), "id"),
        Index("ix_scripts_category", "category"),
        Index("ix_scripts_source_video_url", "source_video_url", "id"),
        Index("ix_scripts_collections", "collections", postgresql_using="gin"),
        CheckConstraint("duration_seconds >= 0", name="duration_not_negative"),
        CheckConstraint("video_start_seconds >= 0", name="video_start_not_negative"),
    )


class TokenRow(CatalogBase):
    """One line of a script."""

    __tablename__ = "tokens"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(128), unique=True)
    script_id: Mapped[int] = mapped_column(ForeignKey(ScriptRow.id, ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey(ActorRow.id, ondelete="RESTRICT"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    translation: Mapped[str] = mapped_column(Text, default="")
    start_seconds: Mapped[float] = mapped_column(Float)
    end_seconds: Mapped[float] = mapped_column(Float)
    # [[word, start, end], ...] relative to the start of the reference audio.
    words: Mapped[list[Any]] = mapped_column(JSONB, default=list)
    reference_blob_key: Mapped[str | None] = mapped_column(String(512))
    reference_content_type: Mapped[str] = mapped_column(String(100), default="")
    # SHA-256 of the reference audio bytes.
    reference_sha256: Mapped[str] = mapped_column(String(64), default="")
    reference_duration_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    # [[time, hz | null], ...]
    reference_pitch: Mapped[list[Any]] = mapped_column(JSONB, default=list)
    view_count: Mapped[int] = mapped_column(BigInteger, default=0)
    take_count: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[dt.datetime] = _created()
    updated_at: Mapped[dt.datetime] = _created()

    __table_args__ = (
        Index("ix_tokens_script_position", "script_id", "position", "id"),
        CheckConstraint("end_seconds >= start_seconds", name="end_after_start"),
    )


class BookmarkRow(CatalogBase):
    __tablename__ = "bookmarks"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    # The principal's subject (auth's user id); users live in another service.
    user_id: Mapped[str] = mapped_column(String(64))
    token_id: Mapped[int] = mapped_column(ForeignKey(TokenRow.id, ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = _created()

    __table_args__ = (
        UniqueConstraint("user_id", "token_id"),
        Index("ix_bookmarks_user_recent", "user_id", created_at.desc(), id.desc()),
    )


class ScriptBookmarkRow(CatalogBase):
    """A user's bookmark of a whole script (clip)."""

    __tablename__ = "script_bookmarks"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64))
    script_id: Mapped[int] = mapped_column(ForeignKey(ScriptRow.id, ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = _created()

    __table_args__ = (
        UniqueConstraint("user_id", "script_id"),
        Index("ix_script_bookmarks_user_recent", "user_id", id.desc()),
    )


class ProcessedEventRow(CatalogBase):
    """Events already applied (exactly-once effects over at-least-once delivery)."""

    __tablename__ = "processed_events"

    event_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    subject: Mapped[str] = mapped_column(String(200))
    processed_at: Mapped[dt.datetime] = _created()


class CreateRequestRow(CatalogBase):
    """Idempotency keys of admin creates: the same request id returns the first result."""

    __tablename__ = "create_requests"

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    principal: Mapped[str] = mapped_column(String(64), primary_key=True)
    request_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    resource_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime] = _created()
