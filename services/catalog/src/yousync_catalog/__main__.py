"""`yousync-catalog [serve]`: migrate, then serve until SIGTERM. `yousync-catalog import PATH`: load a catalog.

Settings come from the environment (CATALOG_*, blob storage from BLOB_*). The import exits 2 with one
line per problem (file and entry named) when the manifest or its audio is invalid; the database is
then unchanged.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from contextlib import AsyncExitStack
from pathlib import Path

from yousync_catalog.importer import ImportFailed, ImportReport, import_catalog
from yousync_catalog.server import MIGRATIONS, build_service, create_server
from yousync_catalog.settings import CatalogSettings
from yousync_platform.cli import start
from yousync_platform.metrics import serve_metrics
from yousync_platform.migrations import upgrade
from yousync_platform.server import run_until_terminated


async def serve(settings: CatalogSettings) -> None:
    await upgrade(MIGRATIONS, settings.database_url.get_secret_value())
    server, resources = await create_server(settings)
    serve_metrics(settings.metrics_host, settings.metrics_port)
    await run_until_terminated(server, resources=resources, grace_seconds=settings.grace_seconds)


async def run_import(settings: CatalogSettings, path: Path, *, progress: bool) -> ImportReport:
    """Through the catalog service, as an edit would be (a running server sees it once its caches expire)."""
    await upgrade(MIGRATIONS, settings.database_url.get_secret_value())
    async with AsyncExitStack() as resources:
        service = await build_service(settings.model_copy(update={"db_pool_size": 2}), resources)
        return await import_catalog(path, service, progress=progress)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="yousync-catalog", description=__doc__.split("\n", 1)[0])
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("serve", help="migrate, then serve gRPC until SIGTERM (the default)")
    commands.add_parser("migrate", help="migrate the catalog schema to head and exit")
    importing = commands.add_parser("import", help="import a catalog folder (manifest + audio)")
    importing.add_argument("path", type=Path, help="catalog folder, or its manifest file")
    importing.add_argument("--no-progress", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)

    settings = start("catalog", CatalogSettings)
    if args.command == "migrate":
        asyncio.run(upgrade(MIGRATIONS, settings.database_url.get_secret_value()))
    elif args.command == "import":
        try:
            report = asyncio.run(run_import(settings, args.path, progress=not args.no_progress))
        except ImportFailed as failed:
            print(f"import failed, nothing was changed ({len(failed.problems)} problem(s)):", file=sys.stderr)
            for problem in failed.problems:
                print(f"  {problem}", file=sys.stderr)
            raise SystemExit(2) from None
        print(
            f"imported {report.scripts} scripts, {report.tokens} lines, {report.actors} actors "
            f"({report.removed_tokens} lines removed, {report.uploaded_blobs} audio files uploaded)"
        )
    else:
        asyncio.run(serve(settings))


if __name__ == "__main__":
    main()
