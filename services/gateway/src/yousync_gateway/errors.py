"""One error shape for every HTTP error, `{"detail": str, "code": str}`, and the ONE mapping from gRPC
status codes (plus the `ErrorInfo` reason) to HTTP statuses.

A client's mistake is never a 5xx: validation problems are 400/422, bad credentials 401, someone
else's or a missing resource 404, limits 429 with `Retry-After`. 5xx means a service is down (503),
too slow (504) or broken (502), and the body never carries internals.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import grpc
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from yousync_platform.client import error_details
from yousync_platform.errors import DomainError

log = logging.getLogger(__name__)


class ErrorBody(BaseModel):
    """Every error response has this shape."""

    detail: str = Field(description="Human-readable message, safe to show.")
    code: str = Field(description="Machine reason in UPPER_SNAKE (the service's ErrorInfo reason when there is one).")


STATUS_OF_CODE: dict[grpc.StatusCode, int] = {
    grpc.StatusCode.INVALID_ARGUMENT: 400,
    grpc.StatusCode.OUT_OF_RANGE: 400,
    grpc.StatusCode.UNAUTHENTICATED: 401,
    grpc.StatusCode.PERMISSION_DENIED: 403,
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.ALREADY_EXISTS: 409,
    grpc.StatusCode.FAILED_PRECONDITION: 409,
    grpc.StatusCode.ABORTED: 409,
    grpc.StatusCode.RESOURCE_EXHAUSTED: 429,
    grpc.StatusCode.CANCELLED: 503,
    grpc.StatusCode.UNAVAILABLE: 503,
    grpc.StatusCode.DEADLINE_EXCEEDED: 504,
    grpc.StatusCode.UNIMPLEMENTED: 501,
    grpc.StatusCode.INTERNAL: 502,
    grpc.StatusCode.UNKNOWN: 502,
    grpc.StatusCode.DATA_LOSS: 502,
}
# Reasons whose meaning is more precise than their code's status.
STATUS_OF_REASON: dict[str, int] = {
    "TAKE_TOO_LARGE": 413,
    "TOO_LARGE": 413,
    "TOO_LONG": 413,
    "PAYLOAD_TOO_LARGE": 413,
    "UPLOAD_TOO_LARGE": 413,
    "UNSUPPORTED_FORMAT": 415,
    "UNSUPPORTED_MEDIA_TYPE": 415,
    "PRECONDITION_FAILED": 412,
    "BODY_TOO_LARGE": 413,
}
GENERIC_DETAIL: dict[int, str] = {
    502: "a backend service failed",
    503: "a backend service is unavailable; try again shortly",
    504: "a backend service did not answer in time",
    501: "not implemented",
}
STATUS_CODE_NAMES: dict[int, str] = {
    400: "BAD_REQUEST",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
    412: "PRECONDITION_FAILED",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    422: "VALIDATION_ERROR",
    429: "RATE_LIMITED",
    500: "INTERNAL",
    502: "BAD_GATEWAY",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}


class ApiError(Exception):
    """An HTTP error raised by gateway code itself."""

    def __init__(self, status: int, code: str, detail: str, *, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.headers = dict(headers or {})


def error_response(status: int, code: str, detail: str, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"detail": detail, "code": code}, status_code=status, headers=dict(headers or {}))


def from_grpc(error: grpc.aio.AioRpcError) -> ApiError:
    """THE mapping from a gRPC error to an HTTP error."""
    code = error.code()
    details = error_details(error)
    reason, metadata, retry = details.reason, details.metadata, details.retry_after_seconds
    status = STATUS_OF_REASON.get(reason) or STATUS_OF_CODE.get(code, 502)
    if status == 400 and code == grpc.StatusCode.INVALID_ARGUMENT and reason == "VALIDATION_ERROR":
        status = 422
    headers: dict[str, str] = {}
    if status == 429:
        seconds = retry
        if seconds is None:
            try:
                seconds = float(metadata.get("retry_after_seconds", "1"))
            except ValueError:
                seconds = 1.0
        headers["Retry-After"] = str(max(1, round(seconds)))
    elif status == 401:
        headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    if status >= 500:
        log.warning("backend error", extra={"grpc_code": code.name, "reason": reason, "grpc_detail": error.details()})
        detail = GENERIC_DETAIL.get(status, "a backend service failed")
        reason = reason if status in (503, 504) and reason else code.name
    else:
        detail = error.details() or STATUS_CODE_NAMES.get(status, "error")
        reason = reason or code.name
    return ApiError(status, reason, detail, headers=headers)


def from_domain(error: DomainError) -> ApiError:
    """A platform domain error raised inside the gateway (e.g. by the token verifier), mapped like gRPC."""
    code = grpc.StatusCode[error.code.value]
    status = STATUS_OF_REASON.get(error.reason) or STATUS_OF_CODE.get(code, 500)
    headers = {"WWW-Authenticate": 'Bearer error="invalid_token"'} if status == 401 else {}
    return ApiError(status, error.reason, error.message, headers=headers)


async def _api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.code, exc.detail, exc.headers)


async def _grpc_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, grpc.aio.AioRpcError)
    api = from_grpc(exc)
    return error_response(api.status, api.code, api.detail, api.headers)


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    api = from_domain(exc)
    return error_response(api.status, api.code, api.detail, api.headers)


def _location(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    first = errors[0] if errors else {}
    where = _location(tuple(first.get("loc", ())))
    detail = f"{where}: {first.get('msg', 'invalid')}" if where else str(first.get("msg", "invalid request"))
    body = {
        "detail": detail,
        "code": "VALIDATION_ERROR",
        "errors": [{"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", ""))} for e in errors],
    }
    return JSONResponse(body, status_code=422)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = STATUS_CODE_NAMES.get(exc.status_code, "HTTP_ERROR")
    detail = exc.detail if isinstance(exc.detail, str) else code.lower()
    if exc.status_code == 404 and detail == "Not Found":
        detail = "no such route"
    return error_response(exc.status_code, code, detail, exc.headers)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled error", exc_info=exc)
    return error_response(500, "INTERNAL", "internal error")


HANDLERS: dict[Any, Any] = {
    ApiError: _api_error,
    grpc.aio.AioRpcError: _grpc_error,
    DomainError: _domain_error,
    RequestValidationError: _validation_error,
    StarletteHTTPException: _http_error,
    Exception: _unexpected,
}

# For OpenAPI: the errors every route may answer, and the ones specific routes add.
COMMON_ERRORS: dict[int | str, dict[str, Any]] = {
    422: {"model": ErrorBody, "description": "Invalid path, query or body (`code` VALIDATION_ERROR)."},
    503: {"model": ErrorBody, "description": "A backend service is unavailable."},
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    descriptions = {
        400: "Invalid argument.",
        401: "Missing, malformed, expired or forged access token (or stream ticket).",
        403: "Not allowed (e.g. an invalid blob signature).",
        404: "Not found, or not yours.",
        409: "Conflicts with the current state.",
        412: "Precondition failed.",
        413: "Body over the size cap (sent as soon as the cap is exceeded).",
        415: "Audio format not supported.",
        429: "A per-user limit was hit; see `Retry-After`.",
    }
    out = dict(COMMON_ERRORS)
    for status in statuses:
        out[status] = {"model": ErrorBody, "description": descriptions.get(status, "Error.")}
    return out
