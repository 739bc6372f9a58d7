"""Proofs for the job-capability path (a job's id is the capability for its own progress stream).

The gateway and the orchestrator share a secret; the gateway sends, per request, a proof bound to the
one job it asks for. The orchestrator recomputes it. The secret itself never travels, and a proof
opens only its job, which its id already names.
"""

from __future__ import annotations

import hashlib
import hmac

_CONTEXT = b"yousync-job-capability-v1:"
MIN_SECRET_BYTES = 16


def proof(secret: bytes, job_id: str) -> str:
    return hmac.new(secret, _CONTEXT + job_id.encode(), hashlib.sha256).hexdigest()


def verify(secret: bytes, job_id: str, presented: str) -> bool:
    """True when `presented` is the proof for `job_id` under `secret` (constant time); False when disabled."""
    if len(secret) < MIN_SECRET_BYTES or not presented or len(presented) > 128:
        return False
    return hmac.compare_digest(proof(secret, job_id), presented)
