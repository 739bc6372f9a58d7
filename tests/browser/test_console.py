"""The console in headless Chromium against the real suite: sign in → a line → record through the fake
microphone → live progress to 100 → the result (scores, coloured words, the pitch overlay) → my page →
sign out; a file that is not audio (415); too many uploads (429); phone width. Screenshots of every
step are saved under .artifacts/browser/<test>/."""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from tests.browser.conftest import DATA, Browser
from tests.fixtures.suite import DEMO, Flow, Gateway, clear_analysis_tables, gateway_settings, running_gateway
from yousync_platform.db import create_engine

LINE = "To be, or not to be, that is the question."
SCENE = "To be, or not to be"
TAKE_SECONDS = 5.0
TAKES = 5


@pytest.fixture
async def demo(flow: Flow) -> None:
    """The demo catalog, (re-)imported for each test: other directories may empty the catalog between tests,
    and the session-wide `demo_loaded` flag would then be wrong for them if set here first."""
    await flow.catalog.import_demo(DEMO)


@pytest.fixture(autouse=True)
async def clean_takes(postgres_url: str) -> AsyncIterator[None]:
    yield
    await clear_analysis_tables(postgres_url)


async def line_id(gateway: Gateway) -> int:
    found = await gateway.http.get("/api/scripts", params={"q": SCENE})
    assert found.status_code == 200, found.text
    script = next(s for s in found.json()["scripts"] if s["title"] == SCENE)
    detail = (await gateway.http.get(f"/api/scripts/{script['id']}")).json()
    return int(next(t["id"] for t in detail["tokens"] if t["text"] == LINE))


def sign_in(b: Browser, email: str, shot: str | None = None) -> None:
    b.go("/signin")
    b.find("#email").send_keys(email)
    b.find("#display-name").send_keys(email.split("@")[0])
    if shot:
        b.shot(shot)
    b.find("form button[type=submit]").click()
    b.wait(lambda d: email.split("@")[0] in b.text() and "/signin" not in d.current_url, what="signed in")


def record(b: Browser, seconds: float) -> float:
    """Record from the fake microphone for `seconds` (after the countdown); the loudest level shown."""
    b.click("Record")
    b.find("[data-testid=countdown]", timeout=10)
    b.find("[data-testid=recording]", timeout=10)
    levels = [0.0]

    def recorded_enough(_: object) -> bool:
        levels.append(float(b.find("[data-testid=level]").get_attribute("value") or 0))
        return float(b.find("[data-testid=recording]").text.split()[1]) >= seconds

    b.wait(recorded_enough, timeout=seconds + 10, what=f"{seconds} s of recording")
    return max(levels)


def open_line(b: Browser, token_id: int) -> None:
    """The line's page, once laid out: its pitch chart (loaded on first use) drawn above the take panel, so
    the panel's buttons no longer move. A click sent while they still move can land beside them."""
    b.go(f"/lines/{token_id}")
    b.find("[data-testid=reference-pitch] canvas")
    b.wait(lambda d: b.all("[data-testid=file-input]"), what="the file input")


def result_shown(b: Browser) -> None:
    b.wait(lambda d: "/results/" in d.current_url, timeout=60, what="the result page")
    b.find("[data-testid=result]", timeout=30)


