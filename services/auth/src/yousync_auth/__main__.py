"""`yousync-auth [serve|migrate]`: migrate the schema, then serve until SIGTERM."""

from __future__ import annotations

from yousync_auth.server import MIGRATIONS, create_server
from yousync_auth.settings import AuthSettings
from yousync_platform.cli import serve_or_migrate, start
from yousync_platform.metrics import serve_metrics
from yousync_platform.migrations import upgrade
from yousync_platform.server import run_until_terminated


async def serve(settings: AuthSettings) -> None:
    await upgrade(MIGRATIONS, settings.database_url.get_secret_value())
    server, resources = await create_server(settings)
    serve_metrics(settings.metrics_host, settings.metrics_port)
    await run_until_terminated(server, resources=resources, grace_seconds=settings.grace_seconds)


def main() -> None:
    settings = start("auth", AuthSettings)
    serve_or_migrate(
        "yousync-auth",
        lambda: serve(settings),
        migrations=MIGRATIONS,
        database_url=settings.database_url.get_secret_value(),
    )


if __name__ == "__main__":
    main()
