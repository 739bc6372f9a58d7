"""The original frontend's my page: the overview's exact fields (clip-level, with actor_name and
youtube_url; the average on the 0-100 scale it prints), a clip's per-line analysis status without
duplication, and BOLA."""

from __future__ import annotations

from tests.compat.f2_helpers import BASE, Gateway, analysed, bearer, take


async def _clip_of(gateway: Gateway, line_id: int) -> dict:  # type: ignore[type-arg]
    token = (await gateway.http.get(f"/api/tokens/{line_id}")).json()
    script = (await gateway.http.get(f"/api/scripts/{token['script_id']}")).json()
    return script  # type: ignore[no-any-return]


async def test_overview_and_analysis_status(gateway: Gateway, lines: dict[str, int]) -> None:
    headers = await gateway.sign_in("compat-mypage@example.com")
    frankly, offer = lines["frankly"], lines["offer"]
    clip = await _clip_of(gateway, frankly)
    first = await analysed(gateway, headers, frankly, take("frankly", "good.wav"))
    await analysed(gateway, headers, offer, take("offer", "good.wav"))
    latest = await analysed(gateway, headers, frankly, take("frankly", "good.wav"))  # a second take of a line
    for line_id in (frankly, offer):  # two line bookmarks of one clip: one clip bookmark
        created = await gateway.http.post("/api/mypage/bookmarks", headers=headers, json={"token_id": line_id})
        assert created.status_code == 201

    response = await gateway.http.get(f"{BASE}/mypage/overview", headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    user = body["user_info"]
    assert user["email"] == "compat-mypage@example.com" and isinstance(user["full_name"], str)
    assert isinstance(user["profile_picture"], str)
    assert body["total_practice_count"] == 3
    assert body["total_dubbed_tokens"] == 1
    api = (await gateway.http.get("/api/mypage/overview", headers=headers)).json()
    assert body["average_completion_rate"] == round(api["overall"]["average"], 2)
    assert 1 < body["average_completion_rate"] <= 100, "printed with a '%': the 0-100 scale"
    assert body["total_bookmarks"] == 1 and len(body["recent_bookmarks"]) == 1
    bookmark = body["recent_bookmarks"][0]
    assert bookmark["id"] == clip["id"] and bookmark["token"]["id"] == clip["id"]
    assert bookmark["token"]["token_name"] == clip["title"] == "Famous lines"
    assert bookmark["token"]["actor_name"] == clip["actors"][0]["name"]
    assert bookmark["token"]["youtube_url"] == clip["source_video_url"]
    assert isinstance(bookmark["token"]["thumbnail_url"], str)
    [dubbed] = body["recent_dubbed_tokens"]
    assert dubbed["token_id"] == clip["id"] and dubbed["token_name"] == "Famous lines"
    assert dubbed["actor_name"] == clip["actors"][0]["name"] and dubbed["actor_name"]
    assert dubbed["youtube_url"] == clip["source_video_url"]
    assert dubbed["completed_scripts"] == 2 and dubbed["total_scripts"] == len(clip["tokens"])

    status = await gateway.http.get(f"{BASE}/mypage/tokens/{clip['id']}/analysis-status", headers=headers)
    assert status.status_code == 200, status.text
    st = status.json()
    assert st["token_id"] == clip["id"] and st["has_analysis"] is True
    entries = st["script_results"]
    assert [e["script_id"] for e in entries] == [t["id"] for t in clip["tokens"]], "one entry per line, in order"
    by_line = {e["script_id"]: e for e in entries}
    assert by_line[frankly]["has_result"] and by_line[offer]["has_result"]
    assert by_line[frankly]["job_id"] == latest["job_id"] != first["job_id"], "the latest take of the line"
    assert by_line[frankly]["result"]["result"] == latest["result"]["result"]
    words = by_line[frankly]["result"]["result"]["word_analysis"]
    assert isinstance(words, list) and words
    for line_id, entry in by_line.items():
        if line_id not in (frankly, offer):
            assert entry["has_result"] is False and entry["result"] is None and entry["job_id"] is None

    # BOLA: another user sees none of these takes; nobody without a token sees anything.
    other = await gateway.sign_in("compat-mypage-other@example.com")
    theirs = (await gateway.http.get(f"{BASE}/mypage/tokens/{clip['id']}/analysis-status", headers=other)).json()
    assert theirs["has_analysis"] is False and not any(e["has_result"] for e in theirs["script_results"])
    theirs_overview = (await gateway.http.get(f"{BASE}/mypage/overview", headers=other)).json()
    assert theirs_overview["total_practice_count"] == 0 and theirs_overview["recent_dubbed_tokens"] == []
    for no_auth in ({}, bearer(None)):
        assert (await gateway.http.get(f"{BASE}/mypage/overview", headers=no_auth)).status_code == 401
        path = f"{BASE}/mypage/tokens/{clip['id']}/analysis-status"
        assert (await gateway.http.get(path, headers=no_auth)).status_code == 401


async def test_analysis_status_bad_ids(gateway: Gateway) -> None:
    headers = await gateway.sign_in("compat-mypage-bad@example.com")
    assert (
        await gateway.http.get(f"{BASE}/mypage/tokens/99999999/analysis-status", headers=headers)
    ).status_code == 404
    for bad in ("0", "-3", "abc", "1.5"):
        response = await gateway.http.get(f"{BASE}/mypage/tokens/{bad}/analysis-status", headers=headers)
        assert response.status_code in (400, 422), bad
