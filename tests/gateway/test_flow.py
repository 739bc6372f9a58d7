"""End to end over HTTP, as a browser would: sign in → catalog → upload → SSE progress → result → my page;
SSE resume with Last-Event-ID, heartbeats, tickets, and the original frontend's paths."""

from __future__ import annotations

import asyncio

from tests.gateway.conftest import Gateway, multipart, read_sse, take, upload


async def test_browser_flow(gateway: Gateway, lines: dict[str, int]) -> None:
    headers = await gateway.sign_in("browser@example.com")

    # Catalog: the scene, its lines, one line's detail with a playable reference.
    listed = await gateway.http.get("/api/scripts", params={"q": "Famous lines"})
    assert listed.status_code == 200, listed.text
    script = listed.json()["scripts"][0]
    assert script["title"] == "Famous lines" and script["token_name"] == "Famous lines"
    popular = await gateway.http.get("/api/scripts/popular/", headers=headers)
    assert popular.status_code == 200 and any(s["id"] == script["id"] for s in popular.json()["scripts"])
    latest = await gateway.http.get("/api/scripts/latest")
    assert latest.status_code == 200 and latest.json()["scripts"]
    category = await gateway.http.get("/api/scripts/category/drama")
    assert category.status_code == 200 and any(s["id"] == script["id"] for s in category.json()["scripts"])
    detail = await gateway.http.get(f"/api/scripts/{script['id']}")
    assert detail.status_code == 200
    tokens = detail.json()["tokens"]
    assert [t["position"] for t in tokens] == sorted(t["position"] for t in tokens)
    token_id = lines["frankly"]
    token = (await gateway.http.get(f"/api/tokens/{token_id}")).json()
    assert token["id"] == token_id and "words" in token and isinstance(token["reference_pitch"], list)
    assert token["reference_audio_url"]
    actors = await gateway.http.get("/api/actors", params={"q": "narr"})
    assert actors.status_code == 200 and actors.json()["actors"][0]["name"] == "Narrator"
    actor_id = actors.json()["actors"][0]["id"]
    assert (await gateway.http.get(f"/api/actors/{actor_id}")).json()["name"] == "Narrator"
    by_actor = await gateway.http.get(f"/api/actors/{actor_id}/scripts")
    assert any(s["id"] == script["id"] for s in by_actor.json()["scripts"])
    view = await gateway.http.post(f"/api/tokens/{token_id}/view", headers=headers)
    assert view.status_code == 200 and view.json()["view_count"] >= 1

    # Bookmark it.
    created = await gateway.http.post("/api/mypage/bookmarks", headers=headers, json={"token_id": token_id})
    assert created.status_code == 201 and created.json()["token_id"] == token_id

    # Upload (the browser labels WebM as audio/wav; the bytes decide).
    accepted = await upload(gateway, headers, token_id, take("frankly", "good.webm"))
    assert accepted["status"] == "processing" and accepted["job_id"] and accepted["stream_ticket"]
    job_id = accepted["job_id"]

    # Progress through an EventSource: no headers, the ticket in the URL.
    stream = await read_sse(gateway.http, accepted["progress_url"])
    assert stream.status == 200, stream.body
    assert stream.headers["content-type"].startswith("text/event-stream")
    assert stream.retry is not None
    events = stream.events
    assert events and all(e.event == "message" for e in events), "unnamed events only (onmessage)"
    assert [int(e.id) for e in events] == sorted({int(e.id) for e in events}), "ids strictly increase"
    assert all(e.data["status"] in ("processing", "completed", "failed") for e in events)
    assert all(0 <= e.data["progress"] <= 100 for e in events)
    assert [e.data["progress"] for e in events] == sorted(e.data["progress"] for e in events)
    assert {e.data["stage"] for e in events} >= {"decoding", "scoring"}
    assert all(e.data["status"] == "processing" for e in events[:-1])
    final = events[-1].data
    assert final["status"] == "completed" and final["progress"] == 100
    result = final["result"]
    assert result["job_id"] == job_id and result["overall_score"] > 50
    # The original frontend reads data.result.result (its PitchResult, 0-1 scale).
    legacy = result["result"]
    assert 0 < legacy["overall_score"] <= 1 and legacy["word_analysis"]
    assert {"word", "word_score", "mfcc_similarity", "text_status"} <= set(legacy["word_analysis"][0])

    # The result by polling, in the seed's shape.
    polled = await gateway.http.get(f"/api/tokens/analysis-result/{job_id}/", headers=headers)
    assert polled.status_code == 200
    body = polled.json()
    for key in (
        "job_id",
        "status",
        "pronunciation_score",
        "intonation_score",
        "emotion_score",
        "overall_score",
        "detailed_feedback",
        "created_at",
    ):
        assert key in body, key
    assert body["status"] == "completed" and body["overall_score"] == result["overall_score"]
    assert body["detailed_feedback"]["words"] and body["verdict"] == "scored"

    # My page.
    takes = (await gateway.http.get("/api/mypage/takes", headers=headers)).json()["takes"]
    assert [t["job_id"] for t in takes] == [job_id] and takes[0]["scores"]["overall"] > 50
    # The take's completeness (a 0-1 share), the same as its result's.
    assert takes[0]["scores"]["completeness"] == body["completeness"] and 0.6 <= body["completeness"] <= 1
    audio = await gateway.http.get(f"/api/mypage/takes/{takes[0]['id']}/audio", headers=headers)
    assert audio.status_code == 200 and audio.json()["url"]
    overview = await gateway.http.get("/api/mypage/overview", headers=headers)
    assert overview.status_code == 200, overview.text
    o = overview.json()
    assert o["total_takes"] == 1 and o["total_practice_count"] == 1 and o["total_dubbed_tokens"] == 1
    assert o["user_info"]["email"] == "browser@example.com" and o["average_completion_rate"] > 50
    assert o["recent_bookmarks"][0]["token"]["id"] == token_id
    assert o["recent_dubbed_tokens"][0]["token_id"] == token_id
    dubbed = await gateway.http.get("/api/mypage/my-dubbed-tokens", headers=headers)
    assert dubbed.json()[0]["token_id"] == token_id
    bookmarks = await gateway.http.get("/api/mypage/bookmarks", headers=headers)
    assert isinstance(bookmarks.json(), list) and bookmarks.json()[0]["token_id"] == token_id
    assert (await gateway.http.delete(f"/api/mypage/bookmarks/{token_id}", headers=headers)).status_code == 204
    assert (await gateway.http.get("/api/mypage/bookmarks", headers=headers)).json() == []

    # Resume: a browser reconnecting with Last-Event-ID gets what came after, up to the terminal event.
    middle = events[len(events) // 2]
    ticket = (await gateway.http.post(f"/api/tokens/analysis-progress/{job_id}/ticket", headers=headers)).json()
    assert ticket["job_id"] == job_id
    resumed = await read_sse(gateway.http, ticket["progress_url"], headers={"Last-Event-ID": middle.id or ""})
    assert resumed.status == 200
    # (The orchestrator keeps state, not every intermediate event: a finished job resumes with its terminal
    # snapshot; what matters is that nothing at or before Last-Event-ID repeats and the end is not lost.)
    later = [int(e.id or 0) for e in events if int(e.id or 0) > int(middle.id or 0)]
    resumed_ids = [int(e.id or 0) for e in resumed.events]
    assert resumed_ids and set(resumed_ids) <= set(later) and resumed_ids == sorted(resumed_ids)
    assert resumed.events[-1].data == final
    # After the terminal event: the terminal snapshot once, then the stream ends (no reconnect loop).
    after_end = await read_sse(gateway.http, ticket["progress_url"], headers={"Last-Event-ID": events[-1].id or ""})
    assert after_end.status == 200 and len(after_end.events) == 1
    assert after_end.events[0].data["status"] == "completed"

    assert (await gateway.http.delete(f"/api/mypage/takes/{takes[0]['id']}", headers=headers)).status_code == 204
    assert (await gateway.http.get("/api/mypage/takes", headers=headers)).json()["takes"] == []
    gone = await gateway.http.get(f"/api/tokens/analysis-result/{job_id}", headers=headers)
    assert gone.status_code == 404 and gone.json()["code"]


async def test_heartbeats_and_disconnect_release(gateway: Gateway, lines: dict[str, int]) -> None:
    from tests.gateway.conftest import dispatcher_paused

    headers = await gateway.sign_in("quiet@example.com")
    subject = gateway.sessions["quiet@example.com"]["user"]["id"]
    streams = gateway.state.limits.streams
    async with dispatcher_paused(gateway.flow):
        accepted = await upload(gateway, headers, lines["houston"], take("houston", "good.wav"))
        # The job sits queued: the stream sends its snapshot, then heartbeat comments.
        first = await read_sse(gateway.http, accepted["progress_url"], stop_after=1)
        assert first.events[0].data["status"] == "processing"
        quiet = await read_sse(gateway.http, accepted["progress_url"], until_comment=True, timeout=5)
        assert quiet.comments == 1 and len(quiet.events) == 1
        # Both disconnects released their slots.
        for _ in range(50):
            if streams.held(subject) == 0:
                break
            await asyncio.sleep(0.05)
        assert streams.held(subject) == 0
        # A stream open while the job runs receives it live.
        watcher = asyncio.create_task(read_sse(gateway.http, accepted["progress_url"], timeout=60))
        await asyncio.sleep(0.3)
    stream = await watcher
    assert stream.events[-1].data["status"] == "completed"
    assert stream.events[0].data["status"] == "processing"
    assert streams.held(subject) == 0


async def test_original_frontend_paths(gateway: Gateway, lines: dict[str, int]) -> None:
    headers = await gateway.sign_in("legacy@example.com")
    token_id = lines["offer"]
    response = await gateway.http.post(
        f"/api/scripts/{token_id}/upload-audio",
        headers=headers,
        **multipart("file", take("offer", "good.wav"), filename=f"script_{token_id}.wav"),
    )
    assert response.status_code == 202, response.text
    job_id = response.json()["job_id"]
    ticket = response.json()["stream_ticket"]
    stream = await read_sse(gateway.http, f"/api/scripts/analysis-progress/{job_id}?ticket={ticket}")
    assert stream.status == 200 and stream.events[-1].data["status"] in ("completed", "failed")
    polled = await gateway.http.get(f"/api/tokens/analysis-result/{job_id}/", headers=headers)
    assert polled.status_code == 200 and polled.json()["status"] == stream.events[-1].data["status"]
