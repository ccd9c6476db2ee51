"""A sandbox with no dead ends, in a real browser (Debian's Chromium driven by Playwright):
permalinks open their thread in the page, an unscripted request gets an honest answer, a
reload leaves no modal behind, long messages fold, and every time reads the same way.

One sandbox serves the whole module; each test finds its own messages (by ts or by text no
other test sends), so none depends on another having run first.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.conftest import wait_until
from tests.sandbox.conftest import MARIA, SAM, Sandbox
from tests.sandbox.pages import ARTIFACTS, REPLY_TIMEOUT_MS, opened_page, send

WAIT_MS = 15_000  # a page refresh on a busy machine (2 cores shared by many test runs)
CARD_TIMEOUT_S = 90
BOT = "U0BOT"
GENERAL = "C0GENERAL"
BLOG_REQUEST = "content manager: we need a blog post about AI in marketing for CMOs"
# +05:45, so a time shown in UTC or the server's zone is off by a visible 45 minutes; en-US
# would write 12-hour times ("03:07 PM") if the page left the format to the locale.
READER_ZONE = "Asia/Kathmandu"


@dataclass(frozen=True)
class BlogCard:
    """Maria's blog-post request in #general and its approval card, still pending."""

    request_ts: str
    card_ts: str


@pytest.fixture()
def page(
    browser: Browser, module_sandbox: Sandbox, request: pytest.FixtureRequest
) -> Iterator[Page]:
    opening = opened_page(
        browser, module_sandbox.url, request.node.name, timezone_id=READER_ZONE, locale="en-US"
    )
    opened = next(opening)
    expect(opened.locator("#stream-status")).to_have_text("Live", timeout=REPLY_TIMEOUT_MS)
    yield opened
    next(opening, None)


@pytest.fixture(scope="module")
def blog_card(module_sandbox: Sandbox) -> BlogCard:
    """The blog-post example, asked in #general, run through review to its approval card
    (the assignments open threads in #mkt-content; the card comes back to #general)."""
    request_ts = str(module_sandbox.send(MARIA, GENERAL, f"<@{BOT}> {BLOG_REQUEST}")["ts"])

    def card_ts() -> str | None:
        for message in module_sandbox.replies(GENERAL, request_ts):
            if any(_is_approval_header(block) for block in message.get("blocks") or []):
                return str(message["ts"])
        return None

    assert wait_until(lambda: card_ts() is not None, CARD_TIMEOUT_S), "no approval card came"
    return BlogCard(request_ts, str(card_ts()))


def _is_approval_header(block: dict[str, Any]) -> bool:
    return block.get("type") == "header" and "Approval" in str(block["text"]["text"])


def _row(where: Locator | Page, ts: str) -> Locator:
    return where.locator(f'[data-testid="message"][data-ts="{ts}"]')


def _open_thread(page: Page, ts: str) -> Locator:
    link = _row(page.locator("#message-list"), ts).get_by_test_id("thread-link")
    expect(link).to_be_visible(timeout=REPLY_TIMEOUT_MS)
    link.click()
    return page.get_by_test_id("thread-pane")


