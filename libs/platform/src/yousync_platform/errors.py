"""Domain errors: each carries a status code and a machine reason (UPPER_SNAKE).

Domain code raises these; the server's call pipeline turns them into `google.rpc.Status` with an
`ErrorInfo`, and the gateway maps the code to an HTTP status once. No grpc import here.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping


class Code(enum.Enum):
    """The subset of gRPC status codes domain code may use (names match grpc.StatusCode)."""

    INVALID_ARGUMENT = "INVALID_ARGUMENT"
    NOT_FOUND = "NOT_FOUND"
    ALREADY_EXISTS = "ALREADY_EXISTS"
    PERMISSION_DENIED = "PERMISSION_DENIED"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FAILED_PRECONDITION = "FAILED_PRECONDITION"
    RESOURCE_EXHAUSTED = "RESOURCE_EXHAUSTED"
    UNAVAILABLE = "UNAVAILABLE"
    ABORTED = "ABORTED"
    DEADLINE_EXCEEDED = "DEADLINE_EXCEEDED"
    OUT_OF_RANGE = "OUT_OF_RANGE"
    INTERNAL = "INTERNAL"


class DomainError(Exception):
    """An error the caller should see, with a stable machine reason and a safe message."""

    code: Code = Code.INTERNAL

    def __init__(self, reason: str, message: str, metadata: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.metadata: dict[str, str] = dict(metadata or {})


class InvalidArgument(DomainError):
    code = Code.INVALID_ARGUMENT


class NotFound(DomainError):
    code = Code.NOT_FOUND


class AlreadyExists(DomainError):
    code = Code.ALREADY_EXISTS


class PermissionDenied(DomainError):
    code = Code.PERMISSION_DENIED


class Unauthenticated(DomainError):
    code = Code.UNAUTHENTICATED


class FailedPrecondition(DomainError):
    code = Code.FAILED_PRECONDITION


class ResourceExhausted(DomainError):
    code = Code.RESOURCE_EXHAUSTED


class Unavailable(DomainError):
    code = Code.UNAVAILABLE


class Aborted(DomainError):
    code = Code.ABORTED
