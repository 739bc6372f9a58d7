"""`yousync-gateway`: serve the HTTP API with uvicorn until SIGTERM."""

from __future__ import annotations

import uvicorn

from yousync_gateway.app import create_app
from yousync_gateway.settings import GatewaySettings
from yousync_platform.cli import start


def main() -> None:
    settings = start("gateway", GatewaySettings)
    uvicorn.run(
        create_app(settings),
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        timeout_graceful_shutdown=int(settings.grace_seconds),
        proxy_headers=True,
        server_header=False,
    )


if __name__ == "__main__":
    main()
