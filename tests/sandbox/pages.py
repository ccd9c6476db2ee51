"""What every browser test of the sandbox page shares: the page a test drives (its
screenshot kept in `artifacts/` when the test ends) and the composer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
VIEWPORT = {"width": 1280, "height": 800}
# How long a test waits for the department's next visible step. A loaded CI machine once
# took over 30 s for a blog post's review chain; a passing run waits only as long as it takes.
REPLY_TIMEOUT_MS = 45_000


def opened_page(browser: Browser, url: str, name: str, **context: Any) -> Iterator[Page]:
    """A fresh browser context on `url`; its screenshot is `artifacts/<name>.png`."""
    opened_context = browser.new_context(**({"viewport": VIEWPORT} | context))
    opened = opened_context.new_page()
    opened.goto(url)
    yield opened
    ARTIFACTS.mkdir(exist_ok=True)
    opened.screenshot(path=str(ARTIFACTS / f"{name}.png"))
    opened_context.close()


def send(page: Page, text: str) -> None:
    """Type into the composer and press Enter, as a person would."""
    composer = page.get_by_test_id("composer")
    composer.fill(text)
    composer.press("Enter")
