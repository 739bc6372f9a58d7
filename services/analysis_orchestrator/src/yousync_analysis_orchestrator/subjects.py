"""JetStream names of the analysis flow (stream ANALYSIS holds every `analysis.>` subject)."""

STREAM = "ANALYSIS"
STREAM_SUBJECTS = ["analysis.>"]
DISPATCH = "analysis.jobs.dispatch"
TAKE_COMPLETED = "analysis.events.take_completed"
DISPATCHER_DURABLE = "dispatcher"


def job_events(job_id: str) -> str:
    """Per-job progress events (protobuf JobEvent), in sequence order."""
    return f"analysis.job.{job_id}.events"
