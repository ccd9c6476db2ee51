"""The daily standup end to end: records seeded in the database, the run enqueued and worked
by RQ, the scripted department phrasing over real HTTP, every post in the Slack stand-in.

The VP opens the thread, each agent with work replies under its persona (facts and buttons
by code), silent agents are listed, the VP closes; a run resumed after a partial post doubles
nothing; a person's reply in the thread is a turn of the agent it names and moves a due date.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from bench._standup_world import CARD, WITH_WORK, pending_blog_approval
from bots.roster import HUMAN as HUMAN_LEVEL
from handlers.standup_buttons import ANSWERED, NUDGED
from jobs.queue import RUN_RITUAL, enqueue, turn_queue
from jobs.runtime import Runtime
from jobs.sweeper import sweep
from models import rituals, tasks
from models.base import utcnow
from models.kinds import (
    ApprovalStepDetails,
    AssignmentDetails,
    EscalationDetails,
    RequestDetails,
)
from models.records import LlmCall, SlackPost
from models.rituals import Ritual, RunStatus
from models.work import Task, TaskStatus
from sandbox import slack_interactions as interactions
from sandbox.claude_api import Reply, ScriptedClaude, ToolUseReply
from sandbox.scripted_department import department_responder
from sandbox.scripted_rituals import next_weekday
from sandbox.slack_api import SlackStandIn
from sandbox.slack_events import channel_message_event
from tests.conftest import CHANNEL_CONTENT, HUMAN, TEAM, ServedApp, empty_queues, work

pytestmark = pytest.mark.usefixtures("unpaced_department")  # reads what was said

STANDUP = "C0STANDUP"
DAY = date(2026, 1, 14)
CASE_STUDY = "Acme case study draft"


class Hooks:
    """What the scripted Claude does before answering the standup's phrasing call."""

    def __init__(self) -> None:
        self.before_standup: list[Callable[[], None]] = []

    def responder(self, body: dict[str, Any]) -> Reply:
        if (body.get("tool_choice") or {}).get("name") == "standup_updates":
            while self.before_standup:
                self.before_standup.pop(0)()
        return department_responder(body)


@pytest.fixture()
def hooks() -> Hooks:
    return Hooks()


@pytest.fixture()
def claude(hooks: Hooks) -> Iterator[ScriptedClaude]:
    with ScriptedClaude(responder=hooks.responder) as stub:
        yield stub


@pytest.fixture()
def seeded(runtime: Runtime, slack: SlackStandIn) -> dict[str, str]:
    """Six agents with work of every kind, eight without; returns task ids by title."""
    slack.add_channel(STANDUP, "mkt-standup")
    ids: dict[str, str] = {}
    now = utcnow()

    def thread(title: str) -> str:
        return slack.add_message(CHANNEL_CONTENT, user=HUMAN, text=title)

    def add(name: str, assigned_to: str, status: str, **fields: Any) -> Task:
        values: dict[str, Any] = {
            "team_id": TEAM,
            "created_by": "content_manager",
            "assigned_to": assigned_to,
            "title": name,
            "brief": f"Brief of {name}",
            "status": status,
            "details": AssignmentDetails(project="Q1 content", requested_in=(CHANNEL_CONTENT, "1")),
            "channel_id": CHANNEL_CONTENT,
            "thread_ts": thread(name),
            "created_at": now - timedelta(days=2),
            "updated_at": now - timedelta(days=2),
        }
        task = Task(**(values | fields))
        with runtime.sessions() as session:
            session.add(task)
            session.commit()
            ids[name] = task.id
        return task

    add("Tagline options", "copywriter", "done", updated_at=now - timedelta(hours=20))
    add("Old press kit", "copywriter", "done", updated_at=now - timedelta(days=5))
    add(CASE_STUDY, "copywriter", "in_progress", due_date=DAY + timedelta(days=1))
    add("Keyword brief", "seo_specialist", "open", due_date=DAY + timedelta(days=2))
    add("Keyword map", "seo_specialist", "in_progress", priority="high")
    blog = add("Blog post on AI costs", "content_manager", "escalated")
    step = add(
        "Approval: Blog post on AI costs",
        HUMAN_LEVEL,
        "escalated",
        parent_task_id=blog.id,
        details=ApprovalStepDetails(approval_id="appr1"),
    )
    card_ts = slack.add_message(CHANNEL_CONTENT, user=HUMAN, text="approval card")
    with runtime.sessions() as session:
        session.add(pending_blog_approval("appr1", TEAM, blog, step, CHANNEL_CONTENT, card_ts))
        session.commit()
    launch = add("Spring launch", "campaign_manager", "waiting")
    add(
        "Launch emails",
        "email_specialist",
        "done",
        parent_task_id=launch.id,
        updated_at=now - timedelta(days=3),
    )
    add("Launch landing copy", "email_specialist", "in_progress", parent_task_id=launch.id)
    legal = add("Acme naming", "cmo", "waiting", details=RequestDetails())
    add(
        "Escalation: Legal",
        HUMAN_LEVEL,
        "escalated",
        parent_task_id=legal.id,
        details=EscalationDetails(card=CARD, requested_in=(CHANNEL_CONTENT, "1")),
    )
    return ids


