"""The original frontend's catalog reads on /compat/api, each sent exactly as the frontend sends it
(method, path with its trailing slash, headers), asserting every field it reads, with its type."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest

from tests.compat.conftest import BEARER_NULL, GENRES, JSON, PREFIX
from tests.fixtures.suite import Gateway

YOUTUBE = "https://www.youtube.com/watch?v="
CLIP_FIELDS = {
    "id": int,
    "token_name": str,
    "actor_name": str,
    "start_time": float,
    "end_time": float,
    "youtube_url": str,
    "view_count": int,
}


def assert_clip(item: dict[str, Any]) -> None:
    """Every field a list view, the detail modal or the actor page reads, with its type."""
    for name, kind in CLIP_FIELDS.items():
        assert isinstance(item[name], kind), (name, item)
    assert item["category"] is None or isinstance(item["category"], str)
    for name in ("s3_bgvoice_url", "thumbnail_url"):
        assert item[name] is None or isinstance(item[name], str)
    assert item["end_time"] >= item["start_time"] >= 0


async def _get(compat: Gateway, path: str, **kw: Any) -> Any:
    response = await compat.http.get(PREFIX + path, **kw)
    assert response.status_code == 200, (path, response.status_code, response.text)
    return response.json()


async def test_home_lists(compat: Gateway, clips: dict[str, int]) -> None:
    everything = await _get(compat, "/tokens/", timeout=10)
    assert isinstance(everything, list)
    by_id = {item["id"]: item for item in everything}
    assert set(clips.values()) <= set(by_id)  # every clip: the detail modal only looks here
    for item in everything:
        assert_clip(item)
    romance = by_id[clips["compat-romance"]]
    assert romance["token_name"] == "Compat romance scene"
    assert romance["actor_name"] == "Kim Min Ji"
    assert romance["category"] == "로맨스"
    assert romance["youtube_url"] == YOUTUBE + "cmpRomance1"
    assert romance["start_time"] == pytest.approx(12.0)
    assert romance["end_time"] == pytest.approx(14.7)

    for path in ("/tokens/popular/", "/tokens/latest/"):
        listed = await _get(compat, path)
        assert set(clips.values()) <= {item["id"] for item in listed}
        for item in listed:
            assert_clip(item)
    latest = [item["id"] for item in await _get(compat, "/tokens/latest/") if item["id"] in clips.values()]
    assert latest == sorted(latest, reverse=True)  # imported together: newest id first

    collection = await _get(compat, "/tokens/sync-collection/")
    assert {item["id"] for item in collection} == {
        clips["compat-romance"],
        clips["compat-comedy"],
        clips["compat-duet-a"],
    }
    assert (await compat.http.get(PREFIX + "/tokens/", follow_redirects=False)).status_code == 200
    assert (await compat.http.get(PREFIX + "/tokens", follow_redirects=False)).status_code == 200


@pytest.mark.parametrize("genre", GENRES)
async def test_category_rows(compat: Gateway, clips: dict[str, int], genre: str) -> None:
    # The browser percent-encodes the Korean literal as UTF-8.
    listed = await _get(compat, f"/tokens/category/{quote(genre)}/")
    assert listed, genre
    for item in listed:
        assert_clip(item)
        assert item["category"] == genre
    mine = {item["id"] for item in listed} & set(clips.values())
    assert mine, genre


async def test_clip_detail_is_token_detail_on_the_video_timeline(compat: Gateway, clips: dict[str, int]) -> None:
    clip_id = clips["compat-romance"]
    detail = await _get(compat, f"/tokens/{clip_id}")  # SSR: no auth
    assert_clip(detail)
    assert detail["id"] == clip_id
    assert detail["token_name"] == "Compat romance scene" and detail["actor_name"] == "Kim Min Ji"
    assert detail["category"] == "로맨스"
    assert detail["youtube_url"] == YOUTUBE + "cmpRomance1"
    assert detail["youtube_url"].split("v=")[1] == "cmpRomance1"  # what the dubbing player does
    assert (detail["start_time"], detail["end_time"]) == (pytest.approx(12.0), pytest.approx(14.7))

    assert isinstance(detail["bgvoice_url"], str) and detail["bgvoice_url"]
    background = await compat.http.get(detail["bgvoice_url"])
    assert background.status_code == 200 and background.content[:4] == b"RIFF"

    pitch = detail["pitch"]
    assert isinstance(pitch, list) and pitch
    assert all(isinstance(p["time"], float) and (p["hz"] is None or isinstance(p["hz"], float)) for p in pitch)
    voiced = [p for p in pitch if p["hz"]]
    assert voiced and all(200 < p["hz"] < 320 for p in voiced)  # the high voice, 210-290 Hz
    assert pitch[0]["time"] >= 12.0 and pitch[-1]["time"] <= 14.7
    assert [p["time"] for p in pitch] == sorted(p["time"] for p in pitch)

    lines = detail["scripts"]
    assert [line["script"] for line in lines] == ["I never thought I'd see you here.", "Then stay a little longer."]
    assert [line["translation"] for line in lines] == ["여기서 널 보게 될 줄은 몰랐어.", "그럼 조금만 더 있어."]
    assert [(line["start_time"], line["end_time"]) for line in lines] == [
        (pytest.approx(12.0), pytest.approx(13.2)),
        (pytest.approx(13.5), pytest.approx(14.7)),
    ]
    word_ids: set[int] = set()
    for line in lines:
        assert isinstance(line["id"], int) and line["token_id"] == clip_id
        assert line["words"]
        for word in line["words"]:
            assert isinstance(word["id"], int) and word["script_id"] == line["id"]
            assert isinstance(word["word"], str) and word["word"]
            assert isinstance(word["probability"], float) and 0 <= word["probability"] <= 1
            assert line["start_time"] <= word["start_time"] < word["end_time"] <= line["end_time"] + 0.05
            word_ids.add(word["id"])
        starts = [w["start_time"] for w in line["words"]]
        assert starts == sorted(starts)
    assert len(word_ids) == sum(len(line["words"]) for line in lines)
    first = lines[0]["words"][0]
    assert first["word"] == "I"
    assert (first["start_time"], first["probability"]) == (pytest.approx(12.05), pytest.approx(0.99))
    assert lines[1]["words"][0]["probability"] == 1.0  # no confidence in the manifest: hand-aligned

    # A scene's line ids are what the upload path takes: the /api line behind one answers the same text.
    line = await compat.http.get(f"/api/tokens/{lines[0]['id']}")
    assert line.status_code == 200 and line.json()["text"] == lines[0]["script"]


async def test_clip_without_background_or_pitch_fields_still_typed(compat: Gateway, clips: dict[str, int]) -> None:
    detail = await _get(compat, f"/tokens/{clips['compat-drama']}")
    assert detail["bgvoice_url"] is None and detail["s3_bgvoice_url"] is None
    assert isinstance(detail["pitch"], list)
    assert [line["start_time"] for line in detail["scripts"]] == [pytest.approx(7.0), pytest.approx(8.5)]


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/tokens/999999999", 404),
        ("/tokens/abc", 422),
        ("/tokens/0", 422),
        ("/tokens/-3", 422),
        ("/tokens/99999999999999999999", 422),
        ("/tokens/1.5", 422),
    ],
)
async def test_bad_and_unknown_clip_ids(compat: Gateway, path: str, status: int) -> None:
    response = await compat.http.get(PREFIX + path)
    assert response.status_code == status, response.text
    assert isinstance(response.json()["detail"], str)


async def test_view_counts_a_clip(compat: Gateway, clips: dict[str, int]) -> None:
    clip_id = clips["compat-fantasy"]
    detail = await _get(compat, f"/tokens/{clip_id}")
    before = detail["view_count"]
    line_url = f"/api/tokens/{detail['scripts'][0]['id']}"
    line_views = (await compat.http.get(line_url)).json()["view_count"]
    # Signed out: the axios instance sends no Authorization header.
    first = await compat.http.post(f"{PREFIX}/tokens/{clip_id}/view", headers=JSON)
    assert first.status_code == 200, first.text
    assert first.json() == {"token_id": clip_id, "view_count": before + 1}
    signed_in = {**JSON, **(await compat.sign_in("viewer@example.com"))}
    second = await compat.http.post(f"{PREFIX}/tokens/{clip_id}/view", headers=signed_in)
    assert second.status_code == 200 and second.json()["view_count"] == before + 2
    # A clip view is not a line view.
    assert (await compat.http.get(line_url)).json()["view_count"] == line_views
    null = await compat.http.post(f"{PREFIX}/tokens/{clip_id}/view", headers={**JSON, **BEARER_NULL})
    assert null.status_code == 401
    garbage = await compat.http.post(f"{PREFIX}/tokens/{clip_id}/view", headers={"Authorization": "Bearer x.y.z"})
    assert garbage.status_code == 401
    assert (await compat.http.post(f"{PREFIX}/tokens/999999999/view", headers=JSON)).status_code == 404
    assert (await compat.http.post(f"{PREFIX}/tokens/abc/view", headers=JSON)).status_code == 422


async def test_actor_search_and_actor_page(compat: Gateway, clips: dict[str, int]) -> None:
    hits = await _get(compat, f"/actors/search/{quote('kim')}", timeout=5)
    assert isinstance(hits, list)
    assert all(set(h) == {"id", "name"} and isinstance(h["id"], int) and isinstance(h["name"], str) for h in hits)
    assert "Kim Min Ji" in {h["name"] for h in hits}
    assert "Kim Min Ji" in {h["name"] for h in await _get(compat, f"/actors/search/{quote('김민지')}")}
    assert "Park Ji Hoon" in {h["name"] for h in await _get(compat, f"/actors/search/{quote('jihoon')}")}
    assert (await compat.http.get(f"{PREFIX}/actors/search/k")).status_code == 422

    # MovieDetailModal links to /actor/{name without whitespace}; the page calls /actors/{that}, unencoded.
    page = await _get(compat, "/actors/KimMinJi")
    assert {clips["compat-romance"], clips["compat-duet-a"]} <= {item["id"] for item in page}
    for item in page:
        assert_clip(item)
        assert item["actor_name"] == "Kim Min Ji"
    with_spaces = await _get(compat, "/actors/Kim Min Ji")
    assert {item["id"] for item in with_spaces} == {item["id"] for item in page}
    assert await _get(compat, "/actors/NobodyAtAll") == []


async def test_duet_scenes(compat: Gateway, clips: dict[str, int]) -> None:
    scenes = await _get(compat, "/duet/scenes")
    assert isinstance(scenes, list)
    ours = [s for s in scenes if s["youtube_url"] == YOUTUBE + "cmpDuet0001"]
    assert len(ours) == 1
    scene = ours[0]
    assert scene["scene_title"] == "Compat duet scene"
    pair = scene["duet_pair"]
    assert [item["id"] for item in pair] == [clips["compat-duet-a"], clips["compat-duet-b"]]
    assert [item["actor_name"] for item in pair] == ["Kim Min Ji", "Park Ji Hoon"]
    for item in pair:
        assert_clip(item)
        assert item["youtube_url"].split("v=")[1] == "cmpDuet0001"
        assert item["category"] == "로맨스"
    # getDuetTokenDetail: both clips' lines merged by start_time alternate between the two actors.
    details = [await _get(compat, f"/tokens/{item['id']}") for item in pair]
    merged = sorted(
        ((line["start_time"], detail["id"]) for detail in details for line in detail["scripts"]),
        key=lambda x: x[0],
    )
    assert [owner for _, owner in merged] == [pair[0]["id"], pair[1]["id"]] * 2


async def test_url_search(compat: Gateway, clips: dict[str, int]) -> None:
    url = YOUTUBE + "cmpDuet0001"
    found = await _get(compat, "/urls/tokens", params={"youtube_url": url})
    assert {item["id"] for item in found} == {clips["compat-duet-a"], clips["compat-duet-b"]}
    for item in found:
        assert_clip(item)
        assert item["youtube_url"] == url
    unknown = await compat.http.get(PREFIX + "/urls/tokens", params={"youtube_url": YOUTUBE + "zzzzzzzzzzz"})
    assert unknown.status_code == 404
    assert (await compat.http.get(PREFIX + "/urls/tokens")).status_code == 422


async def test_cors_preflight_from_the_frontend(compat: Gateway) -> None:
    response = await compat.http.options(
        PREFIX + "/mypage/bookmarks",
        headers={
            "Origin": "http://localhost:3000",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "http://localhost:3000"


@pytest.mark.parametrize("path", ["/tokens/popular/", "/tokens/latest/", "/duet/scenes"])
async def test_public_reads_share_the_gateways_http_caching(compat: Gateway, clips: dict[str, int], path: str) -> None:
    """The compatibility reads are public reads like the /api ones they wrap: one mechanism, so the same
    strong ETag, 304 and public Cache-Control, answered from the gateway's one response cache."""
    first = await compat.http.get(PREFIX + path, headers=BEARER_NULL)
    assert first.status_code == 200, first.text
    assert first.headers["cache-control"].startswith("public"), first.headers
    etag = first.headers["etag"]
    assert etag.startswith('"'), etag  # strong
    again = await compat.http.get(PREFIX + path, headers={"If-None-Match": etag})
    assert again.status_code == 304, again.status_code
    assert again.headers["etag"] == etag
    same = await compat.http.get(PREFIX + path)
    assert same.status_code == 200 and same.json() == first.json()
