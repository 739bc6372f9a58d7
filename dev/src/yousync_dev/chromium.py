"""Debian's Chromium as the browser tests and scripts/drive_original_frontend.py run it."""

from __future__ import annotations

import os

PACKAGES = "chromium chromium-driver"
CHROMIUM = os.environ.get("YOUSYNC_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("YOUSYNC_CHROMEDRIVER", "/usr/bin/chromedriver")
# Chromium as this machine needs it: no sandbox as root, no GPU, nothing reaching the network by itself.
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--autoplay-policy=no-user-gesture-required",
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
]
