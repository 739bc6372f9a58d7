"""`yousync-auth [serve|migrate]`: migrate the schema, then serve until SIGTERM."""

from __future__ import annotations

import asyncio
import sys

from yousync_auth.server import MIGRATIONS, create_server
from yousync_auth.settings import AuthSettings
from yousync_platform.logging import configure_logging
from yousync_platform.metrics import serve_metrics
from yousync_platform.migrations import upgrade
from yousync_platform.server import run_until_terminated
from yousync_platform.settings import load_settings


async def serve(settings: AuthSettings) -> None:
    await upgrade(MIGRATIONS, settings.database_url.get_secret_value())
    server, resources = await create_server(settings)
    serve_metrics(settings.metrics_host, settings.metrics_port)
    await run_until_terminated(server, resources=resources, grace_seconds=settings.grace_seconds)


def main() -> None:
    configure_logging("auth")
    settings = load_settings(AuthSettings)
    configure_logging("auth", settings.log_level)
    command = sys.argv[1] if len(sys.argv) > 1 else "serve"
    if command == "migrate":
        asyncio.run(upgrade(MIGRATIONS, settings.database_url.get_secret_value()))
    elif command == "serve":
        asyncio.run(serve(settings))
    else:
        raise SystemExit(f"usage: yousync-auth [serve|migrate], not {command!r}")


if __name__ == "__main__":
    main()
