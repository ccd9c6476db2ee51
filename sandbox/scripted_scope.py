"""Which requests the scripted department can answer, and the honest line for the rest.

The scripted roles fill templates with a request's topic (sandbox/scripted_department.py).
Asked something no template fits ("run today's standup", "hi", "what should we focus on this
quarter?"), a template would parrot the words back ("prioritise the run today's standup this
quarter"). So a person's own request that names nothing the department makes or works on gets
one honest answer instead: the sandbox answers from scripts, and here are the requests that
run (the page's "Try" examples, bots/examples.toml: one list for every place that offers
them). A request for a ritual ("run today's standup") is pointed at its command.

Only a person's own words are judged: task turns (a manager's brief), tool rounds, reviews,
syntheses and follow-ups on an answer are scripted flows and never reach this check.
"""

from __future__ import annotations

import re
from typing import Any

from bots.examples import load_examples
from sandbox.product_turns import split_task, tool_results

# What the department makes or works on: a request naming one of these has a template.
_SCRIPTED = re.compile(
    r"\b(?:tagline|headline|hook|slogan|copy|blog|article|post|thread|tweet|twitter|linkedin|"
    r"e-?mail|newsletter|nurture|subject line|keyword|seo|search|ranking|visual|image|graphic|"
    r"design|banner|logo|data|metric|report|roi|performance|analytic|competitor|market\b|"
    r"persona|research|press|announc|crisis|statement|social|campaign|launch|webinar|release|"
    r"rollout|position|brand|messag|audience|strateg|plans?\b|content|product|feature|program|"
    r"pricing|budget|event|conference|partner|customer|onboarding|landing page|website|video|"
    r"case stud|e-?book|whitepaper|promot|offer|pitch|idea|option|brief|review|ads?\b|advert|"
    r"gdpr|legal|complian)",
    re.I,
)
# Words that are no subject of their own: "who is on the team", "focus on this quarter".
_NO_SUBJECT = frozenset((
    "team", "department", "you", "me", "us", "it", "this", "that", "help", "today", "tomorrow",
    "week", "month", "quarter", "year", "things", "stuff", "everything", "anything", "something",
))  # fmt: skip
_TOPIC_CUE = re.compile(
    r"\b(?:about|regarding|announcing|promoting)\s+(?:(?:our|the|a|an|my|your|this|new)\s+)*"
    r"([\w&'-]+)",
    re.I,
)
RITUAL_COMMANDS = (  # (what the person asked for, the command that runs it now, its name)
    (re.compile(r"\b(?:eod|end[- ]of[- ](?:the[- ])?day)\b", re.I), "/standup eod now",
     "the end-of-day summary"),
    (re.compile(r"\bmorning (?:summary|brief|briefing|review)\b", re.I), "/standup morning now",
     "the morning summary"),
    (re.compile(r"\bweekly (?:planning|plan|review)\b", re.I), "/standup weekly now",
     "weekly planning"),
    (re.compile(r"\bmonthly review\b", re.I), "/standup monthly now", "the monthly review"),
    (re.compile(r"\bquarterly (?:planning|plan|review)\b", re.I), "/standup quarterly now",
     "quarterly planning"),
    (re.compile(r"\bstand-?\s?ups?\b", re.I), "/standup now", "today's daily standup"),
)  # fmt: skip
HONEST_LINE = "In the sandbox I answer from scripts; try one of these:"


def is_scripted(ask: str) -> bool:
    """Whether a person's request names something a role's template is about."""
    if _ritual(ask) is not None:
        return False
    if _SCRIPTED.search(ask):
        return True
    cue = _TOPIC_CUE.search(ask)
    return cue is not None and cue.group(1).lower() not in _NO_SUBJECT


def off_script_reply(body: dict[str, Any], ask: str) -> str | None:
    """The honest answer to a person's request no script fits; None for everything else."""
    if not ask.strip() or _is_flow(body) or is_scripted(ask):
        return None
    lines = []
    if ritual := _ritual(ask):
        command, name = ritual
        lines.append(f"To run {name} now, type `{command}` in a channel (`/standup help` lists "
                     "the rituals and their times).")  # fmt: skip
    lines.append(HONEST_LINE)
    lines += [_example_line(example.label, example.text) for example in load_examples().examples]
    lines.append("In a channel, mention the app first; in a DM, just send it.")
    return "\n".join(lines)


def _example_line(label: str, text: str) -> str:
    if label.strip(" ?").lower() == text.strip(" ?").lower():
        return f"• `{text}`"
    return f"• {label}: `{text}`"


def _ritual(ask: str) -> tuple[str, str] | None:
    return next(((cmd, name) for found, cmd, name in RITUAL_COMMANDS if found.search(ask)), None)


def _is_flow(body: dict[str, Any]) -> bool:
    """A task turn (a `<task>` brief in any message) or a turn already in its tool rounds."""
    if tool_results(body):
        return True
    for message in body.get("messages") or []:
        content = message.get("content")
        blocks = content if isinstance(content, list) else [{"type": "text", "text": content}]
        texts = (str(b.get("text", "")) for b in blocks if isinstance(b, dict))
        if message.get("role") == "user" and any(split_task(text) for text in texts):
            return True
    return False
