"""Response headers every browser-facing answer carries, and CORS refusals in the error shape.

* `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer`, `X-Frame-Options: DENY` everywhere.
* A Content-Security-Policy by path: API answers (JSON, event streams, blobs) get `API_CSP`, which allows
  nothing; the interactive docs get `DOCS_CSP` (Swagger UI / ReDoc from their CDN); anything else, i.e. the
  web console served at `/`, gets `CONSOLE_CSP` (its own scripts plus Google Identity Services). A route
  that sets its own CSP keeps it.
* `Cache-Control: no-store` on every answer to an authenticated request (an `Authorization` header or a
  stream ticket) and on every answer that hands out tokens (`TOKEN_PATHS`), unless the route chose
  an explicit policy itself (the blob route's signed URLs keep `private, max-age=60`; the catalog's public
  reads, the same for everyone, keep `public, ...`).
"""

from __future__ import annotations

from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

API_CSP = "default-src 'none'; frame-ancestors 'none'"
DOCS_CSP = (
    "default-src 'none'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
    "font-src https://fonts.gstatic.com; img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly; "
    "worker-src blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'"
)
# The web console (HTML served at non-API paths): its own bundle, Google Identity Services for sign-in,
# Google profile pictures, recorded takes as blob:/data: URLs.
# Audio plays from this origin, blob:/data: URLs, and the blob stores' origins (`media_origins`: presigned
# S3 URLs or the catalog's signed URLs when they live elsewhere).
CONSOLE_CSP = (
    "default-src 'self'; script-src 'self' https://accounts.google.com/gsi/client; "
    "style-src 'self' 'unsafe-inline' https://accounts.google.com/gsi/style; "
    "frame-src https://accounts.google.com/gsi/; connect-src 'self' https://accounts.google.com/gsi/; "
    "img-src 'self' data: blob: https://*.googleusercontent.com; media-src 'self' blob: data:{media}; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
API_PREFIXES = ("/api/", "/healthz", "/readyz", "/metrics", "/openapi.json", "/v1/", "/compat/")
DOCS_PATHS = ("/docs", "/docs/oauth2-redirect", "/redoc")
# Answers that carry access or refresh tokens, or stream tickets.
TOKEN_PATHS = (
    "/api/auth/google",
    "/api/auth/google-login",
    "/api/auth/dev",
    "/api/auth/refresh",
    "/compat/api/auth/google-login",
    "/compat/api/auth/refresh",
)
TICKET_SUFFIX = "/ticket"

_ALWAYS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
)


def console_csp(media_origins: tuple[str, ...] = ()) -> str:
    return CONSOLE_CSP.format(media="".join(f" {origin}" for origin in media_origins))


def csp_for(path: str, console: str | None = None) -> str:
    if path == "/api" or path.startswith(API_PREFIXES):
        return API_CSP
    if path in DOCS_PATHS:
        return DOCS_CSP
    return console if console is not None else console_csp()


def authenticated(scope: Scope) -> bool:
    """The request carries a credential: an `Authorization` header or a stream ticket."""
    if b"ticket=" in scope.get("query_string", b""):
        return True
    return any(key == b"authorization" for key, _ in scope["headers"])


class SecurityHeaders:
    def __init__(self, app: ASGIApp, media_origins: tuple[str, ...] = ()) -> None:
        self.app = app
        self.console_csp = console_csp(media_origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        csp = csp_for(path, self.console_csp).encode()
        no_store = authenticated(scope) or path.rstrip("/") in TOKEN_PATHS or path.rstrip("/").endswith(TICKET_SUFFIX)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for key, value in _ALWAYS:
                    if key.decode() not in headers:
                        headers.append(key.decode(), value.decode())
                if "content-security-policy" not in headers:
                    headers.append("Content-Security-Policy", csp.decode())
                if no_store:
                    current = headers.get("cache-control", "")
                    # A route that declared its answer the same for everyone (`public`: the catalog's reads)
                    # or private to this user keeps its policy; token answers never are either.
                    if not any(word in current for word in ("no-store", "private", "public")):
                        headers["Cache-Control"] = "no-store"
                    if not any(word in current for word in ("private", "public")):
                        headers["Pragma"] = "no-cache"
            await send(message)

        await self.app(scope, receive, send_with_headers)


class JsonCors(CORSMiddleware):
    """Starlette's CORS, but a refused preflight is a 403 in the `{detail, code}` shape, not text/plain."""

    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code < 400:
            return response
        reason = bytes(response.body).decode(errors="replace").strip() or "CORS preflight refused"
        refused = JSONResponse({"detail": reason, "code": "CORS_REFUSED"}, status_code=403)
        for key in ("vary",):
            if key in response.headers:
                refused.headers[key] = response.headers[key]
        return refused
