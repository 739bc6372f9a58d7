#!/usr/bin/env python3
"""Drive an already running copy of the original YouSync frontend in headless Chromium (issue #11).

The frontend is NOT part of this repository: build it elsewhere with
`NEXT_PUBLIC_API_BASE_URL=<gateway>/compat/api`, start it (`next start -H 127.0.0.1`), then run

    .venv/bin/python scripts/drive_original_frontend.py \
        --frontend-url http://127.0.0.1:3000 --gateway-url http://127.0.0.1:8080 --shots /work/fe-shots

What it does, as a person would, through the frontend's own pages and buttons:
sign in (our dev sign-in, tokens put where the frontend keeps them: localStorage `access_token` and
`google_user`, because Google's button cannot load offline), browse the home lists (popular, latest,
sync collection, duet scenes, every category), the actor search and actor page, the sync-collection page,
the URL search (server-rendered), open a clip (server-rendered dubbing page), record every line with
Chromium's fake microphone, watch the live progress (EventSource), see the result, bookmark, open my page,
hear the dub (synthesize and latest-dubbing), file a video request, log out.

YouTube cannot load offline either; the page's YouTube player is replaced by a small stand-in
(`YT.Player` with a clock: play, pause, seek, buffering) injected before any page script runs, so the
frontend's time-driven recording works. It stands in for YouTube only, never for our code.

It prints one JSON line: the steps with pass/fail and every failed request from the browser's network log
(status >= 400 or a network error), split into our hosts and the rest. Exit status 0 when every step
passed and no request to our hosts failed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from selenium import webdriver
from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from yousync_dev.chromium import CHROMEDRIVER, CHROMIUM, FLAGS

ROOT = Path(__file__).resolve().parents[1]
FAKE_MIC = ROOT / "tests" / "browser" / "data" / "fake-mic-hamlet-3-1-01.wav"
# Hosts that cannot answer offline and are not ours (YouTube, Google, image CDNs the frontend hard-codes).
FOREIGN_HOST_SUFFIXES = (
    "youtube.com",
    "ytimg.com",
    "googlevideo.com",
    "google.com",
    "googleapis.com",
    "gstatic.com",
    "unsplash.com",
    "randomuser.me",
)

# A stand-in for the YouTube IFrame API: the `youtube-player` package uses window.YT when it is present.
YOUTUBE_STAND_IN = r"""
(() => {
  if (window.YT && window.YT.Player) return;
  const BUFFER_MS = 300;
  function Player(target, options) {
    const host = typeof target === 'string' ? document.getElementById(target) : target;
    const frame = document.createElement('div');
    frame.setAttribute('data-youtube-stand-in', (options && options.videoId) || '');
    frame.style.cssText = 'width:100%;height:100%;background:#1f2937;color:#9ca3af;display:flex;'
      + 'align-items:center;justify-content:center;font:14px sans-serif';
    frame.textContent = 'YouTube stand-in: ' + ((options && options.videoId) || '');
    if (host && host.parentNode) host.parentNode.replaceChild(frame, host);
    const vars = (options && options.playerVars) || {};
    const events = (options && options.events) || {};
    let position = Number(vars.start) || 0, playing = false, since = 0, state = -1, muted = false, timer = null;
    const now = () => performance.now();
    const fire = (data) => { state = data; if (events.onStateChange) events.onStateChange({ target: self, data }); };
    const self = {
      getCurrentTime: () => playing ? position + (now() - since) / 1000 : position,
      getPlayerState: () => state,
      getDuration: () => 600,
      playVideo: () => {
        if (playing || state === 3) return;
        fire(3);
        clearTimeout(timer);
        timer = setTimeout(() => { playing = true; since = now(); fire(1); }, BUFFER_MS);
      },
      pauseVideo: () => {
        clearTimeout(timer);
        if (playing) { position = self.getCurrentTime(); playing = false; }
        fire(2);
      },
      stopVideo: () => { self.pauseVideo(); },
      seekTo: (seconds) => { position = Number(seconds) || 0; since = now(); },
      mute: () => { muted = true; }, unMute: () => { muted = false; }, isMuted: () => muted,
      setVolume: () => {}, getVolume: () => 100,
      loadVideoById: () => {}, cueVideoById: () => {}, setSize: () => {},
      getVideoUrl: () => 'https://www.youtube.com/watch?v=' + ((options && options.videoId) || ''),
      getIframe: () => frame,
      addEventListener: () => {}, removeEventListener: () => {},
      destroy: () => { clearTimeout(timer); playing = false; },
    };
    setTimeout(() => { fire(5); if (events.onReady) events.onReady({ target: self }); }, 50);
    return self;
  }
  window.YT = { Player, PlayerState: { UNSTARTED: -1, ENDED: 0, PLAYING: 1, PAUSED: 2, BUFFERING: 3, CUED: 5 } };
})();
"""


@dataclass
class Report:
    steps: list[dict[str, Any]] = field(default_factory=list)

    def step(self, name: str, ok: bool, detail: str = "", shot: str = "") -> None:
        self.steps.append({"step": name, "ok": ok, "detail": detail, "screenshot": shot})
        print(f"[{'PASS' if ok else 'FAIL'}] {name} {detail}", flush=True)


def _http_json(method: str, url: str, body: dict[str, Any] | None = None, token: str = "") -> Any:
    if urlsplit(url).scheme not in ("http", "https"):
        raise ValueError(f"not an http(s) URL: {url}")
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)  # noqa: S310 (scheme checked above)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310 (scheme checked above)
        return json.loads(response.read() or b"null")


def sign_in(gateway: str, email: str, name: str) -> tuple[str, dict[str, Any]]:
    """Our dev sign-in, then the frontend's own `/auth/me` for what it stores in `google_user`."""
    session = _http_json("POST", f"{gateway}/api/auth/dev", {"email": email, "display_name": name})
    token = session["access_token"]
    me = _http_json("GET", f"{gateway}/compat/api/auth/me", token=token)
    return token, {"id": me["id"], "email": me["email"], "name": me["full_name"], "picture": me.get("profile_picture")}


