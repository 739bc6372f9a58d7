"""A server that ends a client-streaming call early: the client must see the server's status."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import AsyncIterator

import grpc
import pytest

from yousync_platform.grpc_write_fix import install

CHUNK = bytes(64 * 1024)


async def refuse_after_first(requests: AsyncIterator[bytes], context: grpc.aio.ServicerContext) -> bytes:
    async for _ in requests:
        await context.abort(grpc.StatusCode.RESOURCE_EXHAUSTED, "too large")
    return b""


@pytest.fixture
async def upload() -> AsyncIterator[grpc.aio.StreamUnaryMultiCallable]:
    server = grpc.aio.server()
    handler = grpc.stream_unary_rpc_method_handler(refuse_after_first)
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler("test.Uploads", {"Upload": handler}),))
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            yield channel.stream_unary("/test.Uploads/Upload")
    finally:
        await server.stop(0)


async def test_an_early_server_status_survives_the_client_still_writing(
    upload: grpc.aio.StreamUnaryMultiCallable,
) -> None:
    assert install(), "grpcio is a version this fix covers (see grpc_write_fix.AFFECTED_VERSIONS)"

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(200):
            yield CHUNK

    async def one() -> grpc.StatusCode:
        try:
            await upload(chunks(), timeout=10)
        except grpc.aio.AioRpcError as error:
            return error.code()
        return grpc.StatusCode.OK

    codes = [await one() for _ in range(100)] + list(await asyncio.gather(*(one() for _ in range(40))))
    assert set(codes) == {grpc.StatusCode.RESOURCE_EXHAUSTED}, {c: codes.count(c) for c in set(codes)}


def test_the_fix_is_installed_at_start_up_not_on_import() -> None:
    """Importing the platform patches nothing; a service's start-up (cli.start) and the client factory do."""
    probe = (
        "import yousync_platform.client, yousync_platform.server, yousync_platform.cli\n"
        "from yousync_platform import grpc_write_fix as fix\n"
        "assert not fix.installed(), 'patched on import'\n"
        "from yousync_platform.settings import ServiceSettings\n"
        "yousync_platform.cli.start('probe', ServiceSettings)\n"
        "assert fix.installed(), 'not patched at start-up'\n"
        "print('ok')\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.strip().endswith("ok"), result.stderr