@pytest.mark.timeout(240)
async def test_record_score_and_review(browser: Browser, gateway: Gateway, demo: None) -> None:
    token_id = await line_id(gateway)

    def scenario(b: Browser) -> dict[str, object]:
        b.base = gateway.url
        b.go("/")
        b.find("[data-testid=script-card]")
        b.shot("01-catalog")

        sign_in(b, "dubber@example.com", shot="02-sign-in")
        assert "Sign out" in b.text()

        b.button(SCENE).click()
        b.find("[data-testid=line-link]")
        b.shot("03-scene")
        b.all("[data-testid=line-link]")[0].click()
        b.wait(lambda d: d.current_url.endswith(f"/lines/{token_id}"), what="the line page")
        words = b.find("[data-testid=line-words]")
        assert [w.text for w in words.find_elements("css selector", "button.word")][:3] == ["To", "be,", "or"] or (
            "To" in words.text
        )
        b.find("[data-testid=reference-pitch] canvas")
        # The actor's audio plays and highlights the word being spoken.
        b.js("document.querySelector('audio').play()")
        b.find("button.word.active", timeout=10)
        b.shot("04-line-playing")
        b.js("document.querySelector('audio').pause()")

        level = record(b, TAKE_SECONDS)
        b.shot("05-recording", at=b.find("[data-testid=level]"))
        b.click("Stop")
        b.find("[data-testid=take-preview] audio")
        b.shot("06-listen-back", at=b.find("[data-testid=take-preview]"))
        b.find("[data-testid=send]").click()
        result_shown(b)
        progress = b.js("return window.__yousyncTimings.progress")
        latency = b.js("return window.__yousyncTimings.latencies")
        b.find("[data-testid=score-overall]")
        b.find("[data-testid=pitch-overlay] canvas", timeout=15)
        scores = {
            el.get_attribute("data-testid"): el.find_element("css selector", ".value").text
            for el in b.all("[data-testid=scores] .score")
        }
        word_classes = [el.get_attribute("class") for el in b.all("[data-testid=scored-words] .w")]
        b.shot("07-result", height=2600)
        b.page_png("result-small", scale=0.5)

        b.click("My page")
        b.find("[data-testid=take-row]")
        assert LINE in b.find("[data-testid=takes]").text
        b.find("[data-testid=progress-chart] canvas", timeout=15)
        axis = b.find("[data-testid=progress-chart] [data-x-min]")
        x_range = (float(axis.get_attribute("data-x-min") or "nan"), float(axis.get_attribute("data-x-max") or "nan"))
        chip = b.find("[data-testid=take-row] [data-testid=take-completeness]").text
        b.click("▶ Play")
        b.find("[data-testid=take-row] audio")
        b.shot("08-my-page", height=2200)

        b.click("Sign out")
        b.find("a[href='/signin']")
        stored = b.js("return localStorage.getItem('yousync.session')")
        b.shot("09-signed-out")
        return {
            "progress": progress,
            "latency": latency,
            "scores": scores,
            "words": word_classes,
            "stored": stored,
            "level": level,
            "x_range": x_range,
            "chip": chip,
        }

    out = await asyncio.to_thread(scenario, browser)
    progress = out["progress"]
    assert isinstance(progress, list) and progress and max(progress) == 100, progress
    assert out["level"] > 0  # type: ignore[operator]
    scores = out["scores"]
    assert isinstance(scores, dict)
    # Every dimension the analyzer scores, completeness (sent as a 0–1 share) shown on 100 like the rest.
    shown = {"score-overall", "score-pronunciation", "score-intonation", "score-expressiveness", "score-timing"}
    assert shown | {"score-completeness"} <= set(scores), scores
    assert all(v.endswith("/100") and 0 <= int(v.removesuffix("/100")) <= 100 for v in scores.values()), scores
    words = out["words"]
    assert isinstance(words, list) and len(words) == 10, words
    assert all(any(c in w for c in ("good", "fair", "weak", "mispronounced", "omitted")) for w in words), words
    assert out["stored"] is None
    # Every take is in this week: the date axis spans a few weeks around it, not years, with the point inside.
    x_range = out["x_range"]
    assert isinstance(x_range, tuple)
    lo, hi = x_range
    week = time.time() // 86400 * 86400 - ((time.gmtime().tm_wday) * 86400)
    assert hi - lo <= 35 * 86400, f"date axis spans {(hi - lo) / 86400:.0f} days"
    assert lo + 3 * 86400 < week < hi - 86400, (lo, week, hi)
    # The take's chips include completeness, on 100 like the result's card.
    assert out["chip"] == f"Completeness {scores['score-completeness'].removesuffix('/100')}", out["chip"]
    print(f"\nconsole: stop → result rendered {out['latency']} ms (includes the Send click)")


