"""Per-call context carried in contextvars: the request id and the authenticated principal."""

from __future__ import annotations

import random
from contextvars import ContextVar
from dataclasses import dataclass, field

from yousync_platform.errors import Unauthenticated

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
principal_var: ContextVar[Principal | None] = ContextVar("principal", default=None)


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling, as proven by a verified access token."""

    subject: str
    roles: frozenset[str] = field(default_factory=frozenset)
    email: str = ""

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles


def new_request_id() -> str:
    """32 random hex digits, for correlation only (not a secret).

    From `random`, not `os.urandom`: a getrandom syscall per call releases the GIL, and at thousands
    of calls/s handing the GIL to gRPC's threads and back cost more than the rest of the pipeline.
    """
    return f"{random.getrandbits(128):032x}"


def current_request_id() -> str | None:
    return request_id_var.get()


def current_principal() -> Principal | None:
    return principal_var.get()


def require_principal() -> Principal:
    """The caller, or UNAUTHENTICATED when the call carried no access token."""
    principal = principal_var.get()
    if principal is None:
        raise Unauthenticated("AUTHENTICATION_REQUIRED", "sign-in required")
    return principal
