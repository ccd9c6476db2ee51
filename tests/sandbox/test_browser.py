"""The sandbox page in a real browser (Debian's Chromium driven by Playwright): a person
mentions an agent or DMs the app and sees the persona's answer arrive live."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from slack_sdk import WebClient

from sandbox.browser import CHROMIUM_ARGS, chromium_path
from sandbox.slack_api import SlackStandIn
from tests.conftest import BOT_TOKEN
from tests.sandbox.conftest import CARD, MARIA, Sandbox

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
REPLY_TIMEOUT_MS = 30_000


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = chromium_path()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture()
def page(browser: Browser, sandbox: Sandbox, request: pytest.FixtureRequest) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    opened = context.new_page()
    opened.goto(sandbox.url)
    yield opened
    ARTIFACTS.mkdir(exist_ok=True)
    opened.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"))
    context.close()


def _send(page: Page, text: str) -> None:
    composer = page.get_by_test_id("composer")
    composer.fill(text)
    composer.press("Enter")


def test_mention_an_agent_and_see_the_persona_reply_in_its_thread(page: Page) -> None:
    page.get_by_test_id("user-picker").select_option("U0MARIA")
    page.get_by_test_id("channel-general").click()
    _send(page, "@Marketing Dept copywriter: three taglines for our AI analytics launch")

    mine = page.get_by_test_id("message").filter(has_text="three taglines")
    expect(mine).to_have_count(1)
    thread_link = mine.get_by_test_id("thread-link")
    expect(thread_link).to_be_visible(timeout=REPLY_TIMEOUT_MS)
    thread_link.click()
    pane = page.get_by_test_id("thread-pane")
    reply = pane.locator('[data-testid="message"][data-username="Copywriter"]')
    expect(reply).to_have_count(1, timeout=REPLY_TIMEOUT_MS)
    expect(reply.get_by_test_id("message-text")).not_to_have_text(
        "On it…", timeout=REPLY_TIMEOUT_MS
    )
    expect(reply.get_by_test_id("message-text")).to_contain_text(
        "My pick", timeout=REPLY_TIMEOUT_MS
    )
    expect(reply.get_by_test_id("message-text")).to_contain_text("AI analytics")


def test_dm_the_app_and_the_cmo_answers(page: Page) -> None:
    page.get_by_test_id("user-picker").select_option("U0SAM")
    page.get_by_test_id("channel-dm").click()
    _send(page, "What should we focus on this quarter?")

    mine = page.get_by_test_id("message").filter(has_text="focus on this quarter")
    thread_link = mine.get_by_test_id("thread-link")
    expect(thread_link).to_be_visible(timeout=REPLY_TIMEOUT_MS)
    thread_link.click()
    reply = page.get_by_test_id("thread-pane").locator(
        '[data-testid="message"][data-username="CMO"]'
    )
    expect(reply).to_have_count(1, timeout=REPLY_TIMEOUT_MS)


def test_a_card_button_opens_a_modal_whose_errors_and_submit_work(
    browser: Browser, page_api: str, slack: SlackStandIn, request: pytest.FixtureRequest
) -> None:
    """Block Kit in the page against a small Bolt app using the approval-card shapes."""
    WebClient(token=BOT_TOKEN, base_url=slack.url).chat_postMessage(
        channel="C0GENERAL", text="Approval needed", blocks=CARD
    )
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(page_api)
    page.get_by_test_id("user-picker").select_option(MARIA)
    page.get_by_test_id("channel-general").click()
    expect(page.get_by_test_id("block-header")).to_have_text("Approval needed: Blog post")
    page.locator('[data-testid="block-button"][data-action-id="request-changes"]').click()

    modal = page.get_by_test_id("modal")
    expect(modal).to_have_attribute("data-callback-id", "feedback-modal")
    field = modal.locator('[data-testid="modal-input"][data-block-id="feedback"]')
    field.fill("meh")
    modal.get_by_test_id("modal-submit").click()
    expect(modal.locator('[data-testid="modal-error"][data-block-id="feedback"]')).to_have_text(
        "Say a little more (10+ characters)."
    )
    field.fill("Lead with the ROI number.")
    modal.get_by_test_id("modal-submit").click()
    expect(page.get_by_test_id("modal")).to_have_count(0)
    expect(page.get_by_test_id("message-text").filter(has_text="Changes requested")).to_have_text(
        "Changes requested: Lead with the ROI number."
    )
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"))
    context.close()


def test_the_department_at_work_in_the_browser(page: Page) -> None:
    """A manager delegates to two specialists; their threads appear in #mkt-content and the
    manager's synthesis lands in the person's thread."""
    page.get_by_test_id("user-picker").select_option("U0MARIA")
    page.get_by_test_id("channel-mkt-content").click()
    _send(
        page, "@Marketing Dept content manager: we need a blog post about AI in marketing for CMOs"
    )

    assignments = page.locator('[data-testid="message"][data-username="Content Manager"]')
    expect(assignments.filter(has_text="Draft the blog post")).to_have_count(
        1, timeout=REPLY_TIMEOUT_MS
    )
    expect(assignments.filter(has_text="Keyword plan")).to_have_count(1, timeout=REPLY_TIMEOUT_MS)
    mine = page.locator('[data-testid="message"][data-username="maria"]')
    mine.filter(has_text="we need a blog post").get_by_test_id("thread-link").click()
    pane = page.get_by_test_id("thread-pane")
    synthesis = pane.locator('[data-testid="message"][data-username="Content Manager"]').filter(
        has_text="Editor's note"
    )
    expect(synthesis).to_have_count(1, timeout=REPLY_TIMEOUT_MS)
    expect(pane.get_by_test_id("message-text").filter(has_text="Assigned")).to_have_count(2)