async def server_steps(postgres_url: str) -> list[dict[str, int]]:
    """Per job, from the orchestrator's stored events: QUEUED → DISPATCHED (outbox, NATS, dispatcher),
    DISPATCHED → the analyzer's last progress (its work), → DONE (result stored, last event sent)."""
    engine = create_engine(postgres_url)
    try:
        async with engine.connect() as conn:
            rows = (
                await conn.execute(
                    sa.text(
                        "SELECT e.job_id, e.stage, e.time FROM analysis.job_events e"
                        " JOIN analysis.jobs j ON j.id = e.job_id ORDER BY j.created_at, e.sequence"
                    )
                )
            ).all()
    finally:
        await engine.dispose()
    jobs: dict[object, dict[str, float]] = {}
    for job_id, stage, at in rows:  # in sequence order: the last analyzer stage seen is its last progress
        key = {"QUEUED": "queued", "DISPATCHED": "dispatched", "DONE": "done"}.get(stage, "last_progress")
        jobs.setdefault(job_id, {})[key] = at.timestamp() * 1000
    out = []
    for marks in jobs.values():
        if {"queued", "dispatched", "last_progress", "done"} <= set(marks):
            out.append(
                {
                    "queued_to_dispatched": round(marks["dispatched"] - marks["queued"]),
                    "dispatched_to_last_progress": round(marks["last_progress"] - marks["dispatched"]),
                    "last_progress_to_done": round(marks["done"] - marks["last_progress"]),
                }
            )
    return out


@pytest.mark.timeout(300)
async def test_latency_from_last_sample_to_result(
    browser: Browser, gateway: Gateway, demo: None, postgres_url: str
) -> None:
    """Five 5 s takes sent as soon as they stop: p50 of the last recorded sample → result rendered."""
    token_id = await line_id(gateway)

    def scenario(b: Browser) -> tuple[list[float], list[object]]:
        b.base = gateway.url
        sign_in(b, "fast@example.com")
        b.js("localStorage.setItem('yousync.autoSend', '1')")
        open_line(b, token_id)
        steps = []
        for i in range(TAKES):
            if i:
                b.click("Record again")  # in the app: the page and its timings stay
            record(b, TAKE_SECONDS)
            b.click("Stop")
            result_shown(b)
            b.find("[data-testid=score-overall]")
            steps.append(b.js("return window.__yousyncTimings.steps"))
            if i == 0:
                b.shot("result-auto-send", height=2600)
        return [float(x) for x in b.js("return window.__yousyncTimings.latencies")], steps

    latencies, steps = await asyncio.to_thread(scenario, browser)
    assert len(latencies) == TAKES, latencies
    p50 = statistics.median(latencies)
    print(
        "\n"
        + json.dumps(
            {
                "bench": "console_stop_to_result",
                "take_seconds": TAKE_SECONDS,
                "ms": [round(x) for x in latencies],
                "p50_ms": round(p50),
                "steps_ms": steps,
                "server_ms": await server_steps(postgres_url),
            }
        )
    )


@pytest.mark.timeout(120)
async def test_files_that_are_not_audio_or_too_big_are_explained(
    browser: Browser, gateway: Gateway, demo: None, tmp_path: Path
) -> None:
    token_id = await line_id(gateway)

    too_big = tmp_path / "long-take.wav"
    too_big.write_bytes(b"RIFF" + bytes(gateway.state.settings.max_upload_bytes + 1024))

    def scenario(b: Browser) -> tuple[str, str]:
        b.base = gateway.url
        sign_in(b, "files@example.com")
        open_line(b, token_id)
        b.all("[data-testid=file-input]")[0].send_keys(str(DATA / "not-audio.wav"))
        b.find("[data-testid=send]").click()
        error = b.find("[data-testid=error]")
        b.shot("415-not-audio", at=error)
        not_audio = str(error.text)
        b.click("Remove")
        b.all("[data-testid=file-input]")[0].send_keys(str(too_big))
        b.find("[data-testid=send]").click()
        error = b.find("[data-testid=error]")
        b.shot("413-too-big", at=error)
        return not_audio, str(error.text)

    not_audio, too_large = await asyncio.to_thread(scenario, browser)
    assert "isn't audio we can read" in not_audio, not_audio
    assert "too big to upload (the limit is 2 MB)" in too_large, too_large


