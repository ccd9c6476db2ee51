"""The CMO's welcome: the first time a person opens the app (App Home, or their first DM).

Who the 14 agents are by layer, who leads which channel, what to try, how approvals work and
the commands, all rendered from the roster, `bots/examples.toml` and the help's own sections
(`jobs/agent/help.py`: one source, so `help` and the welcome never disagree). Sent once per
person and workspace: the listener records the first visit (`models/welcomes.py`) and this job
posts through post-once, keyed by the person, so a retried event or job never welcomes twice.
The App Home of a person welcomed in the last `WELCOME_ON_HOME_DAYS` shows it at its top.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bots.examples import Examples, load_examples
from bots.roster import Roster
from jobs.agent.help import APPROVALS, COMMANDS, TRY, channel_leads, layers
from jobs.runtime import Runtime
from jobs.slack.blocks import context, header
from jobs.slack.post_once import Persona, ReplyTarget, post_once
from jobs.slack.text import Mrkdwn, join, md, mention, mrkdwn_text
from models import welcomes
from models.base import utcnow

WELCOME_ON_HOME_DAYS = 7  # a newcomer's Home starts with the welcome for a week
WELCOME_TITLE = "Welcome to the marketing department"


def welcome_key(user_id: str) -> str:
    """The post-once key of a person's welcome (one per person and workspace)."""
    return f"welcome-{user_id}"


def send_welcome(team_id: str, user_id: str) -> str:
    """RQ job: post the CMO's welcome in the person's DM with the app, once."""
    from jobs import runtime as runtime_module

    rt = runtime_module.current()
    with rt.sessions() as session:
        found = welcomes.load_welcome(session, team_id, user_id)
        if found is None:
            return "not recorded"
        if found.ts is not None:
            return "already welcomed"
        channel_id = found.channel_id
    cmo = rt.roster.front_door
    target = ReplyTarget(team_id, welcome_key(user_id), channel_id, None)
    blocks = welcome_blocks(rt.roster, load_examples(), user_id)
    ts = post_once(
        rt.slack_for(team_id),
        rt.sessions,
        target,
        Persona(cmo.display_name, cmo.icon_emoji),
        WELCOME_TITLE,
        blocks=blocks,
    )
    with rt.sessions() as session:
        found = welcomes.load_welcome(session, team_id, user_id)
        if found is not None:
            found.ts = ts
            session.commit()
    return "welcomed"


def welcome_blocks(roster: Roster, examples: Examples, user_id: str | None) -> list[dict[str, Any]]:
    """The welcome as Block Kit: the DM's message and the top of a newcomer's Home."""
    cmo = roster.front_door
    greeting = md(
        "Hi{who}! I'm the {cmo}, and I run a marketing department of {n} AI agents that "
        "lives in this Slack. Here is who is who, where we work, and how to get work done.",
        who=md(" {person}", person=mention(user_id)) if user_id else "",
        cmo=cmo.display_name,
        n=len(roster.agents),
    )
    parts = [
        md("*Who is who*\n{layers}", layers=layers(roster)),
        channel_leads(roster),
        TRY,
        _examples(examples),
        APPROVALS,
        COMMANDS,
    ]
    return [
        header(WELCOME_TITLE),
        {"type": "section", "text": mrkdwn_text(greeting)},
        *({"type": "section", "text": mrkdwn_text(part.cut(3000))} for part in parts),
        context("Type `help` in a DM or a mention any time to see this again."),
    ]


def is_newcomer(rt: Runtime, team_id: str, user_id: str) -> bool:
    """Whether the person was first seen within `WELCOME_ON_HOME_DAYS` (or not yet at all)."""
    with rt.sessions() as session:
        since = welcomes.welcomed_since(session, team_id, user_id)
    return since is None or utcnow() - since < timedelta(days=WELCOME_ON_HOME_DAYS)


def _examples(examples: Examples) -> Mrkdwn:
    lines = [md("• {label} — `{text}`", label=e.label, text=e.text) for e in examples.examples]
    return join("\n", [Mrkdwn("*Examples to try*"), *lines])
