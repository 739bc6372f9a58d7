"""The caps that several services enforce, from one source: the defaults here, and one environment
variable each, read by every service that enforces the cap (deploy/k8s sets them once, in the
`yousync-caps` ConfigMap). A service-specific variable (e.g. ANALYZER_MAX_TAKE_BYTES) still wins."""

from __future__ import annotations

from pydantic import AliasChoices

# The largest take (bytes) the analyzer decodes; the orchestrator refuses bigger uploads at once.
MAX_TAKE_BYTES = 10 * 1024 * 1024
MAX_TAKE_BYTES_ENV = "YOUSYNC_MAX_TAKE_BYTES"
# The longest take (seconds) the analyzer analyses; the orchestrator refuses longer ones at upload when
# the container's header says how long it is.
MAX_TAKE_SECONDS = 60.0
MAX_TAKE_SECONDS_ENV = "YOUSYNC_MAX_TAKE_SECONDS"
# The completion webhook's body.
MAX_WEBHOOK_BODY_BYTES = 2 * 1024 * 1024
MAX_WEBHOOK_BODY_BYTES_ENV = "YOUSYNC_MAX_WEBHOOK_BODY_BYTES"
# What a multipart body may carry beyond its file (boundaries, part headers).
MULTIPART_OVERHEAD_BYTES = 64 * 1024


def shared(field: str, service_env: str, shared_env: str) -> AliasChoices:
    """Read a setting from its field name (constructor), the service's variable, then the shared one."""
    return AliasChoices(field, service_env, shared_env)