def _hold(runtime: Runtime) -> str:
    with runtime.sessions() as session:
        run_id = rituals.claim_run(session, TEAM, Ritual.STANDUP, DAY.isoformat(), DAY)
    assert run_id is not None
    enqueue(turn_queue(runtime.redis, runtime.settings.queue_name), RUN_RITUAL, TEAM, run_id)
    work(runtime)
    return run_id


def _top_level(slack: SlackStandIn) -> list[dict[str, Any]]:
    return [m for m in slack.messages(STANDUP) if m.get("thread_ts") in (None, m["ts"])]


def _opener(slack: SlackStandIn) -> dict[str, Any]:
    (opener,) = _top_level(slack)
    return opener


def _replies(slack: SlackStandIn) -> list[dict[str, Any]]:
    return slack.messages(STANDUP, _opener(slack)["ts"])[1:]


def _by(slack: SlackStandIn, name: str) -> list[dict[str, Any]]:
    return [m for m in _replies(slack) if m.get("username") == name]


def _buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for b in message.get("blocks") or [] if b["type"] == "actions" for e in b["elements"]]


def test_the_vp_opens_each_agent_with_work_replies_and_the_vp_closes(
    runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude, seeded: dict[str, str]
) -> None:
    run_id = _hold(runtime)

    opener = _opener(slack)
    assert opener["username"] == "VP Marketing"
    assert opener["blocks"][0]["text"]["text"] == "Daily standup · Wed 14 Jan"
    sections = [b["text"]["text"] for b in opener["blocks"] if b["type"] == "section"]
    quiet = next(text for text in sections if text.startswith("No updates: "))
    assert "Designer" in quiet and "LinkedIn Manager" in quiet and "Copywriter" not in quiet
    names = [runtime.roster.get(agent).display_name for agent in WITH_WORK]
    replies = _replies(slack)
    assert [m["username"] for m in replies] == [*names, "VP Marketing"]
    assert not _by(slack, "Designer")  # silent

    (copywriter,) = _by(slack, "Copywriter")
    assert "*Completed since the last standup*" in copywriter["text"]
    assert "Tagline options" in copywriter["text"]  # finished yesterday
    assert "Old press kit" not in copywriter["text"]  # finished before the last day
    assert f"|{CASE_STUDY}> · due Thu 15 Jan" in copywriter["text"]  # linked to its thread

    (campaigns,) = _by(slack, "Campaign Manager")
    assert "waiting on *Email Specialist* since" in campaigns["text"]
    assert not _buttons(campaigns)  # waiting on an agent: nothing for a person to click

    closing = replies[-1]
    assert closing["blocks"][0]["text"]["text"] == "Standup wrap-up · Wed 14 Jan"
    closing_text = " ".join(b["text"]["text"] for b in closing["blocks"] if b["type"] == "section")
    assert "Keyword map" in closing_text and "Blog post on AI costs" in closing_text

    with runtime.sessions() as session:
        calls = session.scalars(select(LlmCall).where(LlmCall.turn_id == run_id)).all()
        run = rituals.load_run(session, TEAM, run_id)
    assert [(c.model, c.agent_id) for c in calls] == [("claude-haiku-5-5", "vp_marketing")]
    assert calls[0].cost_usd > 0
    assert run is not None and run.status == RunStatus.DONE and run.thread_ts == opener["ts"]


