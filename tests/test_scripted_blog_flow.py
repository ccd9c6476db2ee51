"""The sandbox's scripted department drives the whole blog-post flow through the real code:
delegation, synthesis, a draft submitted for approval, two agent reviews, a person's card,
and after one click the hand-off to Social Media and the wrap-up."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from bots.tools import SubmitForApproval, parse_call
from jobs.runtime import Runtime
from models.approvals import Approval
from models.work import Task, TaskStatus
from sandbox.claude_api import ScriptedClaude, ToolUseReply
from sandbox.scripted_approvals import HYPE, approval_reply, blog_draft, revise
from sandbox.slack_api import SlackStandIn
from tests.conftest import CHANNEL_CONTENT, ServedApp, work
from tests.sandbox.test_scripted_department import unpaced_department
from tests.test_approval_flow import MARIA, _ask, _cards, _click, _state, _submit, people

__all__ = ["people"]  # the fixture, used by name


@pytest.fixture()
def claude() -> Iterator[ScriptedClaude]:
    """The scripted department without its demo pacing (30 ms a chunk, 9 s of this flow)."""
    with ScriptedClaude(responder=unpaced_department) as stub:
        yield stub


def _bot_texts(slack: SlackStandIn, thread: str) -> list[str]:
    return [m["text"] for m in slack.messages(CHANNEL_CONTENT, thread) if m.get("bot_id")]


def _run(runtime: Runtime, rounds: int = 6) -> None:
    """Jobs enqueue jobs (reviews, consults, syntheses): run until the queue is empty."""
    for _ in range(rounds):
        work(runtime)


def test_the_blog_post_flow_to_one_click_and_on(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude, people: None
) -> None:
    asked = _ask(bolt, slack)
    _run(runtime)
    [card] = _cards(slack, asked)
    blocks = json.dumps(card["blocks"], ensure_ascii=False)
    assert "drafted by *Copywriter* · submitted by *Content Manager*" in blocks
    assert "Director of Communications*: On-brand" in blocks
    assert "VP Marketing*: Right message for our audience" in blocks
    [approval] = _load(runtime)
    parsed = parse_call(
        "submit_for_approval",
        {"action_type": "blog_post", "title": approval.title, "draft": approval.draft}
        | {"on_approval": approval.on_approval},
    )
    assert isinstance(parsed.arguments, SubmitForApproval)
    assert approval.draft.count("\n\n") >= 5 and "book a 20-minute" in approval.draft

    _click(bolt, slack, card, "approval-approve", MARIA)
    _run(runtime)
    [card] = _cards(slack, asked)
    assert _state(card).startswith(f":white_check_mark: Approved by <@{MARIA}>")
    texts = _bot_texts(slack, asked)
    assert any(t.startswith("Approved. Handing promotion to Social Media now.") for t in texts)
    assert texts[-1].startswith("*Wrap-up:* the post is approved and ready to publish.")
    assert "*Promotion:*" in texts[-1]
    with runtime.sessions() as session:
        root = session.scalars(select(Task).where(Task.parent_task_id.is_(None))).one()
        social = session.scalars(
            select(Task).where(Task.assigned_to == "social_media_manager")
        ).one()
    assert (root.status, social.status) == (TaskStatus.DONE.value, TaskStatus.DONE.value)
    assert social.brief.startswith("Please plan this week's promotion of our new blog post")


def test_request_changes_in_the_scripted_department_gives_version_2(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude, people: None
) -> None:
    asked = _ask(bolt, slack)
    _run(runtime)
    [card] = _cards(slack, asked)
    _click(bolt, slack, card, "approval-request-changes", MARIA)
    assert _submit(bolt, slack, MARIA, "Add a proof point with real data.") == {}
    _run(runtime)
    old, new = _cards(slack, asked)
    assert "Superseded by version 2" in _state(old)
    changed = new["blocks"][2]["text"]["text"]  # the card says what changed, and no review
    assert changed.startswith(":arrows_counterclockwise: *What changed in version 2:* Added a")
    assert "Not reviewed again: it came straight back to a person." in changed
    assert "*Proof point:*" in new["blocks"][3]["text"]["text"]
    revised = [t for t in _bot_texts(slack, asked) if "Revised: added a concrete" in t]
    assert revised and revised[0].count("proof point") == 1  # said once, not twice
    assert [a.status for a in _load(runtime)] == ["changes_requested", "pending"]


def test_revisions_follow_the_feedback() -> None:
    draft = blog_draft("AI Marketing Costs, Cut", "AI marketing", "marketing leaders", "ai costs")
    assert revise(draft, "Needs a call to action")[0].endswith("leave with one process to fix.")
    shorter, what = revise(draft, "Too long, make it tighter")
    assert len(shorter) < len(draft) and what == "cut it to the two strongest sections"
    hyped = draft.replace("small, boring wins", "revolutionary wins")
    assert not HYPE.search(revise(hyped, "Tone it down")[0])
    assert re.search(r"\*In short:\* Mention pricing\.$", revise(draft, "Mention pricing")[0])


def _load(runtime: Runtime) -> list[Approval]:
    with runtime.sessions() as session:
        return list(session.scalars(select(Approval).order_by(Approval.version)))


def test_the_director_of_communications_sends_hype_back() -> None:
    hyped = blog_draft("AI Marketing", "AI marketing", "CMOs", "ai marketing").replace(
        "small, boring wins", "revolutionary, game-changing wins"
    )
    # A review step is known by its only tool, `review`, whatever the brief's framing says.
    brief = f"Blog post “AI Marketing”, version 1.\n\nOn approval: publish.\n\n{hyped}"
    review = [{"name": "review"}]
    body: dict[str, Any] = {
        "messages": [{"role": "user", "content": [{"type": "text", "text": brief}]}]
    }
    body["tools"] = review
    sent_back = approval_reply(body, "director_comms", "AI marketing", brief)
    assert isinstance(sent_back, ToolUseReply) and sent_back.input["verdict"] == "send_back"
    assert "game-changing, revolutionary" in sent_back.input["feedback"]
    approved = approval_reply(body, "vp_marketing", "AI marketing", brief)
    assert isinstance(approved, ToolUseReply) and approved.input["verdict"] == "approve"
    calm = brief.replace("revolutionary, game-changing wins", "small, boring wins")
    calm_body: dict[str, Any] = {
        "messages": [{"role": "user", "content": [{"type": "text", "text": calm}]}]
    }
    calm_body["tools"] = review
    kept = approval_reply(calm_body, "director_comms", "AI marketing", calm)
    assert isinstance(kept, ToolUseReply) and kept.input["verdict"] == "approve"
