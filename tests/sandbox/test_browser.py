"""The sandbox page in a real browser (Debian's Chromium driven by Playwright): a person
mentions an agent or DMs the app and sees the persona's answer arrive live.

Most tests share one sandbox (`module_sandbox`: a start costs 5-10 s) and find their own
messages by ts, whatever ran before them; the two that read the whole workspace (Home's
"nothing is waiting", the standup's counts) get a fresh one (`fresh_page`).
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect
from slack_sdk import WebClient

from bots.ritual_config import DEFAULT_RITUALS_PATH
from sandbox.slack_api import SlackStandIn
from tests.conftest import BOT_TOKEN
from tests.sandbox.conftest import CARD, MARIA, SAM, Sandbox, start_sandbox
from tests.sandbox.pages import ARTIFACTS, REPLY_TIMEOUT_MS, opened_page, send


@pytest.fixture()
def page(
    browser: Browser, module_sandbox: Sandbox, request: pytest.FixtureRequest
) -> Iterator[Page]:
    """The page of the module's shared sandbox."""
    yield from opened_page(browser, module_sandbox.url, request.node.name)


@pytest.fixture()
def quiet_sandbox(tmp_path: Path, _stopping_sandboxes: list[Sandbox]) -> Iterator[Sandbox]:
    """A sandbox of the test's own whose scheduler runs no ritual by itself: yesterday, today
    and tomorrow (UTC, so whatever the workspace's zone) are holidays. Otherwise, started
    on a weekday within `catch_up_hours` of 09:30, it catches up that day's standup itself,
    beside the one a test asks for with `/standup` (which holidays do not stop)."""
    today = datetime.now(UTC).date()
    days = ", ".join(f'"{today + timedelta(days=n)}"' for n in (-1, 0, 1))
    rituals = DEFAULT_RITUALS_PATH.read_text(encoding="utf-8")
    assert "holidays = []" in rituals
    path = tmp_path / "rituals.toml"
    path.write_text(rituals.replace("holidays = []", f"holidays = [{days}]"), encoding="utf-8")
    running = start_sandbox(tmp_path, {"RITUALS_PATH": str(path)})
    yield running
    if running.process.poll() is None:
        running.process.send_signal(signal.SIGINT)
    _stopping_sandboxes.append(running)


@pytest.fixture()
def fresh_page(
    browser: Browser, quiet_sandbox: Sandbox, request: pytest.FixtureRequest
) -> Iterator[Page]:
    """The page of a sandbox of the test's own, for what reads the whole workspace."""
    yield from opened_page(browser, quiet_sandbox.url, request.node.name)


def _sent(page: Page, running: Sandbox, channel: str, text: str) -> str:
    """Send from the composer; the ts of that message (the newest with this text: tests run
    one at a time, so a shared sandbox's earlier copies are older)."""
    send(page, text)
    # The stand-in took it (and the app acked its events): slow on a busy machine.
    expect(page.get_by_test_id("composer")).to_have_value("", timeout=REPLY_TIMEOUT_MS)
    said = text.removeprefix("@Marketing Dept ")
    found = running.get(f"/api/messages?channel={channel}")["messages"]
    mine = [m["ts"] for m in found if said in m.get("text", "") and not m.get("bot_id")]
    assert mine, f"{text!r} is not in {channel}"
    return str(mine[-1])


def _row(where: Locator | Page, ts: str) -> Locator:
    return where.locator(f'[data-testid="message"][data-ts="{ts}"]')


def _links_to(page: Page, ts: str) -> Locator:
    """A link to the message at `ts` (a permalink: …/p<ts without its dot>)."""
    return page.locator(f'a[href*="/p{ts.replace(".", "")}"]')


