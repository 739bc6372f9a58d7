"""`yousync-gateway`: serve the HTTP API with uvicorn until SIGTERM."""

from __future__ import annotations

import uvicorn

from yousync_gateway.app import create_app
from yousync_gateway.server import uvicorn_config
from yousync_gateway.settings import GatewaySettings
from yousync_platform.cli import start


def main() -> None:
    settings = start("gateway", GatewaySettings)
    uvicorn.Server(uvicorn_config(create_app(settings), settings)).run()


if __name__ == "__main__":
    main()
