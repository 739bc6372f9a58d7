"""The black-box security suite: it speaks HTTP (httpx, or raw sockets where a well-behaved client can't
misbehave enough) to the session's real gateway from tests/fixtures/suite.py, on 127.0.0.1.

Fixtures: `gateway` (the session gateway), `lines` (catalog token ids), and the helpers below."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest

from tests.fixtures.suite import Gateway, clear_analysis_tables


@pytest.fixture(autouse=True)
async def clean_analysis_after(request: pytest.FixtureRequest, postgres_url: str) -> AsyncIterator[None]:
    yield
    if "gateway" not in request.fixturenames:
        return
    await clear_analysis_tables(postgres_url)


@dataclass
class Raw:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter

    async def send(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def response(self, timeout: float = 15.0) -> tuple[int, dict[str, str], bytes]:
        """One HTTP/1.1 response: status, lower-cased headers, body (by Content-Length)."""
        async with asyncio.timeout(timeout):
            head = await self.reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            status = int(lines[0].split()[1])
            headers = {}
            for line in lines[1:]:
                if ":" in line:
                    key, _, value = line.partition(":")
                    headers[key.strip().lower()] = value.strip()
            body = await self.reader.readexactly(int(headers.get("content-length", "0")))
        return status, headers, body

    async def closed_within(self, timeout: float) -> float:
        """Seconds until the server closes the connection (EOF or reset), reading and dropping anything."""
        started = time.monotonic()
        async with asyncio.timeout(timeout):
            try:
                while await self.reader.read(65536):
                    pass
            except (ConnectionResetError, BrokenPipeError):
                pass
        return time.monotonic() - started

    def close(self) -> None:
        self.writer.close()


async def raw(gateway: Gateway) -> Raw:
    url = urlsplit(gateway.url)
    reader, writer = await asyncio.open_connection(url.hostname, url.port, limit=1 << 20)
    return Raw(reader, writer)


def host(gateway: Gateway) -> bytes:
    return urlsplit(gateway.url).netloc.encode()