def test_mention_an_agent_and_see_the_persona_reply_in_its_thread(page: Page) -> None:
    page.get_by_test_id("user-picker").select_option("U0MARIA")
    page.get_by_test_id("channel-general").click()
    send(page, "@Marketing Dept copywriter: three taglines for our AI analytics launch")

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
    send(page, "What should we focus on this quarter?")

    # The answer is in the DM itself, not in a thread that needs a click.
    # (Sam's first DM also brings the CMO's welcome, which has tests of its own.)
    reply = page.locator('#message-list [data-testid="message"][data-username="CMO"]').filter(
        has_not_text="Welcome to the marketing department"
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


def test_escaped_text_shows_as_typed_and_only_real_markup_links(
    browser: Browser, page_api: str, slack: SlackStandIn
) -> None:
    """As in Slack: `&lt;!here&gt;` is the text "<!here>", not a mention; a link's label
    keeps everything after the first `|`."""
    wire = (
        "&lt;!here&gt; R&amp;D for &lt;@U0EVIL&gt; at &lt;https://evil.example|approve&gt; · "
        "<https://sandbox.slack.com/archives/C0GENERAL/p1|this a|b thread>"
    )
    WebClient(token=BOT_TOKEN, base_url=slack.url).chat_postMessage(channel="C0GENERAL", text=wire)
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(page_api)
    page.get_by_test_id("channel-general").click()
    shown = page.get_by_test_id("message-text").filter(has_text="R&D")
    expect(shown).to_have_text(
        "<!here> R&D for <@U0EVIL> at <https://evil.example|approve> · this a|b thread"
    )
    expect(shown.locator(".mention")).to_have_count(0)
    expect(shown.locator("a")).to_have_count(1)
    expect(shown.locator("a")).to_have_attribute(
        "href", "https://sandbox.slack.com/archives/C0GENERAL/p1"
    )
    context.close()


def test_the_department_at_work_in_the_browser(page: Page, module_sandbox: Sandbox) -> None:
    """A manager delegates to two specialists; their threads appear in #mkt-content and the
    manager's synthesis lands in the person's thread."""
    page.get_by_test_id("user-picker").select_option("U0MARIA")
    page.get_by_test_id("channel-mkt-content").click()
    ts = _sent(page, module_sandbox, CONTENT, BLOG_REQUEST)

    # This request's assignments: each brief links back to "this thread".
    assignments = page.locator('[data-testid="message"][data-username="Content Manager"]')
    assignments = assignments.filter(has=_links_to(page, ts))
    expect(assignments.filter(has_text="Draft the blog post")).to_have_count(
        1, timeout=REPLY_TIMEOUT_MS
    )
    expect(assignments.filter(has_text="Keyword plan")).to_have_count(1, timeout=REPLY_TIMEOUT_MS)
    _row(page.locator("#message-list"), ts).get_by_test_id("thread-link").click()
    pane = page.get_by_test_id("thread-pane")
    synthesis = pane.locator('[data-testid="message"][data-username="Content Manager"]').filter(
        has_text="Editor's note"
    )
    expect(synthesis).to_have_count(1, timeout=REPLY_TIMEOUT_MS)
    expect(pane.get_by_test_id("message-text").filter(has_text="Assigned")).to_have_count(2)


# --- approvals and escalations through the page -----------------------------------------------

BLOG_REQUEST = "@Marketing Dept content manager: we need a blog post about AI in marketing for CMOs"
CONTENT, GENERAL = "C0MKTCONTENT", "C0GENERAL"
THREAD_CLICKS, THREAD_OPEN_MS = 3, 10_000


def _open_my_thread(page: Page, ts: str) -> Locator:
    """The thread pane, showing the thread of `ts`. The list moves as the department posts
    (it keeps to the newest), so on a busy machine a click can land on a neighbour, or on a
    permalink in it that opens the channel afresh: clicked again until the pane shows it."""
    link = _row(page.locator("#message-list"), ts).get_by_test_id("thread-link")
    expect(link).to_be_visible(timeout=REPLY_TIMEOUT_MS)
    pane = page.get_by_test_id("thread-pane")
    for _ in range(THREAD_CLICKS - 1):
        link.click()
        try:
            expect(_row(pane, ts)).to_be_visible(timeout=THREAD_OPEN_MS)
            return pane
        except AssertionError:
            continue
    link.click()
    expect(_row(pane, ts)).to_be_visible(timeout=THREAD_OPEN_MS)
    return pane


def _ts_of(message: Locator) -> str:
    """The ts of the one message `message` finds (in a sandbox of the test's own)."""
    expect(message).to_have_count(1)
    return str(message.get_attribute("data-ts"))


def _approval_card(pane: Locator, version: int = 1) -> Locator:
    """The approval card of `version` in the thread pane, once the reviews are through."""
    card = (
        pane.locator('[data-testid="message"][data-username="Content Manager"]')
        .filter(has=pane.page.get_by_test_id("block-header").filter(has_text="Approval:"))
        .filter(has_text=f"Blog post · version {version} ·")
    )
    expect(card).to_have_count(1, timeout=REPLY_TIMEOUT_MS)
    return card


def _button(card: Locator, action_id: str) -> Locator:
    return card.locator(f'[data-testid="block-button"][data-action-id="{action_id}"]')


def _ask_for_the_blog_post(page: Page, running: Sandbox) -> tuple[str, Locator]:
    """Maria asks in #mkt-content: her message's ts, and its thread, opened."""
    page.get_by_test_id("user-picker").select_option(MARIA)
    page.get_by_test_id("channel-mkt-content").click()
    ts = _sent(page, running, CONTENT, BLOG_REQUEST)
    return ts, _open_my_thread(page, ts)


def test_the_blog_post_flow_to_its_approval_card_and_one_click(fresh_page: Page) -> None:
    """What a newcomer does without reading anything: pick the first example, press Enter,
    wait for the card, click Approve. (A sandbox of its own: Home must have nothing else
    waiting.)"""
    page = fresh_page
    page.get_by_test_id("channel-mkt-content").click()
    page.get_by_test_id("try-example").first.click()
    composer = page.get_by_test_id("composer")
    expect(composer).to_have_value(BLOG_REQUEST)
    composer.press("Enter")
    mine = page.locator('[data-testid="message"][data-username="maria"]')
    pane = _open_my_thread(page, _ts_of(mine.filter(has_text="we need a blog post")))
    card = _approval_card(pane)
    expect(card).to_contain_text("drafted by Copywriter")
    expect(card).to_contain_text("Director of Communications: On-brand")
    expect(card).to_contain_text("On approval:")
    _button(card, "approval-approve").click()

    expect(card).to_contain_text("Approved by @maria", timeout=REPLY_TIMEOUT_MS)
    expect(_button(card, "approval-approve")).to_have_count(0)
    wrap_up = pane.get_by_test_id("message-text").filter(has_text="Wrap-up")
    expect(wrap_up).to_have_count(1, timeout=REPLY_TIMEOUT_MS)
    expect(wrap_up).to_contain_text("Promotion:")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "test_the_blog_post_flow_thread.png"))

    page.get_by_test_id("nav-home").click()  # the audit trail in the App Home tab
    home = page.locator("#home-view")
    expect(home).to_contain_text("Decisions (audit trail)", timeout=REPLY_TIMEOUT_MS)
    expect(home).to_contain_text("Approved: Go from questions")
    expect(home).to_contain_text("Nothing is waiting for a person right now.")


