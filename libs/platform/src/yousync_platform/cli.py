"""What every service's `__main__` does first, and the `serve | migrate` command line they share."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

from yousync_platform.grpc_write_fix import install as install_grpc_write_fix
from yousync_platform.logging import configure_logging
from yousync_platform.migrations import upgrade
from yousync_platform.settings import ServiceSettings, load_settings
from yousync_platform.telemetry import configure_tracing

S = TypeVar("S", bound=ServiceSettings)


def start(service: str, settings_class: type[S]) -> S:
    """JSON logs from the first line, then the settings (validated: a bad value exits with a clear
    message, secrets never printed), then the configured log level; tracing from the `OTEL_*` variables
    (`yousync_platform.telemetry`, off unless an exporter is named); and the grpc.aio fix every
    service's streaming clients need (`yousync_platform.grpc_write_fix`)."""
    install_grpc_write_fix()
    configure_logging(service)
    settings = load_settings(settings_class)
    configure_logging(service, settings.log_level)
    configure_tracing(service)
    return settings


def serve_or_migrate(
    prog: str, serve: Callable[[], Coroutine[Any, Any, None]], *, migrations: Path, database_url: str
) -> None:
    """`<prog> [serve]` serves until SIGTERM; `<prog> migrate` migrates the schema to head and exits."""
    command = sys.argv[1] if len(sys.argv) > 1 else "serve"
    if command == "migrate":
        asyncio.run(upgrade(migrations, database_url))
    elif command == "serve":
        asyncio.run(serve())
    else:
        raise SystemExit(f"usage: {prog} [serve|migrate], not {command!r}")
