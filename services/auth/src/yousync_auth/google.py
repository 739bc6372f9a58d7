"""Verification of Google ID tokens with google-auth, against Google's certificates (URL configurable).

Certificates are cached for their Cache-Control max-age and refetched when a token names an unknown
key. Every failure is UNAUTHENTICATED with a reason; nothing else leaks.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Sequence
from typing import Any

import httpx
from google.auth import exceptions as google_exceptions
from google.auth import jwt as google_jwt

from yousync_auth.domain import GoogleIdentity
from yousync_platform.errors import Unauthenticated

GOOGLE_ISSUERS = frozenset({"accounts.google.com", "https://accounts.google.com"})
_MAX_AGE = re.compile(r"max-age=(\d+)")


class GoogleIdTokenVerifier:
    def __init__(
        self,
        *,
        certs_url: str,
        client_ids: Sequence[str],
        hosted_domain: str = "",
        http: httpx.AsyncClient,
        clock_skew_seconds: int = 10,
    ) -> None:
        self._certs_url = certs_url
        self._client_ids = list(client_ids)
        self._hosted_domain = hosted_domain
        self._http = http
        self._skew = clock_skew_seconds
        self._certs: dict[str, str] = {}
        self._expires = 0.0
        self._lock = asyncio.Lock()

    async def _certificates(self, kid: str) -> dict[str, str]:
        if kid in self._certs and time.monotonic() < self._expires:
            return self._certs
        async with self._lock:
            if kid in self._certs and time.monotonic() < self._expires:
                return self._certs
            try:
                response = await self._http.get(self._certs_url, timeout=5.0)
                response.raise_for_status()
                certs = response.json()
            except (httpx.HTTPError, ValueError):
                if self._certs:
                    return self._certs
                raise Unauthenticated("GOOGLE_CERTS_UNAVAILABLE", "cannot verify Google sign-in right now") from None
            match = _MAX_AGE.search(response.headers.get("cache-control", ""))
            self._certs = {str(k): str(v) for k, v in certs.items()}
            self._expires = time.monotonic() + (int(match.group(1)) if match else 300)
            return self._certs

    async def verify(self, id_token: str) -> GoogleIdentity:
        if not self._client_ids:
            raise Unauthenticated("GOOGLE_SIGN_IN_DISABLED", "Google sign-in is not configured")
        if not id_token or len(id_token) > 8192:
            raise Unauthenticated("INVALID_ID_TOKEN", "invalid Google ID token")
        try:
            header = google_jwt.decode_header(id_token)
        except (ValueError, TypeError):
            raise Unauthenticated("INVALID_ID_TOKEN", "invalid Google ID token") from None
        if header.get("alg") != "RS256":
            raise Unauthenticated("UNSUPPORTED_ALGORITHM", "Google ID tokens must be RS256")
        kid = header.get("kid")
        if not isinstance(kid, str):
            raise Unauthenticated("INVALID_ID_TOKEN", "invalid Google ID token")
        certs = await self._certificates(kid)
        if kid not in certs:
            raise Unauthenticated("UNKNOWN_KEY_ID", "Google ID token signed by an unknown key")
        try:
            claims: dict[str, Any] = google_jwt.decode(
                id_token, certs={kid: certs[kid]}, audience=self._client_ids, clock_skew_in_seconds=self._skew
            )
        except (ValueError, google_exceptions.GoogleAuthError) as exc:
            reason = "ID_TOKEN_EXPIRED" if "expired" in str(exc).lower() else "INVALID_ID_TOKEN"
            raise Unauthenticated(reason, "invalid Google ID token") from None
        if claims.get("iss") not in GOOGLE_ISSUERS:
            raise Unauthenticated("WRONG_ISSUER", "ID token not issued by Google")
        if self._hosted_domain and claims.get("hd") != self._hosted_domain:
            raise Unauthenticated("WRONG_HOSTED_DOMAIN", "account not in the allowed domain")
        email = claims.get("email")
        if not claims.get("sub") or not isinstance(email, str) or not email:
            raise Unauthenticated("INVALID_ID_TOKEN", "ID token carries no subject or e-mail")
        return GoogleIdentity(
            subject=str(claims["sub"]),
            email=email.lower(),
            email_verified=bool(claims.get("email_verified")),
            name=str(claims.get("name", "")),
            picture=str(claims.get("picture", "")),
        )
