"""The sandbox page shows Slack's AI surfaces (Debian's Chromium driven by Playwright): the
thread status while an agent works, a natively streamed reply without "(edited)", and a
manager's plan moving live.

Two shared set-ups, each built once for the file: the real sandbox (`python app.py`, its
scripted Claude thinking a moment before each answer so the status can be seen) for the
department at work end to end, and a page over a bare stand-in where the test plays the app's
Web API calls step by step (each state held as long as the test looks). Every test uses its
own thread, so none depends on another having run."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from slack_sdk import WebClient

from sandbox.signing import SlackRequestSender
from sandbox.slack_api import SlackStandIn
from sandbox.web_server import Person, SandboxChannel, Workspace, serve
from tests.conftest import BOT_TOKEN, BOT_USER, SIGNING_SECRET, TEAM
from tests.sandbox.conftest import Sandbox, start_sandbox
from tests.sandbox.pages import ARTIFACTS, opened_page

GENERAL = "C0GENERAL"
MARIA = "U0MARIA"
CMO: dict[str, Any] = {"username": "CMO", "icon_emoji": ":bust_in_silhouette:"}
FOR_MARIA: dict[str, Any] = {"recipient_user_id": MARIA, "recipient_team_id": TEAM}
TIMEOUT_MS = 10_000
WORK_TIMEOUT_MS = 90_000  # the department's whole flow on a busy 2-core machine
THINK_S = "1.5"  # the scripted Claude's pause before each answer: the status shows meanwhile


@pytest.fixture(scope="module")
def department(
    tmp_path_factory: pytest.TempPathFactory, _stopping_sandboxes: list[Sandbox]
) -> Iterator[Sandbox]:
    running = start_sandbox(
        tmp_path_factory.mktemp("streams"),
        extra_env={"SANDBOX_THINK_S": THINK_S, "SANDBOX_STREAM_DELAY_S": "0.03"},
    )
    yield running
    if running.process.poll() is None:
        running.process.send_signal(signal.SIGINT)
    _stopping_sandboxes.append(running)


@pytest.fixture()
def live(browser: Browser, department: Sandbox, request: pytest.FixtureRequest) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    opened = context.new_page()
    opened.goto(department.url)
    opened.get_by_test_id("user-picker").select_option(MARIA)
    yield opened
    ARTIFACTS.mkdir(exist_ok=True)
    opened.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"))
    context.close()


def _mention(page: Page, channel: str, text: str) -> None:
    page.get_by_test_id(f"channel-{channel}").click()
    composer = page.get_by_test_id("composer")
    composer.fill(f"@Marketing Dept {text}")
    composer.press("Enter")
    mine = page.get_by_test_id("message").filter(has_text=text)
    expect(mine).to_have_count(1, timeout=TIMEOUT_MS)
    mine.get_by_test_id("reply-in-thread").click(force=True)


def test_an_agent_at_work_shows_its_status_then_streams_without_edited(live: Page) -> None:
    _mention(live, "general", "copywriter: three taglines for our AI analytics launch")

    status = live.locator("#status-thread")
    expect(status).to_contain_text("Copywriter is thinking…", timeout=TIMEOUT_MS)
    ARTIFACTS.mkdir(exist_ok=True)
    live.screenshot(path=str(ARTIFACTS / "status_while_the_copywriter_works.png"))
    reply = live.locator('#thread-list [data-testid="message"][data-username="Copywriter"]')
    expect(reply.get_by_test_id("message-text")).to_contain_text(
        "AI analytics", timeout=WORK_TIMEOUT_MS
    )
    expect(status).to_have_count(0)
    expect(reply.locator('[data-testid="stream"][data-live="false"]')).to_have_count(
        1, timeout=WORK_TIMEOUT_MS
    )  # the stream stopped
    expect(reply.locator(".edited")).to_have_count(0)


def test_a_managers_delegation_is_a_plan_moving_live(live: Page) -> None:
    _mention(live, "mkt-content", "content manager: we need a blog post about AI in marketing")

    plan = live.locator('#thread-list [data-testid="plan"]').filter(
        has=live.get_by_test_id("plan-title")
    )
    expect(plan).to_have_count(1, timeout=WORK_TIMEOUT_MS)
    tasks = plan.get_by_test_id("plan-task")
    expect(tasks.first).to_be_visible()
    not_done = plan.locator('[data-testid="plan-task"]:not([data-status="complete"])')
    expect(not_done.first).to_be_visible(timeout=TIMEOUT_MS)  # seen while the work goes on
    ARTIFACTS.mkdir(exist_ok=True)
    live.screenshot(path=str(ARTIFACTS / "plan_while_the_team_works.png"))
    expect(not_done).to_have_count(0, timeout=WORK_TIMEOUT_MS)  # every task moved to complete
    expect(tasks.first).to_contain_text("✅")


@pytest.fixture(scope="module")
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn(bot_token=BOT_TOKEN, team_id=TEAM, bot_user_id=BOT_USER) as running:
        running.add_channel(GENERAL, "general", members=[MARIA])
        running.add_user(MARIA, "maria")
        yield running


@pytest.fixture(scope="module")
def page_url(standin: SlackStandIn) -> Iterator[str]:
    """The page over the stand-in; no app behind it: the test plays the app's Web API calls."""
    nowhere = SlackRequestSender("http://127.0.0.1:9/slack/events", SIGNING_SECRET, team_id=TEAM)
    workspace = Workspace(
        TEAM,
        "Sandbox Co",
        BOT_USER,
        [Person(MARIA, "maria", "Maria")],
        [SandboxChannel(GENERAL, "general")],
        [],
        True,
        nowhere,
        standin,
    )
    web = serve(workspace, "127.0.0.1", 0)
    yield f"http://127.0.0.1:{web.server_address[1]}"
    web.shutdown()


