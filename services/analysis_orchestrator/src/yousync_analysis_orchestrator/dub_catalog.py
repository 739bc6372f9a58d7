"""The scenes dubbing needs, from the catalog (GetScript), and its background track (fetched through
the catalog's own short-lived URL: never a user-supplied address)."""

from __future__ import annotations

import logging

import grpc
import httpx

from yousync.catalog.v1 import catalog_pb2, catalog_pb2_grpc
from yousync_analysis_orchestrator.domain_dubs import Scene, SceneLine
from yousync_platform.client import Channels, ClientPolicy, downstream_error

log = logging.getLogger(__name__)
POLICY = ClientPolicy(
    service="yousync.catalog.v1.CatalogService", timeout_seconds=5.0, idempotent=frozenset({"GetScript"})
)
MAX_BACKGROUND_BYTES = 64 * 1024 * 1024


class CatalogScenes:
    def __init__(self, channels: Channels, target: str, http: httpx.AsyncClient) -> None:
        self._stub = catalog_pb2_grpc.CatalogServiceStub(channels.get(target, POLICY))
        self._http = http

    async def scene(self, script_id: int) -> Scene:
        try:
            script = await self._stub.GetScript(catalog_pb2.GetScriptRequest(script_id=script_id))
        except grpc.aio.AioRpcError as error:
            raise downstream_error(error, "catalog") from None
        return Scene(
            id=script.id,
            duration_seconds=script.duration_seconds,
            lines=tuple(SceneLine(t.id, t.start_seconds, t.end_seconds) for t in script.tokens),
            background_url=script.background_track.url,
        )

    async def background(self, url: str) -> bytes | None:
        """The track's bytes, or None when it cannot be fetched (the dub is then voices only)."""
        if not url.startswith(("http://", "https://")):
            log.warning("background track URL is not absolute; voices only")
            return None
        try:
            async with self._http.stream("GET", url, timeout=20.0, follow_redirects=False) as response:
                if response.status_code != 200:
                    log.warning("background track not fetched", extra={"status": response.status_code})
                    return None
                body = bytearray()
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if len(body) > MAX_BACKGROUND_BYTES:
                        log.warning("background track too large; voices only")
                        return None
                return bytes(body)
        except httpx.HTTPError:
            log.warning("background track not fetched (transport error)")
            return None
