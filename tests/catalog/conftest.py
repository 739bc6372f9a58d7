"""Each catalog test starts from empty catalog tables and cold caches (the servers: tests/fixtures/suite.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text

from tests.fixtures.suite import DEMO, URL_SECRET, CatalogHarness, catalog_settings
from yousync_platform.db import create_engine

__all__ = ["DEMO", "URL_SECRET", "CatalogHarness", "catalog_settings"]

TABLES = (
    "catalog.scripts, catalog.actors, catalog.tokens, catalog.bookmarks, catalog.processed_events, "
    "catalog.create_requests"
)


@pytest.fixture(autouse=True)
async def clean_catalog(catalog: CatalogHarness, postgres_url: str) -> AsyncIterator[None]:
    """Empty before (whatever ran first, e.g. takes counted on another test's lines) and after."""
    engine = create_engine(postgres_url)

    async def empty() -> None:
        async with engine.begin() as conn:
            await conn.execute(text(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE"))
        catalog.app.service.lists.clear()
        catalog.app.service.details.clear()

    try:
        await empty()
        yield
        await empty()
    finally:
        await engine.dispose()
