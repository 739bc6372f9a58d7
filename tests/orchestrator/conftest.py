"""The whole analysis flow on real parts: PostgreSQL, NATS JetStream, an S3 API server (moto), and real
auth, catalog, analyzer and orchestrator servers on 127.0.0.1 — started once per session."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from sqlalchemy import text

from tests.analyzer.helpers import FIXTURES as ANALYZER_FIXTURES
from tests.analyzer.helpers import LINES
from tests.catalog.conftest import CatalogHarness, blob_root, catalog  # noqa: F401 - session fixtures
from yousync.analysis.v1 import analysis_pb2, analysis_pb2_grpc
from yousync.catalog.v1 import catalog_pb2
from yousync_analysis_orchestrator.server import MIGRATIONS, Orchestrator, create
from yousync_analysis_orchestrator.settings import OrchestratorSettings
from yousync_analyzer.server import AnalyzerServer, build
from yousync_analyzer.settings import AnalyzerSettings
from yousync_catalog.importer import import_catalog
from yousync_platform.db import create_engine
from yousync_platform.migrations import upgrade
from yousync_platform.storage.factory import BlobSettings

WEBHOOK_SECRET = "test-webhook-secret-0123456789"
MAX_UPLOAD = 2 * 1024 * 1024
CHUNK = 64 * 1024


@dataclass
class Flow:
    stub: analysis_pb2_grpc.AnalysisServiceStub
    orchestrator: Orchestrator
    settings: OrchestratorSettings
    blob_settings: BlobSettings
    catalog: CatalogHarness
    analyzer_target: str
    tokens: dict[str, int]  # analyzer fixture line id → catalog token id
    channel: grpc.aio.Channel

    async def user(self, email: str) -> list[tuple[str, str]]:
        return await self.catalog.sign_in(email)

    async def upload(
        self, auth: list[tuple[str, str]], token_id: int, data: bytes, *, request_id: str = "", label: str = "audio/wav"
    ) -> analysis_pb2.Job:
        return await self.stub.UploadTake(upload_messages(token_id, data, request_id, label), metadata=auth)

    async def watch(
        self, auth: list[tuple[str, str]], job_id: str, after: int = 0, timeout: float = 60
    ) -> list[analysis_pb2.JobEvent]:
        events = []
        async for event in self.stub.WatchJob(
            analysis_pb2.WatchJobRequest(job_id=job_id, after_sequence=after), metadata=auth, timeout=timeout
        ):
            events.append(event)
        return events


async def upload_messages(
    token_id: int, data: bytes, request_id: str = "", label: str = "audio/wav"
) -> AsyncIterator[analysis_pb2.UploadTakeRequest]:
    yield analysis_pb2.UploadTakeRequest(
        metadata=analysis_pb2.UploadTakeMetadata(
            token_id=token_id, content_type=label, filename="take.wav", request_id=request_id
        )
    )
    for start in range(0, len(data), CHUNK):
        yield analysis_pb2.UploadTakeRequest(chunk=data[start : start + CHUNK])


def take(line: str, kind: str = "good.wav") -> bytes:
    return (ANALYZER_FIXTURES / line / kind).read_bytes()


@pytest.fixture(scope="session")
def lines_manifest(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A catalog folder with the analyzer fixture lines and their (synthetic) reference audio."""
    root = tmp_path_factory.mktemp("lines")
    (root / "audio").mkdir()
    tokens = []
    for index, (line_id, line) in enumerate(sorted(LINES.items()), start=1):
        shutil.copy(ANALYZER_FIXTURES / line_id / "reference.opus.ogg", root / "audio" / f"{line_id}.ogg")
        tokens.append(
            {
                "id": f"line-{line_id}",
                "actor": "narrator",
                "text": line["text"],
                "start_seconds": index * 10.0,
                "end_seconds": index * 10.0 + 5.0,
                "audio": f"audio/{line_id}.ogg",
            }
        )
    manifest = {
        "version": 1,
        "actors": [{"id": "narrator", "name": "Narrator", "aliases": []}],
        "scripts": [
            {
                "id": "famous-lines",
                "title": "Famous lines",
                "work_title": "Cinema",
                "kind": "movie",
                "category": "drama",
                "language": "en",
                "tokens": tokens,
            }
        ],
    }
    (root / "catalog.json").write_text(json.dumps(manifest))
    return root


@pytest.fixture(scope="session")
async def analyzer_for_flow() -> AsyncIterator[AnalyzerServer]:
    server = build(AnalyzerSettings(workers=2, queue_size=8, grpc_port=0))
    await server.pool.start()
    await server.grpc.start()
    await server.grpc.set_serving()
    try:
        yield server
    finally:
        await server.grpc.stop(0)
        server.pool.close()


