"""Part 3 of the sandbox benchmark: the newcomer's blog-post flow, timed in Chromium.

As Maria in #mkt-content: click the first example, press Enter, open the thread, wait for
the approval card (delegation, two specialists, the synthesis, two agent reviews), click
Approve, wait for the card to say so and for the Content Manager's wrap-up (after its
hand-offs to Social Media and the Campaign Manager). Timed with perf_counter around
Playwright waits; the scripted Claude streams at its demo pace (24 characters per 30 ms).
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

from playwright.sync_api import Browser, Locator, Page, expect

FLOW_TIMEOUT_MS = 60_000
REQUEST = "we need a blog post"


@dataclass(frozen=True)
class FlowTiming:
    to_card_s: float  # Enter -> the approval card is on the page
    to_approved_s: float  # Approve click -> the card says "Approved by"
    to_wrap_up_s: float  # Approve click -> the wrap-up, after the hand-offs


def measure_flow(browser: Browser, url: str, number: int) -> FlowTiming:
    page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    try:
        page.goto(url)
        page.get_by_test_id("user-picker").select_option("U0MARIA")
        page.get_by_test_id("channel-mkt-content").click()
        expect(page.locator("#stream-status")).to_have_text("Live", timeout=FLOW_TIMEOUT_MS)
        page.get_by_test_id("try-example").first.click()
        started = time.perf_counter()
        page.get_by_test_id("composer").press("Enter")
        mine = page.locator('[data-testid="message"][data-username="maria"]').filter(
            has_text=REQUEST
        )
        link = mine.nth(number).get_by_test_id("thread-link")
        expect(link).to_be_visible(timeout=FLOW_TIMEOUT_MS)
        link.click()
        pane = page.get_by_test_id("thread-pane")
        card = _card(page, pane)
        expect(card).to_have_count(1, timeout=FLOW_TIMEOUT_MS)
        to_card = time.perf_counter() - started
        card.locator('[data-testid="block-button"][data-action-id="approval-approve"]').click()
        clicked = time.perf_counter()
        expect(card).to_contain_text("Approved by", timeout=FLOW_TIMEOUT_MS)
        to_approved = time.perf_counter() - clicked
        wrap_up = pane.get_by_test_id("message-text").filter(has_text="Wrap-up")
        expect(wrap_up).to_have_count(1, timeout=FLOW_TIMEOUT_MS)
        return FlowTiming(to_card, to_approved, time.perf_counter() - clicked)
    finally:
        page.context.close()


def _card(page: Page, pane: Locator) -> Locator:
    header = page.get_by_test_id("block-header").filter(has_text="Approval:")
    return pane.locator('[data-testid="message"]').filter(has=header)


def print_flows(timings: list[FlowTiming]) -> None:
    for number, timing in enumerate(timings, start=1):
        print(
            f"  flow {number}: Enter -> card {timing.to_card_s:5.2f} s, click -> card updated "
            f"{timing.to_approved_s * 1000:4.0f} ms, click -> wrap-up {timing.to_wrap_up_s:5.2f} s"
        )
    print(f"\n  over {len(timings)} flows:{'':31}median     max")
    for label, values in (
        ("Enter -> approval card (s)", [t.to_card_s for t in timings]),
        ("Approve click -> card updated (ms)", [t.to_approved_s * 1000 for t in timings]),
        ("Approve click -> wrap-up (s)", [t.to_wrap_up_s for t in timings]),
    ):
        print(f"  {label:<44}{statistics.median(values):8.2f}  {max(values):6.2f}")
