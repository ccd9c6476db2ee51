"""`/campaign` as typed: the command's text → what the person asked for, or why it is refused.

Pure (no Slack, no database), so every sub-command and every bad argument is tested without an
app, and a refusal can never have started anything: the listener acts only on a parsed request.

Telling a sub-command from a brief, since a brief is free text:
- a text is a sub-command when its first word is one (any case) and the whole text fits that
  sub-command's grammar (`list`, `status c12`, `set lead_score 82 c12`);
- `status`, `pause`, `resume`, `cancel` and `outcome` hardly ever begin a brief, and a campaign
  started by a mistyped `cancel` costs more than retyping: text beginning with them is always
  that sub-command, and a bad argument gets its usage. A brief that must begin with one of
  them goes through the form (`/campaign` alone);
- `list`, `help` and `set` begin ordinary briefs ("help us launch…", "set up a webinar
  series…"): followed by no more words than the sub-command takes (none; `set`: three), the
  text is the sub-command and a bad argument gets its usage; followed by more, it is a brief;
- a brief says what, for whom and by when, so it has at least `MIN_BRIEF_WORDS` words: shorter
  text that is no sub-command is refused (a mistyped `/campaign stats c12` starts nothing).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from bots.plans import VARIABLE_PATTERN, Value
from jobs.slack.text import Mrkdwn, join, md

MIN_BRIEF_WORDS = 3
MAX_BRIEF_CHARS = 3000  # also the form's limit; a longer brief belongs in a doc it links
MAX_VALUE_CHARS = 200  # a campaign variable's text value
# The ids people type after a sub-command: letters, digits, `-` and `_` (the engine's ids fit).
CAMPAIGN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,39}")
_VARIABLE = re.compile(VARIABLE_PATTERN)
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")  # the numbers bots/plans.py's conditions compare
# Slack clients may turn typed quotes into curly ones: both count.
_QUOTED = re.compile(r'"([^"]*)"|“([^”]*)”|\'([^\']*)\'')
_QUOTES = "\"'“”"
_TOKEN = re.compile(r'"[^"]*"|“[^”]*”|\'[^\']*\'|\S+')

StateChange = Literal["pause", "resume", "cancel"]
MAX_BUDGET_USD = Decimal("100000")  # LLM spend for one campaign; more is surely a typo
# "AI budget $20", "LLM budget: 35 USD", "Claude budget of $1.5k": the campaign's budget for
# its AI work, named as such. A bare "budget $50k" is the campaign's own (media, events)
# money, which the department does not spend, so it is left to the brief's reader.
_AI_BUDGET = re.compile(
    r"\b(?:ai|llm|claude)(?:\s+work)?\s+budget\s*(?:of|:|=)?\s*\$?\s*"
    r"(\d+(?:\.\d+)?)\s*(k\b)?",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class CampaignRequest:
    """A campaign to start: typed as `/campaign <brief>` (the brief alone: the advisor reads
    any deadline or budget in it) or filled in the form."""

    brief: str
    deadline: date | None = None  # a UTC date
    budget_usd: Decimal | None = None  # None: the default from settings
    success_metrics: str = ""
    channel_id: str | None = None  # where the person wants to follow it


@dataclass(frozen=True)
class OpenBriefForm:
    """`/campaign` alone: the form with brief, deadline, budget, success metrics, channel."""


@dataclass(frozen=True)
class ListCampaigns:
    """`/campaign list`."""


@dataclass(frozen=True)
class ShowStatus:
    """`/campaign status <id>`."""

    campaign_id: str


@dataclass(frozen=True)
class ChangeState:
    """`/campaign pause|resume|cancel <id>`."""

    change: StateChange
    campaign_id: str


@dataclass(frozen=True)
class SetVariable:
    """`/campaign set <var> <value> [<id>]`: a campaign variable a conditional phase reads;
    without an id, the engine decides which of the person's campaigns it means."""

    variable: str
    value: Value
    campaign_id: str | None = None


