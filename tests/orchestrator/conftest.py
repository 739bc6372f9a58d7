"""Each orchestrator test starts from empty analysis tables (the suite: tests/fixtures/suite.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text

from tests.fixtures.suite import (
    MAX_UPLOAD,
    WEBHOOK_SECRET,
    Flow,
    dispatcher_paused,
    orchestrator_settings,
    take,
    upload_messages,
    wait_for,
)
from yousync_platform.db import create_engine

__all__ = [
    "MAX_UPLOAD",
    "WEBHOOK_SECRET",
    "Flow",
    "dispatcher_paused",
    "orchestrator_settings",
    "take",
    "upload_messages",
    "wait_for",
]


@pytest.fixture(autouse=True)
async def clean_analysis(flow: Flow, postgres_url: str) -> AsyncIterator[None]:
    yield
    engine = create_engine(postgres_url)
    async with engine.begin() as conn:
        await conn.execute(text("TRUNCATE analysis.takes, analysis.jobs, analysis.results, analysis.outbox CASCADE"))
    await engine.dispose()