def test_request_changes_through_the_modal_gives_version_2(
    page: Page, module_sandbox: Sandbox
) -> None:
    _, pane = _ask_for_the_blog_post(page, module_sandbox)
    first = _approval_card(pane)
    _button(first, "approval-request-changes").click()
    modal = page.get_by_test_id("modal")
    expect(modal).to_have_attribute("data-callback-id", "approval-decision")
    field = modal.locator('[data-testid="modal-input"][data-block-id="feedback"]')
    error = modal.locator('[data-testid="modal-error"][data-block-id="feedback"]')
    modal.get_by_test_id("modal-submit").click()  # empty: Slack's own check, in the client
    expect(error).to_have_text("Please fill out this required field.")
    field.fill("ok")  # too short to act on: the app answers with an error for this input
    modal.get_by_test_id("modal-submit").click()
    expect(error).to_have_text("Say what should change, so the author can revise it.")
    field.fill("Add a call to action at the end.")
    modal.get_by_test_id("modal-submit").click()
    expect(page.get_by_test_id("modal")).to_have_count(0)

    second = _approval_card(pane, version=2)
    expect(second).to_contain_text("Try it this week")
    expect(first).to_contain_text("Changes requested by @maria")
    expect(first).to_contain_text("Superseded by version 2")
    expect(_button(first, "approval-approve")).to_have_count(0)


