"""`yousync-gateway`: serve the HTTP API with uvicorn until SIGTERM."""

from __future__ import annotations

import os
import shutil
import tempfile

import uvicorn
from fastapi import FastAPI
from uvicorn.supervisors import Multiprocess

from yousync_gateway.app import create_app
from yousync_gateway.metrics import MetricsServer
from yousync_gateway.server import ServerLimits, WorkerHttpProtocol, uvicorn_config
from yousync_gateway.settings import GatewaySettings
from yousync_platform.cli import start
from yousync_platform.heap import settle_heap


def main() -> None:
    settings = start("gateway", GatewaySettings)
    if settings.workers > 1:
        # GATEWAY_WORKERS processes share the listening socket; each builds its own app (worker_app) and
        # writes its metrics to a shared folder that this process serves on the metrics port.
        metrics_dir = tempfile.mkdtemp(prefix="gateway-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
        metrics = MetricsServer.of_workers(settings.metrics_host, settings.metrics_port, metrics_dir)
        config = uvicorn_config(
            "yousync_gateway.__main__:worker_app",
            settings,
            factory=True,
            workers=settings.workers,
            http=WorkerHttpProtocol,
        )
        try:
            Multiprocess(config, sockets=[config.bind_socket()]).run()
        finally:
            metrics.close()
            shutil.rmtree(metrics_dir, ignore_errors=True)
    else:
        config = uvicorn_config(create_app(settings), settings)
        settle_heap()
        uvicorn.Server(config).run()


def worker_app() -> FastAPI:
    """The app of one worker process: settings and logging from the environment, as in main()."""
    settings = start("gateway", GatewaySettings)
    WorkerHttpProtocol.limits = ServerLimits.of(settings)
    # The main process serves the workers' metrics (see main); a worker binds no metrics port of its own.
    app = create_app(settings.model_copy(update={"metrics_port": 0}))
    settle_heap()
    return app


if __name__ == "__main__":
    main()
