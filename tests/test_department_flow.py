"""The department at work: a manager delegates to two specialists who work in parallel jobs,
in threads of their team channel, and the manager's synthesis answers the person once."""

from __future__ import annotations

import contextlib
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from jobs.runtime import Runtime
from models.records import LlmCall
from models.work import AgentMessage, Decision, Task, TaskStatus
from sandbox.claude_api import ScriptedClaude, TextReply, ToolUseReply
from sandbox.signing import SlackRequestSender
from sandbox.slack_api import SlackStandIn
from tests.conftest import CHANNEL_CONTENT, ServedApp, app_with, mention, work

REQUEST = (
    'content manager: we need a blog post "5 Ways AI Reduces Marketing Costs" '
    "for marketing directors, due tomorrow"
)
DRAFT = "*5 Ways AI Reduces Marketing Costs*\n1. Automate reporting…"
KEYWORDS = "Primary: `ai marketing costs`; secondary: `marketing automation roi`."
SYNTHESIS = "Here is the post, with `ai marketing costs` in the H1 and intro."
LONG_DRAFT = "AI cuts reporting time. " * 850  # about 5,000 output tokens
OVERSPEND_DECISION = {
    "type": "blog_post_topics",
    "decision": "Lead with reporting costs",
    "reasoning": "It is the cost readers feel most.",
}


def _role(body: dict[str, Any]) -> str:
    return str(body["system"][1]["text"].splitlines()[0])


def _is(role: str, *, synthesis: bool) -> Any:
    def match(body: dict[str, Any]) -> bool:
        text = str(body["messages"][0]["content"][0].get("text", ""))
        return (
            _role(body).startswith(f"You are the {role}") and ("<deliverable " in text) == synthesis
        )

    return match


def _delegate(to: str, title: str) -> ToolUseReply:
    return ToolUseReply(
        "delegate",
        {"to": to, "title": title, "brief": f"{title} for marketing directors; due tomorrow."},
    )


def script_blog_post(claude: ScriptedClaude, on_it: str = "On it.") -> None:
    """The blog post of REQUEST: the Content Manager hands the draft to the Copywriter and the
    keywords to the SEO Specialist, says `on_it`, and answers SYNTHESIS once both are in."""
    claude.script_for(
        _is("Content Manager", synthesis=False),
        _delegate("copywriter", "Draft the blog post"),
        _delegate("seo_specialist", "Keyword research"),
        TextReply(on_it),
    )
    claude.script_for(_is("Copywriter", synthesis=False), TextReply(DRAFT))
    claude.script_for(_is("SEO Specialist", synthesis=False), TextReply(KEYWORDS))
    claude.script_for(_is("Content Manager", synthesis=True), TextReply(SYNTHESIS))


def bot_posts(slack: SlackStandIn, channel: str) -> list[dict[str, Any]]:
    return [m for m in slack.messages(channel) if m.get("bot_id")]


