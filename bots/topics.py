"""A team channel's topic names its lead: what a newcomer reads at the top of the channel.

One wording for the app (set when it first joins a channel whose topic is empty,
`jobs/slack/topics.py`) and the sandbox workspace (its channels start with it).
"""

from __future__ import annotations

from bots.roster import Roster

TEAM_CHANNEL_PREFIX = "mkt-"
# The escalation channel has no lead: its topic says what waits there.
ESCALATIONS_TOPIC = "Escalations and approvals the department puts to people · decide on the cards"


def channel_topic(roster: Roster, channel_name: str) -> str | None:
    """ "Content team · lead: Content Manager · ask “content manager: …”", or None for a
    channel no agent leads."""
    lead = roster.lead_of(channel_name)
    if lead is None:
        return None
    team = channel_name.removeprefix(TEAM_CHANNEL_PREFIX).replace("-", " ").capitalize()
    return f"{team} team · lead: {lead.display_name} · ask @Marketing Dept {lead.aliases[0]}: …"
