"""`yousync-analysis-orchestrator`: migrate, then run the configured roles until SIGTERM."""

from __future__ import annotations

import asyncio
import signal

from yousync_platform.logging import configure_logging
from yousync_platform.metrics import serve_metrics
from yousync_platform.migrations import upgrade
from yousync_platform.server import run_until_terminated
from yousync_platform.settings import load_settings

from yousync_analysis_orchestrator.server import MIGRATIONS, create
from yousync_analysis_orchestrator.settings import OrchestratorSettings


async def serve(settings: OrchestratorSettings) -> None:
    await upgrade(MIGRATIONS, settings.database_url.get_secret_value())
    orchestrator = await create(settings)
    serve_metrics(settings.metrics_host, settings.metrics_port)
    if orchestrator.server is not None:
        await run_until_terminated(
            orchestrator.server,
            resources=orchestrator.resources,
            grace_seconds=settings.grace_seconds,
            ready=orchestrator.start_workers,
        )
        return
    # Workers only (relay and/or dispatcher): run until SIGTERM, then close everything.
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with orchestrator.resources:
        await orchestrator.start_workers()
        await stop.wait()


def main() -> None:
    configure_logging("analysis_orchestrator")
    settings = load_settings(OrchestratorSettings)
    configure_logging("analysis_orchestrator", settings.log_level)
    asyncio.run(serve(settings))


if __name__ == "__main__":
    main()
