"""Real catalog + auth servers (real PostgreSQL, NATS, gRPC on 127.0.0.1:0) for the whole session.

Each test starts from empty catalog tables and cold caches.
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import httpx
import pytest
from sqlalchemy import text
from yousync.auth.v1 import auth_pb2, auth_pb2_grpc
from yousync.catalog.v1 import catalog_pb2_grpc
from yousync_auth.server import MIGRATIONS as AUTH_MIGRATIONS
from yousync_auth.server import create_server as create_auth_server
from yousync_catalog.db.uow import CatalogUnitOfWork
from yousync_catalog.importer import ImportReport, import_catalog
from yousync_catalog.server import MIGRATIONS, CatalogApp, create_app
from yousync_catalog.settings import CatalogSettings
from yousync_platform.db import create_engine
from yousync_platform.migrations import upgrade
from yousync_platform.storage import BlobSettings
from yousync_platform.storage.filesystem import FilesystemBlobStore
from yousync_platform.testing.google import FakeGoogle

from tests.auth.conftest import ADMIN_EMAIL, auth_settings
from tests.catalog.blob_gateway import BlobGateway

DEMO = Path(__file__).resolve().parents[2] / "services" / "catalog" / "demo"
URL_SECRET = "test-secret-for-signed-blob-urls"


@dataclass
class CatalogHarness:
    stub: catalog_pb2_grpc.CatalogServiceStub
    app: CatalogApp
    settings: CatalogSettings
    auth: auth_pb2_grpc.AuthServiceStub
    gateway: BlobGateway
    channel: grpc.aio.Channel
    http: httpx.AsyncClient

    async def sign_in(self, email: str) -> list[tuple[str, str]]:
        """Call metadata carrying an access token of `email` (admin when it is ADMIN_EMAIL)."""
        response = await self.auth.DevSignIn(auth_pb2.DevSignInRequest(email=email, display_name=email))
        return [("authorization", f"Bearer {response.session.access_token}")]

    async def admin(self) -> list[tuple[str, str]]:
        return await self.sign_in(ADMIN_EMAIL)

    async def import_demo(self, path: Path = DEMO) -> ImportReport:
        report = await import_catalog(path, uow=self.uow, blobs=self.app.blobs, progress=False)
        # The CLI runs in another process; a server sees its changes once its caches expire (TTL).
        # Tests don't wait for that.
        self.app.service.lists.clear()
        self.app.service.details.clear()
        return report

    def uow(self) -> CatalogUnitOfWork:
        return self.app.service._uow()


@pytest.fixture(scope="session")
def blob_root() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="yousync-test-blobs-") as root:
        yield Path(root)


def catalog_settings(postgres_url: str, **overrides: object) -> CatalogSettings:
    values: dict[str, object] = {
        "database_url": postgres_url,
        "grpc_port": 0,
        "list_cache_ttl_seconds": 5.0,
        "detail_cache_ttl_seconds": 2.0,
        "cache_min_refresh_seconds": 0.1,
        "consumer_ack_wait_seconds": 2.0,
    }
    values.update(overrides)
    return CatalogSettings(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
async def catalog(
    postgres_url: str, nats_url: str, fake_google: FakeGoogle, blob_root: Path
) -> AsyncIterator[CatalogHarness]:
    await upgrade(AUTH_MIGRATIONS, postgres_url)
    auth_server, auth_resources = await create_auth_server(auth_settings(postgres_url, fake_google))
    auth_port = await auth_server.start()
    await auth_server.set_serving()

    signer_settings = BlobSettings(backend="filesystem", fs_root=str(blob_root), url_secret=URL_SECRET)
    gateway = BlobGateway(FilesystemBlobStore(blob_root, signer_settings.signer()), signer_settings.signer()).start()
    blob = BlobSettings(
        backend="filesystem",
        fs_root=str(blob_root),
        url_secret=URL_SECRET,
        url_base=f"http://127.0.0.1:{gateway.port}/api/blobs",
    )
    gateway.signer = blob.signer()
    settings = catalog_settings(postgres_url, nats_url=nats_url, auth_target=f"127.0.0.1:{auth_port}", blob=blob)
    await upgrade(MIGRATIONS, postgres_url)
    server, resources, app = await create_app(settings)
    port = await server.start()
    await server.set_serving()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    auth_channel = grpc.aio.insecure_channel(f"127.0.0.1:{auth_port}")
    http = httpx.AsyncClient(timeout=10)
    try:
        yield CatalogHarness(
            stub=catalog_pb2_grpc.CatalogServiceStub(channel),
            app=app,
            settings=settings,
            auth=auth_pb2_grpc.AuthServiceStub(auth_channel),
            gateway=gateway,
            channel=channel,
            http=http,
        )
    finally:
        await http.aclose()
        await channel.close()
        await auth_channel.close()
        await server.stop(1)
        await resources.aclose()
        await auth_server.stop(1)
        await auth_resources.aclose()
        gateway.stop()


TABLES = (
    "catalog.scripts, catalog.actors, catalog.tokens, catalog.bookmarks, catalog.processed_events, "
    "catalog.create_requests"
)


@pytest.fixture(autouse=True)
async def clean_catalog(catalog: CatalogHarness, postgres_url: str) -> AsyncIterator[None]:
    yield
    engine = create_engine(postgres_url)
    async with engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE"))
    await engine.dispose()
    catalog.app.service.lists.clear()
    catalog.app.service.details.clear()
