"""Alembic environment of the catalog schema."""

from yousync_catalog.db.models import CatalogBase
from yousync_platform.migrations import run_env

run_env(CatalogBase.metadata)
