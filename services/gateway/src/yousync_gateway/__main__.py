"""`yousync-gateway`: serve the HTTP API with uvicorn until SIGTERM."""

from __future__ import annotations

import uvicorn
from fastapi import FastAPI
from uvicorn.supervisors import Multiprocess

from yousync_gateway.app import create_app
from yousync_gateway.server import ServerLimits, WorkerHttpProtocol, uvicorn_config
from yousync_gateway.settings import GatewaySettings
from yousync_platform.cli import start


def main() -> None:
    settings = start("gateway", GatewaySettings)
    if settings.workers > 1:
        # GATEWAY_WORKERS processes share the listening socket; each builds its own app (worker_app).
        config = uvicorn_config(
            "yousync_gateway.__main__:worker_app",
            settings,
            factory=True,
            workers=settings.workers,
            http=WorkerHttpProtocol,
        )
        Multiprocess(config, sockets=[config.bind_socket()]).run()
    else:
        uvicorn.Server(uvicorn_config(create_app(settings), settings)).run()


def worker_app() -> FastAPI:
    """The app of one worker process: settings and logging from the environment, as in main()."""
    settings = start("gateway", GatewaySettings)
    WorkerHttpProtocol.limits = ServerLimits.of(settings)
    return create_app(settings)


if __name__ == "__main__":
    main()