@dataclass(frozen=True)
class OpenOutcomeForm:
    """`/campaign outcome <id>`: the form that records how the campaign went."""

    campaign_id: str


@dataclass(frozen=True)
class ShowHelp:
    """`/campaign help`."""


@dataclass(frozen=True)
class Refused:
    """A bad sub-command or argument: what was wrong and the usage that fits. Starts nothing."""

    reason: Mrkdwn
    usage: Mrkdwn


Command = (
    CampaignRequest
    | OpenBriefForm
    | ListCampaigns
    | ShowStatus
    | ChangeState
    | SetVariable
    | OpenOutcomeForm
    | ShowHelp
    | Refused
)

USAGE: dict[str, str] = {
    "brief": "`/campaign <brief>`: start a campaign: what to launch, for whom, by when",
    "form": "`/campaign`: the same in a form (deadline, budget, success metrics, channel)",
    "list": "`/campaign list`: your campaigns and where each stands",
    "status": "`/campaign status <id>`: one campaign's phases, steps and spend",
    "pause": "`/campaign pause <id>`: no new steps start; running ones finish",
    "resume": "`/campaign resume <id>`: carry on after a pause",
    "cancel": "`/campaign cancel <id>`: stop, and mark the steps not done cancelled",
    "set": "`/campaign set <variable> <value> [<id>]`: set a campaign variable, e.g. "
    '`/campaign set lead_score 82 c12`; a value is a number, true/false, a word or "quoted text"',
    "outcome": "`/campaign outcome <id>`: record how it went (a form), so estimates learn",
    "help": "`/campaign help`: what the department does with a campaign",
}
HARD_WORDS = frozenset({"status", "pause", "resume", "cancel", "outcome"})
SOFT_WORDS = {"list": 0, "help": 0, "set": 3}  # → the most words each takes after it


def usage(*names: str) -> Mrkdwn:
    """The usage lines of these sub-commands (all of them when none is named)."""
    return join("\n", [Mrkdwn(f"• {USAGE[name]}") for name in names or USAGE])


def parse_command(text: str) -> Command:
    """What `/campaign <text>` asks for. `text` is the person's text as read (`from_slack`)."""
    text = text.strip()
    words = text.split()
    if not words:
        return OpenBriefForm()
    keyword = words[0].lower()
    if keyword in HARD_WORDS:
        return _SUBCOMMANDS[keyword](text[len(words[0]) :].strip())
    if keyword in SOFT_WORDS:
        rest = text[len(words[0]) :].strip()
        parsed = _SUBCOMMANDS[keyword](rest)
        fits = len(_TOKEN.findall(rest)) <= SOFT_WORDS[keyword] or len(words) < MIN_BRIEF_WORDS
        if fits or not isinstance(parsed, Refused):
            return parsed
    return brief_or_refusal(text)


def brief_or_refusal(text: str) -> CampaignRequest | Refused:
    """A typed brief, or why it cannot be one (too long; too short, with a guess at the
    sub-command that was meant)."""
    problem = brief_problem(text)
    if problem is None:
        return CampaignRequest(brief=text.strip(), budget_usd=ai_budget_in(text))
    if len(text.split()) >= MIN_BRIEF_WORDS:
        return Refused(md("{problem}", problem=problem), usage("brief", "form"))
    first = text.split()[0].lower() if text.split() else ""
    guess = difflib.get_close_matches(first, USAGE, n=1, cutoff=0.7)
    hint = md(" Did you mean `{word}`?", word=guess[0]) if guess else Mrkdwn("")
    reason = md(
        "`{text}` is not a sub-command, and too short for a brief: {problem}{hint}",
        text=text.strip(),
        problem=problem,
        hint=hint,
    )
    return Refused(reason, usage())


def ai_budget_in(brief: str) -> Decimal | None:
    """The AI-work budget a typed brief names ("AI budget $20"), if one in range; None leaves
    the default from settings (and a typed amount out of range is not guessed at)."""
    found = _AI_BUDGET.search(brief)
    if found is None:
        return None
    amount = Decimal(found.group(1)) * (1000 if found.group(2) else 1)
    return amount if 0 < amount <= MAX_BUDGET_USD else None


