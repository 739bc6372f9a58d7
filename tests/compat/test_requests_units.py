"""Video-request validation (pure): required fields, limits, only http(s) URLs, no control characters."""

from __future__ import annotations

import pytest

from yousync_catalog.requests.domain import MAX_ACTOR, MAX_CONTENT, MAX_URL, validate
from yousync_platform.errors import InvalidArgument


def test_valid_request_is_trimmed() -> None:
    new = validate("  Heath Ledger ", "Why so serious", " https://www.youtube.com/watch?v=abc ", "Jo\nker")
    assert (new.actor, new.url, new.requester_name) == ("Heath Ledger", "https://www.youtube.com/watch?v=abc", "Jo ker")


@pytest.mark.parametrize(
    ("actor", "content", "url"),
    [
        ("", "", "https://a.b"),
        ("A", "", ""),
        ("A", "", "ftp://a.b/x"),
        ("A", "", "javascript:alert(1)"),
        ("A", "", "https://"),
        ("A", "", "https://a.b/has space"),
        ("A", "", "https://a.b/" + "x" * MAX_URL),
        ("A" * (MAX_ACTOR + 1), "", "https://a.b"),
        ("A", "x" * (MAX_CONTENT + 1), "https://a.b"),
        ("A\x00", "", "https://a.b"),
    ],
)
def test_invalid_requests(actor: str, content: str, url: str) -> None:
    with pytest.raises(InvalidArgument):
        validate(actor, content, url, "")
