"""`/campaign` text → request: every sub-command, every bad argument, and the rule that tells
a sub-command from a brief that happens to begin with one of its words."""

from __future__ import annotations

from decimal import Decimal

import pytest

from handlers.campaign_command import (
    MAX_BRIEF_CHARS,
    CampaignRequest,
    ChangeState,
    Command,
    ListCampaigns,
    OpenBriefForm,
    OpenOutcomeForm,
    Refused,
    SetVariable,
    ShowHelp,
    ShowStatus,
    parse_command,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", OpenBriefForm()),
        ("   \n ", OpenBriefForm()),
        ("list", ListCampaigns()),
        ("  LIST ", ListCampaigns()),
        ("help", ShowHelp()),
        ("Help", ShowHelp()),
        ("status c12", ShowStatus("c12")),
        ("status Camp_7-b", ShowStatus("Camp_7-b")),
        ("pause c12", ChangeState("pause", "c12")),
        ("RESUME c12", ChangeState("resume", "c12")),
        ("cancel c12", ChangeState("cancel", "c12")),
        ("outcome c12", OpenOutcomeForm("c12")),
        ("set lead_score 82", SetVariable("lead_score", 82.0)),
        ("set lead_score -3.5 c12", SetVariable("lead_score", -3.5, "c12")),
        ("set Lead_Score 82 c12", SetVariable("lead_score", 82.0, "c12")),
        ("set approved true", SetVariable("approved", True)),
        ("set approved FALSE c1", SetVariable("approved", False, "c1")),
        ("set tier gold", SetVariable("tier", "gold")),
        ('set tier "gold plus" c3', SetVariable("tier", "gold plus", "c3")),
        ("set tier 'gold plus'", SetVariable("tier", "gold plus")),
        ("set tier “gold plus” c3", SetVariable("tier", "gold plus", "c3")),
        ('set code "82"', SetVariable("code", "82")),  # quoted: text, not a number
    ],
)
def test_sub_commands(text: str, expected: Command) -> None:
    assert parse_command(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "launch an awareness campaign for our AI analytics feature: content, social, email",
        # list, help and set begin ordinary briefs: not their grammar, so a brief
        "list building campaign for the Q3 ebook",
        "help us launch the partner program in EMEA",
        "set up a webinar series for CTOs",
        "set lead_score 82 c12 please",  # more words than set takes
        'set tier "gold" c12 now',
        'set tier "gold plus c12 now',
    ],
)
def test_briefs_including_those_that_begin_with_a_soft_word(text: str) -> None:
    assert parse_command(text) == CampaignRequest(brief=text)


def test_a_brief_keeps_its_lines_and_drops_surrounding_space() -> None:
    assert parse_command("  launch AI analytics\nfor CTOs  ") == CampaignRequest(
        brief="launch AI analytics\nfor CTOs"
    )


def _refused(text: str) -> Refused:
    parsed = parse_command(text)
    assert isinstance(parsed, Refused), parsed
    return parsed


@pytest.mark.parametrize(
    ("text", "reason", "usage"),
    [
        # status, pause, resume, cancel, outcome: always the sub-command, never a brief
        ("status", "`status` needs one campaign id.", "/campaign status <id>"),
        ("pause", "`pause` needs one campaign id.", "/campaign pause <id>"),
        ("resume c1 c2", "`resume` takes only one campaign id.", "/campaign resume <id>"),
        (
            "cancel culture awareness push for Gen Z",
            "`cancel` takes only one campaign id.",
            "/campaign cancel <id>",
        ),
        ("outcome", "`outcome` needs one campaign id.", "/campaign outcome <id>"),
        (
            "status c$12",
            "`c$12` is not a campaign id: letters, digits, - and _ (`/campaign list` shows yours).",
            "/campaign status <id>",
        ),
        ("pause -c1", "`-c1` is not a campaign id", "/campaign pause <id>"),
        # a soft word followed by no more words than it takes: its own usage
        ("list all", "`list` takes nothing after it.", "/campaign list`"),
        ("help me", "`help` takes nothing after it.", "/campaign help`"),
        ("set lead_score", "`set`: too few words.", "/campaign set <variable>"),
        ("set", "`set`: too few words.", "/campaign set <variable>"),
        ('set tier "gold', 'The quote in `"gold` is not closed.', "/campaign set"),
        ("set 9lives 3", "`9lives` is not a variable name", "/campaign set"),
        ('set x ""', "An empty value sets nothing", "/campaign set"),
        ("set x 1 c$", "`c$` is not a campaign id", "/campaign set"),
    ],
)
def test_bad_arguments_name_the_problem_and_the_usage(text: str, reason: str, usage: str) -> None:
    refused = _refused(text)
    assert reason in refused.reason.text
    assert usage in refused.usage.text


def test_a_set_value_over_the_limit_is_refused() -> None:
    assert "over 200 characters" in _refused(f'set note "{"x" * 201}"').reason.text
    assert parse_command(f'set note "{"x" * 200}"') == SetVariable("note", "x" * 200)


@pytest.mark.parametrize(
    ("text", "guess"),
    [("stats c12", "status"), ("lsit", "list"), ("halp", "help"), ("cancle c1", "cancel")],
)
def test_an_unknown_sub_command_is_refused_with_a_guess(text: str, guess: str) -> None:
    refused = _refused(text)
    assert refused.reason.text.startswith(f"`{text}` is not a sub-command, and too short")
    assert f"Did you mean `{guess}`?" in refused.reason.text
    assert "/campaign status <id>" in refused.usage.text  # the whole usage
    assert "/campaign help" in refused.usage.text


@pytest.mark.parametrize("text", ["webinar", "Q3 webinar"])
def test_a_brief_needs_three_words(text: str) -> None:
    refused = _refused(text)
    assert "at least 3 words" in refused.reason.text
    assert "Did you mean" not in refused.reason.text


def test_a_brief_over_the_limit_is_refused() -> None:
    refused = _refused("launch " * (MAX_BRIEF_CHARS // 7 + 1))
    assert "keep it under 3,000" in refused.reason.text
    assert "/campaign <brief>" in refused.usage.text
    assert parse_command("launch " * (MAX_BRIEF_CHARS // 7 - 1)) != refused


def test_the_persons_text_comes_back_escaped() -> None:
    refused = _refused("<!channel> now")
    assert refused.reason.text.startswith("`&lt;!channel&gt; now` is not a sub-command")
    assert "&lt;b&gt;" in _refused("status <b>").reason.text


@pytest.mark.parametrize(
    ("brief", "budget"),
    [
        ("launch the partner program in EMEA, AI budget $20", Decimal(20)),
        ("a webinar series for CTOs; LLM budget: 35.5 usd", Decimal("35.5")),
        ("a webinar series for CTOs, claude work budget of $1.5k", Decimal(1500)),
        ("launch the AI analytics feature; conference in 3 weeks; budget $50k", None),
        ("launch the partner program, AI budget $0", None),  # out of range: not guessed
        ("launch the partner program, AI budget $500k", None),
    ],
)
def test_a_brief_may_name_its_ai_budget_and_a_bare_budget_is_not_taken_for_it(
    brief: str, budget: Decimal | None
) -> None:
    assert parse_command(brief) == CampaignRequest(brief=brief, budget_usd=budget)
