"""Assemble the orchestrator: database, blobs, NATS, catalog and analyzer clients, and its roles."""

from __future__ import annotations

import datetime as dt
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx
from nats.aio.client import Client as NatsClient

from yousync.analysis.v1 import analysis_pb2_grpc, dub_pb2_grpc, job_capability_pb2_grpc
from yousync_analysis_orchestrator import dub_servicer, job_capability_servicer
from yousync_analysis_orchestrator.adapters.catalog_client import CatalogClient
from yousync_analysis_orchestrator.adapters.convert import ProtobufCodec
from yousync_analysis_orchestrator.adapters.dead_letters import DeadLetters
from yousync_analysis_orchestrator.adapters.dispatcher import ANALYZER_POLICY, Dispatcher, DispatchPolicy
from yousync_analysis_orchestrator.adapters.progress import JobEventHub, ProgressPublisher
from yousync_analysis_orchestrator.adapters.relay import OutboxRelay
from yousync_analysis_orchestrator.adapters.servicer import AnalysisServicer
from yousync_analysis_orchestrator.adapters.webhook import parse_external
from yousync_analysis_orchestrator.db.uow import OrchestratorUnitOfWork
from yousync_analysis_orchestrator.dub_catalog import CatalogScenes
from yousync_analysis_orchestrator.dubbing import Dubbing
from yousync_analysis_orchestrator.job_capability import JobCapability
from yousync_analysis_orchestrator.service import AnalysisService, Caps
from yousync_analysis_orchestrator.settings import OrchestratorSettings
from yousync_analysis_orchestrator.subjects import DISPATCH, DISPATCHER_DURABLE, STREAM, STREAM_SUBJECTS
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
    service: AnalysisService
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
    relay = None
    if "relay" in settings.roles:
        relay = OutboxRelay(uow=uow, js=js, database_url=settings.database_url.get_secret_value())
        resources.push_async_callback(relay.stop)
    service = AnalysisService(
        uow=uow,
        blobs=blobs,
        catalog=catalog,
        codec=ProtobufCodec(),
        caps=Caps(
            max_take_bytes=settings.max_upload_bytes,
            max_take_seconds=settings.max_take_seconds,
            max_active_analyses=settings.max_active_analyses,
            busy_retry_after_seconds=settings.busy_retry_after_seconds,
            max_webhook_body_bytes=settings.max_webhook_body_bytes,
            webhook_tolerance_seconds=settings.webhook_tolerance_seconds,
            events_kept=settings.job_events_kept,
        ),
        publisher=ProgressPublisher(js, on_sent=relay.sent if relay is not None else None),
        listener=hub,
        webhook_secret=settings.webhook_secret.get_secret_value().encode(),
        parse_external=parse_external,
        audio_url_ttl=dt.timedelta(seconds=settings.audio_url_ttl_seconds),
    )
    if "api" in settings.roles:
        servicer = AnalysisServicer(service)
        services.append(Service(SERVICE_NAME, servicer, analysis_pb2_grpc.add_AnalysisServiceServicer_to_server))
        capability = JobCapability(
            service=service,
            secret=settings.job_capability_secret.get_secret_value().encode(),
        )
        services.append(
            Service(
                job_capability_servicer.SERVICE_NAME,
                job_capability_servicer.JobCapabilityServicer(capability),
                job_capability_pb2_grpc.add_JobCapabilityServiceServicer_to_server,
            )
        )
        dub_http = httpx.AsyncClient()
        resources.push_async_callback(dub_http.aclose)
        dubbing = Dubbing(
            uow=uow,
            blobs=blobs,
            scenes=CatalogScenes(channels, settings.catalog_target, dub_http),
            url_ttl=dt.timedelta(seconds=settings.audio_url_ttl_seconds),
        )
        services.append(
            Service(
                dub_servicer.SERVICE_NAME,
                dub_servicer.DubServicer(dubbing),
                dub_pb2_grpc.add_DubServiceServicer_to_server,
            )
        )
    # Worker-only processes (relay, dispatcher) still serve grpc.health.v1 for their probes.
    server = GrpcServer(
        services,
        domain="analysis.yousync",
        host=settings.grpc_host,
        port=settings.grpc_port,
        verifier=verifier,
        public_methods=PUBLIC_METHODS | job_capability_servicer.PUBLIC_METHODS,
    )
    dispatcher = None
    dead_letters = None
    if "dispatcher" in settings.roles:
        dead_letters = DeadLetters(nats, service)
        resources.push_async_callback(dead_letters.stop)
        queue = QueueMonitor(nats, STREAM, DISPATCHER_DURABLE, DISPATCH)  # depth, age, dead letters on /metrics
        await queue.start()
        resources.push_async_callback(queue.stop)
        dispatcher = Dispatcher(
            service=service,
            js=js,
            blobs=blobs,
            catalog=catalog,
            analyzer=channels.get(settings.analyzer_target, ANALYZER_POLICY),
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
        resources.push_async_callback(hub.close)
    return Orchestrator(server, service, hub, relay, dispatcher, dead_letters, resources, nats, blobs)
