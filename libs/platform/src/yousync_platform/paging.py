"""Pagination shared by every List RPC: page sizes and opaque keyset page tokens.

A token is base64url(JSON {"v": 1, "o": <order>, "f": <filter fingerprint>, "k": [<sort key of the
last item returned>]}). The next page is "rows strictly after that key in the order", so rows
inserted meanwhile never duplicate or shift rows already paged through. A token only works with the
filters and order it was issued for; anything else is INVALID_ARGUMENT.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from typing import Any

from yousync_platform.errors import InvalidArgument

_VERSION = 1
MAX_TOKEN_LENGTH = 512
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


def page_size(requested: int, default: int = DEFAULT_PAGE_SIZE) -> int:
    """0 means the default; more than the maximum is the maximum (AIP-158); negative is INVALID_ARGUMENT."""
    if requested < 0:
        raise InvalidArgument("INVALID_PAGE_SIZE", "page_size must not be negative")
    return min(requested or default, MAX_PAGE_SIZE)


def fingerprint(*parts: object) -> str:
    return hashlib.sha256(json.dumps(parts, default=str, sort_keys=True).encode()).hexdigest()[:16]


def encode(order: str, filters: str, key: list[Any]) -> str:
    raw = json.dumps({"v": _VERSION, "o": order, "f": filters, "k": key}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode(token: str, order: str, filters: str, types: tuple[type, ...]) -> list[Any] | None:
    """The sort key carried by `token` (None for the first page); INVALID_ARGUMENT when it isn't ours."""
    if not token:
        return None
    bad = InvalidArgument("INVALID_PAGE_TOKEN", "page_token is malformed or was issued for another query")
    if len(token) > MAX_TOKEN_LENGTH:
        raise bad
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise bad from None
    if not isinstance(data, dict) or data.get("v") != _VERSION or data.get("o") != order or data.get("f") != filters:
        raise bad
    key = data.get("k")
    if not isinstance(key, list) or len(key) != len(types):
        raise bad
    for value, expected in zip(key, types, strict=True):
        if not isinstance(value, expected) or isinstance(value, bool):
            raise bad
    return key