def top_level(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [m for m in messages if m.get("thread_ts") in (None, m["ts"])]


def assert_blog_post_done(
    slack: SlackStandIn, *, briefs_in: str, asked_in: str, asked: str
) -> None:
    """All of script_blog_post's work reached Slack: each assignment thread (top-level in
    `briefs_in`) holds its specialist's answer, and the person's thread ends with the synthesis."""
    briefs = top_level(bot_posts(slack, briefs_in))
    answers = {
        m["username"]: m["text"] for b in briefs for m in slack.messages(briefs_in, b["ts"])[1:]
    }
    assert answers == {"Copywriter": DRAFT, "SEO Specialist": KEYWORDS}
    replies = [m["text"] for m in slack.messages(asked_in, asked) if m.get("bot_id")]
    assert replies[-1] == SYNTHESIS


def test_blog_post_flow(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    script_blog_post(
        claude, "On it: the Copywriter drafts, the SEO Specialist researches keywords."
    )
    asked = mention(bolt.sender, slack, CHANNEL_CONTENT, REQUEST)

    work(runtime)  # the manager's turn, both specialists' jobs, then the synthesis

    origin = [m for m in slack.messages(CHANNEL_CONTENT, asked) if m.get("bot_id")]
    assert [m["username"] for m in origin] == ["Content Manager"] * 4
    # The thread's status showed the manager at work (no placeholder); its reply is posted
    # when its first text comes, which may be after its tool calls posted the links.
    first = sorted(str(m["text"])[:40] for m in origin[:3])
    assert first[0].startswith("On it: the Copywriter drafts")
    assert first[1].startswith("→ Assigned *Draft the blog post* to Copy")
    assert first[2].startswith("→ Assigned *Keyword research* to SEO Spe")
    assert origin[3]["text"] == SYNTHESIS

    assignments = [
        m
        for m in slack.messages(CHANNEL_CONTENT)
        if m.get("bot_id") and m.get("thread_ts") in (None, m["ts"])
    ]
    assert [m["username"] for m in assignments] == ["Content Manager", "Content Manager"]
    answers = {
        str(m["username"]): m["text"]
        for a in assignments
        for m in slack.messages(CHANNEL_CONTENT, a["ts"])[1:]
    }
    assert answers == {"Copywriter": DRAFT, "SEO Specialist": KEYWORDS}

    synthesis_requests = [
        r for r in claude.requests if _is("Content Manager", synthesis=True)(r.body)
    ]
    assert len(synthesis_requests) == 1  # the fan-in woke the manager exactly once
    prompt = synthesis_requests[0].body["messages"][0]["content"][0]["text"]
    assert DRAFT in prompt and KEYWORDS in prompt

    with runtime.sessions() as session:
        all_tasks = session.scalars(select(Task).order_by(Task.depth, Task.created_at)).all()
        messages = session.scalars(select(AgentMessage)).all()
        calls = session.scalars(select(LlmCall)).all()
    root, *children = all_tasks
    assert (root.assigned_to, root.status, root.deliverable) == (
        "content_manager",
        TaskStatus.DONE.value,
        SYNTHESIS,
    )
    assert [(c.assigned_to, c.status, c.depth) for c in children] == [
        ("copywriter", "done", 1),
        ("seo_specialist", "done", 1),
    ]
    assert {m.type for m in messages} == {"task_assignment"} and len(messages) == 2
    assert {c.turn_id for c in calls} == {root.origin_turn_id}  # all attributed to the request
    assert {c.task_id for c in calls if c.agent_id != "content_manager"} == {c.id for c in children}


def test_delegating_sideways_is_refused_with_a_reason(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    claude.script_for(
        _is("Content Manager", synthesis=False),
        _delegate("email_specialist", "Write the launch email"),
        TextReply("I can't assign the Email Specialist; I'll ask the Campaign Manager."),
    )
    asked = mention(bolt.sender, slack, CHANNEL_CONTENT, "content manager: launch email please")
    work(runtime)

    second_round = claude.requests[1].body["messages"][-1]["content"][0]
    assert second_round["type"] == "tool_result" and second_round["is_error"] is True
    assert "does not report to you" in second_round["content"]
    with runtime.sessions() as session:
        assert session.scalars(select(Task)).all() == []  # nothing was created
    [reply] = [m for m in slack.messages(CHANNEL_CONTENT, asked) if m.get("bot_id")]
    assert reply["text"].startswith("I can't assign the Email Specialist")


def test_a_decision_within_authority_is_recorded_and_listed(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    decide = {
        "type": "blog_post_topics",
        "decision": "Q1 series on AI ROI",
        "reasoning": "Our ROI calculator post had 3x average engagement.",
        "actions": [{"assignee": "copywriter", "action": "Outline post 1", "due": "2026-12-01"}],
    }
    claude.script_for(
        _is("Content Manager", synthesis=False),
        ToolUseReply("record_decision", decide),
        TextReply("Decided: AI ROI series."),
    )
    asked = mention(bolt.sender, slack, CHANNEL_CONTENT, "content manager: pick our Q1 blog theme")
    work(runtime)

    with runtime.sessions() as session:
        [decision] = session.scalars(select(Decision)).all()
        [task] = session.scalars(select(Task)).all()
    assert (decision.decision_maker, decision.type, decision.escalated) == (
        "content_manager",
        "blog_post_topics",
        False,
    )
    assert decision.actions == [
        {"assignee": "copywriter", "action": "Outline post 1", "due": "2026-12-01"}
    ]
    assert (task.status, task.deliverable) == (
        TaskStatus.DONE.value,
        "Decided: AI ROI series.",
    )  # no synthesis turn
    texts = [m["text"] for m in slack.messages(CHANNEL_CONTENT, asked) if m.get("bot_id")]
    listed = (
        "*Decision* (Blog post topics): Q1 series on AI ROI\n"
        "_Why:_ Our ROI calculator post had 3x average engagement.\n"
        "• copywriter: Outline post 1 (due 2026-12-01)"
    )
    assert listed in texts
    assert len(claude.requests) == 2


def test_a_decision_outside_authority_is_refused(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    budget = {
        "type": "budget_allocation",
        "decision": "Move $20k to LinkedIn",
        "reasoning": "3x engagement",
    }
    claude.script_for(
        _is("Content Manager", synthesis=False),
        ToolUseReply("record_decision", budget),
        TextReply("That is the CMO's call; escalating."),
    )
    mention(bolt.sender, slack, CHANNEL_CONTENT, "content manager: move budget to LinkedIn")
    work(runtime)
    result = claude.requests[1].body["messages"][-1]["content"][0]
    assert (
        result["is_error"] is True
        and "escalate" in result["content"]
        and "vp_marketing" in result["content"]
    )
    with runtime.sessions() as session:
        assert session.scalars(select(Decision)).all() == []


def test_a_specialist_consults_a_peer_and_uses_the_answer(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    claude.script_for(
        _is("Copywriter", synthesis=False),
        ToolUseReply(
            "consult",
            {"peer": "seo_specialist", "question": "Which keyword should lead the headline?"},
        ),
        TextReply("Checking keywords with SEO first."),
    )
    claude.script_for(
        _is("SEO Specialist", synthesis=False), TextReply("Lead with `ai marketing costs`.")
    )
    claude.script_for(
        _is("Copywriter", synthesis=True), TextReply("Headline: *AI Marketing Costs, Cut in Half*")
    )
    asked = mention(bolt.sender, slack, CHANNEL_CONTENT, "copywriter: a headline for the cost post")
    work(runtime)

    with runtime.sessions() as session:
        [message] = session.scalars(select(AgentMessage)).all()
    assert (message.type, message.from_agent, message.to_agents) == (
        "consultation",
        "copywriter",
        ["seo_specialist"],
    )
    texts = [m["text"] for m in slack.messages(CHANNEL_CONTENT, asked) if m.get("bot_id")]
    assert texts[-1] == "Headline: *AI Marketing Costs, Cut in Half*"
    synthesis = [r for r in claude.requests if _is("Copywriter", synthesis=True)(r.body)]
    assert (
        "Lead with `ai marketing costs`." in synthesis[0].body["messages"][0]["content"][0]["text"]
    )


def _budgeted(
    slack: SlackStandIn, claude: ScriptedClaude, database_url: str, budget_usd: str
) -> contextlib.AbstractContextManager[tuple[Runtime, SlackRequestSender]]:
    """The app and a runtime whose requests may each spend `budget_usd` on Claude."""
    slack.add_channel("C0ESCALATE", "mkt-escalations")
    return app_with(slack, claude, database_url, request_budget_usd=Decimal(budget_usd))


def test_a_spent_budget_stops_the_request_and_asks_a_person(
    slack: SlackStandIn, claude: ScriptedClaude, database_url: str, redis_conn: object
) -> None:
    """Guard: no request spends without bound. The manager's first call already spends the
    budget, so its next round is never called (this trips in the manager's own turn; the
    next test covers a specialist's task turn): the work is cancelled, the thread says what
    was done, a person gets a card."""
    with _budgeted(slack, claude, database_url, "0.0001") as (rt, sender):
        claude.script_for(
            _is("Content Manager", synthesis=False),
            _delegate("copywriter", "Draft the blog post"),
            TextReply("The Copywriter is on it."),
        )
        asked = mention(sender, slack, CHANNEL_CONTENT, "content manager: a blog post")
        work(rt)

    assert len(claude.requests) == 1  # nothing ran once the first call had spent the budget
    texts = [m["text"] for m in slack.messages(CHANNEL_CONTENT, asked) if m.get("bot_id")]
    assert any(
        t.startswith(":warning: I stopped this request: it reached its budget of $0.00")
        for t in texts
    )
    [card] = [m for m in slack.messages("C0ESCALATE") if m.get("blocks")]
    assert card["blocks"][0]["text"]["text"] == "ESCALATION: Human · Request budget reached"
    with rt.sessions() as session:
        statuses = {t.assigned_to: t.status for t in session.scalars(select(Task))}
    assert statuses["content_manager"] == TaskStatus.CANCELLED.value
    assert statuses["human"] == TaskStatus.ESCALATED.value


def test_a_specialist_who_overspends_is_stopped_in_its_own_task_turn(
    slack: SlackStandIn, claude: ScriptedClaude, database_url: str, redis_conn: object
) -> None:
    """The budget holds in task turns, not only in the manager's turn: the manager's turn
    (about $0.015) stays well within $0.05, the Copywriter's first call (about $0.13, a long
    draft on Opus) goes over it, so its next round is never called and the request stops."""
    with _budgeted(slack, claude, database_url, "0.05") as (rt, sender):
        claude.script_for(
            _is("Content Manager", synthesis=False),
            _delegate("copywriter", "Draft the blog post"),
            TextReply("The Copywriter is on it."),
        )
        claude.script_for(
            _is("Copywriter", synthesis=False),
            ToolUseReply("record_decision", OVERSPEND_DECISION, text_before=LONG_DRAFT),
            TextReply("Final draft."),
        )
        claude.script_for(_is("Content Manager", synthesis=True), TextReply(SYNTHESIS))
        asked = mention(sender, slack, CHANNEL_CONTENT, "content manager: a blog post")
        work(rt)

    with rt.sessions() as session:
        calls = session.scalars(select(LlmCall).order_by(LlmCall.created_at)).all()
        statuses = {t.assigned_to: t.status for t in session.scalars(select(Task))}
    spent_by = [c.agent_id for c in calls]
    assert spent_by == ["content_manager", "content_manager", "copywriter"]
    manager_usd = sum(c.cost_usd for c in calls if c.agent_id == "content_manager")
    assert manager_usd < rt.settings.request_budget_usd <= sum(c.cost_usd for c in calls)
    assert statuses == {
        "content_manager": TaskStatus.CANCELLED.value,
        "copywriter": TaskStatus.CANCELLED.value,
        "human": TaskStatus.ESCALATED.value,
    }
    texts = [m["text"] for m in slack.messages(CHANNEL_CONTENT, asked) if m.get("bot_id")]
    assert SYNTHESIS not in texts
    assert any(
        t.startswith(":warning: I stopped this request: it reached its budget of $0.05")
        for t in texts
    )
    [card] = [m for m in slack.messages("C0ESCALATE") if m.get("blocks")]
    assert card["blocks"][0]["text"]["text"] == "ESCALATION: Human · Request budget reached"
