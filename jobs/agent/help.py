"""`help` in a DM or a mention, answered from the roster, never by a model's guess (issue 19:
"help in the DM → 'Recommendation: prioritise the help this quarter'").

A person who types `help` (or asks who is on the team, or what the department can do) wants
facts: the agents, who leads which channel, what to try, how approvals work, the commands. All
of that is data the department already holds, so the answer is rendered from it, costs no
Claude call and cannot invent an agent.
"""

from __future__ import annotations

import re

from bots.roster import Agent, Roster
from bots.routing import without_address
from jobs.slack.text import Mrkdwn, join, md

# What counts as asking for help, once the message is lower-cased and stripped of mentions,
# an agent's address and trailing punctuation. Anything longer is a request for the agent.
HELP_ASKS = frozenset(
    {
        "help",
        "help me",
        "commands",
        "what can you do",
        "what can the department do",
        "who is on the team",
        "who's on the team",
        "who is in the team",
        "who are you",
        "how does this work",
    }
)
LAYERS = (
    ("executive", "Leadership"),
    ("management", "Managers"),
    ("specialist", "Specialists"),
)
_MENTION = re.compile(r"<[@!#][^>]*>")
TRY = Mrkdwn(
    "*Try*\n"
    "• Mention an agent by name: `@Marketing Dept copywriter: three taglines for our "
    "launch`. With no name, the channel's lead answers (the CMO in a DM).\n"
    "• Ask a manager for work and it delegates: `content manager: a blog post about "
    "our new feature`.\n"
    "• Reply in the thread and the same agent carries on."
)
APPROVALS = Mrkdwn(
    "*Approvals*: a finished draft that needs a person comes back as a card with "
    "*Approve* / *Request changes* / *Reject*; one click, and the work goes on."
)
COMMANDS = Mrkdwn(
    "*Commands*: `/campaign &lt;brief&gt;` plans and runs a campaign (`/campaign help`); "
    "`/standup` runs the daily standup and the other rituals (`/standup help`)."
)


def is_help(agent: Agent, text: str) -> bool:
    """Whether `text`, as Slack sent it to `agent` (mentions, "cmo:" and all), only asks
    for help."""
    asked = without_address(agent, _MENTION.sub(" ", text).strip())
    return " ".join(asked.lower().split()).strip(" ?!.") in HELP_ASKS


def department_help(roster: Roster) -> Mrkdwn:
    """The department's own help: who is who, where, and what to try."""
    return join("\n", [Mrkdwn("*The marketing department: who is who*"), *help_sections(roster)])


def help_sections(roster: Roster) -> list[Mrkdwn]:
    """The parts of the help, in order (agents by layer, channels and their leads, what to
    try, approvals, commands): `help` joins them, the CMO's welcome shows each as a block."""
    return [layers(roster), channel_leads(roster), TRY, APPROVALS, COMMANDS]


def layers(roster: Roster) -> Mrkdwn:
    """The agents, one line per layer."""
    lines = []
    for layer, title in LAYERS:
        members = [agent for agent in roster.agents if agent.layer == layer]
        if members:
            names = ", ".join(_named(agent) for agent in members)
            lines.append(md("• *{title}*: {names}", title=title, names=names))
    return join("\n", lines)


def channel_leads(roster: Roster) -> Mrkdwn:
    channels = ", ".join(
        f"#{channel.name} ({roster.get(channel.lead).display_name})" for channel in roster.channels
    )
    return md("*Channels and their leads*: {channels}", channels=channels)


def _named(agent: Agent) -> str:
    return f"{agent.icon_emoji} {agent.display_name}"
