"""Alembic environment of the analysis schema."""

from yousync_analysis_orchestrator.db.models import AnalysisBase
from yousync_platform.migrations import run_env

run_env(AnalysisBase.metadata)
