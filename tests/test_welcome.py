"""The CMO's welcome (issue 19): a newcomer's first App Home open or first DM, sent once."""

from __future__ import annotations

import json

from sqlalchemy import select

from jobs.home.welcome import send_welcome
from jobs.runtime import Runtime
from models import welcomes
from models.welcomes import Welcome
from sandbox.slack_api import SlackStandIn
from sandbox.slack_events import app_home_opened_event, im_message_event
from tests.conftest import DM_CHANNEL, HUMAN, TEAM, ServedApp, work


def _welcomes(slack: SlackStandIn) -> list[dict[str, object]]:
    return [
        m
        for m in slack.messages(DM_CHANNEL)
        if m.get("bot_id") and "Welcome to the marketing department" in m.get("text", "")
    ]


def test_the_first_home_open_welcomes_once_under_retried_events(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn
) -> None:
    opened = app_home_opened_event(user=HUMAN, channel=DM_CHANNEL)
    assert bolt.sender.send_event(opened, event_id="Ev1").status == 200
    assert bolt.sender.send_event(opened, event_id="Ev1", retry_num=1).status == 200
    messages_tab = app_home_opened_event(user=HUMAN, channel=DM_CHANNEL, tab="messages")
    assert bolt.sender.send_event(messages_tab).status == 200
    dm = im_message_event(user=HUMAN, channel=DM_CHANNEL, text="help", ts="1700000000.000100")
    assert bolt.sender.send_event(dm).status == 200
    work(runtime)
    send_welcome(TEAM, HUMAN)  # the job run again (a retry) posts nothing new

    [welcome] = _welcomes(slack)
    assert welcome["username"] == "CMO" and "thread_ts" not in welcome  # its own message
    shown = json.dumps(welcome["blocks"], ensure_ascii=False)
    for agent in runtime.roster.agents:  # the 14, from the roster
        assert agent.display_name in shown
    assert "Leadership" in shown and "Managers" in shown and "Specialists" in shown
    assert "#mkt-content (Content Manager)" in shown
    assert "three taglines for our AI analytics launch" in shown  # bots/examples.toml
    assert "*Approve* / *Request changes* / *Reject*" in shown and "`/standup help`" in shown
    with runtime.sessions() as session:
        [row] = session.scalars(select(Welcome).where(Welcome.team_id == TEAM)).all()
        assert (row.user_id, row.via, row.ts) == (HUMAN, "home", welcome["ts"])

    home = slack.workspace.views.for_user(HUMAN)["home"]
    assert home is not None
    assert home["blocks"][0]["text"]["text"] == "Welcome to the marketing department"


def test_a_first_dm_welcomes_and_is_answered(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn
) -> None:
    dm = im_message_event(user=HUMAN, channel=DM_CHANNEL, text="help", ts="1700000000.000100")
    assert bolt.sender.send_event(dm).status == 200
    work(runtime)
    assert len(_welcomes(slack)) == 1
    [answer] = [m for m in slack.messages(DM_CHANNEL) if m not in _welcomes(slack)]
    assert answer["username"] == "CMO" and "thread_ts" not in answer  # in the DM itself
    with runtime.sessions() as session:
        assert session.scalars(select(Welcome.via)).all() == ["dm"]


def test_someone_welcomed_long_ago_sees_the_usual_home(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn
) -> None:
    assert (
        bolt.sender.send_event(app_home_opened_event(user=HUMAN, channel=DM_CHANNEL)).status == 200
    )
    work(runtime)
    with runtime.sessions() as session:
        row = session.scalars(select(Welcome)).one()
        row.created_at = row.created_at.replace(year=row.created_at.year - 1)
        session.commit()
    assert (
        bolt.sender.send_event(app_home_opened_event(user=HUMAN, channel=DM_CHANNEL)).status == 200
    )
    work(runtime)
    home = slack.workspace.views.for_user(HUMAN)["home"]
    assert home is not None and home["blocks"][0]["text"]["text"] == "Waiting for a decision"
    assert len(_welcomes(slack)) == 1


def already_welcomed(runtime: Runtime, user: str = HUMAN) -> None:
    """For a flow test about someone who has used the app before: no welcome in their DM."""
    with runtime.sessions.kw["bind"].connect() as connection:
        assert welcomes.record_first_visit(connection, TEAM, user, DM_CHANNEL, "dm")
    with runtime.sessions() as session:
        found = welcomes.load_welcome(session, TEAM, user)
        assert found is not None
        found.ts = "1700000000.000001"  # welcomed long ago
        session.commit()


def test_a_welcome_whose_job_was_lost_is_asked_for_again_at_the_next_visit(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn
) -> None:
    with runtime.sessions.kw["bind"].connect() as connection:  # Redis was away: no job
        assert welcomes.record_first_visit(connection, TEAM, HUMAN, DM_CHANNEL, "home")
    work(runtime)
    assert _welcomes(slack) == []
    assert (
        bolt.sender.send_event(app_home_opened_event(user=HUMAN, channel=DM_CHANNEL)).status == 200
    )
    assert (
        bolt.sender.send_event(app_home_opened_event(user=HUMAN, channel=DM_CHANNEL)).status == 200
    )
    work(runtime)
    assert len(_welcomes(slack)) == 1
