"""Structured JSON logs, one object per line, with the request id of the current call and, when a span
is active, its `trace_id` and `span_id` (the ids a trace backend shows)."""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from datetime import UTC, datetime
from typing import Any, TextIO

import orjson

from yousync_platform.context import request_id_var
from yousync_platform.telemetry import current_ids

_RESERVED = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service
        self._second = -1
        self._second_text = ""

    def _time(self, created: float) -> str:
        """ISO 8601 UTC with milliseconds; the part up to the second is formatted once per second."""
        second = int(created)
        if second != self._second:
            self._second = second
            self._second_text = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S")
        return f"{self._second_text}.{int((created - second) * 1000):03d}+00:00"

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self._time(record.created),
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = request_id_var.get()
        if request_id:
            entry["request_id"] = request_id
        ids = current_ids()
        if ids is not None:
            entry["trace_id"], entry["span_id"] = ids
        for key in record.__dict__.keys() - _RESERVED:
            if not key.startswith("_"):
                entry[key] = record.__dict__[key]
        if record.exc_info:
            entry["traceback"] = "".join(traceback.format_exception(*record.exc_info))
        return orjson.dumps(entry, default=str).decode()


class JsonLinesHandler(logging.Handler):
    """Writes formatted records to a text stream's byte buffer, flushed in batches.

    A write and flush per record releases and retakes the GIL each time; at thousands of calls/s that
    was most of what the per-call access log cost. Lines now collect in the stream's buffer: warnings
    and errors flush at once, everything else within `flush_interval` seconds (a daemon thread), and
    `logging.shutdown` flushes at exit. A stream without a byte buffer is written line by line.
    """

    def __init__(self, stream: TextIO, flush_interval: float = 0.2) -> None:
        super().__init__()
        self._text = stream
        self._bytes = getattr(stream, "buffer", None)
        self._pending = False
        self._closed = threading.Event()
        if self._bytes is not None:
            threading.Thread(target=self._flush_periodically, args=(flush_interval,), daemon=True).start()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record) + "\n"
            if self._bytes is None:
                self._text.write(line)
                self._text.flush()
                return
            self._bytes.write(line.encode())
            if record.levelno >= logging.WARNING:
                self._bytes.flush()
            else:
                self._pending = True
        except Exception:
            self.handleError(record)

    def flush(self) -> None:
        with self.lock:  # type: ignore[union-attr]
            self._pending = False
            (self._bytes or self._text).flush()

    def _flush_periodically(self, interval: float) -> None:
        while not self._closed.wait(interval):
            if self._pending:
                try:
                    self.flush()
                except (OSError, ValueError):  # the stream went away (closed at exit)
                    return

    def close(self) -> None:
        self._closed.set()
        super().close()


def configure_logging(service: str, level: str = "INFO") -> None:
    """Route every logger to stderr as JSON. Idempotent.

    Records skip what the JSON never shows (caller frame, thread and process names): the logging
    HOWTO's optimisations, which matter for the per-call access log.
    """
    logging._srcfile = None  # type: ignore[attr-defined]
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    handler = JsonLinesHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    for old in root.handlers:
        old.close()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("botocore", "aiobotocore", "urllib3", "asyncio"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