def brief_problem(text: str) -> str | None:
    """None for a usable brief; else what is wrong with it, in plain words (shared with the
    form, whose errors are plain text)."""
    brief = text.strip()
    if len(brief) > MAX_BRIEF_CHARS:
        return (
            f"The brief is {len(brief):,} characters; keep it under {MAX_BRIEF_CHARS:,} "
            "(link a doc for the rest)."
        )
    if len(brief.split()) < MIN_BRIEF_WORDS:
        return f"say what to launch, for whom and by when (at least {MIN_BRIEF_WORDS} words)."
    return None


def _no_arguments(name: str) -> Callable[[str], Command]:
    made: Command = ListCampaigns() if name == "list" else ShowHelp()

    def parse(rest: str) -> Command:
        if rest:
            return Refused(md("`{name}` takes nothing after it.", name=name), usage(name))
        return made

    return parse


def _one_id(name: str, make: Callable[[str], Command]) -> Callable[[str], Command]:
    def parse(rest: str) -> Command:
        words = rest.split()
        if len(words) != 1:
            said = "needs" if not words else "takes only"
            return Refused(
                md("`{name}` {said} one campaign id.", name=name, said=said), usage(name)
            )
        return _id_problem(words[0], name) or make(words[0])

    return parse


def _id_problem(word: str, name: str) -> Refused | None:
    if CAMPAIGN_ID.fullmatch(word):
        return None
    return Refused(
        md(
            "`{word}` is not a campaign id: letters, digits, - and _ "
            "(`/campaign list` shows yours).",
            word=word,
        ),
        usage(name),
    )


def _set(rest: str) -> Command:
    tokens = _TOKEN.findall(rest)
    unclosed = next((t for t in tokens if t[0] in _QUOTES and not _QUOTED.fullmatch(t)), None)
    if unclosed is not None:
        return Refused(md("The quote in `{token}` is not closed.", token=unclosed), usage("set"))
    if len(tokens) not in (2, 3):
        said = "too many words (quote a value with spaces)" if len(tokens) > 3 else "too few words"
        return Refused(md("`set`: {said}.", said=said), usage("set"))
    variable = tokens[0].lower()
    if not _VARIABLE.fullmatch(variable):
        return Refused(
            md(
                "`{name}` is not a variable name: a letter, then letters, digits or _ "
                "(at most 40), e.g. `lead_score`.",
                name=tokens[0],
            ),
            usage("set"),
        )
    value = _value(tokens[1])
    if isinstance(value, Mrkdwn):
        return Refused(value, usage("set"))
    campaign = tokens[2] if len(tokens) == 3 else None
    refused = _id_problem(campaign, "set") if campaign is not None else None
    return refused or SetVariable(variable, value, campaign)


def _value(token: str) -> Value | Mrkdwn:
    """A number, true/false, a word or quoted text (whole, its quotes closed); else what is
    wrong with it."""
    quoted = _QUOTED.fullmatch(token)
    text = next((g for g in quoted.groups() if g is not None), "") if quoted else token
    if len(text) > MAX_VALUE_CHARS:
        return md("That value is over {n} characters.", n=MAX_VALUE_CHARS)
    if quoted is not None:
        return text if text.strip() else md("An empty value sets nothing: quote some text.")
    if token.lower() in ("true", "false"):
        return token.lower() == "true"
    return float(token) if _NUMBER.fullmatch(token) else token


_SUBCOMMANDS: dict[str, Callable[[str], Command]] = {
    "list": _no_arguments("list"),
    "help": _no_arguments("help"),
    "status": _one_id("status", ShowStatus),
    "pause": _one_id("pause", lambda campaign: ChangeState("pause", campaign)),
    "resume": _one_id("resume", lambda campaign: ChangeState("resume", campaign)),
    "cancel": _one_id("cancel", lambda campaign: ChangeState("cancel", campaign)),
    "outcome": _one_id("outcome", OpenOutcomeForm),
    "set": _set,
}
