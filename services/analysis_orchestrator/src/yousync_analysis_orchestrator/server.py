"""Assemble the orchestrator: database, blobs, NATS, catalog and analyzer clients, and its roles."""

from __future__ import annotations

import datetime as dt
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path

from nats.aio.client import Client as NatsClient

from yousync.analysis.v1 import analysis_pb2_grpc
from yousync_analysis_orchestrator.catalog_client import CatalogClient
from yousync_analysis_orchestrator.completion import Completion
from yousync_analysis_orchestrator.db.uow import OrchestratorUnitOfWork
from yousync_analysis_orchestrator.dead_letters import DeadLetters
from yousync_analysis_orchestrator.dispatcher import ANALYZER_POLICY, Dispatcher, DispatchPolicy
from yousync_analysis_orchestrator.progress import JobEventHub, JobWatcher, ProgressPublisher
from yousync_analysis_orchestrator.queries import Queries
from yousync_analysis_orchestrator.relay import OutboxRelay
from yousync_analysis_orchestrator.servicer import AnalysisServicer
from yousync_analysis_orchestrator.settings import OrchestratorSettings
from yousync_analysis_orchestrator.subjects import DISPATCH, DISPATCHER_DURABLE, STREAM, STREAM_SUBJECTS
from yousync_analysis_orchestrator.uploads import Uploads
from yousync_analysis_orchestrator.webhook import Webhook
from yousync_platform.auth_client import jwks_verifier
from yousync_platform.client import Channels
from yousync_platform.db import create_engine, session_factory
from yousync_platform.events import ReconnectHooks, connect, ensure_stream
from yousync_platform.queue_metrics import QueueMonitor
from yousync_platform.server import GrpcServer, Service
from yousync_platform.storage.base import BlobStore
from yousync_platform.storage.factory import BlobSettings, open_blob_store

SERVICE_NAME = "yousync.analysis.v1.AnalysisService"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# Called by analysis servers, which carry no user token.
PUBLIC_METHODS = frozenset({f"/{SERVICE_NAME}/CompleteJobExternally"})


@dataclass
class Orchestrator:
    """What one orchestrator process runs, per its roles."""

    server: GrpcServer
    hub: JobEventHub | None
    relay: OutboxRelay | None
    dispatcher: Dispatcher | None
    dead_letters: DeadLetters | None
    resources: AsyncExitStack
    nats: NatsClient
    blobs: BlobStore

    async def start_workers(self) -> None:
        if self.hub is not None:
            await self.hub.start()
        if self.relay is not None:
            await self.relay.start()
        if self.dispatcher is not None:
            self.dispatcher.start()
        if self.dead_letters is not None:
            await self.dead_letters.start()


async def create(settings: OrchestratorSettings, blob_settings: BlobSettings | None = None) -> Orchestrator:
    resources = AsyncExitStack()
    engine = create_engine(settings.database_url.get_secret_value())
    resources.push_async_callback(engine.dispose)
    sessions = session_factory(engine)

    def uow() -> OrchestratorUnitOfWork:
        return OrchestratorUnitOfWork(sessions)

    blobs = await open_blob_store(blob_settings or BlobSettings(), resources)
    channels = Channels()
    resources.push_async_callback(channels.close)
    reconnected = ReconnectHooks()
    nats = await connect(settings.nats_url, name="analysis-orchestrator", reconnected=reconnected)
    resources.push_async_callback(nats.close)
    js = nats.jetstream()
    await ensure_stream(js, STREAM, STREAM_SUBJECTS)
    catalog = CatalogClient(channels, settings.catalog_target)

    services: list[Service] = []
    verifier = None
    hub = None
    if "api" in settings.roles:
        hub = JobEventHub(js)
        reconnected.add(hub.resubscribe)
        verifier = jwks_verifier(settings, channels)
        servicer = AnalysisServicer(
            uploads=Uploads(uow=uow, blobs=blobs, catalog=catalog, max_bytes=settings.max_upload_bytes),
            queries=Queries(uow=uow, blobs=blobs, audio_url_ttl=dt.timedelta(seconds=settings.audio_url_ttl_seconds)),
            watcher=JobWatcher(uow=uow, hub=hub),
            webhook=Webhook(
                uow=uow,
                secret=settings.webhook_secret.get_secret_value().encode(),
                tolerance_seconds=settings.webhook_tolerance_seconds,
            ),
        )
        services.append(Service(SERVICE_NAME, servicer, analysis_pb2_grpc.add_AnalysisServiceServicer_to_server))
    # Worker-only processes (relay, dispatcher) still serve grpc.health.v1 for their probes.
    server = GrpcServer(
        services,
        domain="analysis.yousync",
        host=settings.grpc_host,
        port=settings.grpc_port,
        verifier=verifier,
        public_methods=PUBLIC_METHODS,
    )
    relay = None
    if "relay" in settings.roles:
        relay = OutboxRelay(uow=uow, js=js, database_url=settings.database_url.get_secret_value())
        resources.push_async_callback(relay.stop)
    dispatcher = None
    dead_letters = None
    if "dispatcher" in settings.roles:
        dead_letters = DeadLetters(nats, Completion(uow))
        resources.push_async_callback(dead_letters.stop)
        queue = QueueMonitor(nats, STREAM, DISPATCHER_DURABLE, DISPATCH)  # depth, age, dead letters on /metrics
        await queue.start()
        resources.push_async_callback(queue.stop)
        dispatcher = Dispatcher(
            uow=uow,
            js=js,
            blobs=blobs,
            catalog=catalog,
            analyzer=channels.get(settings.analyzer_target, ANALYZER_POLICY),
            progress=ProgressPublisher(js),
            policy=DispatchPolicy(
                concurrency=settings.dispatch_concurrency,
                ack_wait_seconds=settings.ack_wait_seconds,
                max_deliver=settings.max_deliver,
                retry_delay_seconds=settings.retry_delay_seconds,
                analyzer_deadline_seconds=settings.analyzer_deadline_seconds,
            ),
        )
        resources.push_async_callback(dispatcher.stop)
    if hub is not None:
        resources.push_async_callback(hub.stop)
    return Orchestrator(server, hub, relay, dispatcher, dead_letters, resources, nats, blobs)
