"""Unit tests of the orchestrator's domain and use cases, on in-memory fakes: no server, milliseconds."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.orchestrator.unit.fakes import FakeCatalog, FakeCodec, FakeLive, FakeUnitOfWork, Store
from yousync_analysis_orchestrator.adapters.webhook import parse_external
from yousync_analysis_orchestrator.service import AnalysisService, Caps
from yousync_platform.storage.filesystem import FilesystemBlobStore
from yousync_platform.storage.signed_urls import UrlSigner

SECRET = b"unit-webhook-secret"


@dataclass
class World:
    service: AnalysisService
    store: Store
    live: FakeLive
    blobs: FilesystemBlobStore
    clock: list[float]


def make_world(tmp_path: Path, *, watch_recheck_seconds: float = 5.0, **caps: object) -> World:
    clock = [1_700_000_000.0]
    store = Store(clock=lambda: dt.datetime.fromtimestamp(clock[0], dt.UTC))
    live = FakeLive()
    blobs = FilesystemBlobStore(tmp_path / "blobs", UrlSigner(b"unit-url-secret-0123456789"))
    values: dict[str, object] = {"max_take_bytes": 2 * 1024 * 1024, "max_take_seconds": 20.0, "max_active_analyses": 4}
    values.update(caps)
    service = AnalysisService(
        uow=lambda: FakeUnitOfWork(store),
        blobs=blobs,
        catalog=FakeCatalog(),
        codec=FakeCodec(),
        caps=Caps(**values),  # type: ignore[arg-type]
        publisher=live,
        listener=live,
        webhook_secret=SECRET,
        parse_external=parse_external,
        clock=lambda: clock[0],
        watch_recheck_seconds=watch_recheck_seconds,
    )
    return World(service, store, live, blobs, clock)


@pytest.fixture
def world(tmp_path: Path) -> World:
    return make_world(tmp_path)
