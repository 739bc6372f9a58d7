"""The original frontend's whole signed-in journey on /compat/api, with its exact requests: Google
login → me → upload a take (field `file`) → progress stream without any credential → result poll →
my page → synthesize and listen → file a video request → logout (the session can't be refreshed)."""

from __future__ import annotations

import io
import wave

import httpx
import jwt

from tests.compat.f2_helpers import BASE, PAYLOAD_KEYS, Gateway, bearer, read_sse, take, upload
from yousync_dev.fake_google import FakeGoogle


async def test_frontend_journey(gateway: Gateway, lines: dict[str, int], fake_google: FakeGoogle) -> None:
    http = gateway.http
    # Login page: the GIS credential exchanged; a stale token in localStorage rides along and is ignored.
    login = await http.post(
        f"{BASE}/auth/google-login",
        json={"id_token": fake_google.mint(sub="journey-1", email="journey@example.com", name="Journey")},
        headers={"Authorization": "Bearer null", "Content-Type": "application/json"},
    )
    assert login.status_code == 200, login.text
    token = login.json()["access_token"]
    auth = bearer(token)
    me = (await http.get(f"{BASE}/auth/me", headers=auth)).json()
    assert me["email"] == "journey@example.com" and me["full_name"] == "Journey"

    # Dubbing page: record a line, upload it as the recorder does, watch it, poll it.
    line_id = lines["frankly"]
    job_id = (await upload(gateway, auth, line_id, take("frankly", "good.wav")))["job_id"]
    stream = await read_sse(http, f"{BASE}/scripts/analysis-progress/{job_id}")
    assert stream.status == 200 and all(set(e.data) == PAYLOAD_KEYS for e in stream.events)
    final = stream.events[-1].data
    assert final["status"] == "completed" and final["result"]["result"]["word_analysis"]
    polled = await http.get(f"{BASE}/tokens/analysis-result/{job_id}/", headers=auth)
    assert polled.status_code == 200 and polled.json()["status"] == "completed"
    clip_id = polled.json()["token_id"]

    # My page.
    overview = (await http.get(f"{BASE}/mypage/overview", headers=auth)).json()
    assert overview["user_info"]["email"] == "journey@example.com"
    assert overview["total_practice_count"] == 1 and overview["total_dubbed_tokens"] == 1
    assert [d["token_id"] for d in overview["recent_dubbed_tokens"]] == [clip_id]
    status = (await http.get(f"{BASE}/mypage/tokens/{clip_id}/analysis-status", headers=auth)).json()
    assert [e["script_id"] for e in status["script_results"] if e["has_result"]] == [line_id]

    # Listen to my dub (DubbingListenModal, then MypageListenModal).
    synthesized = await http.post(f"{BASE}/synthesize/{clip_id}", headers=auth, json={})
    assert synthesized.status_code == 200, synthesized.text
    assert synthesized.json()["status"] == "success"
    latest = await http.get(f"{BASE}/tokens/{clip_id}/latest-dubbing/", headers=auth)
    assert latest.status_code == 200
    async with httpx.AsyncClient(timeout=30) as plain:
        audio = await plain.get(latest.json()["url"])
    assert audio.status_code == 200
    with wave.open(io.BytesIO(audio.content)) as w:
        assert w.getnframes() > 0 and w.getnchannels() == 1

    # Upload-request page.
    filed = await http.post(
        f"{BASE}/request/",
        headers=auth,
        json={"actor": "Clark Gable", "content": "Gone with the Wind", "url": "https://www.youtube.com/watch?v=abc"},
    )
    assert filed.status_code == 200 and filed.json()["id"] >= 1
    board = (await http.get(f"{BASE}/request/all", headers=auth)).json()
    assert any(r["id"] == filed.json()["id"] and r["requester"] == "Journey" for r in board)

    # Logout: the session is over; the frontend's refresh with that token fails.
    assert (await http.post(f"{BASE}/auth/logout", headers=auth)).status_code == 200
    refreshed = await http.post(f"{BASE}/auth/refresh", headers=auth)
    assert refreshed.status_code == 401 and refreshed.json()["code"] == "SESSION_REVOKED"
    assert jwt.decode(token, options={"verify_signature": False})["sid"]
