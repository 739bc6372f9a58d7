"""Server-sent events framing (the WHATWG `text/event-stream` format)."""

from __future__ import annotations

import json
from typing import Any


def event(data: dict[str, Any], *, event_id: int | None = None, retry_ms: int | None = None) -> bytes:
    """One unnamed event (delivered to `EventSource.onmessage`) whose data is one line of JSON."""
    lines = []
    if retry_ms is not None:
        lines.append(f"retry: {retry_ms}")
    if event_id is not None:
        lines.append(f"id: {event_id}")
    # json.dumps escapes control characters, so the payload is a single line.
    lines.append("data: " + json.dumps(data, separators=(",", ":"), ensure_ascii=False))
    return ("\n".join(lines) + "\n\n").encode()


def comment(text: str = "keep-alive") -> bytes:
    return f": {text}\n\n".encode()


def parse_last_event_id(value: str | None) -> int:
    """The sequence to resume after; anything unusable means from the start."""
    if not value:
        return 0
    try:
        sequence = int(value.strip())
    except ValueError:
        return 0
    return sequence if 0 <= sequence < 2**62 else 0
