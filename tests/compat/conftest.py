"""The compatibility surface's test catalog (tests/compat/catalog), imported once per session into the
session's suite (tests/fixtures/suite.py), and the original frontend's request headers."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures.suite import Flow, Gateway
from yousync.catalog.v1 import catalog_pb2

CATALOG = Path(__file__).parent / "catalog"
PREFIX = "/compat/api"
# What the Next.js frontend's axios instance sends with every JSON call.
JSON = {"Content-Type": "application/json"}
# DubbingListenModal / MypageListenModal build this header when nobody is signed in.
BEARER_NULL = {"Authorization": "Bearer null"}
GENRES = ("로맨스", "액션", "애니메이션", "코미디", "판타지", "드라마")


@pytest.fixture(scope="session")
async def clips(flow: Flow) -> dict[str, int]:
    """Import the test catalog (idempotent upserts) and map each clip's external id → clip (script) id."""
    await flow.catalog.import_demo(CATALOG)
    found: dict[str, int] = {}
    page_token = ""
    while True:
        page = await flow.catalog.stub.ListScripts(
            catalog_pb2.ListScriptsRequest(query="compat", page_size=100, page_token=page_token)
        )
        found.update({s.external_id: s.id for s in page.scripts if s.external_id.startswith("compat-")})
        page_token = page.next_page_token
        if not page_token:
            return found


@pytest.fixture(scope="session")
async def compat(gateway: Gateway, clips: dict[str, int]) -> Gateway:
    """The session's gateway, with the test catalog loaded."""
    return gateway
