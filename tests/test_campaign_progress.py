"""The campaign's progress message and final report with the real pieces: Redis and RQ, the
database, the Slack stand-in and the scripted Claude (issue 17).

The progress message is one message in the card's thread, edited (never posted again) as
steps finish; edits are coalesced under a burst of passes and wait out an empty chat.update
budget, and the catch-up job shows the latest state. The report is posted once per
campaign, however often the end is seen. Spend is the campaign's own Claude calls.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from freezegun import freeze_time
from sqlalchemy import select, update

from jobs import runtime as runtime_module
from jobs.campaigns import control, progress, report
from jobs.campaigns.engine import CampaignEngine
from jobs.queue import (
    ADVANCE_CAMPAIGN,
    PROGRESS_CAMPAIGN,
    Lane,
    lane_queue,
    turn_queue,
    waiting_job_ids,
)
from jobs.runtime import Runtime
from jobs.slack import edit_budget
from jobs.sweeper import sweep
from models import campaign_spend, campaign_steps, posts, tasks
from models.base import new_id, utcnow
from models.campaigns import Campaign, CampaignStep
from models.records import LlmCall, SlackPost
from models.work import Task, TaskStatus
from sandbox.claude_api import ScriptedClaude
from sandbox.slack_api import SlackStandIn
from settings import Settings
from tests.conftest import HUMAN, TEAM, empty_queues, wait_until, work
from tests.test_campaign_engine import CAMPAIGNS, START, STEPS_IN_A_ROW, _planned


@pytest.fixture()
def clock(slack: SlackStandIn) -> Iterator[None]:
    slack.add_channel(CAMPAIGNS, "mkt-campaigns")
    with freeze_time(START, tick=True):
        yield


def _progress_ts(rt: Runtime, campaign_id: str) -> str:
    with rt.sessions() as session:
        found = posts.parts_of(session, TEAM, progress.progress_key(campaign_id))
    assert len(found) == 1 and found[0].ts is not None
    return found[0].ts


def _edits_of(slack: SlackStandIn, ts: str) -> int:
    return len([c for c in slack.calls_to("chat.update") if c.args.get("ts") == ts])


def _posts_saying(slack: SlackStandIn, words: str) -> list[Any]:
    return [c for c in slack.calls_to("chat.postMessage") if words in c.args.get("text", "")]


def _charge(rt: Runtime, turn_id: str, cost: str, task_id: str | None = None) -> None:
    """A priced Claude call, as jobs/claude/usage.py records one."""
    with rt.sessions() as session:
        session.add(
            LlmCall(
                team_id=TEAM,
                turn_id=turn_id,
                task_id=task_id,
                agent_id="copywriter",
                model="claude-test",
                status="ok",
                cost_usd=Decimal(cost),
            )
        )
        session.commit()


def _runtime_with(settings: Settings, **extra: Any) -> Runtime:
    values = settings.model_dump() | extra
    rt = runtime_module.build_runtime(Settings(**values))
    runtime_module.install(rt)
    return rt


def test_progress_is_one_message_edited_and_the_report_comes_once(
    runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude, clock: None
) -> None:
    campaign_id = _planned(runtime, slack, STEPS_IN_A_ROW)
    assert control.approve(runtime, TEAM, campaign_id, HUMAN)
    work(runtime)  # every pass, step task and catch-up edit, until the campaign is done

    ts = _progress_ts(runtime, campaign_id)
    assert len(_posts_saying(slack, "Progress of three-steps")) == 1
    assert _edits_of(slack, ts) >= 1  # the steps finished after it was posted
    [message] = [m for m in slack.messages(CAMPAIGNS) if m["ts"] == ts]
    text = message["text"]
    assert text.count(":white_check_mark:") == 3 and "done by" in text
    assert "· done" in text.splitlines()[0]
    assert "*Spend* $" in text
    [card] = [
        m for m in slack.messages(CAMPAIGNS) if "thread_ts" not in m or m["ts"] == m["thread_ts"]
    ]
    assert "done" in str(card["blocks"])  # the card no longer says it is running

    assert CampaignEngine(runtime).advance(TEAM, campaign_id) == "done"  # the end seen again
    assert report.post_report(runtime, TEAM, campaign_id) is not None
    work(runtime)
    reports = _posts_saying(slack, "is done")
    assert len(reports) == 1
    report_text = reports[0].args["text"]
    assert f"<@{HUMAN}>" in report_text and "*Produced*" in report_text
    assert report_text.count("|thread>") == 3  # each step's thread linked
    assert f"/campaign outcome {campaign_id}" in report_text


def test_edits_are_coalesced_under_many_passes_and_the_last_state_shown(
    settings: Settings, slack: SlackStandIn, claude: ScriptedClaude, clock: None
) -> None:
    # A long window, so no pause of a loaded machine ends it before the ten changes are in
    # (a 2 s window once did); its end is then brought near for the catch-up.
    rt = _runtime_with(settings, campaign_progress_edit_every_s=30.0)
    campaign_id = _planned(rt, slack, STEPS_IN_A_ROW)
    control.approve(rt, TEAM, campaign_id, HUMAN)
    CampaignEngine(rt).advance(TEAM, campaign_id)  # the first step starts; the message is posted
    ts = _progress_ts(rt, campaign_id)
    queue = lane_queue(turn_queue(rt.redis, rt.settings.queue_name), Lane.BACKGROUND)
    catch_up = PROGRESS_CAMPAIGN.job_id(TEAM, campaign_id)

    for cents in range(1, 11):  # ten changes within the window: spend grows each time
        _charge(rt, campaign_id, f"0.{cents:02d}")
        assert progress.show(rt, TEAM, campaign_id) == "coalesced"
    assert _edits_of(slack, ts) == 0
    assert queue.connection.lrange(queue.key, 0, -1).count(catch_up.encode()) == 1

    # The queued catch-up, run here (a worker would also run the step's task meanwhile): it
    # sleeps out what is left of the window (half a second), then shows the latest state once.
    window = progress.WINDOW_KEY.format(team_id=TEAM, campaign_id=campaign_id)
    assert rt.redis.pexpire(window, 500)
    assert progress.catch_up(TEAM, campaign_id) == "edited"
    assert _edits_of(slack, ts) == 1
    [message] = [m for m in slack.messages(CAMPAIGNS) if m["ts"] == ts]
    assert "*Spend* $0.55 of $50,000.00" in message["text"]  # 0.01 + … + 0.10
    assert progress.show(rt, TEAM, campaign_id) == "unchanged"


def test_an_empty_edit_budget_holds_the_edit_for_the_catch_up(
    runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude, clock: None
) -> None:
    # A slow refill (0.83 tokens a second; the tests' default is 8.3): once the bucket is
    # empty, an interim edit's 3 tokens are 2.4 s away, longer than any pause under load
    # between emptying it and the edit, while the catch-up's one token is 1.2 s away.
    slow = runtime.settings.model_copy(update={"slack_chat_update_per_minute": 60})
    runtime = dataclasses.replace(runtime, settings=slow)
    runtime_module.install(runtime)
    campaign_id = _planned(runtime, slack, STEPS_IN_A_ROW)
    control.approve(runtime, TEAM, campaign_id, HUMAN)
    CampaignEngine(runtime).advance(TEAM, campaign_id)
    ts = _progress_ts(runtime, campaign_id)
    budget = edit_budget.for_team(runtime, TEAM)
    while budget._try(1.0)[0]:  # other edits spent every token of the workspace
        pass
    _charge(runtime, campaign_id, "1.25")
    window = progress.WINDOW_KEY.format(team_id=TEAM, campaign_id=campaign_id)
    runtime.redis.delete(window)
    assert progress.show(runtime, TEAM, campaign_id) == "over-budget"
    assert _edits_of(slack, ts) == 0
    assert progress.catch_up(TEAM, campaign_id) == "edited"  # waits for a token
    assert _edits_of(slack, ts) == 1


def test_a_cancelled_campaign_reports_what_was_left(
    runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude, clock: None
) -> None:
    campaign_id = _planned(runtime, slack, STEPS_IN_A_ROW)
    control.approve(runtime, TEAM, campaign_id, HUMAN)
    CampaignEngine(runtime).advance(TEAM, campaign_id)  # the first step's task is created
    assert control.cancel(runtime, TEAM, campaign_id, HUMAN)
    work(runtime)
    [cancelled] = _posts_saying(slack, "was cancelled")
    assert "*Failed or cancelled*" in cancelled.args["text"]
    [message] = [
        m for m in slack.messages(CAMPAIGNS) if m["ts"] == _progress_ts(runtime, campaign_id)
    ]
    assert message["text"].count(":heavy_multiplication_x:") == 3


def test_spend_is_the_analysis_and_the_work_under_each_step(
    runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude, clock: None
) -> None:
    campaign_id = _planned(runtime, slack, STEPS_IN_A_ROW)
    control.approve(runtime, TEAM, campaign_id, HUMAN)
    CampaignEngine(runtime).advance(TEAM, campaign_id)
    with runtime.sessions() as session:
        [step_task_id] = [
            row.task_id
            for row in campaign_steps.steps_of(session, TEAM, campaign_id)
            if row.task_id
        ]
        step_task = session.get(Task, step_task_id)
        assert step_task is not None
        below = Task(
            team_id=TEAM,
            id=new_id(),
            parent_task_id=step_task_id,
            created_by="copywriter",
            assigned_to="social_media_manager",
            title="A delegated piece",
            brief="Below the step",
            context=step_task.context,
        )
        session.add(below)
        session.commit()
        below_id = below.id
    _charge(runtime, campaign_id, "0.50")  # the advisor's analysis
    _charge(runtime, step_task_id, "1.00", task_id=step_task_id)  # the step's agent
    _charge(runtime, below_id, "0.25", task_id=below_id)  # work it delegated
    _charge(runtime, "someone-else", "9.00", task_id=new_id())  # another request
    with runtime.sessions() as session:
        spent = campaign_spend.spend_usd(session, TEAM, campaign_id)
        calls = session.scalars(select(LlmCall)).all()
    assert spent == Decimal("1.75") and len(calls) == 4


def test_a_spent_budget_holds_the_running_step_and_the_next_and_says_so_once(
    runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude, clock: None
) -> None:
    campaign_id = _planned(runtime, slack, STEPS_IN_A_ROW)
    with runtime.sessions() as session:
        session.execute(
            update(Campaign).where(Campaign.id == campaign_id).values(budget_usd=Decimal("1.00"))
        )
        session.commit()
    control.approve(runtime, TEAM, campaign_id, HUMAN)
    CampaignEngine(runtime).advance(TEAM, campaign_id)  # the first step starts: nothing spent

    _charge(runtime, campaign_id, "0.85")
    snapshot = progress.load(runtime, TEAM, campaign_id)
    assert snapshot is not None
    assert "over 80% of the budget" in progress.render(snapshot, runtime.roster).text

    _charge(runtime, campaign_id, "0.15")  # spend reaches the budget before the step's call
    work(runtime)  # the first step's call is held (its task parked); the second waits
    CampaignEngine(runtime).advance(TEAM, campaign_id)  # held again: told once
    statuses = {r.step_id: r.status for r in _rows(runtime, campaign_id)}
    assert statuses == {"first": "started", "second": "pending", "third": "pending"}
    assert claude.requests == []  # the call that would pass the budget was not made
    [notice] = _posts_saying(slack, "no new step starts")
    assert f"<@{HUMAN}>" in notice.args["text"] and "of its $1.00 budget" in notice.args["text"]
    [message] = [
        m for m in slack.messages(CAMPAIGNS) if m["ts"] == _progress_ts(runtime, campaign_id)
    ]
    assert "budget held: no new step starts" in message["text"]
    assert "Do the second · Copywriter, waits: the budget is spent" in message["text"]


def _rows(rt: Runtime, campaign_id: str) -> list[CampaignStep]:
    with rt.sessions() as session:
        return campaign_steps.steps_of(session, TEAM, campaign_id)


def test_a_campaign_cancelled_before_approval_gets_no_progress_or_report(
    runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude, clock: None
) -> None:
    campaign_id = _planned(runtime, slack, STEPS_IN_A_ROW)
    card_only = slack.calls_to("chat.postMessage")  # the card _planned stands in for
    assert control.cancel(runtime, TEAM, campaign_id, HUMAN)
    work(runtime)
    assert report.post_report(runtime, TEAM, campaign_id) is None
    assert slack.calls_to("chat.postMessage") == card_only


LEADERSHIP = "C0LEADERSHIP"
ONE_STEP: dict[str, Any] = STEPS_IN_A_ROW | {
    "phases": [STEPS_IN_A_ROW["phases"][0] | {"steps": STEPS_IN_A_ROW["phases"][0]["steps"][:1]}]
}


def _reports(slack: SlackStandIn) -> tuple[list[Any], list[Any]]:
    """The reports in the card's thread, and the CMO's copies in #mkt-leadership, as Slack
    holds them (a refused post is not there)."""
    in_thread = [m for m in slack.messages(CAMPAIGNS) if "is done. Here is" in m["text"]]
    return in_thread, slack.messages(LEADERSHIP)


def test_the_report_reaches_the_requester_and_a_copy_the_cmo_once(
    runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude, clock: None
) -> None:
    slack.add_channel(LEADERSHIP, "mkt-leadership")
    campaign_id = _planned(runtime, slack, STEPS_IN_A_ROW)
    control.approve(runtime, TEAM, campaign_id, HUMAN)
    work(runtime)
    CampaignEngine(runtime).advance(TEAM, campaign_id)  # the end seen again: nothing new
    work(runtime)

    [report_post], [copy] = _reports(slack)
    with runtime.sessions() as session:
        card_ts = session.scalar(select(Campaign.thread_ts).where(Campaign.id == campaign_id))
    assert card_ts is not None and report_post["thread_ts"] == card_ts
    assert report_post["text"].startswith(f"<@{HUMAN}> the campaign *three-steps* is done")
    text = copy["text"]
    assert text.startswith("*For the CMO*: the campaign *three-steps* that")
    assert "thread_ts" not in copy and "*Produced*" in text and "*Cost* $" in text
    permalink = f"/archives/{CAMPAIGNS}/p{card_ts.replace('.', '')}|the campaign's thread>"
    assert permalink in text
    assert (copy["username"], report_post["username"]) == ("VP Marketing",) * 2


def test_a_report_whose_post_failed_is_posted_by_the_sweepers_pass_exactly_once(
    runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude, clock: None
) -> None:
    slack.add_channel(LEADERSHIP, "mkt-leadership")
    campaign_id = _planned(runtime, slack, ONE_STEP)
    control.approve(runtime, TEAM, campaign_id, HUMAN)
    engine = CampaignEngine(runtime)
    engine.advance(TEAM, campaign_id)  # the step's task is created
    empty_queues(runtime)  # the passes below are run here, by hand
    with runtime.sessions() as session:
        [row] = campaign_steps.steps_of(session, TEAM, campaign_id)
        task_id = row.task_id
        assert task_id is not None
        assert tasks.move(session, TEAM, task_id, from_=(TaskStatus.OPEN,), to=TaskStatus.DONE)

    slack.fail_next("chat.postMessage", status=200, error="fatal_error")  # Slack refuses once
    assert engine.advance(TEAM, campaign_id) == "done"
    assert _reports(slack) == ([], [])  # the pass logged it and went on
    assert sweep(runtime.sessions, runtime.redis, runtime.settings.queue_name, grace_s=60) == []

    with freeze_time(utcnow() + timedelta(seconds=120)):  # past the sweeper's grace
        requeued = sweep(runtime.sessions, runtime.redis, runtime.settings.queue_name, grace_s=60)
    assert ADVANCE_CAMPAIGN.job_id(TEAM, campaign_id) in requeued
    work(runtime)
    in_thread, copies = _reports(slack)
    assert (len(in_thread), len(copies)) == (1, 1)
    with freeze_time(utcnow() + timedelta(seconds=240)):  # reported: nothing more to do
        assert sweep(runtime.sessions, runtime.redis, runtime.settings.queue_name, grace_s=60) == []
    engine.advance(TEAM, campaign_id)
    assert _reports(slack) == (in_thread, copies)


def test_a_change_while_a_catch_up_sleeps_queues_no_second_one_and_is_shown(
    settings: Settings, slack: SlackStandIn, claude: ScriptedClaude, clock: None
) -> None:
    """Each queued catch-up sleeps in a worker of its own: a second one queued while the first
    sleeps held both workers of a campaign for the whole window (bench.campaign_engine)."""
    rt = _runtime_with(settings, campaign_progress_edit_every_s=1.0)
    campaign_id = _planned(rt, slack, STEPS_IN_A_ROW)
    control.approve(rt, TEAM, campaign_id, HUMAN)
    CampaignEngine(rt).advance(TEAM, campaign_id)
    ts = _progress_ts(rt, campaign_id)
    empty_queues(rt)  # what the first pass queued
    keys = {"team_id": TEAM, "campaign_id": campaign_id}
    sleeper = threading.Thread(target=progress.catch_up, args=(TEAM, campaign_id))
    sleeper.start()
    assert wait_until(lambda: bool(rt.redis.exists(progress.WAITING_KEY.format(**keys))), 5)

    _charge(rt, campaign_id, "0.42")
    assert progress.show(rt, TEAM, campaign_id) == "coalesced"
    assert waiting_job_ids(rt.redis, rt.settings.queue_name) == []  # the sleeper shows it
    sleeper.join(10)
    [message] = [m for m in slack.messages(CAMPAIGNS) if m["ts"] == ts]
    assert "*Spend* $0.42 of" in message["text"] and _edits_of(slack, ts) == 1


def test_an_ended_campaign_whose_report_was_never_posted_is_passed_again(
    runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude, clock: None
) -> None:
    """The pass that saw the end was killed before its report (the card then still said
    "running"): the sweeper passes the campaign again until the report is in Slack."""
    campaign_id = _planned(runtime, slack, STEPS_IN_A_ROW)
    assert control.approve(runtime, TEAM, campaign_id, HUMAN)
    work(runtime)
    with runtime.sessions() as session:
        assert campaign_steps.campaigns_to_advance(session, grace_s=0) == []
        session.execute(
            update(SlackPost)
            .where(SlackPost.turn_id == report.report_key(campaign_id))
            .values(ts=None)
        )
        session.commit()
        assert campaign_steps.campaigns_to_advance(session, grace_s=0) == [(TEAM, campaign_id)]
    assert CampaignEngine(runtime).advance(TEAM, campaign_id) == "done"
    with runtime.sessions() as session:
        assert campaign_steps.campaigns_to_advance(session, grace_s=0) == []
    assert len(_posts_saying(slack, "is done")) == 1  # found again in Slack, not re-posted
