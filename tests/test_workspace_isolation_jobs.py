"""Jobs across workspaces: every job in jobs/queue.py, run for workspace B with the id of one
of A's records (the ids a stale or forged enqueue would carry), finds nothing, changes nothing
in A, asks Claude nothing and calls Slack with no token but B's; run on B's own records, it
calls Slack with B's token only. Setting up B creates B's channels, with B's token, and writes
B's settings only. A new JobRef without a row in RECORD_OF fails `test_every_job_is_covered`."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from rq.registry import FailedJobRegistry
from sqlalchemy import select

from jobs.queue import JOB_REFS, JobRef, enqueue, lane_queue, thread_ref, turn_queue
from jobs.setup.run import department_channels
from jobs.workspace_exit import forget
from models import approvals, workspaces
from models.approvals import ApprovalStatus
from models.base import utcnow
from models.campaigns import Campaign, CampaignStatus
from models.workspace_settings import WorkspaceSetting
from sandbox.claude_api import ScriptedClaude
from tests.conftest import CHANNEL_CONTENT, CHANNEL_GENERAL, DM_CHANNEL, HUMAN, work
from tests.isolation_records import RENAMED, THREAD, Records, choose_settings, make_records
from tests.two_workspaces import APPROVER, TEAM_A, TEAM_B, Pair, tokens_of

# JobRef name → the record id it is enqueued with, taken from a workspace's records.
RECORD_OF: dict[str, Callable[[Records], str]] = {
    "run_turn": lambda r: r.turn,
    "run_task": lambda r: r.task,
    "after_decision": lambda r: r.approval,
    "after_campaign_decision": lambda r: r.approval,  # a campaign's card; this one is not
    "remind": lambda r: r.approval,
    "after_acknowledgement": lambda r: r.task,
    "after_human_answer": lambda r: r.task,
    "publish_home": lambda r: HUMAN,
    "send_welcome": lambda r: HUMAN,
    "greet_thread": lambda r: thread_ref(DM_CHANNEL, THREAD),
    "advance": lambda r: r.campaign,
    "analyze": lambda r: r.campaign,
    "refresh": lambda r: r.campaign,
    "catch_up": lambda r: r.campaign,
    "run_ritual": lambda r: r.ritual_run,
    "nudge_escalation": lambda r: r.task,
    "refresh_plan": lambda r: r.task,
    "run_setup": lambda r: APPROVER,
    "forget_workspace": lambda r: r.team,
}
# Jobs whose record id is not a record of ours: a person or a thread, the same ids in both
# workspaces by design; B's job works for B's person or thread.
SHARED_IDS = {"publish_home", "send_welcome", "greet_thread", "run_setup"}
BY_NAME = {ref.name: ref for ref in JOB_REFS}
# The jobs that call Slack on these minimal records (the others find no state to act on
# here; their flows have tests of their own, in one workspace).
CALLS_SLACK = {
    "after_decision",
    "analyze",
    "greet_thread",
    "publish_home",
    "refresh",
    "remind",
    "run_ritual",
    "run_setup",
    "run_turn",
}


def test_every_job_is_covered() -> None:
    assert set(BY_NAME) == set(RECORD_OF)
    assert len(BY_NAME) == len(JOB_REFS)  # no two jobs share a name


def _run(pair: Pair, ref: JobRef, team: str, record_id: str) -> str:
    queue = turn_queue(pair.rt.redis, pair.rt.settings.queue_name)
    job_id = enqueue(queue, ref, team, record_id)
    work(pair.rt)
    assert job_id not in FailedJobRegistry(queue=lane_queue(queue, ref.lane)).get_job_ids()
    return job_id


def _a_channels_unchanged(pair: Pair) -> list[int]:
    return [
        len(pair.slack.messages(channel, team=TEAM_A))
        for channel in (CHANNEL_CONTENT, CHANNEL_GENERAL, DM_CHANNEL)
    ]


@pytest.mark.parametrize("name", sorted(RECORD_OF))
def test_a_job_for_b_with_as_record_id_touches_nothing_of_a(
    pair: Pair, claude: ScriptedClaude, name: str
) -> None:
    a = make_records(pair.rt.sessions, TEAM_A)
    before, posted = a.state(pair.rt.sessions), _a_channels_unchanged(pair)
    mark = pair.mark()
    _run(pair, BY_NAME[name], TEAM_B, RECORD_OF[name](a))
    assert a.state(pair.rt.sessions) == before
    assert _a_channels_unchanged(pair) == posted
    assert tokens_of(pair.calls_since(mark)) <= {TEAM_B}
    if name not in SHARED_IDS:
        assert pair.calls_since(mark) == [] and claude.requests == []


@pytest.mark.parametrize("name", sorted(RECORD_OF))
def test_a_job_on_bs_own_records_calls_slack_with_bs_token_only(pair: Pair, name: str) -> None:
    a = make_records(pair.rt.sessions, TEAM_A)
    b: Records = make_records(pair.rt.sessions, TEAM_B)
    if name == "after_decision":  # a person decided B's card: the job edits it
        with pair.rt.sessions() as session:
            approvals.decide(session, TEAM_B, b.approval, ApprovalStatus.APPROVED, by=HUMAN)
    before, posted = a.state(pair.rt.sessions), _a_channels_unchanged(pair)
    mark = pair.mark()
    queue = turn_queue(pair.rt.redis, pair.rt.settings.queue_name)
    enqueue(queue, BY_NAME[name], TEAM_B, RECORD_OF[name](b))
    work(pair.rt)  # it may fail on these sketchy records: what it called Slack with counts
    assert bool(pair.calls_since(mark)) == (name in CALLS_SLACK)  # the check below bites
    assert a.state(pair.rt.sessions) == before
    assert _a_channels_unchanged(pair) == posted
    assert tokens_of(pair.calls_since(mark)) <= {TEAM_B}


def test_setting_up_b_makes_bs_channels_with_bs_token_and_writes_bs_settings_only(
    pair: Pair,
) -> None:
    """A renamed its channels (RENAMED) before; B's set-up uses the department's names, in B."""
    a = make_records(pair.rt.sessions, TEAM_A)
    choose_settings(pair.rt.sessions, TEAM_A, APPROVER)
    before, a_channels = a.state(pair.rt.sessions), _channel_names(pair, TEAM_A)
    mark = pair.mark()
    _run(pair, BY_NAME["run_setup"], TEAM_B, APPROVER)
    made = {c.args["name"] for c in pair.calls_since(mark) if c.method == "conversations.create"}
    assert made == set(department_channels(pair.rt)) - {"mkt-content"}  # B's only channel
    assert made <= _channel_names(pair, TEAM_B) and not made & set(RENAMED.values())
    assert _channel_names(pair, TEAM_A) == a_channels
    assert tokens_of(pair.calls_since(mark)) == {TEAM_B}
    assert a.state(pair.rt.sessions) == before
    with pair.rt.sessions() as session:
        rows = {row.team_id: row for row in session.scalars(select(WorkspaceSetting))}
    assert set(rows) == {TEAM_A, TEAM_B} and rows[TEAM_B].setup_at is not None
    assert rows[TEAM_B].channels == {} and rows[TEAM_B].approvers == {}


def test_forgetting_b_drops_bs_queued_jobs_and_pauses_bs_campaigns_only(pair: Pair) -> None:
    """B uninstalled: its waiting jobs go and its running campaign pauses; A's stay as they
    were, and nothing is asked of Slack."""
    a, b = make_records(pair.rt.sessions, TEAM_A), make_records(pair.rt.sessions, TEAM_B)
    with pair.rt.sessions() as session:
        for team, campaign_id in ((TEAM_A, a.campaign), (TEAM_B, b.campaign)):
            row = session.get(Campaign, campaign_id)
            assert row is not None and row.team_id == team
            row.status = CampaignStatus.RUNNING.value
        session.commit()
        workspaces.mark_uninstalled(session, TEAM_B, utcnow(), retention_days=30)
    queue = turn_queue(pair.rt.redis, pair.rt.settings.queue_name)
    waiting = {
        team: enqueue(queue, BY_NAME["run_turn"], team, r.turn)
        for team, r in ((TEAM_A, a), (TEAM_B, b))
    }
    mark = pair.mark()
    forget(pair.rt, TEAM_B)
    assert set(queue.get_job_ids()) == {waiting[TEAM_A]}
    with pair.rt.sessions() as session:
        statuses = {c.team_id: c.status for c in session.scalars(select(Campaign))}
        assert workspaces.is_uninstalled(session, TEAM_B)
        assert not workspaces.is_uninstalled(session, TEAM_A)
    assert statuses == {TEAM_A: CampaignStatus.RUNNING.value, TEAM_B: CampaignStatus.PAUSED.value}
    assert pair.calls_since(mark) == []


def _channel_names(pair: Pair, team: str) -> set[str]:
    return {str(c.get("name")) for c in pair.slack.workspace_of(team).channels.values()}
