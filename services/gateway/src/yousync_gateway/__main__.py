"""`yousync-gateway`: serve the HTTP API with uvicorn until SIGTERM."""

from __future__ import annotations

from typing import Any

import uvicorn
from fastapi import FastAPI

from yousync_gateway.app import create_app
from yousync_gateway.settings import GatewaySettings
from yousync_platform.cli import start


def main() -> None:
    settings = start("gateway", GatewaySettings)
    options: dict[str, Any] = {
        "host": settings.http_host,
        "port": settings.http_port,
        "log_config": None,
        "timeout_graceful_shutdown": int(settings.grace_seconds),
        "proxy_headers": True,
        "server_header": False,
    }
    if settings.workers > 1:
        # GATEWAY_WORKERS processes share the listening socket; each builds its own app (worker_app).
        uvicorn.run("yousync_gateway.__main__:worker_app", factory=True, workers=settings.workers, **options)
    else:
        uvicorn.run(create_app(settings), **options)


def worker_app() -> FastAPI:
    """The app of one worker process: settings and logging from the environment, as in main()."""
    return create_app(start("gateway", GatewaySettings))


if __name__ == "__main__":
    main()
