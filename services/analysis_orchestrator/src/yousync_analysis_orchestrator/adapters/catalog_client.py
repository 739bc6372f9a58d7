"""What the orchestrator asks the catalog: a line's reference (cached briefly) and its reference audio."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import grpc

from yousync.catalog.v1 import catalog_pb2, catalog_pb2_grpc
from yousync_analysis_orchestrator.domain import LineReference
from yousync_platform.client import Channels, ClientPolicy, downstream_error

CATALOG_POLICY = ClientPolicy(
    service="yousync.catalog.v1.CatalogService",
    timeout_seconds=5.0,
    idempotent=frozenset({"GetToken", "ReadReferenceAudio"}),
    streaming=frozenset({"ReadReferenceAudio"}),
)


class CatalogClient:
    def __init__(self, channels: Channels, target: str, *, cache_seconds: float = 60.0) -> None:
        self._stub = catalog_pb2_grpc.CatalogServiceStub(channels.get(target, CATALOG_POLICY))
        self._cache: dict[int, tuple[float, LineReference]] = {}
        self._ttl = cache_seconds

    async def line(self, token_id: int) -> LineReference:
        cached = self._cache.get(token_id)
        if cached and time.monotonic() - cached[0] < self._ttl:
            return cached[1]
        try:
            token = await self._stub.GetToken(catalog_pb2.GetTokenRequest(token_id=token_id))
        except grpc.aio.AioRpcError as error:
            raise downstream_error(error, "catalog") from None
        line = LineReference(
            token_id=token.id,
            script_id=token.script_id,
            text=token.text,
            language=token.language or "en",
            script_title=token.script_title,
            reference_key=token.reference_key or f"token-{token.id}",
            words=[(w.word, w.start_seconds, w.end_seconds) for w in token.words],
        )
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[token_id] = (time.monotonic(), line)
        return line

    async def reference_audio(self, token_id: int) -> AsyncIterator[bytes]:
        try:
            async for response in self._stub.ReadReferenceAudio(
                catalog_pb2.ReadReferenceAudioRequest(token_id=token_id), timeout=30
            ):
                if response.chunk:
                    yield response.chunk
        except grpc.aio.AioRpcError as error:
            raise downstream_error(error, "catalog") from None