def orchestrator_settings(flow_env: dict[str, str], **overrides: object) -> OrchestratorSettings:
    values: dict[str, object] = {
        "database_url": flow_env["database_url"],
        "nats_url": flow_env["nats_url"],
        "catalog_target": flow_env["catalog_target"],
        "analyzer_target": flow_env["analyzer_target"],
        "auth_target": flow_env["auth_target"],
        "grpc_port": 0,
        "ack_wait_seconds": 3.0,
        "max_deliver": 3,
        "retry_delay_seconds": 0.3,
        "analyzer_deadline_seconds": 30.0,
        "max_upload_bytes": MAX_UPLOAD,
        "webhook_secret": WEBHOOK_SECRET,
    }
    values.update(overrides)
    return OrchestratorSettings(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def s3_blobs(s3_endpoint_url: str) -> BlobSettings:
    return BlobSettings(
        backend="s3",
        s3_endpoint_url=s3_endpoint_url,
        s3_bucket="yousync-flow",
        s3_access_key_id="testing",
        s3_secret_access_key="testing",
        s3_create_bucket=True,
    )


@pytest.fixture(scope="session")
async def flow(
    postgres_url: str,
    nats_url: str,
    catalog: CatalogHarness,  # noqa: F811
    analyzer_for_flow: AnalyzerServer,
    lines_manifest: Path,
    s3_blobs: BlobSettings,
) -> AsyncIterator[Flow]:
    await upgrade(MIGRATIONS, postgres_url)
    catalog_port = int(catalog.channel._channel.target.decode().rsplit(":", 1)[1])  # type: ignore[attr-defined]
    env = {
        "database_url": postgres_url,
        "nats_url": nats_url,
        "catalog_target": f"127.0.0.1:{catalog_port}",
        "analyzer_target": f"127.0.0.1:{analyzer_for_flow.grpc.port}",
        "auth_target": catalog.settings.auth_target,
    }
    settings = orchestrator_settings(env)
    orchestrator = await create(settings, s3_blobs)
    port = await orchestrator.server.start()
    await orchestrator.start_workers()
    await orchestrator.server.set_serving()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    try:
        yield Flow(
            stub=analysis_pb2_grpc.AnalysisServiceStub(channel),
            orchestrator=orchestrator,
            settings=settings,
            blob_settings=s3_blobs,
            catalog=catalog,
            analyzer_target=env["analyzer_target"],
            tokens={},
            channel=channel,
        )
    finally:
        await channel.close()
        await orchestrator.server.stop(1)
        await orchestrator.resources.aclose()


@pytest.fixture
async def lines(flow: Flow, lines_manifest: Path) -> dict[str, int]:
    """Import the fixture lines (idempotent re-import) and map line id → token id."""
    await import_catalog(lines_manifest, uow=flow.catalog.uow, blobs=flow.catalog.app.blobs, progress=False)
    scripts = await flow.catalog.stub.ListScripts(catalog_pb2.ListScriptsRequest(query="Famous lines"))
    script = await flow.catalog.stub.GetScript(catalog_pb2.GetScriptRequest(script_id=scripts.scripts[0].id))
    by_text = {t.text: t.id for t in script.tokens}
    return {line_id: by_text[line["text"]] for line_id, line in LINES.items()}


@pytest.fixture(autouse=True)
async def clean_analysis(flow: Flow, postgres_url: str) -> AsyncIterator[None]:
    yield
    engine = create_engine(postgres_url)
    async with engine.begin() as conn:
        await conn.execute(text("TRUNCATE analysis.takes, analysis.jobs, analysis.results, analysis.outbox CASCADE"))
    await engine.dispose()


@contextlib.asynccontextmanager
async def dispatcher_paused(flow: Flow) -> AsyncIterator[None]:
    """Stop the session's in-process dispatcher for a test that brings its own."""
    assert flow.orchestrator.dispatcher is not None
    await flow.orchestrator.dispatcher.stop()
    try:
        yield
    finally:
        flow.orchestrator.dispatcher.start()


async def wait_for(predicate, timeout: float = 30.0, interval: float = 0.1):  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = await predicate()
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(interval)


@pytest.fixture
def subprocess_env(flow: Flow) -> Iterator[dict[str, str]]:
    """Environment for an orchestrator subprocess equivalent to the session's settings."""
    s = flow.settings
    b = flow.blob_settings
    yield {
        **os.environ,
        "ORCHESTRATOR_DATABASE_URL": s.database_url.get_secret_value(),
        "ORCHESTRATOR_NATS_URL": s.nats_url,
        "ORCHESTRATOR_CATALOG_TARGET": s.catalog_target,
        "ORCHESTRATOR_ANALYZER_TARGET": s.analyzer_target,
        "ORCHESTRATOR_AUTH_TARGET": s.auth_target,
        "ORCHESTRATOR_ACK_WAIT_SECONDS": str(s.ack_wait_seconds),
        "ORCHESTRATOR_MAX_DELIVER": str(s.max_deliver),
        "ORCHESTRATOR_RETRY_DELAY_SECONDS": str(s.retry_delay_seconds),
        "BLOB_BACKEND": "s3",
        "BLOB_S3_ENDPOINT_URL": b.s3_endpoint_url,
        "BLOB_S3_BUCKET": b.s3_bucket,
        "BLOB_S3_ACCESS_KEY_ID": b.s3_access_key_id,
        "BLOB_S3_SECRET_ACCESS_KEY": b.s3_secret_access_key.get_secret_value(),
    }
