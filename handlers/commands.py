"""`/campaign`: acknowledged at once; the orchestrated campaign flow is a later release.

Until then the command answers privately with where to send the brief, quoting it back so
nothing the person typed is lost.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from jobs.slack.text import from_slack, join, md

USAGE = (
    "Tell me what to launch, for whom and by when, e.g. "
    "`/campaign awareness push for our AI analytics feature, enterprise CTOs, live in 3 weeks`."
)
NOT_YET = (
    "Campaign orchestration with `/campaign` is not switched on in this version yet. "
    "Mention the department with your brief instead and the CMO will pick it up in a thread "
    "(copy of what you typed below):"
)


def register(app: App) -> None:
    app.command("/campaign")(handle_campaign)


def handle_campaign(ack: Ack, command: dict[str, Any]) -> None:
    brief = from_slack(command.get("text") or "").strip()
    if not brief:
        ack(response_type="ephemeral", text=USAGE)
        return
    # The person's own words, escaped: a quoted `<!channel>` stays text.
    quoted = join("\n", [md("> {line}", line=line) for line in brief.splitlines()])
    ack(
        response_type="ephemeral",
        text=md("{intro}\n{quoted}", intro=NOT_YET, quoted=quoted).text,
    )
