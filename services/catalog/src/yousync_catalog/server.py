"""Assemble the catalog server: database, blob store, caches, JWKS verifier, events, servicer."""

from __future__ import annotations

import datetime as dt
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path

from nats.aio.client import Client as NatsClient

from yousync.catalog.v1 import catalog_pb2_grpc, requests_pb2_grpc
from yousync_catalog.db.uow import CatalogUnitOfWork
from yousync_catalog.events import ChangePublisher, start_take_counter
from yousync_catalog.requests import servicer as requests_servicer
from yousync_catalog.requests.service import VideoRequestService
from yousync_catalog.service import CatalogPolicy, CatalogService
from yousync_catalog.servicer import CatalogServicer
from yousync_catalog.settings import CatalogSettings
from yousync_platform.auth_client import jwks_verifier
from yousync_platform.client import Channels
from yousync_platform.db import create_engine, session_factory
from yousync_platform.events import connect
from yousync_platform.server import GrpcServer, Service
from yousync_platform.storage import BlobStore, open_blob_store

SERVICE_NAME = "yousync.catalog.v1.CatalogService"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


@dataclass
class CatalogApp:
    """What tests and the CLI may need besides the gRPC server."""

    service: CatalogService
    blobs: BlobStore
    nats: NatsClient | None


async def build_service(settings: CatalogSettings, resources: AsyncExitStack) -> CatalogService:
    engine = create_engine(settings.database_url.get_secret_value(), pool_size=settings.db_pool_size)
    resources.push_async_callback(engine.dispose)
    sessions = session_factory(engine)
    blobs = await open_blob_store(settings.blob, resources)
    service = CatalogService(
        uow=lambda: CatalogUnitOfWork(sessions),
        blobs=blobs,
        policy=CatalogPolicy(
            audio_url_ttl=dt.timedelta(seconds=settings.audio_url_ttl_seconds),
            list_cache_ttl_seconds=settings.list_cache_ttl_seconds,
            detail_cache_ttl_seconds=settings.detail_cache_ttl_seconds,
            cache_min_refresh_seconds=settings.cache_min_refresh_seconds,
        ),
    )
    resources.push_async_callback(service.close)
    return service


async def create_app(settings: CatalogSettings) -> tuple[GrpcServer, AsyncExitStack, CatalogApp]:
    resources = AsyncExitStack()
    try:
        service = await build_service(settings, resources)
        channels = Channels()
        resources.push_async_callback(channels.close)
        nats_client: NatsClient | None = None
        if settings.nats_url:
            nats_client = await connect(settings.nats_url, name="catalog")
            resources.push_async_callback(nats_client.close)
            consumer = await start_take_counter(
                nats_client.jetstream(),
                service,
                ack_wait_seconds=settings.consumer_ack_wait_seconds,
                max_deliver=settings.consumer_max_deliver,
            )
            resources.push_async_callback(consumer.stop)
            publisher = ChangePublisher(nats_client)
            service.on_change(publisher)
            resources.push_async_callback(publisher.close)
        server = GrpcServer(
            [
                Service(SERVICE_NAME, CatalogServicer(service), catalog_pb2_grpc.add_CatalogServiceServicer_to_server),
                Service(
                    requests_servicer.SERVICE_NAME,
                    requests_servicer.VideoRequestServicer(VideoRequestService(service._uow)),
                    requests_pb2_grpc.add_VideoRequestServiceServicer_to_server,
                ),
            ],
            domain="catalog.yousync",
            host=settings.grpc_host,
            port=settings.grpc_port,
            verifier=jwks_verifier(settings, channels),
        )
    except BaseException:
        await resources.aclose()
        raise
    return server, resources, CatalogApp(service=service, blobs=service.blobs, nats=nats_client)


async def create_server(settings: CatalogSettings) -> tuple[GrpcServer, AsyncExitStack]:
    server, resources, _ = await create_app(settings)
    return server, resources