def test_a_colleague_who_may_not_approve_sees_the_refusal(
    page: Page, module_sandbox: Sandbox
) -> None:
    ts, pane = _ask_for_the_blog_post(page, module_sandbox)
    _approval_card(pane)
    page.get_by_test_id("user-picker").select_option(SAM)  # Sam opens the same thread
    page.get_by_test_id("channel-mkt-content").click()
    pane = _open_my_thread(page, ts)
    card = _approval_card(pane)
    _button(card, "approval-approve").click()
    refusal = pane.get_by_test_id("ephemeral").filter(has_text="Only @maria or a workspace admin")
    expect(refusal).to_have_count(1, timeout=REPLY_TIMEOUT_MS)
    expect(refusal).to_contain_text("Only visible to you")
    expect(_button(card, "approval-approve")).to_be_visible()  # nothing changed


def test_answer_an_escalation_card_through_its_modal(page: Page, module_sandbox: Sandbox) -> None:
    """Asked in a public channel, the card goes to #mkt-escalations (a DM's would stay in the
    DM: tests/test_privacy.py). (The only escalation of this module's sandbox.)"""
    page.get_by_test_id("user-picker").select_option(MARIA)
    page.get_by_test_id("channel-general").click()
    question = "@Marketing Dept Is our GDPR consent banner copy compliant for the EU launch?"
    ts = _sent(page, module_sandbox, GENERAL, question)
    page.get_by_test_id("channel-mkt-escalations").click()
    card = page.get_by_test_id("message").filter(
        has=page.get_by_test_id("block-header").filter(has_text="ESCALATION: Human")
    )
    expect(card).to_have_count(1, timeout=REPLY_TIMEOUT_MS)
    expect(card).to_contain_text("Legal / compliance")
    card.locator('[data-testid="block-button"][data-action-id="escalation-decide"]').click()
    modal = page.get_by_test_id("modal")
    expect(modal).to_have_attribute("data-callback-id", "escalation-answer")
    modal.get_by_test_id("radio-option").first.check()  # one of the options it named
    modal.locator('[data-testid="modal-input"][data-block-id="answer"]').fill(
        "Legal reviewed it: ship with the updated consent wording."
    )
    modal.get_by_test_id("modal-submit").click()
    expect(page.get_by_test_id("modal")).to_have_count(0)
    expect(card).to_contain_text("Decided by @maria", timeout=REPLY_TIMEOUT_MS)

    page.get_by_test_id("channel-general").click()
    pane = _open_my_thread(page, ts)
    answer = pane.get_by_test_id("message-text").filter(has_text="Answer from above")
    expect(answer).to_have_count(1, timeout=REPLY_TIMEOUT_MS)
    expect(answer).to_contain_text("ship with the updated consent wording")


# --- /campaign from the composer ---------------------------------------------------------------

CONFERENCE_LAUNCH = (
    "/campaign launch an awareness campaign for our AI analytics feature: content, social, "
    "email, webinar, sales hand-off; track ROI; conference in 3 weeks; budget $50k"
)


