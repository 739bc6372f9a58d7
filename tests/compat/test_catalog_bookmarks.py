"""Bookmarks of clips on /compat/api, as useBookmark and MyPage send them: the array shape, 201 / 409 /
404 / 422 on create, 204 on delete either way, 401 for a missing, `null` or forged token, and no
user ever seeing or touching another's bookmarks."""

from __future__ import annotations

import pytest

from tests.compat.conftest import BEARER_NULL, JSON, PREFIX
from tests.fixtures.suite import Gateway

BOOKMARKS = PREFIX + "/mypage/bookmarks"


async def test_bookmark_lifecycle(compat: Gateway, clips: dict[str, int]) -> None:
    alice = {**JSON, **(await compat.sign_in("compat-alice@example.com"))}
    clip_id = clips["compat-romance"]

    empty = await compat.http.get(BOOKMARKS, headers=alice)
    assert empty.status_code == 200 and empty.json() == []  # an array, never {"debug_info": ...}

    created = await compat.http.post(BOOKMARKS, headers=alice, json={"token_id": clip_id})
    assert created.status_code == 201, created.text
    assert created.json() == {"token_id": clip_id}
    again = await compat.http.post(BOOKMARKS, headers=alice, json={"token_id": clip_id})
    assert again.status_code == 409  # the frontend treats 409 as success
    other = clips["compat-duet-b"]
    assert (await compat.http.post(BOOKMARKS, headers=alice, json={"token_id": other})).status_code == 201

    listed = await compat.http.get(BOOKMARKS, headers=alice)
    assert listed.status_code == 200
    items = listed.json()
    assert [item["token_id"] for item in items] == [other, clip_id]  # newest first
    for item in items:
        assert isinstance(item["id"], int) and isinstance(item["token_id"], int)
        assert isinstance(item["created_at"], str)
        token = item["token"]
        assert token["id"] == item["token_id"]
        assert isinstance(token["token_name"], str) and isinstance(token["actor_name"], str)
        assert token["youtube_url"].startswith("https://www.youtube.com/watch?v=")
    assert items[1]["token"]["actor_name"] == "Kim Min Ji" and items[1]["token"]["category"] == "로맨스"

    deleted = await compat.http.delete(f"{BOOKMARKS}/{clip_id}", headers=alice)
    assert deleted.status_code == 204 and deleted.content == b""
    assert (await compat.http.delete(f"{BOOKMARKS}/{clip_id}", headers=alice)).status_code == 204
    assert [item["token_id"] for item in (await compat.http.get(BOOKMARKS, headers=alice)).json()] == [other]
    assert (await compat.http.delete(f"{BOOKMARKS}/{other}", headers=alice)).status_code == 204
    assert (await compat.http.get(BOOKMARKS, headers=alice)).json() == []


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"token_id": 0}, 422),
        ({"token_id": -1}, 422),
        ({"token_id": "abc"}, 422),
        ({}, 422),
        ({"token_id": 2**63}, 422),
        ({"token_id": 999999999}, 404),
    ],
)
async def test_bad_and_unknown_clips(compat: Gateway, body: dict[str, object], status: int) -> None:
    headers = {**JSON, **(await compat.sign_in("compat-bad@example.com"))}
    response = await compat.http.post(BOOKMARKS, headers=headers, json=body)
    assert response.status_code == status, response.text
    assert isinstance(response.json()["detail"], str)


@pytest.mark.parametrize("path", ["/abc", "/0", "/99999999999999999999"])
async def test_bad_ids_on_delete(compat: Gateway, path: str) -> None:
    headers = await compat.sign_in("compat-bad@example.com")
    assert (await compat.http.delete(BOOKMARKS + path, headers=headers)).status_code == 422


async def test_unknown_clip_delete_is_204(compat: Gateway) -> None:
    headers = await compat.sign_in("compat-bad@example.com")
    assert (await compat.http.delete(f"{BOOKMARKS}/999999999", headers=headers)).status_code == 204


@pytest.mark.parametrize(
    "headers",
    [{}, BEARER_NULL, {"Authorization": "Bearer undefined"}, {"Authorization": "Bearer a.b.c"}, {"Authorization": "x"}],
)
async def test_sign_in_required_401_never_403_or_500(
    compat: Gateway, clips: dict[str, int], headers: dict[str, str]
) -> None:
    clip_id = clips["compat-action"]
    for method, path, body in (
        ("GET", BOOKMARKS, None),
        ("POST", BOOKMARKS, {"token_id": clip_id}),
        ("DELETE", f"{BOOKMARKS}/{clip_id}", None),
    ):
        response = await compat.http.request(method, path, headers={**JSON, **headers}, json=body)
        assert response.status_code == 401, (method, headers, response.text)


async def test_a_forged_expired_token_is_401(compat: Gateway) -> None:
    import jwt

    await compat.sign_in("compat-expired@example.com")
    token = compat.sessions["compat-expired@example.com"]["access_token"]
    claims = jwt.decode(token, options={"verify_signature": False})
    claims["exp"] = 1  # re-signed with a key that is not ours: forged and expired
    forged = jwt.encode(claims, "not-our-key-but-long-enough-for-hs256-0123456789", algorithm="HS256")
    response = await compat.http.get(BOOKMARKS, headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401


async def test_bola_nobody_sees_or_touches_anothers_bookmarks(compat: Gateway, clips: dict[str, int]) -> None:
    alice = {**JSON, **(await compat.sign_in("compat-bola-alice@example.com"))}
    mallory = {**JSON, **(await compat.sign_in("compat-bola-mallory@example.com"))}
    clip_id = clips["compat-comedy"]
    assert (await compat.http.post(BOOKMARKS, headers=alice, json={"token_id": clip_id})).status_code == 201

    assert (await compat.http.get(BOOKMARKS, headers=mallory)).json() == []
    # Mallory's delete of the same clip id removes nothing of Alice's (204: "not bookmarked" for Mallory).
    assert (await compat.http.delete(f"{BOOKMARKS}/{clip_id}", headers=mallory)).status_code == 204
    alices = (await compat.http.get(BOOKMARKS, headers=alice)).json()
    assert [item["token_id"] for item in alices] == [clip_id]
    assert {item["user_id"] for item in alices} != set()
    # Bookmarking the same clip is Mallory's own bookmark, not a conflict with Alice's.
    assert (await compat.http.post(BOOKMARKS, headers=mallory, json={"token_id": clip_id})).status_code == 201
    mallorys = (await compat.http.get(BOOKMARKS, headers=mallory)).json()
    assert [item["token_id"] for item in mallorys] == [clip_id]
    assert mallorys[0]["id"] != alices[0]["id"] and mallorys[0]["user_id"] != alices[0]["user_id"]
    assert (await compat.http.delete(f"{BOOKMARKS}/{clip_id}", headers=alice)).status_code == 204
    assert [item["token_id"] for item in (await compat.http.get(BOOKMARKS, headers=mallory)).json()] == [clip_id]
    assert (await compat.http.delete(f"{BOOKMARKS}/{clip_id}", headers=mallory)).status_code == 204
