"""The first five minutes in the sandbox page (issue 19), in Debian's Chromium: the CMO's
welcome, `help`, the assistant pane's suggested prompts, `@` listing every agent, the
channel's topic naming its lead, and the message shortcut's modal. One sandbox for the file;
each test works as its own person or in its own conversation, so none depends on another."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from bots.examples import load_examples
from bots.roster import load_roster
from tests.sandbox.conftest import MARIA, SAM, Sandbox
from tests.sandbox.pages import ARTIFACTS, REPLY_TIMEOUT_MS, opened_page, send

ROSTER = load_roster()


@pytest.fixture()
def page(
    browser: Browser, module_sandbox: Sandbox, request: pytest.FixtureRequest
) -> Iterator[Page]:
    yield from opened_page(browser, module_sandbox.url, request.node.name)


def test_a_newcomer_is_welcomed_by_the_cmo_on_home_and_in_the_dm(page: Page) -> None:
    page.get_by_test_id("user-picker").select_option(MARIA)
    page.get_by_test_id("nav-home").click()
    home = page.get_by_test_id("home-view")
    expect(home).to_contain_text("Welcome to the marketing department", timeout=REPLY_TIMEOUT_MS)
    for agent in ROSTER.agents:
        expect(home).to_contain_text(agent.display_name)
    expect(home).to_contain_text("#mkt-content (Content Manager)")
    page.screenshot(path=str(ARTIFACTS / "welcome_home.png"))

    page.get_by_test_id("channel-dm").click()
    welcome = page.get_by_test_id("message").filter(has_text="Welcome to the marketing department")
    expect(welcome).to_have_count(1, timeout=REPLY_TIMEOUT_MS)
    expect(welcome).to_have_attribute("data-username", "CMO")
    expect(welcome).to_contain_text("Three taglines")  # what to try: bots/examples.toml


def test_help_in_the_dm_is_the_departments_own_answer(page: Page) -> None:
    page.get_by_test_id("user-picker").select_option(SAM)
    page.get_by_test_id("channel-dm").click()
    send(page, "help")
    # Answered in the DM itself (no thread to open), beside Sam's own first-DM welcome.
    reply = (
        page.locator('#message-list [data-testid="message"][data-username="CMO"]')
        .filter(has_text="The marketing department: who is who")
        .filter(has_not_text="Welcome to the marketing department")
    )
    expect(reply).to_have_count(1, timeout=REPLY_TIMEOUT_MS)
    for agent in ROSTER.agents:
        expect(reply).to_contain_text(agent.display_name)


def test_the_assistant_pane_offers_the_examples_and_a_click_asks(page: Page) -> None:
    page.get_by_test_id("user-picker").select_option(SAM)
    page.get_by_test_id("assistant-toggle").click()
    pane = page.get_by_test_id("assistant-pane")
    prompts = pane.get_by_test_id("assistant-prompt")
    expect(prompts).to_have_text(
        [e.label for e in load_examples().prompts], timeout=REPLY_TIMEOUT_MS
    )
    expect(pane.locator('[data-testid="message"][data-username="CMO"]')).to_contain_text(
        "I'm the CMO"
    )
    page.screenshot(path=str(ARTIFACTS / "assistant_prompts.png"))

    prompts.filter(has_text="Who is on the team?").click()
    answer = pane.locator('[data-testid="message"][data-username="CMO"]').filter(
        has_text="The marketing department: who is who"
    )
    expect(answer).to_have_count(1, timeout=REPLY_TIMEOUT_MS)
    expect(answer).to_contain_text("Social Media Manager")


def test_at_lists_every_agent_and_a_team_channel_names_its_lead(page: Page) -> None:
    page.get_by_test_id("user-picker").select_option(SAM)
    page.get_by_test_id("channel-mkt-content").click()
    expect(page.locator("#channel-sub")).to_have_text(
        "Content team · lead: Content Manager · ask @Marketing Dept content manager: …"
    )
    page.get_by_test_id("composer").fill("@")
    options = page.get_by_test_id("mention-option")
    expect(options).to_have_count(1 + len(ROSTER.agents))
    for agent in ROSTER.agents:
        expect(options.filter(has_text=agent.display_name).first).to_be_attached()


def test_the_message_shortcut_opens_the_departments_modal_and_starts_a_turn(
    page: Page, module_sandbox: Sandbox
) -> None:
    page.get_by_test_id("user-picker").select_option(SAM)
    page.get_by_test_id("channel-general").click()
    sent = module_sandbox.send(SAM, "C0GENERAL", "Our webinar moved to Friday at 3pm")
    message = page.locator(f'[data-testid="message"][data-ts="{sent["ts"]}"]')
    message.hover()
    message.get_by_test_id("message-more").click()
    message.get_by_test_id("shortcut-item").filter(has_text="Send to the department").click()

    modal = page.get_by_test_id("modal")
    expect(modal).to_have_attribute("data-callback-id", "send-to-department-modal")
    agent = modal.locator('[data-testid="modal-input"][data-block-id="agent"]')
    expect(agent.locator("option:checked")).to_have_text("CMO")
    modal.get_by_test_id("modal-submit").click()  # "what to do" is required
    expect(modal.locator('[data-testid="modal-error"][data-block-id="what"]')).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "shortcut_modal.png"))

    agent.select_option(label="Copywriter")
    modal.locator('[data-testid="modal-input"][data-block-id="what"]').fill(
        "three taglines announcing the new time"
    )
    modal.get_by_test_id("modal-submit").click()
    expect(page.get_by_test_id("modal")).to_have_count(0)
    thread_link = message.get_by_test_id("thread-link")
    expect(thread_link).to_be_visible(timeout=REPLY_TIMEOUT_MS)
    thread_link.click()
    reply = page.get_by_test_id("thread-pane").locator(
        '[data-testid="message"][data-username="Copywriter"]'
    )
    expect(reply).to_have_count(1, timeout=REPLY_TIMEOUT_MS)