def test_a_blocker_waiting_on_a_person_carries_the_button_that_resolves_it(
    runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude, seeded: dict[str, str]
) -> None:
    _hold(runtime)
    (content,) = _by(slack, "Content Manager")
    assert "approval card waiting on a person" in content["text"]
    approve = {(b["action_id"], b["value"]) for b in _buttons(content)}
    assert approve == {
        ("approval-approve", "appr1"),
        ("approval-request-changes", "appr1"),
        ("approval-reject", "appr1"),
    }
    (cmo,) = _by(slack, "CMO")
    escalation = seeded["Escalation: Legal"]
    buttons = {b["action_id"]: b for b in _buttons(cmo)}
    assert buttons["standup-nudge"]["value"] == escalation
    assert buttons["standup-open-card"]["url"].startswith("https://")


def test_a_run_resumed_after_a_partial_post_doubles_nothing(
    runtime: Runtime,
    slack: SlackStandIn,
    claude: ScriptedClaude,
    hooks: Hooks,
    seeded: dict[str, str],
) -> None:
    # The opener is out when Slack starts failing: the job fails, the run stays running.
    hooks.before_standup.append(
        lambda: slack.fail_next("chat.postMessage", times=3, status=500, error="internal_error")
    )
    run_id = _hold(runtime)
    assert len(_top_level(slack)) == 1 and _replies(slack) == []
    with runtime.sessions() as session:
        run = rituals.load_run(session, TEAM, run_id)
        assert run is not None and run.status == RunStatus.RUNNING

    # The sweeper finds the run unfinished and its job neither queued nor running: resumed,
    # the rest is posted, the opener is not.
    args = (runtime.sessions, runtime.redis, runtime.settings.queue_name)
    ritual_job = RUN_RITUAL.job_id(TEAM, run_id)
    assert ritual_job in sweep(*args, grace_s=0)  # (with the seeded open tasks' turns)
    queue = turn_queue(runtime.redis, runtime.settings.queue_name)
    empty_queues(runtime)  # only the standup runs here, not the seeded tasks
    enqueue(queue, RUN_RITUAL, TEAM, run_id)
    work(runtime)
    assert len(_top_level(slack)) == 1
    assert len(_replies(slack)) == len(WITH_WORK) + 1

    calls = _calls(runtime, run_id)
    _running(runtime, run_id)  # its job again, everything posted: no post, no model call
    _run_again(runtime, run_id)
    assert len(_replies(slack)) == len(WITH_WORK) + 1 and _calls(runtime, run_id) == calls
    assert ritual_job not in sweep(*args, grace_s=0)  # held: nothing left to resume
    empty_queues(runtime)

    # A worker that died between posting and recording: the posts are found by their key.
    with runtime.sessions() as session:
        session.execute(update(SlackPost).where(SlackPost.team_id == TEAM).values(ts=None))
        session.commit()
    _running(runtime, run_id)
    _run_again(runtime, run_id)
    assert len(_top_level(slack)) == 1
    assert len(_replies(slack)) == len(WITH_WORK) + 1


def _calls(runtime: Runtime, run_id: str) -> int:
    with runtime.sessions() as session:
        return len(session.scalars(select(LlmCall).where(LlmCall.turn_id == run_id)).all())


def _running(runtime: Runtime, run_id: str) -> None:
    with runtime.sessions() as session:
        session.execute(
            update(rituals.RitualRun)
            .where(rituals.RitualRun.id == run_id)
            .values(status=RunStatus.RUNNING.value)
        )
        session.commit()


def _run_again(runtime: Runtime, run_id: str) -> None:
    queue = turn_queue(runtime.redis, runtime.settings.queue_name)
    for job_id in queue.failed_job_registry.get_job_ids():
        queue.failed_job_registry.remove(job_id, delete_job=True)
    enqueue(queue, RUN_RITUAL, TEAM, run_id)
    work(runtime)


def test_the_model_naming_an_invented_task_is_not_posted_as_fact(
    runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude, seeded: dict[str, str]
) -> None:
    updates = [
        {"agent": agent, "today": "<!channel> Steady progress & more.", "task_ids": []}
        for agent in WITH_WORK
        if agent != "copywriter"
    ]
    updates.append(
        {
            "agent": "copywriter",
            "completed": "I shipped the Mars campaign.",
            "today": "More Mars.",
            "task_ids": ["mars-campaign"],
        }
    )
    claude.enqueue(ToolUseReply("standup_updates", {"updates": updates}))
    _hold(runtime)
    (copywriter,) = _by(slack, "Copywriter")
    assert "Mars" not in copywriter["text"]
    assert "Tagline options" in copywriter["text"] and CASE_STUDY in copywriter["text"]
    (seo,) = _by(slack, "SEO Specialist")
    # a checked update keeps its words, escaped: no @channel ping from a model
    assert "&lt;!channel&gt; Steady progress &amp; more." in seo["text"]


