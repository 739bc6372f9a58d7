"""YouSync analysis_orchestrator service."""