@pytest.mark.timeout(180)
async def test_too_many_uploads_say_how_long_to_wait(browser: Browser, flow: Flow, blob_root: Path, demo: None) -> None:
    """A gateway allowing one upload a minute: the second is a 429 and the console says when to retry."""
    async with running_gateway(flow, gateway_settings(flow, blob_root, uploads_per_minute=1)) as strict:
        token_id = await line_id(strict)

        def scenario(b: Browser) -> tuple[str, str]:
            b.base = strict.url
            sign_in(b, "eager@example.com")
            for attempt in range(2):
                open_line(b, token_id)
                b.all("[data-testid=file-input]")[0].send_keys(str(DATA / "fake-mic-hamlet-3-1-01.wav"))
                b.find("[data-testid=send]").click()
                if attempt == 0:
                    result_shown(b)
            error = b.find("[data-testid=error]")
            button = b.find("[data-testid=send]").text
            b.shot("429-too-many", at=error)
            return str(error.text), str(button)

        error, button = await asyncio.to_thread(scenario, browser)
    assert "Try again in" in error and " s." in error, error
    assert button.startswith("Send again in"), button


@pytest.mark.timeout(120)
async def test_phone_width(browser: Browser, gateway: Gateway, demo: None) -> None:
    token_id = await line_id(gateway)

    def scenario(b: Browser) -> int:
        b.base = gateway.url
        b.driver.set_window_size(390, 844)
        b.go("/")
        b.find("[data-testid=script-card]")
        b.shot("phone-catalog")
        b.go(f"/lines/{token_id}")
        b.find("[data-testid=line-words]")
        b.find("[data-testid=reference-pitch] canvas")
        b.shot("phone-line")
        return int(b.js("return document.documentElement.scrollWidth"))

    width = await asyncio.to_thread(scenario, browser)
    assert width <= 390, f"the page scrolls sideways at phone width ({width} px)"


async def test_a_chart_keeps_its_room_while_it_loads(browser: Browser, gateway: Gateway, demo: None) -> None:
    """The line page's pitch chart is loaded on first use. Until it is drawn its placeholder takes the same
    room, so the take panel below does not move when it arrives (a click aimed at it would miss)."""
    token_id = await line_id(gateway)
    panel = "return document.getElementById('record').getBoundingClientRect().top + window.scrollY"

    def scenario(b: Browser) -> tuple[float, float]:
        b.base = gateway.url
        # The chart's code is held back (its request paused, never answered): the placeholder stays.
        b.driver.execute_cdp_cmd("Fetch.enable", {"patterns": [{"urlPattern": "*/assets/TimeChart-*.js"}]})
        try:
            b.go(f"/lines/{token_id}")
            b.wait_text("Drawing the chart")
            b.find("#record")
            waiting = float(b.js(panel))
            assert not b.all("[data-testid=reference-pitch]"), "the chart was drawn though its code was held back"
            b.shot("line-chart-loading")
        finally:
            b.driver.execute_cdp_cmd("Fetch.disable", {})
        b.go(f"/lines/{token_id}")
        b.find("[data-testid=reference-pitch] canvas")
        return waiting, float(b.js(panel))

    waiting, drawn = await asyncio.to_thread(scenario, browser)
    assert abs(waiting - drawn) <= 2, f"the take panel moved from {waiting} to {drawn} px when the chart arrived"