def test_the_conference_launch_example_from_command_to_the_first_phase(page: Page) -> None:
    """The issue's scenario as a person runs it: the example's `/campaign` brief, Enter, the
    private "Analyzing…", the plan card in #mkt-campaigns, Approve plan (Maria is an admin,
    so she may), and the first phase's first step opening its thread in its agent's channel."""
    page.get_by_test_id("user-picker").select_option(MARIA)
    page.get_by_test_id("channel-mkt-campaigns").click()
    page.get_by_test_id("try-example").filter(has_text="/campaign").click()
    composer = page.get_by_test_id("composer")
    expect(composer).to_have_value(CONFERENCE_LAUNCH)
    composer.press("Enter")

    analyzing = page.get_by_test_id("ephemeral").filter(has_text="Analyzing")
    expect(analyzing).to_have_count(1, timeout=REPLY_TIMEOUT_MS)
    expect(analyzing).to_contain_text("Only visible to you")
    expect(page.get_by_test_id("message").filter(has_text="/campaign")).to_have_count(0)

    card = page.locator('#message-list [data-testid="message"][data-username="VP Marketing"]')
    card = card.filter(has_text="Brief from @maria")
    expect(card).to_have_count(1, timeout=REPLY_TIMEOUT_MS)
    expect(card).to_contain_text("pattern: product_launch")
    expect(card).to_contain_text("1. Strategy & Planning")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "test_the_conference_launch_card.png"), full_page=True)
    card.get_by_test_id("reply-in-thread").click()  # Slack takes app commands in channels only
    reply = page.get_by_test_id("thread-composer")
    reply.fill("/campaign list")
    reply.press("Enter")
    expect(page.get_by_test_id("thread-composer-error")).to_have_text(
        "/campaign is not supported in threads. Sorry!"
    )
    card.locator('[data-testid="block-button"][data-action-id="campaign-approve-plan"]').click()
    expect(card).to_contain_text("approved: running", timeout=REPLY_TIMEOUT_MS)

    page.get_by_test_id("channel-mkt-leadership").click()
    step = page.locator('[data-testid="message"][data-username="VP Marketing"]').filter(
        has_text="Define campaign strategy"
    )
    expect(step).to_have_count(1, timeout=REPLY_TIMEOUT_MS)


# --- the rituals from the page -------------------------------------------------------------------


def test_the_standup_run_from_the_page_after_the_blog_post_example(fresh_page: Page) -> None:
    """The issue's newcomer: the blog-post example to its wrap-up, then the page's `/standup`
    example; the VP opens the day's thread in #mkt-standup, and the Copywriter's reply in it
    names the draft just approved, linked to its thread (facts from the work just done); the
    Content Manager's names the request as asked, without the "content manager:" address.
    (A sandbox of its own: the standup counts all of the day's work.)"""
    page = fresh_page
    page.get_by_test_id("channel-mkt-content").click()
    page.get_by_test_id("try-example").first.click()
    page.get_by_test_id("composer").press("Enter")
    mine = page.locator('[data-testid="message"][data-username="maria"]')
    pane = _open_my_thread(page, _ts_of(mine.filter(has_text="we need a blog post")))
    _button(_approval_card(pane), "approval-approve").click()
    wrap_up = pane.get_by_test_id("message-text").filter(has_text="Wrap-up")
    expect(wrap_up).to_have_count(1, timeout=REPLY_TIMEOUT_MS)

    page.get_by_test_id("try-example").filter(has_text="/standup").click()
    composer = page.get_by_test_id("composer")
    expect(composer).to_have_value("/standup")
    composer.press("Enter")
    started = page.get_by_test_id("ephemeral").filter(has_text="#mkt-standup")
    expect(started).to_have_count(1, timeout=REPLY_TIMEOUT_MS)
    page.get_by_test_id("channel-mkt-standup").click()
    opener = page.locator('#message-list [data-testid="message"][data-username="VP Marketing"]')
    expect(opener.filter(has_text="Daily standup ·")).to_have_count(1, timeout=REPLY_TIMEOUT_MS)
    expect(opener).to_contain_text("Copywriter · 1 done")
    opener.get_by_test_id("thread-link").click()
    thread = page.get_by_test_id("thread-pane")
    update = thread.locator('[data-testid="message"][data-username="Copywriter"]')
    expect(update).to_contain_text("Completed since the last standup", timeout=REPLY_TIMEOUT_MS)
    expect(update.locator("a").filter(has_text="Draft the blog post")).to_have_count(1)
    request = thread.locator('[data-testid="message"][data-username="Content Manager"]')
    expect(request).to_contain_text("“we need a blog post about AI in marketing for CMOs”")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "test_the_standup_thread.png"))
