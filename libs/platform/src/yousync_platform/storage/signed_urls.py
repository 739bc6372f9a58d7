"""HMAC-signed URLs for blobs served by our own gateway (the filesystem store's "presigned" URLs).

URL: `<base>/<key>?expires=<unix seconds>&signature=<base64url HMAC-SHA256>`, where the MAC covers
`v1\\n<key>\\n<expires>` under a shared secret. The catalog signs; the gateway verifies with
`UrlSigner.verify` (constant-time compare, expiry checked, key validated) and then streams the file
from the same filesystem store. Both read the secret from `BLOB_URL_SECRET`.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import time
from urllib.parse import parse_qs, quote, unquote, urlsplit

from yousync_platform.errors import PermissionDenied
from yousync_platform.storage.base import SignedUrl, validate_key

_VERSION = b"v1"
# A URL valid for longer than this is refused at signing time (and at verification).
MAX_LIFETIME = dt.timedelta(days=7)


class InvalidSignature(PermissionDenied):
    def __init__(self, reason: str, message: str) -> None:
        super().__init__(reason, message)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class UrlSigner:
    """Signs and verifies blob URLs under `base_url` (e.g. `/api/blobs` or `https://host/api/blobs`)."""

    def __init__(self, secret: bytes, base_url: str = "/api/blobs") -> None:
        if len(secret) < 16:
            raise ValueError("the URL signing secret must have at least 16 bytes")
        self._secret = secret
        self.base_url = base_url.rstrip("/")
        self.base_path = urlsplit(self.base_url).path.rstrip("/")

    def _mac(self, key: str, expires: int) -> str:
        message = b"\n".join([_VERSION, key.encode(), str(expires).encode()])
        return _b64(hmac.new(self._secret, message, hashlib.sha256).digest())

    def sign(self, key: str, *, expires_in: dt.timedelta, now: float | None = None) -> SignedUrl:
        validate_key(key)
        if expires_in <= dt.timedelta(0) or expires_in > MAX_LIFETIME:
            raise ValueError("expires_in must be positive and at most 7 days")
        expires = int((time.time() if now is None else now) + expires_in.total_seconds())
        url = f"{self.base_url}/{quote(key, safe='/')}?expires={expires}&signature={self._mac(key, expires)}"
        return SignedUrl(url=url, expires_at=dt.datetime.fromtimestamp(expires, dt.UTC))

    def verify(self, key: str, expires: str, signature: str, *, now: float | None = None) -> str:
        """The key when the signature is valid and unexpired; InvalidSignature (PERMISSION_DENIED) otherwise."""
        try:
            validate_key(key)
            expires_at = int(expires)
        except Exception:
            raise InvalidSignature("INVALID_SIGNED_URL", "malformed signed URL") from None
        expected = self._mac(key, expires_at)
        if not hmac.compare_digest(expected.encode(), signature.encode()):
            raise InvalidSignature("INVALID_SIGNATURE", "signature does not match")
        current = time.time() if now is None else now
        if expires_at < current:
            raise InvalidSignature("SIGNED_URL_EXPIRED", "signed URL expired")
        if expires_at > current + MAX_LIFETIME.total_seconds() + 60:
            raise InvalidSignature("INVALID_SIGNED_URL", "signed URL lifetime too long")
        return key

    def verify_url(self, path_and_query: str, *, now: float | None = None) -> str:
        """Verify a request target such as `/api/blobs/a/b.ogg?expires=..&signature=..`; returns the key."""
        parts = urlsplit(path_and_query)
        prefix = self.base_path + "/"
        if not parts.path.startswith(prefix):
            raise InvalidSignature("INVALID_SIGNED_URL", "not a blob URL")
        query = parse_qs(parts.query, strict_parsing=False)
        expires = query.get("expires", [""])
        signature = query.get("signature", [""])
        if len(expires) != 1 or len(signature) != 1 or not expires[0] or not signature[0]:
            raise InvalidSignature("INVALID_SIGNED_URL", "malformed signed URL")
        return self.verify(unquote(parts.path[len(prefix) :]), expires[0], signature[0], now=now)
