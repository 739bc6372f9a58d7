"""Helpers of the compat tests of sessions, analysis, my page, synthesis and requests (F2's half)."""

from __future__ import annotations

from typing import Any

from tests.fixtures.suite import Gateway, take
from tests.gateway.conftest import read_sse

BASE = "/compat/api"
PAYLOAD_KEYS = {"job_id", "status", "progress", "message", "result"}

__all__ = ["BASE", "PAYLOAD_KEYS", "Gateway", "bearer", "read_sse", "take", "upload"]


def bearer(token: str | None) -> dict[str, str]:
    """The frontend's explicit header (`Bearer null` when logged out)."""
    return {"Authorization": f"Bearer {token}"}


async def upload(gateway: Gateway, headers: dict[str, str], line_id: int, data: bytes) -> dict[str, Any]:
    """The frontend's exact upload: one part `file`, named `script_{id}.wav`, typed audio/wav."""
    response = await gateway.http.post(
        f"{BASE}/scripts/{line_id}/upload-audio",
        headers=headers,
        files={"file": (f"script_{line_id}.wav", data, "audio/wav")},
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["status"] == "processing" and isinstance(body["message"], str)
    assert isinstance(body["job_id"], str) and body["job_id"]
    return body


async def analysed(gateway: Gateway, headers: dict[str, str], line_id: int, data: bytes) -> dict[str, Any]:
    """Upload as the frontend does and follow its credential-less stream to the end; the last event."""
    job_id = (await upload(gateway, headers, line_id, data))["job_id"]
    stream = await read_sse(gateway.http, f"{BASE}/scripts/analysis-progress/{job_id}")
    assert stream.status == 200 and stream.events, stream.body
    final: dict[str, Any] = stream.events[-1].data
    assert final["status"] == "completed", final
    return final
