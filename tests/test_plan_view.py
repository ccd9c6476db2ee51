"""A manager's work as a plan in the request's thread (jobs/department/plan_view.py): a native
plan stream where it fits, a Block Kit message kept current where it does not."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from jobs.department.plan_view import refresh_plan
from models.work import Task
from sandbox.claude_api import ScriptedClaude
from sandbox.slack_api import SlackStandIn
from sandbox.slack_streams import state_of
from tests.conftest import CHANNEL_CONTENT, TEAM, app_with, mention, work
from tests.sandbox.test_scripted_department import unpaced_department
from tests.test_approval_flow import MARIA, _ask, _cards, _click, people
from tests.test_department_flow import REQUEST, SYNTHESIS, script_blog_post
from tests.test_scripted_blog_flow import _run

__all__ = ["people"]  # the fixture, used by name


def _plans(slack: SlackStandIn, asked: str) -> list[dict[str, Any]]:
    return [
        m
        for m in slack.messages(CHANNEL_CONTENT, asked)
        if (
            m.get("bot_id")
            and str(
                (m.get("metadata") or {}).get("event_payload", {}).get("turn_id", "")
            ).startswith("plan")
        )
        or ("stream" in m and m["stream"]["mode"] == "plan")
    ]


def _request_id(rt: Any) -> str:
    with rt.sessions() as session:
        [request] = session.query(Task).filter(Task.parent_task_id.is_(None)).all()
        return str(request.id)


def test_a_delegation_is_streamed_as_a_plan_that_ends_complete(
    slack: SlackStandIn, claude: ScriptedClaude, database_url: str
) -> None:
    script_blog_post(claude)
    with app_with(
        slack, claude, database_url, slack_native_streaming=True, show_work_plans=True
    ) as (rt, sender):
        asked = mention(sender, slack, CHANNEL_CONTENT, REQUEST)
        work(rt)

        [plan] = _plans(slack, asked)
        assert plan["username"] == "Content Manager"
        assert plan["stream"]["title"].startswith("Plan: ")
        tasks = {t["title"]: t["status"] for t in plan["stream"]["tasks"]}
        assert tasks == {
            "Copywriter: Draft the blog post": "complete",
            "SEO Specialist: Keyword research": "complete",
        }
        assert plan["stream"]["live"] is False and "edited" not in plan
        assert plan["metadata"]["event_payload"]["turn_id"].startswith("plan")
        plan_starts = [
            c for c in slack.calls_to("chat.startStream") if c.args.get("task_display_mode")
        ]
        assert len(plan_starts) == 1 and plan_starts[0].args["task_display_mode"] == "plan"
        replies = [m["text"] for m in slack.messages(CHANNEL_CONTENT, asked) if m.get("bot_id")]
        assert replies[-1] == SYNTHESIS

        refresh_plan(TEAM, _request_id(rt))  # a re-run changes nothing, posts nothing
        assert len(_plans(slack, asked)) == 1


def test_where_streams_do_not_fit_the_plan_is_blocks_kept_current(
    slack: SlackStandIn, claude: ScriptedClaude, database_url: str
) -> None:
    script_blog_post(claude)
    with app_with(
        slack, claude, database_url, slack_native_streaming=False, show_work_plans=True
    ) as (rt, sender):
        asked = mention(sender, slack, CHANNEL_CONTENT, REQUEST)
        work(rt)

        [plan] = _plans(slack, asked)
        shown = str(plan["blocks"][1]["text"]["text"])
        assert "✅ Copywriter: Draft the blog post" in shown
        assert "✅ SEO Specialist: Keyword research" in shown
        assert "⏳" not in plan["text"] and "Copywriter: Draft the blog post ✅" in plan["text"]
        assert len(slack.calls_to("chat.update")) >= 1


def test_an_expired_plan_stream_goes_on_as_an_edit(
    slack: SlackStandIn, claude: ScriptedClaude, database_url: str
) -> None:
    script_blog_post(claude)
    with app_with(
        slack, claude, database_url, slack_native_streaming=True, show_work_plans=True
    ) as (rt, sender):
        state_of(slack.workspace).lifetime_s = 0.0  # every stream dies at once
        asked = mention(sender, slack, CHANNEL_CONTENT, REQUEST)
        work(rt)

        [plan] = _plans(slack, asked)
        assert "✅ SEO Specialist: Keyword research" in str(plan["blocks"][1]["text"]["text"])


def test_work_at_any_depth_and_a_persons_gate_are_tasks_of_the_plan(
    slack: SlackStandIn, database_url: str, people: None
) -> None:
    """The scripted blog post: Maria's approval card is a task of the plan, waiting until her
    click; the work Social Media hands on (LinkedIn, X) is under the request too, not only the
    request's own subtasks."""
    with (
        ScriptedClaude(responder=unpaced_department) as claude,
        app_with(slack, claude, database_url, show_work_plans=True) as (rt, sender),
    ):
        served = SimpleNamespace(sender=sender)
        asked = _ask(served, slack)  # type: ignore[arg-type]
        _run(rt)
        [plan] = _plans(slack, asked)
        waiting = str(plan["blocks"][1]["text"]["text"])
        assert "✅ Copywriter: Draft the blog post" in waiting
        assert "⏳ A person: Approval: " in waiting
        [card] = _cards(slack, asked)
        _click(served, slack, card, "approval-approve", MARIA)  # type: ignore[arg-type]
        _run(rt)
        [plan] = _plans(slack, asked)
        done = str(plan["blocks"][1]["text"]["text"]).splitlines()
    assert any(line.startswith("✅ A person: Approval: ") for line in done)
    social = next(i for i, line in enumerate(done) if "Social Media Manager:" in line)
    handed_on = [line for line in done if "LinkedIn Manager:" in line or "Twitter Manager:" in line]
    assert len(handed_on) == 2 and all(line.startswith("✅") for line in handed_on)
    assert done.index(handed_on[0]) == social + 1  # each task is followed by its own
