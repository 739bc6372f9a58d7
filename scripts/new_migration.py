"""Autogenerate an Alembic revision for one service against a throwaway local PostgreSQL.

Usage: new_migration.py <service package, e.g. yousync_auth> "<message>"
"""

from __future__ import annotations

import asyncio
import importlib
import os
import sys
import tempfile
from pathlib import Path

from alembic import command

from yousync_dev.embedded.postgres import LocalPostgres
from yousync_platform.migrations import alembic_config, upgrade


def main() -> None:
    package, message = sys.argv[1], sys.argv[2]
    migrations = Path(importlib.import_module(package).__file__ or "").parent / "migrations"
    with tempfile.TemporaryDirectory() as tmp:
        os.chmod(tmp, 0o755)  # noqa: S103 - PostgreSQL runs unprivileged when we are root
        server = LocalPostgres(Path(tmp) / "pg")
        server.start()
        try:
            if any((migrations / "versions").glob("*.py")):
                asyncio.run(upgrade(migrations, server.url))
            command.revision(alembic_config(migrations, server.url), message=message, autogenerate=True)
        finally:
            server.stop()


if __name__ == "__main__":
    main()
