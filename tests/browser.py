"""A real browser for the tests: Debian's chromium driven by Playwright.

Playwright's own browser download cannot be used here (it fetches from outside the package
registries), so it launches the system's chromium. Without one, the browser tests skip
with a message saying how to install it; `make test` installs it when it runs as root.
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# No background traffic: this machine reaches no network but the package registries, and
# a browser that tries would only slow down and log errors.
QUIET_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def require_chromium() -> str:
    if CHROMIUM is None:
        pytest.skip(
            "no chromium on this machine: the browser tests need Debian's chromium "
            "(`sudo apt-get install chromium`; `make test` installs it when run as root)"
        )
    return CHROMIUM


@contextmanager
def browser_page(width: int = 1400, height: int = 1000) -> Iterator:
    from playwright.sync_api import sync_playwright

    executable = require_chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=QUIET_FLAGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            yield page
        finally:
            browser.close()


def is_blank(png: bytes) -> bool:
    """A screenshot of one flat colour (or nearly: fewer than 1% of pixels differ)."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    colors = image.getcolors(maxcolors=1 << 20) or []
    if not colors:
        return False  # more than a million colours: certainly not blank
    most_common = max(count for count, _ in colors)
    return most_common > 0.99 * image.width * image.height
