"""Alembic environment of the auth schema."""

from yousync_auth.db.models import AuthBase
from yousync_platform.migrations import run_env

run_env(AuthBase.metadata)
