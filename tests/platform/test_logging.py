"""JSON lines: the shape of a line, and when buffered lines reach the stream."""

from __future__ import annotations

import io
import json
import logging
import os
import select
import time
from collections.abc import Iterator

import pytest

from yousync_platform.context import request_id_var
from yousync_platform.logging import JsonFormatter, JsonLinesHandler


@pytest.fixture
def pipe() -> Iterator[tuple[int, io.TextIOWrapper]]:
    read_fd, write_fd = os.pipe()
    stream = io.TextIOWrapper(io.BufferedWriter(io.FileIO(write_fd, "w")), encoding="utf-8")
    try:
        yield read_fd, stream
    finally:
        stream.close()
        os.close(read_fd)


def lines_within(fd: int, seconds: float) -> list[dict[str, object]]:
    ready, _, _ = select.select([fd], [], [], seconds)
    return [json.loads(line) for line in os.read(fd, 65536).decode().splitlines()] if ready else []


def logger_with(handler: logging.Handler) -> logging.Logger:
    handler.setFormatter(JsonFormatter("svc"))
    logger = logging.getLogger(f"test.json_lines.{id(handler)}")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    logger.handlers[:] = [handler]
    return logger


def test_errors_are_written_at_once_with_the_request_id(pipe: tuple[int, io.TextIOWrapper]) -> None:
    read_fd, stream = pipe
    handler = JsonLinesHandler(stream, flush_interval=60)
    log = logger_with(handler)
    token = request_id_var.set("rid-1")
    try:
        log.info("queued", extra={"grpc_code": "OK"})
        try:
            raise ValueError("boom")
        except ValueError:
            log.exception("failed")
    finally:
        request_id_var.reset(token)
        handler.close()
    first, second = lines_within(read_fd, 1.0)
    assert first == {**first, "level": "info", "service": "svc", "message": "queued", "grpc_code": "OK"}
    assert first["request_id"] == second["request_id"] == "rid-1"
    assert second["level"] == "error" and "ValueError: boom" in str(second["traceback"])


def test_info_lines_are_flushed_by_the_timer(pipe: tuple[int, io.TextIOWrapper]) -> None:
    read_fd, stream = pipe
    handler = JsonLinesHandler(stream, flush_interval=0.05)
    log = logger_with(handler)
    started = time.monotonic()
    log.info("one")
    log.info("two")
    try:
        got = lines_within(read_fd, 2.0)
    finally:
        handler.close()
    assert [line["message"] for line in got] == ["one", "two"]
    assert time.monotonic() - started < 2.0
