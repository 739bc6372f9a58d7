"""Unary calls/s at 50 in flight: our server stack (every interceptor on, an authenticated call)
vs a bare grpc.aio server with the same servicer, measured in the same run. Goal: ratio ≥ 0.8.

The server runs in a child process and the load generator in this one (2 cores: one each).
Prints one JSON object on its last line.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import multiprocessing as mp
import os
import statistics
import sys
import time

import grpc

from yousync.auth.v1 import auth_pb2, auth_pb2_grpc
from yousync_auth.domain import User
from yousync_auth.keys import SigningKeys, generate_private_pem
from yousync_dev.ports import free_port, wait_for_port
from yousync_platform.access_tokens import AccessTokenVerifier, JwksCache
from yousync_platform.logging import configure_logging
from yousync_platform.server import GrpcServer, Service

IN_FLIGHT = 50
SECONDS = float(sys.argv[1]) if len(sys.argv) > 1 else 3.0
ROUNDS = 5
SERVICE = "yousync.auth.v1.AuthService"


class Servicer(auth_pb2_grpc.AuthServiceServicer):
    async def GetMe(self, request: auth_pb2.GetMeRequest, context: object) -> auth_pb2.User:
        return auth_pb2.User(id="u1", email="u@example.com", display_name="U")


def serve(port: int, stack: bool, pem: str) -> None:
    sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - access logs are formatted and written, not kept
    configure_logging("bench", "INFO")

    async def main() -> None:
        if stack:
            keys = SigningKeys(pem)

            async def fetch() -> list[dict[str, str]]:
                return keys.jwks

            verifier = AccessTokenVerifier(JwksCache(fetch), issuer="yousync-auth", audience="yousync")
            server = GrpcServer(
                [Service(SERVICE, Servicer(), auth_pb2_grpc.add_AuthServiceServicer_to_server)],
                domain="bench",
                port=port,
                verifier=verifier,
            )
            await server.start()
            await server.set_serving()
            await server.server.wait_for_termination()
        else:
            bare = grpc.aio.server()
            auth_pb2_grpc.add_AuthServiceServicer_to_server(Servicer(), bare)
            bare.add_insecure_port(f"127.0.0.1:{port}")
            await bare.start()
            await bare.wait_for_termination()

    asyncio.run(main())


async def load(port: int, token: str) -> dict[str, float]:
    latencies: list[float] = []
    metadata = (("authorization", f"Bearer {token}"),)
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = auth_pb2_grpc.AuthServiceStub(channel)
        for _ in range(200):  # warm-up
            await stub.GetMe(auth_pb2.GetMeRequest(), metadata=metadata)
        deadline = time.perf_counter() + SECONDS

        async def worker() -> None:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                await stub.GetMe(auth_pb2.GetMeRequest(), metadata=metadata, timeout=10)
                latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(IN_FLIGHT)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "calls_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 2),
        "p99_ms": round(latencies[int(len(latencies) * 0.99)] * 1000, 2),
    }


def measure(stack: bool, pem: str, token: str) -> dict[str, float]:
    port = free_port()
    process = mp.get_context("spawn").Process(target=serve, args=(port, stack, pem), daemon=True)
    process.start()
    try:
        wait_for_port(port, 20)
        return asyncio.run(load(port, token))
    finally:
        process.terminate()
        process.join(5)


def main() -> None:
    pem = generate_private_pem()
    now = dt.datetime.now(dt.UTC)
    user = User("u1", "u@example.com", "U", "", ("user",), now, now)
    token, _ = SigningKeys(pem).issue_access_token(
        user, issuer="yousync-auth", audience="yousync", ttl=dt.timedelta(minutes=30), now=now
    )
    # Alternate the two servers so drift in the machine's load hits both alike; keep each one's median.
    runs: dict[bool, list[dict[str, float]]] = {False: [], True: []}
    for _ in range(ROUNDS):
        for stack_on in (False, True):
            runs[stack_on].append(measure(stack_on, pem, token))
    bare, stack = (sorted(runs[k], key=lambda r: r["calls_per_s"])[ROUNDS // 2] for k in (False, True))
    print(f"bare grpc.aio: {bare}", flush=True)
    print(f"our stack:     {stack}", flush=True)
    print(
        json.dumps(
            {
                "benchmark": "grpc_overhead",
                "in_flight": IN_FLIGHT,
                "seconds": SECONDS,
                "rounds": ROUNDS,
                "bare": bare,
                "stack": stack,
                "ratio": round(stack["calls_per_s"] / bare["calls_per_s"], 3),
                "goal_ratio": 0.8,
            }
        )
    )


if __name__ == "__main__":
    main()