def start_browser(fake_mic: Path) -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--use-file-for-fake-audio-capture={fake_mic}")
    options.add_argument("--window-size=1400,1000")
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": YOUTUBE_STAND_IN})
    return driver


class NetworkLog:
    """Every request the page made, from Chromium's performance log (CDP Network events)."""

    def __init__(self) -> None:
        self.requests: dict[str, dict[str, Any]] = {}

    def drain(self, driver: webdriver.Chrome) -> None:
        for entry in driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            method, params = message.get("method", ""), message.get("params", {})
            request_id = params.get("requestId")
            if not request_id:
                continue
            record = self.requests.setdefault(request_id, {"url": "", "method": "", "status": None, "error": ""})
            if method == "Network.requestWillBeSent":
                record["url"] = params["request"]["url"]
                record["method"] = params["request"]["method"]
            elif method == "Network.responseReceived":
                record["status"] = params["response"]["status"]
                record["url"] = record["url"] or params["response"]["url"]
            elif method == "Network.loadingFailed":
                record["error"] = params.get("errorText", "failed")
                if params.get("canceled"):
                    record["error"] += " (canceled)"

    def failures(self, ours: set[str]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        mine: list[dict[str, Any]] = []
        foreign: list[dict[str, Any]] = []
        for record in self.requests.values():
            url = record["url"]
            if not url or url.startswith(("data:", "blob:", "chrome")):
                continue
            status = record["status"]
            # a request the page itself dropped after a good answer (navigation, EventSource.close) did not fail
            dropped_after_answer = "(canceled)" in record["error"] and status is not None and status < 400
            failed = (status is not None and status >= 400) or (bool(record["error"]) and not dropped_after_answer)
            if not failed:
                continue
            host = urlsplit(url).netloc
            row = {"method": record["method"], "url": url, "status": record["status"], "error": record["error"]}
            is_foreign = any(host == s or host.endswith("." + s) for s in FOREIGN_HOST_SUFFIXES)
            (foreign if is_foreign or host not in ours else mine).append(row)
        return mine, foreign


class Driver:
    def __init__(self, args: argparse.Namespace) -> None:
        self.front = args.frontend_url.rstrip("/")
        self.gateway = args.gateway_url.rstrip("/")
        self.shots = Path(args.shots)
        self.shots.mkdir(parents=True, exist_ok=True)
        self.report = Report()
        self.net = NetworkLog()
        self.browser = start_browser(Path(args.fake_mic))
        self.wait_seconds = args.wait

    # --- helpers -------------------------------------------------------------------------------
    def shot(self, name: str) -> str:
        path = self.shots / f"{len(self.report.steps) + 1:02d}-{name}.png"
        self.browser.save_screenshot(str(path))
        return str(path)

    def until(self, condition: Callable[[webdriver.Chrome], Any], seconds: float | None = None) -> Any:
        return WebDriverWait(self.browser, seconds or self.wait_seconds, poll_frequency=0.2).until(condition)

    def text_present(self, text: str, seconds: float | None = None) -> bool:
        try:
            self.until(lambda d: text in d.find_element(By.TAG_NAME, "body").text, seconds)
            return True
        except TimeoutException:
            return False

    def by_text(self, tag: str, text: str) -> WebElement:
        xpath = f"//{tag}[contains(normalize-space(.), {json.dumps(text, ensure_ascii=False)})]"
        found: WebElement = self.until(
            lambda d: next((e for e in d.find_elements(By.XPATH, xpath) if e.is_displayed()), None)
        )
        return found

    def visible(self, css: str, seconds: float | None = None) -> WebElement:
        """The first displayed match: the frontend renders some pages twice (phone and desktop layouts)."""
        found: WebElement = self.until(
            lambda d: next((e for e in d.find_elements(By.CSS_SELECTOR, css) if e.is_displayed()), None), seconds
        )
        return found

    def click(self, element: WebElement) -> None:
        self.browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
        try:
            element.click()
        except WebDriverException:
            self.browser.execute_script("arguments[0].click();", element)

    def run_step(self, name: str, body: Callable[[], str]) -> None:
        try:
            detail = body()
            self.report.step(name, True, detail, self.shot(name))
        except (TimeoutException, WebDriverException, AssertionError, KeyError, ValueError) as error:
            message = f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
            shot = ""
            with contextlib.suppress(WebDriverException):
                shot = self.shot(name + "-FAILED")
            self.report.step(name, False, message, shot)
        finally:
            self.net.drain(self.browser)

    # --- the journey -----------------------------------------------------------------------------
    def sign_in(self, email: str, name: str) -> str:
        token, user = sign_in(self.gateway, email, name)
        self.browser.get(f"{self.front}/home")
        self.browser.execute_script(
            "localStorage.setItem('access_token', arguments[0]);"
            "localStorage.setItem('google_user', JSON.stringify(arguments[1]));",
            token,
            user,
        )
        self.browser.get(f"{self.front}/home")
        assert self.text_present("마이페이지"), "the navbar does not show the signed-in user"
        return f"user {user['id']} ({user['email']})"

    def home_lists(self) -> str:
        sections = [
            "베스트 더빙",
            "싱크 컬렉션",
            "배우와 듀엣 더빙",
            "신상 더빙",
            "액션 더빙",
            "애니메이션 더빙",
            "코미디 더빙",
            "로맨틱 더빙",
            "판타지 더빙",
            "드라마 더빙",
        ]
        for title in sections:
            assert self.text_present(title), f"section {title} missing"
        counts = self.browser.execute_script(
            "return ['top-collections','sync-collection','duet-dubbing','new-releases','action-dubbing',"
            "'animation-dubbing','comedy-dubbing','trending-collabo','fantasy-dubbing','drama-dubbing']"
            ".map(id => [id, (document.getElementById(id) || {children: []}).children.length]);"
        )
        empty = [name for name, count in counts if count == 0]
        assert "top-collections" not in empty and "duet-dubbing" not in empty, f"empty lists: {empty}"
        return "cards per list: " + ", ".join(f"{n}={c}" for n, c in counts)

    def duet_modal(self) -> str:
        card = self.visible("#duet-dubbing > div")
        self.click(card)
        assert self.text_present("배우를 선택하세요"), "duet modal did not open"
        detail = self.browser.find_element(By.TAG_NAME, "body").text.split("배우를 선택하세요")[1][:60]
        self.click(self.browser.find_element(By.CSS_SELECTOR, "button[aria-label='닫기']"))
        return "duet pair: " + " ".join(detail.split())

    def actor_search(self, query: str) -> str:
        box = self.until(lambda d: d.find_element(By.CSS_SELECTOR, "input[placeholder='배우 검색']"))
        box.clear()
        box.send_keys(query)
        option = self.visible("nav div.cursor-pointer span.truncate")
        found = option.text
        self.shot("actor-search-dropdown")
        self.click(option)
        self.until(lambda d: "/actor/" in d.current_url)
        assert self.text_present("배우 정보"), "actor page did not render"
        assert self.text_present("조회수"), "actor page lists no clips"
        return f"searched {query!r}, chose {found!r}, page {urlsplit(self.browser.current_url).path}"

    def sync_collection(self) -> str:
        self.browser.get(f"{self.front}/synccollection/1")
        assert self.text_present("더빙 숏츠"), "sync collection page did not render"
        return "static page rendered"

    def url_search(self, video_id: str) -> str:
        self.browser.get(f"{self.front}/urlsearch?videoId={video_id}")
        assert self.text_present("유튜브 URL 검색 결과입니다."), "URL search found nothing"
        return "server-rendered results"

    def open_clip(self) -> str:
        self.browser.get(f"{self.front}/home")
        card = self.visible("#top-collections > div")
        self.click(card)
        bookmark = self.until(
            lambda d: next(
                (e for e in d.find_elements(By.XPATH, "//button[contains(., '북마크')]") if e.is_displayed()), None
            )
        )
        self.click(bookmark)
        self.until(lambda d: "북마크됨" in d.find_element(By.TAG_NAME, "body").text)
        self.shot("bookmarked")
        self.click(self.by_text("button", "더빙하기"))
        self.until(lambda d: "/dubbing/" in d.current_url, 30)
        assert self.text_present("스크립트 목록", 30), "dubbing page did not render"
        return f"bookmarked, then {urlsplit(self.browser.current_url).path}"

    # the script list marks the current line with the spinning icon (aria-label "재생 중")
    CURRENT_LINE = (
        "const li = [...document.querySelectorAll('li[data-index]')]"
        ".find(e => e.querySelector('svg[aria-label=\\'재생 중\\']'));"
        "return li ? Number(li.dataset.index) : -1;"
    )

    # the script box's previous/next arrows (the side panel's close button is also a small round button)
    LINE_ARROWS = "//button[contains(@class, 'sm:p-[0.6vw]')]"

    def _on_line(self, line: int) -> Callable[[webdriver.Chrome], bool]:
        return lambda d: bool(d.execute_script(self.CURRENT_LINE) == line)

    def record_all_lines(self) -> str:
        total = int(self.browser.execute_script("return document.querySelectorAll('[data-index]').length;"))
        assert total > 0, "no lines on the dubbing page"
        for index in range(total):
            label = f"분석 완료 ({index}/{total})"
            assert self.text_present(label, 10), f"progress label {label!r} missing"
            buttons = self.browser.find_elements(By.CSS_SELECTOR, ".hidden.sm\\:block button.rounded-2xl")
            mic = [b for b in buttons if b.is_displayed()][1]
            self.click(mic)
            self.until(lambda d: "녹음" in d.find_element(By.TAG_NAME, "body").text, 10)
            # the recording stops by itself at the line's last word; then upload, live progress, result
            done = f"분석 완료 ({index + 1}/{total})"
            assert self.text_present(done, 120), f"line {index + 1}: no result arrived ({done!r})"
            self.shot(f"line-{index + 1}-result")
            if index + 1 < total:
                # the arrow is disabled until the page has taken in every answer for this line
                right = self.until(
                    lambda d: next(
                        (
                            b
                            for b in reversed(d.find_elements(By.XPATH, self.LINE_ARROWS))
                            if b.is_displayed() and b.is_enabled()
                        ),
                        None,
                    ),
                    60,
                )
                self.click(right)
                self.until(self._on_line(index + 1), 10)
        return f"{total} lines recorded, uploaded and analysed"

    def results(self) -> str:
        self.click(self.by_text("button", "결과보기"))
        assert self.text_present("더빙 분석 결과", 20), "result section did not open"
        return "result section shown"

    def listen_dub(self) -> str:
        self.browser.execute_script("window.scrollTo(0, 0);")
        self.click(self.by_text("button", "더빙영상"))
        assert self.text_present("더빙본 들어보기", 20), "listen modal did not open"
        src = self.until(
            lambda d: d.execute_script("const a = document.querySelector('audio'); return a && a.getAttribute('src');"),
            60,
        )
        playable = self.until(
            lambda d: d.execute_script(
                "const a = document.querySelector('audio');"
                "return a && a.readyState >= 1 && a.duration > 0 ? a.duration : null;"
            ),
            60,
        )
        return f"dub audio {urlsplit(src).path} ({playable:.2f} s)"

    def my_page(self) -> str:
        self.browser.get(f"{self.front}/mypage")
        assert self.text_present("내 북마크", 20), "my page did not render"
        body = self.browser.find_element(By.TAG_NAME, "body").text
        assert "내가 더빙한 영상" in body
        cards = self.browser.find_elements(
            By.XPATH, "//h2[contains(., '내가 더빙한 영상')]/../../div[contains(@class,'grid')]/div"
        )
        assert cards, "no dubbed clip on my page"
        self.click(cards[0])
        assert self.text_present("더빙본 들어보기", 20), "my page listen modal did not open"
        src = self.until(
            lambda d: d.execute_script("const a = document.querySelector('audio'); return a && a.getAttribute('src');"),
            30,
        )
        return f"bookmarks and dubbed clips listed; latest dub {urlsplit(src).path}"

    def video_request(self) -> str:
        self.browser.get(f"{self.front}/uploadrequest")
        self.click(self.by_text("button", "요청하기"))
        form = self.until(lambda d: d.find_element(By.CSS_SELECTOR, "input[placeholder='제목']"))
        form.send_keys("Driver test actor")
        self.browser.find_element(By.CSS_SELECTOR, "textarea[placeholder='요청 내용']").send_keys(
            "Please add this scene"
        )
        self.browser.find_element(By.CSS_SELECTOR, "input[placeholder='url']").send_keys(
            "https://www.youtube.com/watch?v=drvRequest1"
        )
        self.click(self.by_text("button", "등록"))
        assert self.text_present("심사중인 요청이 이미 있습니다", 20), "the new request is not shown as pending"
        return "request filed and listed as pending"

    def log_out(self) -> str:
        self.browser.get(f"{self.front}/home")
        self.click(self.by_text("button", "로그아웃"))
        self.until(lambda d: d.execute_script("return localStorage.getItem('access_token') === null;"), 20)
        assert self.text_present("로그인", 10)
        return "tokens removed, navbar shows 로그인"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frontend-url", required=True)
    parser.add_argument("--gateway-url", required=True)
    parser.add_argument("--shots", default=str(ROOT / ".artifacts" / "original-frontend"))
    parser.add_argument("--fake-mic", default=str(FAKE_MIC))
    parser.add_argument("--email", default=f"fe-driver-{int(time.time())}@example.test")
    parser.add_argument("--actor-query", default="Kim")
    parser.add_argument("--video-id", default="cmpRomance1")
    parser.add_argument("--wait", type=float, default=20.0)
    args = parser.parse_args()
    drv = Driver(args)
    try:
        # the request board tells "mine" by display name (the original's rule): one name per run
        drv.run_step("sign-in", lambda: drv.sign_in(args.email, f"FE Driver {int(time.time()) % 100000}"))
        drv.run_step("home-lists", drv.home_lists)
        drv.run_step("duet-scenes", drv.duet_modal)
        drv.run_step("actor-search-and-page", lambda: drv.actor_search(args.actor_query))
        drv.run_step("sync-collection", drv.sync_collection)
        drv.run_step("url-search", lambda: drv.url_search(args.video_id))
        drv.run_step("open-clip-and-bookmark", drv.open_clip)
        drv.run_step("record-upload-progress", drv.record_all_lines)
        drv.run_step("result", drv.results)
        drv.run_step("hear-dub", drv.listen_dub)
        drv.run_step("my-page", drv.my_page)
        drv.run_step("video-request", drv.video_request)
        drv.run_step("log-out", drv.log_out)
    finally:
        drv.net.drain(drv.browser)
        ours = {urlsplit(drv.front).netloc, urlsplit(drv.gateway).netloc}
        mine, foreign = drv.net.failures(ours)
        console = [e for e in drv.browser.get_log("browser") if e.get("level") == "SEVERE"]
        drv.browser.quit()
    summary = {
        "steps": drv.report.steps,
        "failed_requests_ours": mine,
        "failed_requests_foreign": foreign,
        "requests_seen": len(drv.net.requests),
        "console_errors_tail": [e["message"][:300] for e in console[-15:]],
    }
    print(json.dumps(summary, ensure_ascii=False))
    ok = all(s["ok"] for s in drv.report.steps) and not mine
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
