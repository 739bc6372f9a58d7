"""The orchestrator's schema: takes, jobs, results and the outbox."""