def _snap(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


# --- permalinks ---------------------------------------------------------------------------------


def test_a_permalink_click_lands_on_its_thread(page: Page, blog_card: BlogCard) -> None:
    """The request's thread says "Assigned … assignment thread": the link opens #mkt-content
    and that thread, in this tab; the brief's "this thread" leads back."""
    page.get_by_test_id("channel-general").click()
    pane = _open_thread(page, blog_card.request_ts)
    note = pane.get_by_test_id("message").filter(has_text="Assigned").filter(has_text="Copywriter")
    note.get_by_role("link", name="assignment thread").click()

    expect(page.locator("#channel-title")).to_have_text("# mkt-content")
    assignment = pane.locator('[data-testid="message"][data-linked="true"]')
    expect(assignment).to_contain_text("Draft the blog post", timeout=WAIT_MS)
    expect(assignment).to_be_in_viewport()
    expect(pane.get_by_test_id("message").filter(has_text="My pick")).to_have_count(1)
    assert len(page.context.pages) == 1 and page.url.startswith("http://127.0.0.1")

    assignment.get_by_role("link", name="this thread").click()
    expect(page.locator("#channel-title")).to_have_text("# general")
    expect(_row(pane, blog_card.request_ts)).to_have_attribute(
        "data-linked", "true", timeout=WAIT_MS
    )
    assert len(page.context.pages) == 1


def test_homes_open_the_card_leads_to_the_card(page: Page, blog_card: BlogCard) -> None:
    page.get_by_test_id("nav-home").click()
    card_link = page.get_by_test_id("home-view").locator(
        f'a[href*="/p{blog_card.card_ts.replace(".", "")}"]'
    )
    expect(card_link).to_have_text("open the card", timeout=REPLY_TIMEOUT_MS)
    card_link.click()

    expect(page.locator("#channel-title")).to_have_text("# general")
    card = _row(page.get_by_test_id("thread-pane"), blog_card.card_ts)
    expect(card).to_have_attribute("data-linked", "true", timeout=WAIT_MS)
    expect(card).to_be_in_viewport()
    expect(card.locator('[data-action-id="approval-approve"]')).to_be_visible()
    expect(card.get_by_test_id("block-header")).to_be_in_viewport()  # the card from its top
    assert len(page.context.pages) == 1
    _snap(page, "test_homes_open_the_card_leads_to_the_card_highlighted")


def _permalink(channel: str, ts: str) -> str:
    return f"https://sandbox.slack.local/archives/{channel}/p{ts.replace('.', '')}"


def test_a_pasted_permalink_and_a_deep_link_open_their_message(
    page: Page, module_sandbox: Sandbox
) -> None:
    """A person pastes a permalink; jobs/ falls back to slack:// when Slack gives none; a
    link into someone else's DM, or to a deleted message, says why it cannot open."""
    social = "C0MKTSOCIAL"
    target = module_sandbox.send(SAM, social, "The launch date is settled: the 14th.")["ts"]
    links = (
        f"See <{_permalink(social, target)}|the date> · <slack://channel?id={social}"
        f"&amp;message={target}|the same, deep-linked> · "
        f"<{_permalink('D0SAM', target)}|Sam's DM> · "
        f"<{_permalink(social, '1000000000.000001')}|a deleted note>"
    )
    module_sandbox.send(SAM, GENERAL, links)
    page.get_by_test_id("channel-general").click()  # Maria's page
    for name in ("the date", "the same, deep-linked"):
        page.get_by_test_id("channel-general").click()
        page.locator("#message-list").get_by_role("link", name=name).click()
        expect(page.locator("#channel-title")).to_have_text("# mkt-social")
        message = _row(page.locator("#message-list"), target)
        expect(message).to_have_attribute("data-linked", "true", timeout=WAIT_MS)
        expect(message).to_be_in_viewport()
        expect(page.get_by_test_id("thread-pane")).to_be_hidden()  # no replies: no thread

    page.get_by_test_id("channel-general").click()
    page.locator("#message-list").get_by_role("link", name="Sam's DM").click()
    expect(page.get_by_test_id("toast-error")).to_contain_text("someone else's direct messages")
    expect(page.locator("#channel-title")).to_have_text("# general")
    page.locator("#message-list").get_by_role("link", name="a deleted note").click()
    expect(page.get_by_test_id("toast-error").filter(has_text="no longer there")).to_have_count(1)
    assert len(page.context.pages) == 1


# --- the scripted Claude's honest line ----------------------------------------------------------


def test_an_unscripted_request_gets_the_honest_line(page: Page) -> None:
    page.get_by_test_id("channel-general").click()
    send(page, "@Marketing Dept run today's standup")
    mine = page.locator("#message-list").get_by_test_id("message")
    mine = mine.filter(has_text="run today's standup")
    expect(mine).to_have_count(1)
    mine.get_by_test_id("thread-link").click(timeout=REPLY_TIMEOUT_MS)

    reply = page.get_by_test_id("thread-pane").locator('[data-username="CMO"]')
    text = reply.get_by_test_id("message-text")
    expect(text).to_contain_text("answer from scripts; try one of these", timeout=REPLY_TIMEOUT_MS)
    expect(text).to_contain_text("/standup now")
    expect(text).to_contain_text("three taglines for our AI analytics launch")
    expect(text).not_to_contain_text("Recommendation")


# --- modals and reloads -------------------------------------------------------------------------


def test_a_modal_is_gone_after_a_reload_and_the_page_works(
    page: Page, module_sandbox: Sandbox, blog_card: BlogCard
) -> None:
    page.get_by_test_id("channel-general").click()
    card = _row(_open_thread(page, blog_card.request_ts), blog_card.card_ts)
    card.locator('[data-action-id="approval-request-changes"]').click()
    expect(page.get_by_test_id("modal")).to_be_visible(timeout=WAIT_MS)
    assert len(module_sandbox.get(f"/api/views?user={MARIA}")["modals"]) == 1

    page.reload()
    expect(page.locator("#stream-status")).to_have_text("Live", timeout=REPLY_TIMEOUT_MS)

    assert module_sandbox.get(f"/api/views?user={MARIA}")["modals"] == []  # closed, as Slack does
    page.get_by_test_id("channel-general").click()  # an inert page would refuse these
    send(page, "Back after the reload, and the page still answers.")
    expect(page.get_by_test_id("message").filter(has_text="Back after the reload")).to_have_count(
        1, timeout=WAIT_MS
    )
    expect(page.get_by_test_id("modal")).to_have_count(0)  # views were fetched again by now
    assert page.evaluate("document.querySelector('.layout').inert") is False
    card = _row(_open_thread(page, blog_card.request_ts), blog_card.card_ts)
    expect(card.locator('[data-action-id="approval-approve"]')).to_be_visible()  # undecided


# --- long messages ------------------------------------------------------------------------------


def _clipped(text: Locator) -> bool:
    return bool(text.evaluate("el => el.scrollHeight > el.clientHeight + 1"))


def test_a_long_message_collapses_with_show_more(page: Page, module_sandbox: Sandbox) -> None:
    notes = "\n".join(f"{n}. A note from the planning session, number {n}." for n in range(1, 31))
    long_ts = module_sandbox.send(SAM, GENERAL, notes)["ts"]
    short_ts = module_sandbox.send(SAM, GENERAL, "A short note stays as it is.")["ts"]
    page.get_by_test_id("channel-general").click()

    row = _row(page.locator("#message-list"), long_ts)
    text, toggle = row.get_by_test_id("message-text"), row.get_by_test_id("show-more")
    expect(toggle).to_have_text("Show more", timeout=WAIT_MS)
    expect(text).to_have_class(re.compile(r"\bis-collapsed\b"))
    assert _clipped(text)
    _snap(page, "test_a_long_message_collapses_with_show_more_collapsed")
    short = _row(page.locator("#message-list"), short_ts)
    expect(short.get_by_test_id("show-more")).to_have_count(0)

    toggle.click()
    expect(toggle).to_have_text("Show less")
    assert not _clipped(text)
    expect(text).to_contain_text("30. A note from the planning session, number 30.")


# --- one time format ----------------------------------------------------------------------------


def _shown_in_reader_zone(time: Locator) -> None:
    """A <time> shows HH:MM of its instant in the reader's zone; the tooltip has the rest."""
    instant = datetime.fromisoformat(str(time.get_attribute("datetime")).replace("Z", "+00:00"))
    local = instant.astimezone(ZoneInfo(READER_ZONE))
    expect(time).to_have_text(local.strftime("%H:%M"), timeout=WAIT_MS)
    expect(time).to_have_attribute("title", re.compile(local.strftime(r"%Y at %H:%M:%S \(Asia/")))


def test_one_time_format_on_a_message_a_reply_and_a_card(page: Page, blog_card: BlogCard) -> None:
    page.get_by_test_id("channel-general").click()
    message_time = _row(page.locator("#message-list"), blog_card.request_ts).locator("time")
    _shown_in_reader_zone(message_time)
    pane = _open_thread(page, blog_card.request_ts)
    _shown_in_reader_zone(_row(pane, blog_card.card_ts).locator(".msg-meta time"))

    page.get_by_test_id("nav-home").click()  # the card's "waiting since <!date^…>"
    waiting = (
        page.get_by_test_id("home-view")
        .locator(".bk-section")
        .filter(has=page.locator(f'a[href*="/p{blog_card.card_ts.replace(".", "")}"]'))
    )
    card_time = waiting.locator("time")
    expect(card_time).to_have_count(1, timeout=REPLY_TIMEOUT_MS)
    _shown_in_reader_zone(card_time)
    expect(card_time).not_to_have_text(re.compile("AM|PM"))


# --- avatars and the DM composer ----------------------------------------------------------------


def test_agents_avatars_show_initials_in_a_colour_of_their_own(
    page: Page, blog_card: BlogCard
) -> None:
    page.get_by_test_id("channel-general").click()
    pane = _open_thread(page, blog_card.request_ts)
    avatar = pane.locator('[data-username="Content Manager"] [data-testid="avatar"]').first
    expect(avatar).to_have_attribute("data-initials", "CM", timeout=WAIT_MS)
    expect(avatar).to_contain_text("📝")  # the persona's emoji, as a badge

    colours = "() => state.boot.agents.map((a) => agentColor(a.display_name))"
    first = page.evaluate(colours)
    assert len(first) == 14 and len(set(first)) == 14
    page.reload()
    expect(page.locator("#stream-status")).to_have_text("Live", timeout=REPLY_TIMEOUT_MS)
    assert page.evaluate(colours) == first  # stable from one load to the next


def test_the_dm_composer_says_message_and_not_mention(page: Page) -> None:
    page.get_by_test_id("channel-dm").click()
    composer, hint = page.get_by_test_id("composer"), page.get_by_test_id("composer-hint")
    expect(composer).to_have_attribute("placeholder", "Message Marketing Dept")
    expect(hint).not_to_contain_text("@", use_inner_text=True)  # what is shown

    page.get_by_test_id("channel-general").click()
    expect(composer).to_have_attribute("placeholder", "Message #general")
    expect(hint).to_contain_text("@ to mention the department", use_inner_text=True)
