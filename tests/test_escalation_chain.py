"""An escalation climbs the whole chain (Copywriter → Content Manager → VP → CMO → a person),
the person's answer comes back down, and each level resumes with the answer from above."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from jobs.runtime import Runtime
from models.work import Task, TaskStatus
from sandbox.claude_api import ScriptedClaude, TextReply, ToolUseReply
from sandbox.slack_api import SlackStandIn
from tests.conftest import CHANNEL_CONTENT, ServedApp, app_with, mention, work
from tests.test_escalation_flow import APPROVER, ESCALATIONS, _click, _submit


def _escalation(issue: str) -> dict[str, str]:
    return {
        "category": "Budget",
        "issue": issue,
        "attempts_made": "Checked the current plan; no room left.",
        "urgency": "high",
        "recommendation": "Approve $3k for paid promotion.",
        "impact": "The post launches without promotion.",
    }


def _resumed(body: dict[str, Any]) -> bool:
    return "<escalation_answer " in str(body["messages"][0]["content"][0].get("text", ""))


def _role(role: str, *, resumed: bool) -> Any:
    def match(body: dict[str, Any]) -> bool:
        first = str(body["messages"][0]["content"][0].get("text", ""))
        mine = str(body["system"][1]["text"]).startswith(f"You are the {role} ")
        return mine and ("<escalation_answer " in first) == resumed

    return match


def _first_turn(
    claude: ScriptedClaude, role: str, tool: str, call: dict[str, str], then: str
) -> None:
    """`role`'s first turn makes one tool call, then says `then`."""
    claude.script_for(_role(role, resumed=False), ToolUseReply(tool, call), TextReply(then))


def test_an_escalation_climbs_to_a_person_and_the_answer_comes_back_down(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    slack.add_channel(ESCALATIONS, "mkt-escalations")
    slack.add_user(APPROVER, "exec", is_admin=True)
    chain = ["Copywriter", "Content Manager", "VP Marketing", "CMO"]
    for role in chain:
        issue = _escalation(f"{role}: we need $3k to promote the post.")
        _first_turn(claude, role, "escalate", issue, f"{role}: escalated upward.")
        claude.script_for(
            _role(role, resumed=True), TextReply(f"{role}: approved from above, go ahead.")
        )
    question = "copywriter: can we pay to promote the AI costs post?"
    asked = mention(bolt.sender, slack, CHANNEL_CONTENT, question)
    work(runtime)

    [card] = [m for m in slack.messages(ESCALATIONS) if m.get("blocks")]
    assert card["username"] == "CMO"
    assert card["blocks"][1]["fields"][0]["text"] == "*From*\nCMO"
    _click(bolt, slack, card, "escalation-decide")
    assert _submit(bolt, slack, "Approved: $3k.") == {}
    work(runtime)

    resumed = [r for r in claude.requests if _resumed(r.body)]
    order = [r.body["system"][1]["text"].split(" of the")[0] for r in resumed]
    assert order == [f"You are the {role}" for role in reversed(chain)]  # the answer came back down
    final = [m["text"] for m in slack.messages(CHANNEL_CONTENT, asked) if m.get("bot_id")][-1]
    assert final == "Copywriter: approved from above, go ahead."
    with runtime.sessions() as session:
        statuses = {(t.assigned_to, t.status) for t in session.scalars(select(Task))}
    assert statuses == {
        ("copywriter", TaskStatus.DONE.value),
        ("content_manager", TaskStatus.DONE.value),
        ("vp_marketing", TaskStatus.DONE.value),
        ("cmo", TaskStatus.DONE.value),
        ("human", TaskStatus.DONE.value),
    }


def test_a_consultation_cycle_stops_the_request_and_asks_a_person(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    slack.add_channel(ESCALATIONS, "mkt-escalations")
    ask_seo = {"peer": "seo_specialist", "question": "Which keyword leads?"}
    ask_back = {"peer": "copywriter", "question": "What is the headline now?"}
    _first_turn(claude, "Copywriter", "consult", ask_seo, "Asked SEO.")
    _first_turn(claude, "SEO Specialist", "consult", ask_back, "Never sent.")
    asked = mention(bolt.sender, slack, CHANNEL_CONTENT, "copywriter: headline for the cost post")
    work(runtime)

    texts = [m["text"] for m in slack.messages(CHANNEL_CONTENT, asked) if m.get("bot_id")]
    cycle = (  # as Slack receives it: the reason's ">" is escaped like any text
        "I stopped this request: a delegation cycle "
        "(copywriter -&gt; seo_specialist -&gt; copywriter)"
    )
    assert any(cycle in t for t in texts)
    [card] = [m for m in slack.messages(ESCALATIONS) if m.get("blocks")]
    assert card["blocks"][0]["text"]["text"] == "ESCALATION: Human · Runaway guard tripped"
    with runtime.sessions() as session:
        statuses = {t.assigned_to: t.status for t in session.scalars(select(Task))}
    assert statuses["copywriter"] == statuses["seo_specialist"] == TaskStatus.CANCELLED.value
    assert "Never sent." not in texts


def test_a_delegation_deeper_than_the_limit_stops_the_request(
    slack: SlackStandIn, claude: ScriptedClaude, database_url: str, redis_conn: object
) -> None:
    brief = {"to": "content_manager", "title": "Blog post", "brief": "A post for CTOs on AI costs."}
    deeper = {"to": "copywriter", "title": "Draft", "brief": "Draft the post for CTOs."}
    _first_turn(claude, "VP Marketing", "delegate", brief, "Content is on it.")
    _first_turn(claude, "Content Manager", "delegate", deeper, "Never sent.")
    with app_with(slack, claude, database_url, max_delegation_depth=1) as (rt, sender):
        asked = mention(sender, slack, CHANNEL_CONTENT, "vp marketing: a blog post on AI costs")
        work(rt)
    cm_request = next(r for r in claude.requests if _role("Content Manager", resumed=False)(r.body))
    assert "delegate" not in [t["name"] for t in cm_request.body["tools"]]  # not even offered
    texts = [m["text"] for m in slack.messages(CHANNEL_CONTENT, asked) if m.get("bot_id")]
    assert any("I stopped this request: delegation went deeper than 1 levels" in t for t in texts)
