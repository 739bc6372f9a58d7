"""pytest plugin: real PostgreSQL and NATS once per test session, and a fake Google issuer.

Set YOUSYNC_TEST_DATABASE_URL / YOUSYNC_TEST_NATS_URL to use servers you already run instead.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from yousync_dev.embedded.nats import LocalNats
from yousync_dev.embedded.postgres import LocalPostgres
from yousync_dev.fake_google import FakeGoogle
from yousync_platform.grpc_write_fix import install as install_grpc_write_fix


def pytest_configure(config: pytest.Config) -> None:
    """What every service does at start-up (`yousync_platform.cli.start`), for the in-process servers."""
    install_grpc_write_fix()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    if url := os.environ.get("YOUSYNC_TEST_DATABASE_URL"):
        yield url
        return
    root = Path(tempfile.mkdtemp(prefix="yousync-test-pg-"))
    os.chmod(root, 0o755)  # noqa: S103 - PostgreSQL runs as an unprivileged user when we are root
    server = LocalPostgres(root / "data")
    server.start()
    try:
        yield server.url
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def local_nats(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalNats]:
    server = LocalNats(Path(tmp_path_factory.mktemp("nats")))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def nats_url(request: pytest.FixtureRequest) -> str:
    if url := os.environ.get("YOUSYNC_TEST_NATS_URL"):
        return url
    server: LocalNats = request.getfixturevalue("local_nats")
    return server.url


@pytest.fixture(scope="session")
def fake_google() -> Iterator[FakeGoogle]:
    google = FakeGoogle().start()
    try:
        yield google
    finally:
        google.stop()


@pytest.fixture(scope="session")
def s3_endpoint_url() -> Iterator[str]:
    """An S3 API (moto server mode) on 127.0.0.1; any credentials work. YOUSYNC_TEST_S3_URL overrides."""
    if url := os.environ.get("YOUSYNC_TEST_S3_URL"):
        yield url
        return
    from yousync_dev.moto_s3 import LocalS3

    server = LocalS3().start()
    try:
        yield server.endpoint_url
    finally:
        server.stop()
