"""Stream tickets: how a browser's `EventSource` (which cannot send an Authorization header) is authorized.

A ticket is minted only for a caller who proved, with their access token, that a job is theirs (the
upload response carries one; `POST /api/tokens/analysis-progress/{job_id}/ticket` mints another). It is:

    "st1." + base64url(nonce ‖ AES-256-GCM(key, nonce, json{job, sub, exp, tok}, aad="st1:" + job))

- authenticated encryption (GCM's tag is the MAC): any change to the ticket fails verification;
- bound to ONE job (the job id is the associated data, and the stream route checks it against the path);
- short-lived: `exp` = min(now + ticket TTL, the access token's own expiry);
- sealed: the access token inside (which the gateway forwards to the orchestrator's `WatchJob`, so the
  orchestrator still checks the caller and ownership itself) is not readable from the URL, a log line
  or the browser history, and the ticket is useless for any other route or job.

The key is derived from `GATEWAY_STREAM_TICKET_SECRET`; every gateway replica must share it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import time
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from yousync_gateway.errors import ApiError

PREFIX = "st1."
_NONCE = 12
MAX_TICKET_CHARS = 8192


@dataclass(frozen=True, slots=True)
class StreamTicket:
    ticket: str
    job_id: str
    subject: str
    expires_at: float
    access_token: str


def _b64e(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _unauthorized(code: str, detail: str) -> ApiError:
    return ApiError(401, code, detail, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})


class TicketSealer:
    def __init__(self, secret: bytes, ttl_seconds: float) -> None:
        if len(secret) < 16:
            raise ValueError("the stream ticket secret must have at least 16 bytes")
        self._aead = AESGCM(hashlib.sha256(b"yousync-stream-ticket-v1\0" + secret).digest())
        self.ttl_seconds = ttl_seconds

    def mint(self, job_id: str, subject: str, access_token: str, token_expires_at: float) -> StreamTicket:
        expires_at = min(time.time() + self.ttl_seconds, token_expires_at)
        payload = json.dumps(
            {"job": job_id, "sub": subject, "exp": int(expires_at), "tok": access_token}, separators=(",", ":")
        ).encode()
        nonce = os.urandom(_NONCE)
        sealed = self._aead.encrypt(nonce, payload, f"st1:{job_id}".encode())
        ticket = PREFIX + _b64e(nonce + sealed)
        return StreamTicket(ticket, job_id, subject, int(expires_at), access_token)

    def open(self, ticket: str, job_id: str, *, now: float | None = None) -> StreamTicket:
        """The ticket's content when it is genuine, for this job, and unexpired; 401 otherwise."""
        if not ticket.startswith(PREFIX) or len(ticket) > MAX_TICKET_CHARS:
            raise _unauthorized("INVALID_STREAM_TICKET", "not a stream ticket")
        try:
            raw = _b64d(ticket[len(PREFIX) :])
            payload = json.loads(self._aead.decrypt(raw[:_NONCE], raw[_NONCE:], f"st1:{job_id}".encode()))
            expires_at = float(payload["exp"])
            subject, access_token = str(payload["sub"]), str(payload["tok"])
            if payload["job"] != job_id:
                raise ValueError("other job")
        except (InvalidTag, ValueError, KeyError, TypeError):
            raise _unauthorized("INVALID_STREAM_TICKET", "stream ticket invalid or for another job") from None
        if expires_at < (time.time() if now is None else now):
            raise _unauthorized("STREAM_TICKET_EXPIRED", "stream ticket expired; request a new one")
        return StreamTicket(ticket, job_id, subject, expires_at, access_token)
