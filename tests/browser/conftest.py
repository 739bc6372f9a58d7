"""The web console in a real browser: Debian's Chromium driven by Selenium through chromedriver, against
the session's real suite (the same gateway fixture as tests/gateway, serving web/dist).

The gateway runs in the test session's event loop, so every browser step runs in a worker thread
(`asyncio.to_thread`) and never blocks it. Chromium's fake microphone plays a committed 16-bit PCM WAV
(3 s of silence for the countdown, then a synthetic reading of the demo's first line). Screenshots of
every step go to .artifacts/browser/ (YOUSYNC_ARTIFACTS_DIR overrides the root)."""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from yousync_dev.chromium import CHROMEDRIVER, CHROMIUM, FLAGS, PACKAGES

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web"
DATA = Path(__file__).resolve().parent / "data"
FAKE_MIC = DATA / "fake-mic-hamlet-3-1-01.wav"


def artifacts_dir() -> Path:
    root = Path(os.environ.get("YOUSYNC_ARTIFACTS_DIR", ROOT / ".artifacts"))
    path = root / "browser"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _newest(paths: list[Path]) -> float:
    return max((p.stat().st_mtime for p in paths if p.is_file()), default=0.0)


@pytest.fixture(scope="session")
def web_dist() -> Path:
    """web/dist, built (npm ci + npm run build) when missing or older than its sources."""
    index = WEB / "dist" / "index.html"
    sources = [p for d in ("src", "public") for p in (WEB / d).rglob("*")] + [
        WEB / n for n in ("index.html", "package.json", "package-lock.json", "vite.config.ts", "tsconfig.json")
    ]
    if not index.is_file() or index.stat().st_mtime < _newest(sources):
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail("the web console needs npm to build (web/: npm ci && npm run build)")
        if not (WEB / "node_modules" / ".package-lock.json").is_file():
            subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=WEB, check=True, timeout=600)
        subprocess.run([npm, "run", "build"], cwd=WEB, check=True, timeout=600)
    assert index.is_file()
    return WEB / "dist"


class Browser:
    """A thin, synchronous wrapper around one Chromium (call it from a worker thread)."""

    def __init__(self, driver: webdriver.Chrome, shots: Path) -> None:
        self.driver = driver
        self.shots = shots
        self.base = ""

    def go(self, path: str) -> None:
        self.driver.get(self.base + path)

    def wait(self, condition: Callable[[webdriver.Chrome], Any], timeout: float = 20, what: str = "") -> Any:
        try:
            return WebDriverWait(self.driver, timeout, poll_frequency=0.05).until(condition)
        except TimeoutException:
            self.shot(f"FAILED-{int(time.time())}")
            raise AssertionError(f"timed out waiting for {what or condition}; page text:\n{self.text()}") from None

    def find(self, css: str, timeout: float = 20) -> WebElement:
        return self.wait(lambda d: _first_displayed(d, css), timeout, css)  # type: ignore[no-any-return]

    def all(self, css: str) -> list[WebElement]:
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def button(self, label: str, timeout: float = 20) -> WebElement:
        """A button or link whose visible text contains `label`."""

        def find(d: webdriver.Chrome) -> WebElement | None:
            for el in d.find_elements(By.CSS_SELECTOR, "button, a"):
                try:
                    if label in el.text and el.is_displayed() and el.is_enabled():
                        return el
                except StaleElementReferenceException:
                    continue
            return None

        return self.wait(find, timeout, f"a button {label!r}")  # type: ignore[no-any-return]

    def click(self, label: str, timeout: float = 20) -> None:
        self.button(label, timeout).click()

    def text(self) -> str:
        try:
            return str(self.driver.find_element(By.TAG_NAME, "body").text)
        except WebDriverException:
            return ""

    def wait_text(self, text: str, timeout: float = 20) -> None:
        self.wait(lambda d: text in self.text(), timeout, f"the text {text!r}")

    def js(self, script: str, *args: Any) -> Any:
        return self.driver.execute_script(script, *args)

    def shot(self, name: str, height: int | None = None, at: WebElement | None = None) -> Path:
        """A screenshot from the top of the page, or around `at`; with `height`, the window grows to show
        that much of the page."""
        path = self.shots / f"{name}.png"
        if at is not None:
            self.js("arguments[0].scrollIntoView({block: 'center'})", at)
        else:
            self.js("window.scrollTo(0, 0)")
        if height:
            size = self.driver.get_window_size()
            full = int(self.js("return document.documentElement.scrollHeight"))
            self.driver.set_window_size(size["width"], min(max(full, 600), height))
            self.driver.save_screenshot(str(path))
            self.driver.set_window_size(size["width"], size["height"])
        else:
            self.driver.save_screenshot(str(path))
        return path

    def page_png(self, name: str, scale: float = 1.0) -> Path:
        """The whole page (beyond the window) as one PNG, scaled (Chrome DevTools' captureScreenshot)."""
        self.js("window.scrollTo(0, 0)")
        width = int(self.js("return document.documentElement.scrollWidth"))
        height = int(self.js("return document.documentElement.scrollHeight"))
        shot = self.driver.execute_cdp_cmd(
            "Page.captureScreenshot",
            {
                "format": "png",
                "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": scale},
            },
        )
        path = self.shots / f"{name}.png"
        path.write_bytes(base64.b64decode(shot["data"]))
        return path


def _first_displayed(driver: webdriver.Chrome, css: str) -> WebElement | None:
    for el in driver.find_elements(By.CSS_SELECTOR, css):
        try:
            if el.is_displayed():
                return el
        except StaleElementReferenceException:
            continue
    return None


def start_chromium(user_data: Path, fake_mic: Path = FAKE_MIC) -> webdriver.Chrome:
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not Path(p).is_file()]
    if missing:
        pytest.fail(
            f"the browser tests need Debian's packages {PACKAGES} (missing {', '.join(missing)}): "
            f"`make chromium` or `apt-get install {PACKAGES}`",
            pytrace=False,
        )
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--use-file-for-fake-audio-capture={fake_mic}")
    options.add_argument(f"--user-data-dir={user_data}")
    options.add_argument("--window-size=1280,900")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    try:
        return webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    except WebDriverException as error:
        pytest.fail(
            f"Chromium could not start ({error.msg}); the browser tests need Debian's packages {PACKAGES}",
            pytrace=False,
        )


@pytest.fixture
def browser(web_dist: Path, request: pytest.FixtureRequest) -> Iterator[Browser]:
    """A fresh Chromium (new profile: no session, no storage) per test."""
    shots = artifacts_dir() / request.node.name
    shots.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="yousync-chromium-") as profile:
        driver = start_chromium(Path(profile))
        driver.set_page_load_timeout(30)
        try:
            yield Browser(driver, shots)
        finally:
            try:
                logs = driver.get_log("browser")
                (shots / "console.log").write_text("\n".join(f"{e['level']} {e['message']}" for e in logs))
            except WebDriverException:
                pass
            driver.quit()
