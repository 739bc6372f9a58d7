"""`yousync-analysis-orchestrator [serve|migrate]`: migrate, then run the configured roles until SIGTERM."""

from __future__ import annotations

from yousync_analysis_orchestrator.server import MIGRATIONS, create
from yousync_analysis_orchestrator.settings import OrchestratorSettings
from yousync_platform.cli import serve_or_migrate, start
from yousync_platform.metrics import serve_metrics
from yousync_platform.migrations import upgrade
from yousync_platform.server import run_until_terminated


async def serve(settings: OrchestratorSettings) -> None:
    await upgrade(MIGRATIONS, settings.database_url.get_secret_value())
    orchestrator = await create(settings)
    serve_metrics(settings.metrics_host, settings.metrics_port)
    await run_until_terminated(
        orchestrator.server,
        resources=orchestrator.resources,
        grace_seconds=settings.grace_seconds,
        ready=orchestrator.start_workers,
    )


def main() -> None:
    settings = start("analysis_orchestrator", OrchestratorSettings)
    serve_or_migrate(
        "yousync-analysis-orchestrator",
        lambda: serve(settings),
        migrations=MIGRATIONS,
        database_url=settings.database_url.get_secret_value(),
    )


if __name__ == "__main__":
    main()
