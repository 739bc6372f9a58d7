"""`yousync-analysis-orchestrator [serve|migrate]`: migrate, then run the configured roles until SIGTERM."""

from __future__ import annotations

import asyncio
import sys

from yousync_analysis_orchestrator.server import MIGRATIONS, create
from yousync_analysis_orchestrator.settings import OrchestratorSettings
from yousync_platform.logging import configure_logging
from yousync_platform.metrics import serve_metrics
from yousync_platform.migrations import upgrade
from yousync_platform.server import run_until_terminated
from yousync_platform.settings import load_settings


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
    configure_logging("analysis_orchestrator")
    settings = load_settings(OrchestratorSettings)
    configure_logging("analysis_orchestrator", settings.log_level)
    command = sys.argv[1] if len(sys.argv) > 1 else "serve"
    if command == "migrate":
        asyncio.run(upgrade(MIGRATIONS, settings.database_url.get_secret_value()))
    elif command == "serve":
        asyncio.run(serve(settings))
    else:
        raise SystemExit(f"usage: yousync-analysis-orchestrator [serve|migrate], not {command!r}")


if __name__ == "__main__":
    main()
