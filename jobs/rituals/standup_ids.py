"""The action ids of the standup's own buttons, in a module of their own so the Slack app's
listeners (handlers/standup_buttons.py) import them without the jobs that post them."""

OPEN_CARD = "standup-open-card"  # a link button to an escalation card: the click is only acked
NUDGE = "standup-nudge"  # one reminder in the escalation card's thread
