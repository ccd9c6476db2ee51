"""Cards people act on, in a real browser (Debian's Chromium via Playwright), on ONE sandbox
shared by this file's tests (each makes its own request, so none depends on another running
first): the escalation's Decide modal with the options it named, a colleague's refusal naming
who can decide, and a version 2 card saying what changed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from sandbox.scripted_escalation import LEGAL_OPTIONS
from tests.sandbox.conftest import MARIA, SAM, Sandbox
from tests.sandbox.pages import ARTIFACTS, REPLY_TIMEOUT_MS, opened_page, send


@pytest.fixture()
def page(
    browser: Browser, module_sandbox: Sandbox, request: pytest.FixtureRequest
) -> Iterator[Page]:
    yield from opened_page(
        browser, module_sandbox.url, request.node.name, viewport={"width": 1280, "height": 900}
    )


def _open_thread(page: Page, text: str) -> Locator:
    mine = page.locator('[data-testid="message"][data-username="maria"]').filter(has_text=text)
    link = mine.get_by_test_id("thread-link")
    expect(link).to_be_visible(timeout=REPLY_TIMEOUT_MS)
    link.click()
    return page.get_by_test_id("thread-pane")


def _card(pane: Locator, version: int) -> Locator:
    card = (
        pane.locator('[data-testid="message"][data-username="Content Manager"]')
        .filter(has=pane.page.get_by_test_id("block-header").filter(has_text="Approval:"))
        .filter(has_text=f"Blog post · version {version} ·")
    )
    expect(card).to_have_count(1, timeout=REPLY_TIMEOUT_MS)
    return card


def _blog_post_card(page: Page, topic: str) -> tuple[Locator, Locator]:
    """Maria asks #mkt-content for a blog post on `topic`; its thread and version 1's card."""
    page.get_by_test_id("user-picker").select_option(MARIA)
    page.get_by_test_id("channel-mkt-content").click()
    send(page, f"@Marketing Dept content manager: we need a blog post about {topic} for CMOs")
    pane = _open_thread(page, topic)
    return pane, _card(pane, 1)


def _button(card: Locator, action_id: str) -> Locator:
    return card.locator(f'[data-testid="block-button"][data-action-id="{action_id}"]')


def test_the_escalation_decide_modal_offers_its_options(page: Page) -> None:
    page.get_by_test_id("user-picker").select_option(MARIA)
    page.get_by_test_id("channel-general").click()
    send(page, "@Marketing Dept Is our cookie banner wording GDPR compliant for the EU launch?")
    page.get_by_test_id("channel-mkt-escalations").click()
    card = page.get_by_test_id("message").filter(has_text="cookie banner wording")
    card = card.filter(has=page.get_by_test_id("block-header"))
    expect(card).to_have_count(1, timeout=REPLY_TIMEOUT_MS)
    expect(card).to_contain_text("Options")
    expect(card).to_contain_text(LEGAL_OPTIONS[0])
    expect(card.locator("a").filter(has_text="The request's thread")).to_have_count(1)

    _button(card, "escalation-decide").click()
    modal = page.get_by_test_id("modal")
    expect(modal).to_have_attribute("data-callback-id", "escalation-answer")
    expect(modal).to_contain_text("cookie banner wording")  # the question
    options = modal.get_by_test_id("radio-option")
    expect(options).to_have_count(len(LEGAL_OPTIONS))
    modal.get_by_test_id("modal-submit").click()  # nothing chosen: Slack's own check
    expect(modal.locator('[data-testid="modal-error"][data-block-id="choice"]')).to_have_text(
        "Please fill out this required field."
    )
    modal.get_by_text(LEGAL_OPTIONS[0]).click()
    modal.locator('[data-testid="modal-input"][data-block-id="answer"]').fill(
        "Legal reviews it on Monday."
    )
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "test_the_escalation_decide_modal_open.png"))
    modal.get_by_test_id("modal-submit").click()
    expect(page.get_by_test_id("modal")).to_have_count(0)
    expect(card).to_contain_text(
        f"Decided by @maria: {LEGAL_OPTIONS[0]} · Note: Legal reviews it on Monday.",
        timeout=REPLY_TIMEOUT_MS,
    )
    expect(_button(card, "escalation-decide")).to_have_count(0)


def test_a_colleague_is_told_who_can_decide(page: Page) -> None:
    pane, card = _blog_post_card(page, "AI in retail marketing")
    expect(card).to_contain_text("Can decide: @maria or a workspace admin")
    page.get_by_test_id("user-picker").select_option(SAM)  # Sam opens the same thread
    page.get_by_test_id("channel-mkt-content").click()
    pane = _open_thread(page, "AI in retail marketing")
    card = _card(pane, 1)
    _button(card, "approval-request-changes").click()
    refusal = pane.get_by_test_id("ephemeral").filter(has_text="Only @maria")
    expect(refusal).to_have_count(1, timeout=REPLY_TIMEOUT_MS)
    expect(refusal).to_contain_text(
        "Only @maria or a workspace admin can decide on this card. Nothing changed."
    )
    expect(page.get_by_test_id("modal")).to_have_count(0)
    expect(_button(card, "approval-request-changes")).to_be_visible()  # nothing changed


def test_version_2_says_what_changed_and_that_it_was_not_reviewed_again(page: Page) -> None:
    pane, first = _blog_post_card(page, "AI for small agencies")
    _button(first, "approval-request-changes").click()
    modal = page.get_by_test_id("modal")
    modal.locator('[data-testid="modal-input"][data-block-id="feedback"]').fill(
        "Add a call to action at the end."
    )
    modal.get_by_test_id("modal-submit").click()
    expect(page.get_by_test_id("modal")).to_have_count(0)

    second = _card(pane, 2)
    expect(second).to_contain_text(
        "What changed in version 2: Added a direct call to action at the end."
    )
    expect(second).to_contain_text("Not reviewed again: it came straight back to a person.")
    outcome = first.locator('[data-testid="block-section"][data-block-id="outcome"]')
    expect(outcome).to_contain_text("Changes requested by @maria")
    expect(outcome).to_contain_text("Superseded by version 2")
    revised = pane.get_by_test_id("message-text").filter(has_text="Revised:")
    expect(revised).to_have_count(1, timeout=REPLY_TIMEOUT_MS)
    expect(revised).not_to_contain_text("Added a direct call to action")  # said once, not twice
    # the screenshot (taken after the test) shows the change summary
    second.get_by_text("What changed in version 2").scroll_into_view_if_needed()
