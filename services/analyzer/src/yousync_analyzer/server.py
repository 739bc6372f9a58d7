"""Build the analyzer's gRPC server (platform lifecycle: health, reflection, pipeline, graceful stop)."""

from __future__ import annotations

import logging
from contextlib import AsyncExitStack
from dataclasses import dataclass

from yousync.analyzer.v1 import analyzer_pb2_grpc
from yousync_analyzer.pool import AnalysisPool
from yousync_analyzer.reference_cache import ReferenceCache
from yousync_analyzer.service import Analyzer
from yousync_analyzer.servicer import AnalyzerServicer
from yousync_analyzer.settings import AnalyzerSettings
from yousync_platform.server import GrpcServer, Service, run_until_terminated

log = logging.getLogger(__name__)
SERVICE_NAME = "yousync.analyzer.v1.AnalyzerService"


@dataclass
class AnalyzerServer:
    grpc: GrpcServer
    analyzer: Analyzer
    pool: AnalysisPool


def build(settings: AnalyzerSettings, pool: AnalysisPool | None = None) -> AnalyzerServer:
    """Everything the server needs, built here and passed down (no module-level state)."""
    pool = pool or AnalysisPool(
        workers=settings.workers or None, queue_size=None if settings.queue_size < 0 else settings.queue_size
    )
    analyzer = Analyzer(pool=pool, cache=ReferenceCache(settings.reference_cache_entries), limits=settings.limits())
    service = Service(
        name=SERVICE_NAME,
        servicer=AnalyzerServicer(analyzer),
        register=analyzer_pb2_grpc.add_AnalyzerServiceServicer_to_server,
    )
    # Called by the orchestrator inside the cluster: no end-user auth on this service.
    grpc_server = GrpcServer([service], domain="analyzer", host=settings.grpc_host, port=settings.grpc_port)
    return AnalyzerServer(grpc=grpc_server, analyzer=analyzer, pool=pool)


async def serve(settings: AnalyzerSettings) -> None:
    server = build(settings)
    resources = AsyncExitStack()
    resources.callback(server.pool.close)

    async def ready() -> None:
        stats = await server.pool.start()  # workers up and decoders loaded before SERVING
        log.info("workers ready", extra={"workers": len(stats)})

    await run_until_terminated(server.grpc, resources=resources, grace_seconds=settings.grace_seconds, ready=ready)
