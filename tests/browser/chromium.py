"""Debian's Chromium driven by Playwright (installed by scripts/chromium.sh;
no browser download)."""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, Playwright, ViewportSize

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # a fake microphone and camera, granted without asking (voice notes)
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
]
TIMEOUT_MS = 30_000
"""What a browser step may take on a shared 2-core machine before it fails."""

DESKTOP: ViewportSize = {"width": 1100, "height": 720}
PHONE: ViewportSize = {"width": 390, "height": 800}


def launch(playwright: Playwright) -> Browser:
    """A fresh headless Chromium: Playwright gives each launch a new,
    empty user data directory (removed when the browser closes)."""
    if not CHROMIUM.exists():
        raise RuntimeError(f"{CHROMIUM} is missing: run scripts/chromium.sh (make test does)")
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=TIMEOUT_MS
    )


def launch_with_profile(playwright: Playwright, profile: Path, base_url: str) -> BrowserContext:
    """A Chromium of its own with an on-disk profile: Playwright's contexts
    of ``launch`` are off the record, where Chromium has no Push API."""
    if not CHROMIUM.exists():
        raise RuntimeError(f"{CHROMIUM} is missing: run scripts/chromium.sh (make test does)")
    context = playwright.chromium.launch_persistent_context(
        str(profile),
        executable_path=str(CHROMIUM),
        args=CHROMIUM_ARGS,
        timeout=TIMEOUT_MS,
        viewport=DESKTOP,
        base_url=base_url,
    )
    context.set_default_timeout(TIMEOUT_MS)
    return context


def screenshot_dir(repo: Path) -> Path:
    """Where the tests save their screenshots: ``CHAT_TEST_SCREENSHOT_DIR``,
    by default .state/screenshots (docs/client.md shows committed copies)."""
    configured = os.environ.get("CHAT_TEST_SCREENSHOT_DIR")
    folder = Path(configured) if configured else repo / ".state" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
