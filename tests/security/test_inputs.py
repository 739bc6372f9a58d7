"""Issue 13 item 2 and the parsing items of 11: control characters anywhere in the input are a 4xx at
the edge (never a 502 from PostgreSQL), and a refused upload does not use up the upload window."""

from __future__ import annotations

import json
from typing import Any

from tests.fixtures.suite import Gateway, dispatcher_paused, gateway_settings, running_gateway, take


def multipart_raw(filename: bytes, content_type: bytes, data: bytes) -> tuple[bytes, dict[str, str]]:
    """A multipart body built by hand: clients (httpx too) escape control characters in file names."""
    boundary = b"----yousync-security-boundary"
    body = (
        b"--" + boundary + b"\r\n"
        b'Content-Disposition: form-data; name="audio_file"; filename="' + filename + b'"\r\n'
        b"Content-Type: " + content_type + b"\r\n\r\n" + data + b"\r\n--" + boundary + b"--\r\n"
    )
    return body, {"content-type": f"multipart/form-data; boundary={boundary.decode()}"}


def assert_refused(response: Any, *statuses: int) -> None:
    assert response.status_code in statuses, (response.status_code, response.text)
    body = response.json()
    assert set(body) >= {"detail", "code"}, body


async def test_nul_in_dev_sign_in_is_422(gateway: Gateway) -> None:
    for payload in (
        {"email": "a\u0000b@example.com"},
        {"email": "nul@example.com", "display_name": "N\u0000L"},
        {"email": "ctl@example.com", "display_name": "bell\u0007"},
    ):
        response = await gateway.http.post("/api/auth/dev", json=payload)
        assert_refused(response, 422)
        assert response.json()["code"] == "CONTROL_CHARACTERS"
    # Escaped backslashes are text, not a control character; tab and newline are ordinary whitespace.
    ok = await gateway.http.post("/api/auth/dev", json={"email": "esc@example.com", "display_name": "a\\u0000b"})
    assert ok.status_code == 200, ok.text
    assert ok.json()["user"]["display_name"] == "a\\u0000b"


async def test_nul_in_any_json_body_is_refused_before_any_backend(gateway: Gateway) -> None:
    auth = await gateway.sign_in("json-nul@example.com")
    cases = [
        ("POST", "/api/auth/refresh", {"refresh_token": "x\u0000y"}),
        ("POST", "/api/auth/logout", {"refresh_token": "\u0000"}),
        ("POST", "/api/auth/google", {"id_token": "a.b\u0000.c"}),
        ("POST", "/api/mypage/bookmarks", {"token_id": 1, "note": "\u0000"}),
    ]
    for method, path, payload in cases:
        response = await gateway.http.request(method, path, json=payload, headers=auth)
        assert_refused(response, 422)
        assert response.json()["code"] == "CONTROL_CHARACTERS", path
    # The same bytes in a raw (invalid) JSON body are a plain validation error, never 5xx.
    raw = await gateway.http.post(
        "/api/auth/refresh", content=b'{"refresh_token": "a\x00b"}', headers={"content-type": "application/json"}
    )
    assert_refused(raw, 400, 422)


async def test_percent_encoded_control_characters_in_paths_and_queries(gateway: Gateway) -> None:
    auth = await gateway.sign_in("url-nul@example.com")
    for path in (
        "/api/scripts?q=%00",
        "/api/actors?q=a%00b",
        "/api/scripts?category=%0a",
        "/api/tokens/analysis-result/job%00id",
        "/api/scripts/category/drama%00",
        "/api/mypage/takes?page_token=%00",
    ):
        response = await gateway.http.get(path, headers=auth)
        assert_refused(response, 422)


async def test_control_characters_in_multipart_headers_are_400(gateway: Gateway, lines: dict[str, int]) -> None:
    auth = await gateway.sign_in("multipart-nul@example.com")
    url = f"/api/tokens/{lines['force']}/upload-audio"
    for filename, content_type in (
        (b"a\x00b.wav", b"audio/wav"),
        (b"take.wav", b"audio/wav\x00"),
        (b"take\x1b[31m.wav", b"audio/wav"),
    ):
        body, headers = multipart_raw(filename, content_type, take("force"))
        response = await gateway.http.post(url, content=body, headers={**auth, **headers})
        assert_refused(response, 400)
        assert response.json()["code"] == "INVALID_PART_HEADER"


async def test_a_refused_upload_is_refunded_from_the_window(
    gateway: Gateway, lines: dict[str, int], blob_root: object
) -> None:
    """With one upload a minute, a refused upload (NUL in the file name) leaves the window open."""
    settings = gateway_settings(gateway.flow, blob_root, uploads_per_minute=1, metrics_port=0)
    async with running_gateway(gateway.flow, settings) as strict:
        auth = await strict.sign_in("refund@example.com")
        url = f"/api/tokens/{lines['force']}/upload-audio"
        body, headers = multipart_raw(b"a\x00b.wav", b"audio/wav", take("force"))
        for _ in range(3):
            assert_refused(await strict.http.post(url, content=body, headers={**auth, **headers}), 400)
        async with dispatcher_paused(gateway.flow):
            body, headers = multipart_raw(b"take.wav", b"audio/wav", take("force"))
            accepted = await strict.http.post(url, content=body, headers={**auth, **headers})
            assert accepted.status_code == 202, accepted.text
            again = await strict.http.post(url, content=body, headers={**auth, **headers})
            assert_refused(again, 429)
            assert int(again.headers["retry-after"]) >= 1


async def test_no_5xx_for_hostile_text_anywhere(gateway: Gateway) -> None:
    """A small corpus of hostile strings through every text-taking JSON field and query parameter."""
    auth = await gateway.sign_in("hostile@example.com")
    corpus = [
        "\u0000",
        "\ud800",  # a lone surrogate (json.dumps writes it escaped)
        "' OR 1=1 --",
        "%00",
        "../../etc/passwd",
        "\u202e\u0301" * 50,
        "a" * 5000,
        "\\",
        '{"$gt": ""}',
    ]
    for text in corpus:
        encoded = json.dumps({"email": f"{text}@example.com", "display_name": text}).encode()
        for path, body in (
            ("/api/auth/dev", encoded),
            ("/api/auth/refresh", json.dumps({"refresh_token": text}).encode()),
            ("/api/auth/google", json.dumps({"id_token": text}).encode()),
        ):
            response = await gateway.http.post(path, content=body, headers={"content-type": "application/json"})
            assert response.status_code < 500, (path, text[:20], response.status_code, response.text)
        if "\ud800" in text:
            continue  # not encodable in a URL by any client
        for path in ("/api/scripts", "/api/actors"):
            response = await gateway.http.get(path, params={"q": text}, headers=auth)
            assert response.status_code < 500, (path, text[:20], response.status_code, response.text)