async def test_gateway_serves_the_console_and_keeps_api_errors(gateway: Gateway) -> None:
    http: httpx.AsyncClient = gateway.http
    page = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}  # a browser's page load
    index = await http.get("/", headers=page)
    assert index.status_code == 200 and index.headers["content-type"].startswith("text/html")
    assert '<div id="root">' in index.text and index.headers["cache-control"] == "no-cache"
    # Client-side routes reload into the app; other clients get the API's 404 for paths that aren't files.
    for path in ("/lines/1", "/results/abc", "/me", "/scripts/3/", "/no/such/page"):
        deep = await http.get(path, headers=page)
        assert deep.status_code == 200 and deep.text == index.text, path
        assert (await http.get(path)).json()["code"] == "NOT_FOUND", path
    # Hashed assets are immutable; a missing asset is a 404, not the app.
    asset = index.text.split('src="', 1)[1].split('"', 1)[0]
    js = await http.get(asset)
    assert js.status_code == 200 and "immutable" in js.headers["cache-control"]
    assert (await http.get("/assets/missing-123.js", headers=page)).status_code == 404
    assert (await http.get("/favicon.svg")).headers["content-type"].startswith("image/svg")
    # The API and the operational paths never fall back to the app.
    for path in ("/api/nope", "/api/scripts/x/y/z", "/compat/nope", "/docs/nope", "/blobs/x", "/healthz/x"):
        response = await http.get(path, headers=page)
        assert response.status_code == 404 and response.json()["code"], path
    assert (await http.post("/")).status_code in (404, 405)
    # No way out of the dist directory.
    assert (await http.get("/..%2F..%2Fpyproject.toml", headers=page)).status_code in (400, 404)
    config = await http.get("/api/config")
    assert config.status_code == 200 and config.json() == {
        "dev_sign_in": True,
        "google_client_id": "",
        "max_upload_bytes": gateway.state.settings.max_upload_bytes,
    }


@pytest.mark.timeout(120)
async def test_session_refreshes_silently_and_its_end_is_explained(
    browser: Browser, gateway: Gateway, demo: None
) -> None:
    token_id = await line_id(gateway)

    def scenario(b: Browser) -> dict[str, str]:
        b.base = gateway.url
        sign_in(b, "sleepy@example.com")
        first = json.loads(b.js("return localStorage.getItem('yousync.session')"))
        # The access token is about to expire: the console refreshes it by itself, without a request failing.
        first["expires_at"] = int(b.js("return Date.now()")) + 1500
        b.js("localStorage.setItem('yousync.session', arguments[0])", json.dumps(first))
        b.go("/me")
        b.wait(
            lambda d: (
                json.loads(b.js("return localStorage.getItem('yousync.session')"))["refresh_token"]
                != first["refresh_token"]
            ),
            timeout=15,
            what="a silent refresh",
        )
        b.find("[data-testid=takes], .empty")
        still = b.text()
        # Offline: a person is told so, and what they recorded is kept.
        open_line(b, token_id)
        b.all("[data-testid=file-input]")[0].send_keys(str(DATA / "fake-mic-hamlet-3-1-01.wav"))
        b.driver.set_network_conditions(offline=True, latency=0, throughput=0)
        b.find("[data-testid=send]").click()
        offline = b.find("[data-testid=error]")
        b.shot("offline", at=offline)
        offline_text = str(offline.text)
        b.driver.set_network_conditions(offline=False, latency=0, throughput=0)
        # The refresh token is refused (revoked elsewhere): the session ends and the console says so.
        spent = json.loads(b.js("return localStorage.getItem('yousync.session')"))
        spent.update(access_token="expired", refresh_token="revoked", expires_at=int(b.js("return Date.now()")) - 1)
        b.js("localStorage.setItem('yousync.session', arguments[0])", json.dumps(spent))
        b.go("/me")
        b.wait_text("Your session has expired", timeout=15)
        b.shot("session-expired")
        return {"still": still, "offline": offline_text, "after": b.text()}

    out = await asyncio.to_thread(scenario, browser)
    assert "sleepy" in out["still"] and "Sign out" in out["still"]
    assert "Can't reach YouSync" in out["offline"], out["offline"]
    assert "Sign in" in out["after"]
