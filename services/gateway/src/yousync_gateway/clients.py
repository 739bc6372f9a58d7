"""gRPC stubs of the services behind the gateway, over reused channels with deadlines and safe retries."""

from __future__ import annotations

from dataclasses import dataclass

import grpc

from yousync.analysis.v1 import analysis_pb2_grpc
from yousync.auth.v1 import auth_pb2_grpc
from yousync.catalog.v1 import catalog_pb2_grpc
from yousync_gateway.settings import GatewaySettings
from yousync_platform.access_tokens import AccessTokenVerifier
from yousync_platform.auth_client import auth_verifier
from yousync_platform.client import Channels, ClientPolicy

AUTH_SERVICE = "yousync.auth.v1.AuthService"
CATALOG_SERVICE = "yousync.catalog.v1.CatalogService"
ANALYSIS_SERVICE = "yousync.analysis.v1.AnalysisService"

# Only reads are retried (on UNAVAILABLE); sign-in, refresh (rotates a token), uploads and deletes are not.
AUTH_READS = frozenset({"GetMe", "GetJwks", "GetUserStatus"})
CATALOG_READS = frozenset(
    {"ListScripts", "GetScript", "GetToken", "ListActors", "GetActor", "ListBookmarks", "CreateBookmark"}
)
ANALYSIS_READS = frozenset({"GetJob", "GetResult", "ListMyTakes", "GetMyOverview", "GetTakeAudio"})
ANALYSIS_STREAMS = frozenset({"UploadTake", "WatchJob"})


@dataclass
class Clients:
    channels: Channels
    auth: auth_pb2_grpc.AuthServiceStub
    catalog: catalog_pb2_grpc.CatalogServiceStub
    analysis: analysis_pb2_grpc.AnalysisServiceStub
    verifier: AccessTokenVerifier
    targets: dict[str, str]
    by_name: dict[str, grpc.aio.Channel]

    async def close(self) -> None:
        await self.channels.close()


def open_clients(settings: GatewaySettings) -> Clients:
    channels = Channels()
    timeout = settings.rpc_timeout_seconds
    auth_channel = channels.get(
        settings.auth_target, ClientPolicy(AUTH_SERVICE, timeout_seconds=timeout, idempotent=AUTH_READS)
    )
    catalog_channel = channels.get(
        settings.catalog_target, ClientPolicy(CATALOG_SERVICE, timeout_seconds=timeout, idempotent=CATALOG_READS)
    )
    analysis_channel = channels.get(
        settings.analysis_target,
        ClientPolicy(ANALYSIS_SERVICE, timeout_seconds=timeout, idempotent=ANALYSIS_READS, streaming=ANALYSIS_STREAMS),
    )
    auth = auth_pb2_grpc.AuthServiceStub(auth_channel)
    verifier = auth_verifier(auth, issuer=settings.access_token_issuer, audience=settings.access_token_audience)
    return Clients(
        channels=channels,
        auth=auth,
        catalog=catalog_pb2_grpc.CatalogServiceStub(catalog_channel),
        analysis=analysis_pb2_grpc.AnalysisServiceStub(analysis_channel),
        verifier=verifier,
        by_name={"auth": auth_channel, "catalog": catalog_channel, "analysis_orchestrator": analysis_channel},
        targets={
            "auth": settings.auth_target,
            "catalog": settings.catalog_target,
            "analysis_orchestrator": settings.analysis_target,
        },
    )
