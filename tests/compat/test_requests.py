"""The original frontend's video-request board: exact requests and fields, the rules (one pending
request per user; delete only your own rejected one; admins change statuses), BOLA, and a URL that is
stored and never fetched."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.auth.conftest import ADMIN_EMAIL
from tests.compat.f2_helpers import BASE, Gateway, bearer


@pytest.fixture
def canary() -> Iterator[dict[str, Any]]:
    """An HTTP server on 127.0.0.1 that counts every request it gets."""
    hits: dict[str, Any] = {"count": 0}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits["count"] += 1
            self.send_response(200)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    hits["url"] = f"http://127.0.0.1:{server.server_address[1]}/watch?v=canary"
    try:
        yield hits
    finally:
        server.shutdown()
        server.server_close()


def _assert_item(item: dict[str, Any]) -> None:
    assert isinstance(item["id"], int) and item["id"] >= 1
    for key in ("actor", "content", "url", "requester"):
        assert isinstance(item[key], str)
    assert item["status"] in ("심사중", "승인됨", "거절됨")
    assert isinstance(item["date"], str) and len(item["date"][:10]) == 10 and item["date"][4] == "-"
    assert "token_id" in item and isinstance(item["token_name"], str)


async def test_board_rules_and_bola(gateway: Gateway, canary: dict[str, Any]) -> None:
    alice = await gateway.sign_in("req-alice@example.com")
    bob = await gateway.sign_in("req-bob@example.com")
    admin = await gateway.sign_in(ADMIN_EMAIL)
    body = {"actor": "Heath Ledger", "content": "The interrogation scene, please", "url": canary["url"]}

    created = await gateway.http.post(f"{BASE}/request/", headers=alice, json=body)
    assert created.status_code == 200, created.text
    first = created.json()
    _assert_item(first)
    assert first["status"] == "심사중" and first["actor"] == "Heath Ledger" and first["url"] == canary["url"]
    assert first["requester"] == "req-alice"  # the display name the frontend compares with its user's name

    again = await gateway.http.post(f"{BASE}/request/", headers=alice, json=body)
    assert again.status_code == 400 and again.json()["code"] == "REQUEST_ALREADY_PENDING"

    # The board is shared; "mine" is mine.
    board = await gateway.http.get(f"{BASE}/request/all", headers=bob)
    assert board.status_code == 200
    assert any(item["id"] == first["id"] for item in board.json())
    for item in board.json():
        _assert_item(item)
    mine = (await gateway.http.get(f"{BASE}/request/mine", headers=alice)).json()
    assert [item["id"] for item in mine] == [first["id"]]
    assert (await gateway.http.get(f"{BASE}/request/mine", headers=bob)).json() == []

    # Delete: not while under review; never someone else's.
    pending_delete = await gateway.http.delete(f"{BASE}/request/{first['id']}", headers=alice)
    assert pending_delete.status_code == 400 and pending_delete.json()["code"] == "REQUEST_NOT_REJECTED"
    assert (await gateway.http.delete(f"{BASE}/request/{first['id']}", headers=bob)).status_code == 404

    # Status changes are the admin's.
    path = f"{BASE}/request/{first['id']}/status"
    assert (await gateway.http.patch(path, headers=alice, json={"status": "승인됨"})).status_code == 403
    rejected = await gateway.http.patch(path, headers=admin, json={"status": "거절됨"})
    assert rejected.status_code == 200 and rejected.json()["status"] == "거절됨"
    assert (await gateway.http.patch(path, headers=admin, json={"status": "done"})).status_code == 400

    # Rejected: Alice may file another, and delete the rejected one (Bob still may not).
    second = await gateway.http.post(f"{BASE}/request/", headers=alice, json={**body, "content": "Another"})
    assert second.status_code == 200
    assert (await gateway.http.delete(f"{BASE}/request/{first['id']}", headers=bob)).status_code == 404
    deleted = await gateway.http.delete(f"{BASE}/request/{first['id']}", headers=alice)
    assert deleted.status_code == 200 and isinstance(deleted.json()["detail"], str)
    assert (await gateway.http.delete(f"{BASE}/request/{first['id']}", headers=alice)).status_code == 404

    # Approved requests are what my page shows.
    approved = await gateway.http.patch(
        f"{BASE}/request/{second.json()['id']}/status", headers=admin, json={"status": "승인됨"}
    )
    assert approved.status_code == 200
    mine = (await gateway.http.get(f"{BASE}/request/mine", headers=alice)).json()
    assert [(item["id"], item["status"]) for item in mine] == [(second.json()["id"], "승인됨")]

    assert canary["count"] == 0, "the URL is stored, never fetched"


async def test_bad_input_and_no_auth(gateway: Gateway) -> None:
    carol = await gateway.sign_in("req-carol@example.com")
    for url in ("file:///etc/passwd", "javascript:alert(1)", "not a url", "http://", "ftp://example.com/x"):
        response = await gateway.http.post(f"{BASE}/request/", headers=carol, json={"actor": "A", "url": url})
        assert response.status_code == 400, (url, response.text)
    for body in ({"url": "https://www.youtube.com/watch?v=x"}, {"actor": "A"}, {"actor": "", "url": "https://a.b"}):
        assert (await gateway.http.post(f"{BASE}/request/", headers=carol, json=body)).status_code == 422
    too_long = {"actor": "A", "content": "x" * 2001, "url": "https://www.youtube.com/watch?v=x"}
    assert (await gateway.http.post(f"{BASE}/request/", headers=carol, json=too_long)).status_code == 422
    for bad in ("0", "-1", "abc"):
        assert (await gateway.http.delete(f"{BASE}/request/{bad}", headers=carol)).status_code == 422
    assert (await gateway.http.delete(f"{BASE}/request/99999999", headers=carol)).status_code == 404
    for headers in ({}, bearer(None)):
        assert (await gateway.http.get(f"{BASE}/request/all", headers=headers)).status_code == 401
        assert (await gateway.http.get(f"{BASE}/request/mine", headers=headers)).status_code == 401
        post = await gateway.http.post(f"{BASE}/request/", headers=headers, json={"actor": "A", "url": "https://a.b"})
        assert post.status_code == 401
        assert (await gateway.http.delete(f"{BASE}/request/1", headers=headers)).status_code == 401
