"""Orchestrator tests share the session's servers (tests/fixtures/suite.py). Isolation is per user, not by
emptying tables: every test's users are its own (its emails are tagged per test), so nothing races the
live outbox relay and dispatcher."""

from __future__ import annotations

import uuid

import pytest

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


def tagged(email: str, tag: str) -> str:
    name, _, domain = email.partition("@")
    return f"{name}+{tag}@{domain}"


@pytest.fixture(autouse=True)
def own_users(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Users signed in during this test are this test's alone (the same email in another test, or in
    another run against the same database, is another user)."""
    if "flow" not in request.fixturenames:
        return
    flow: Flow = request.getfixturevalue("flow")
    tag = uuid.uuid4().hex[:10]
    sign_in = flow.catalog.sign_in

    async def user(email: str) -> list[tuple[str, str]]:
        return await sign_in(tagged(email, tag))

    monkeypatch.setattr(flow, "user", user)
