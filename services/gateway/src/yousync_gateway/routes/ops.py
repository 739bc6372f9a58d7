"""Liveness and readiness. (/metrics is served on its own port: see yousync_gateway.metrics.)"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import grpc
from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from grpc_health.v1 import health_pb2, health_pb2_grpc

from yousync_gateway import schemas
from yousync_gateway.deps import GatewayState, State
from yousync_gateway.errors import ErrorBody

router = APIRouter(tags=["operations"])
_CACHE_SECONDS = 1.0


@router.get("/healthz", response_model=schemas.Health, summary="Liveness: the process answers")
async def healthz() -> dict[str, Any]:
    return {"status": "ok", "services": {}}


async def _check(state: GatewayState, name: str) -> str:
    stub = health_pb2_grpc.HealthStub(state.clients.by_name[name])
    try:
        response = await stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=1.0)
    except grpc.aio.AioRpcError as error:
        return str(error.code().name).lower()
    return str(health_pb2.HealthCheckResponse.ServingStatus.Name(response.status)).lower()


@router.get(
    "/readyz",
    response_model=schemas.Health,
    summary="Readiness: every backend service reports SERVING",
    responses={503: {"model": ErrorBody, "description": "Some service is not serving."}},
)
async def readyz(state: State) -> Response:
    cached: tuple[float, dict[str, str]] | None = getattr(state, "_ready_cache", None)
    if cached is not None and time.monotonic() - cached[0] < _CACHE_SECONDS:
        services = cached[1]
    else:
        names = list(state.clients.targets)
        results = await asyncio.gather(*(_check(state, n) for n in names))
        services = dict(zip(names, results, strict=True))
        state._ready_cache = (time.monotonic(), services)  # type: ignore[attr-defined]
    if all(s == "serving" for s in services.values()):
        return JSONResponse({"status": "ready", "services": services})
    return JSONResponse(
        {"detail": "some services are not serving", "code": "NOT_READY", "status": "not_ready", "services": services},
        status_code=503,
    )