def test_a_reply_in_the_thread_reaches_the_named_agent_and_moves_the_due_date(
    runtime: Runtime,
    slack: SlackStandIn,
    claude: ScriptedClaude,
    bolt: ServedApp,
    seeded: dict[str, str],
) -> None:
    _hold(runtime)
    thread = _opener(slack)["ts"]
    text = "copywriter: push the case study to Friday"
    ts = slack.add_message(STANDUP, user=HUMAN, text=text, thread_ts=thread)
    event = channel_message_event(user=HUMAN, channel=STANDUP, text=text, ts=ts, thread_ts=thread)
    assert bolt.sender.send_event(event).status == 200
    work(runtime)

    friday = next_weekday(datetime.now(UTC).date(), 4)
    with runtime.sessions() as session:
        task = tasks.load_task(session, TEAM, seeded[CASE_STUDY])
    assert task is not None and task.due_date == friday
    answer = _by(slack, "Copywriter")[-1]
    assert answer["text"].startswith(f"Updated “{CASE_STUDY}”: due {friday.isoformat()}")


def _click(bolt: ServedApp, slack: SlackStandIn, message: dict[str, Any], action_id: str) -> None:
    button = next(b for b in _buttons(message) if b["action_id"] == action_id)
    payload = interactions.block_actions(
        slack,
        user=HUMAN,
        channel=STANDUP,
        message_ts=message["ts"],
        action={"action_id": action_id, "block_id": "standup-blocker-0", "type": "button"}
        | {"value": button["value"]},
    )
    assert bolt.sender.send_interaction(payload).status == 200


def test_nudge_reminds_the_escalation_once_a_day_and_an_answered_one_is_refused(
    runtime: Runtime,
    slack: SlackStandIn,
    claude: ScriptedClaude,
    bolt: ServedApp,
    seeded: dict[str, str],
) -> None:
    _hold(runtime)
    (cmo,) = _by(slack, "CMO")
    _click(bolt, slack, cmo, "standup-open-card")  # a link: only acknowledged
    _click(bolt, slack, cmo, "standup-nudge")
    work(runtime)
    _click(bolt, slack, cmo, "standup-nudge")
    work(runtime)
    with runtime.sessions() as session:
        escalation = tasks.load_task(session, TEAM, seeded["Escalation: Legal"])
    assert escalation is not None and escalation.thread_ts is not None
    reminders = slack.messages(CHANNEL_CONTENT, escalation.thread_ts)[1:]
    assert [m["text"] for m in reminders] == [
        ":bell: Reminder from the standup: this escalation still waits for a decision."
    ]
    told = [e["text"] for e in slack.ephemerals(STANDUP)]
    assert told == [NUDGED, NUDGED]

    with runtime.sessions() as session:
        session.execute(
            update(Task).where(Task.id == escalation.id).values(status=TaskStatus.DONE.value)
        )
        session.commit()
    _click(bolt, slack, cmo, "standup-nudge")
    assert slack.ephemerals(STANDUP)[-1]["text"] == ANSWERED
    assert len(slack.messages(CHANNEL_CONTENT, escalation.thread_ts)) == 2  # nothing new


def test_a_change_outside_the_agents_authority_asked_in_the_thread_is_refused(
    runtime: Runtime,
    slack: SlackStandIn,
    claude: ScriptedClaude,
    bolt: ServedApp,
    seeded: dict[str, str],
) -> None:
    _hold(runtime)
    thread = _opener(slack)["ts"]
    keyword_brief = seeded["Keyword brief"]  # the SEO Specialist's, a peer of the Copywriter
    # the model tries it anyway: the tool refuses in code, the agent says so
    claude.enqueue(ToolUseReply("update_task", {"task_id": keyword_brief, "due": "2026-02-20"}))
    text = "copywriter: push the keyword brief to Friday"
    ts = slack.add_message(STANDUP, user=HUMAN, text=text, thread_ts=thread)
    event = channel_message_event(user=HUMAN, channel=STANDUP, text=text, ts=ts, thread_ts=thread)
    assert bolt.sender.send_event(event).status == 200
    work(runtime)

    with runtime.sessions() as session:
        task = tasks.load_task(session, TEAM, keyword_brief)
    assert task is not None and task.due_date == DAY + timedelta(days=2)  # unchanged
    answer = _by(slack, "Copywriter")[-1]
    assert answer["text"].startswith("I couldn't: the task is SEO Specialist's")