@pytest.fixture()
def page(browser: Browser, page_url: str, request: pytest.FixtureRequest) -> Iterator[Page]:
    opening = opened_page(browser, page_url, request.node.name)
    opened = next(opening)
    opened.get_by_test_id("user-picker").select_option(MARIA)
    opened.get_by_test_id("channel-general").click()
    yield opened
    next(opening, None)


@pytest.fixture()
def client(standin: SlackStandIn) -> WebClient:
    return WebClient(token=BOT_TOKEN, base_url=standin.url)


def _ask(page: Page, standin: SlackStandIn, text: str) -> str:
    asked = standin.add_message(GENERAL, user=MARIA, text=text)
    page.get_by_test_id("message").filter(has_text=text).get_by_test_id("reply-in-thread").click(
        force=True
    )
    return asked


def test_the_status_shows_while_an_agent_works(
    page: Page, standin: SlackStandIn, client: WebClient
) -> None:
    asked = _ask(page, standin, "cmo: what should we focus on?")
    client.assistant_threads_setStatus(
        channel_id=GENERAL, thread_ts=asked, status="is thinking…", **CMO
    )

    status = page.locator("#status-thread")
    expect(status).to_have_text("••• CMO is thinking…", timeout=TIMEOUT_MS)
    expect(page.locator("#status-main")).to_contain_text("CMO is thinking…")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "status_shown.png"))

    client.chat_postMessage(channel=GENERAL, thread_ts=asked, text="Focus on retention.", **CMO)
    expect(status).to_have_count(0, timeout=TIMEOUT_MS)  # the reply clears it


def test_a_native_stream_arrives_without_edited(
    page: Page, standin: SlackStandIn, client: WebClient
) -> None:
    asked = _ask(page, standin, "copywriter: one tagline")
    ts = client.chat_startStream(channel=GENERAL, thread_ts=asked, **CMO, **FOR_MARIA)["ts"]
    reply = page.locator(f'#thread-list [data-testid="message"][data-ts="{ts}"]')
    client.chat_appendStream(channel=GENERAL, ts=ts, markdown_text="See it. ")
    expect(reply.get_by_test_id("message-text")).to_contain_text("See it.", timeout=TIMEOUT_MS)
    client.chat_appendStream(channel=GENERAL, ts=ts, markdown_text="Ship it.")
    client.chat_stopStream(channel=GENERAL, ts=ts)

    expect(reply.get_by_test_id("message-text")).to_contain_text(
        "See it. Ship it.", timeout=TIMEOUT_MS
    )
    expect(reply.locator(".edited")).to_have_count(0)


def test_a_managers_plan_moves_live(page: Page, standin: SlackStandIn, client: WebClient) -> None:
    asked = _ask(page, standin, "content manager: a blog post")

    def task(ident: str, title: str, status: str) -> dict[str, str]:
        return {"type": "task_update", "id": ident, "title": title, "status": status}

    ts = client.chat_startStream(
        channel=GENERAL,
        thread_ts=asked,
        task_display_mode="plan",
        chunks=[
            {"type": "plan_update", "title": "Plan: a blog post"},
            task("a", "Copywriter: Draft the blog post", "in_progress"),
            task("b", "SEO Specialist: Keyword research", "pending"),
        ],
        **CMO,
        **FOR_MARIA,
    )["ts"]
    plan = page.locator(f'#thread-list [data-ts="{ts}"] [data-testid="plan"]')
    expect(plan.get_by_test_id("plan-title")).to_have_text("Plan: a blog post", timeout=TIMEOUT_MS)
    tasks = plan.get_by_test_id("plan-task")
    expect(tasks.nth(0)).to_have_attribute("data-status", "in_progress")
    expect(tasks.nth(1)).to_have_attribute("data-status", "pending")

    client.chat_appendStream(
        channel=GENERAL,
        ts=ts,
        chunks=[
            task("a", "Copywriter: Draft the blog post", "complete"),
            task("b", "SEO Specialist: Keyword research", "in_progress"),
        ],
    )
    expect(tasks.nth(0)).to_have_attribute("data-status", "complete", timeout=TIMEOUT_MS)
    expect(tasks.nth(1)).to_have_attribute("data-status", "in_progress")
    expect(tasks.nth(0)).to_contain_text("✅")
