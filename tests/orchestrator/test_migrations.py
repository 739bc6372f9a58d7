"""The orchestrator's migrations on a database of their own: results stored before `completeness` had a
column get it from the analysis kept whole; the downgrade removes the column again."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator

import asyncpg
from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import make_url

from yousync.analyzer.v1 import analyzer_pb2
from yousync_analysis_orchestrator.server import MIGRATIONS
from yousync_platform.db import asyncpg_url, create_engine
from yousync_platform.migrations import alembic_config

BEFORE = "5d1c2e8b7a90"
COMPLETENESS = "7c4e1f0a2b93"


@contextlib.asynccontextmanager
async def fresh_database(postgres_url: str) -> AsyncIterator[str]:
    url = make_url(asyncpg_url(postgres_url))
    name = f"migrations_{uuid.uuid4().hex[:12]}"
    admin_url = url.set(drivername="postgresql").render_as_string(hide_password=False)
    admin = await asyncpg.connect(admin_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        admin = await asyncpg.connect(admin_url)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


async def migrate(url: str, revision: str, *, down: bool = False) -> None:
    step = command.downgrade if down else command.upgrade
    await asyncio.to_thread(step, alembic_config(MIGRATIONS, url), revision)


async def add_result(url: str, verdict: int, analysis: bytes, overall: float | None) -> uuid.UUID:
    take_id, job_id = uuid.uuid4(), uuid.uuid4()
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO analysis.takes (id, user_id, request_id, token_id, script_id, token_text,"
                    " script_title, blob_key, audio_format, size_bytes, sha256, label_content_type, filename)"
                    " VALUES (:id, 'u1', :rid, 1, 1, 'line', 'scene', 'takes/x.wav', 1, 10, :sha, 'audio/wav', 'x.wav')"
                ),
                {"id": take_id, "rid": take_id.hex, "sha": bytes(32)},
            )
            await conn.execute(
                text(
                    "INSERT INTO analysis.jobs (id, take_id, user_id, token_id, script_id, state, stage, progress,"
                    " message, last_sequence, attempts, failure_reason, failure_message)"
                    " VALUES (:id, :take, 'u1', 1, 1, 'COMPLETED', 'DONE', 100, 'done', 3, 1, '', '')"
                ),
                {"id": job_id, "take": take_id},
            )
            await conn.execute(
                text(
                    "INSERT INTO analysis.results (job_id, user_id, verdict, overall, analysis)"
                    " VALUES (:id, 'u1', :verdict, :overall, :analysis)"
                ),
                {"id": job_id, "verdict": verdict, "overall": overall, "analysis": analysis},
            )
    finally:
        await engine.dispose()
    return job_id


async def completeness(url: str) -> dict[uuid.UUID, float | None]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            rows = (await conn.execute(text("SELECT job_id, completeness FROM analysis.results"))).all()
    finally:
        await engine.dispose()
    return {row[0]: row[1] for row in rows}


async def test_completeness_is_filled_from_the_kept_analysis(postgres_url: str) -> None:
    async with fresh_database(postgres_url) as url:
        await check_completeness_backfill(url)


async def check_completeness_backfill(url: str) -> None:
    await migrate(url, BEFORE)
    scored = analyzer_pb2.AnalysisResult(
        verdict=analyzer_pb2.VERDICT_SCORED, scores=analyzer_pb2.Scores(overall=61.5, completeness=0.75)
    )
    rerecord = analyzer_pb2.AnalysisResult(verdict=analyzer_pb2.VERDICT_RERECORD)
    scored_id = await add_result(url, analyzer_pb2.VERDICT_SCORED, scored.SerializeToString(), 61.5)
    rerecord_id = await add_result(url, analyzer_pb2.VERDICT_RERECORD, rerecord.SerializeToString(), None)
    damaged_id = await add_result(url, analyzer_pb2.VERDICT_SCORED, b"\xff\xff not protobuf", 70.0)

    await migrate(url, "head")
    assert await completeness(url) == {scored_id: 0.75, rerecord_id: None, damaged_id: None}

    await migrate(url, BEFORE, down=True)
    await migrate(url, COMPLETENESS)
    assert (await completeness(url))[scored_id] == 0.75
