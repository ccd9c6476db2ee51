"""The sandbox's scripted department follows the product's structured signals, not the
wording of prompts/ or of the instruction sentences jobs/ writes around its frames: with
every prompt file and every such sentence reworded beyond recognition (each line's words in
reverse order, each word spelled backwards; the frames' tags untouched), the main flows still
run: a request is answered in its agent's shape, a delegation fans in to an approval card
that one click moves on (the author revises, goes on after the approval), and a legal
question escalates to a person whose answer comes back down."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from redis import Redis
from sqlalchemy import select

from bots.prompts import DEFAULT_PROMPTS_DIR
from jobs.agent import reviews, task_turns
from jobs.approvals import submit
from jobs.runtime import Runtime
from models.work import Task, TaskStatus
from sandbox.claude_api import ScriptedClaude
from sandbox.signing import app_mention_event
from sandbox.slack_api import SlackStandIn
from settings import Settings
from tests.conftest import (
    BOT_USER,
    CHANNEL_CONTENT,
    CHANNEL_GENERAL,
    HUMAN,
    ServedApp,
    make_settings,
    work,
)
from tests.sandbox.test_scripted_department import unpaced_department
from tests.test_approval_flow import MARIA, _cards, _click, _state, _submit, people
from tests.test_escalation_flow import ESCALATIONS, escalation_channel
from tests.test_escalation_flow import _click as _click_escalation
from tests.test_escalation_options import _submit as _decide_escalation

__all__ = ["escalation_channel", "people"]  # fixtures, used by name
ORIGINAL_LINE = "You are the Copywriter of the marketing department."


def reword(text: str) -> str:
    """Every line's words in reverse order, each spelled backwards: no phrase survives (a
    `{placeholder}` stays whole, for the code that fills it in)."""
    return "\n".join(
        " ".join(word if word.startswith("{") else word[::-1] for word in reversed(line.split()))
        for line in text.splitlines()
    )


# The instruction sentences jobs/ writes around a turn's frames, by module and name.
INSTRUCTIONS = {
    task_turns: ("DO_THE_WORK", "TEAM_WORK", "SYNTHESISE"),
    submit: ("ON_APPROVED", "ON_CHANGES", "ON_CLOSED"),
    reviews: ("REVIEW_AS",),
}


@pytest.fixture()
def reworded_framing(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Every instruction sentence around the frames reworded; returns them by name."""
    reworded = {}
    for module, names in INSTRUCTIONS.items():
        for name in names:
            reworded[name] = reword(getattr(module, name))
            monkeypatch.setattr(module, name, reworded[name])
    return reworded


@pytest.fixture()
def reworded_prompts(tmp_path: Path) -> Path:
    target = tmp_path / "prompts"
    target.mkdir()
    for source in sorted(DEFAULT_PROMPTS_DIR.glob("*.md")):
        (target / source.name).write_text(reword(source.read_text(encoding="utf-8")))
    return target


@pytest.fixture()
def claude() -> Iterator[ScriptedClaude]:
    """The scripted department without its demo pacing (30 ms a chunk)."""
    with ScriptedClaude(responder=unpaced_department) as stub:
        yield stub


@pytest.fixture()
def settings(
    slack: SlackStandIn,
    claude: ScriptedClaude,
    database_url: str,
    redis_conn: Redis,
    reworded_prompts: Path,
    reworded_framing: dict[str, str],
) -> Settings:
    return make_settings(slack, claude, database_url, prompts_dir=reworded_prompts)


def _run(runtime: Runtime, rounds: int = 6) -> None:
    """Jobs enqueue jobs (reviews, consults, syntheses): run until the queue is empty."""
    for _ in range(rounds):
        work(runtime)


def _mention(bolt: ServedApp, slack: SlackStandIn, channel: str, words: str) -> str:
    text = f"<@{BOT_USER}> {words}"
    ts = slack.add_message(channel, user=HUMAN, text=text)
    assert (
        bolt.sender.send_event(
            app_mention_event(user=HUMAN, channel=channel, text=text, ts=ts)
        ).status
        == 200
    )
    return ts


def _bot_texts(slack: SlackStandIn, channel: str, thread: str) -> list[str]:
    return [m["text"] for m in slack.messages(channel, thread) if m.get("bot_id")]


def _role_blocks(claude: ScriptedClaude) -> list[str]:
    return [str(request.body["system"][1]["text"]) for request in claude.requests]


def test_the_rewording_changes_every_line_and_reaches_claude(
    bolt: ServedApp,
    runtime: Runtime,
    slack: SlackStandIn,
    claude: ScriptedClaude,
    reworded_prompts: Path,
) -> None:
    for source in DEFAULT_PROMPTS_DIR.glob("*.md"):
        original = {line for line in source.read_text().splitlines() if len(line.split()) > 1}
        reworded = set((reworded_prompts / source.name).read_text().splitlines())
        assert original and not original & reworded, source.name
    _mention(bolt, slack, CHANNEL_CONTENT, "copywriter: three taglines for our AI analytics launch")
    work(runtime)
    [role] = _role_blocks(claude)
    assert role.startswith(reword(ORIGINAL_LINE)) and ORIGINAL_LINE not in role


def test_a_request_is_answered_in_its_agents_shape(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    asked = _mention(
        bolt, slack, CHANNEL_CONTENT, "copywriter: three taglines for our AI analytics launch"
    )
    work(runtime)
    [answer] = _bot_texts(slack, CHANNEL_CONTENT, asked)
    assert "*My pick:*" in answer and re.search(r"^3\. ", answer, re.M)


def test_a_delegation_fans_in_to_an_approval_that_one_click_moves_on(
    bolt: ServedApp,
    runtime: Runtime,
    slack: SlackStandIn,
    claude: ScriptedClaude,
    people: None,
    reworded_framing: dict[str, str],
) -> None:
    asked = _mention(
        bolt, slack, CHANNEL_CONTENT, "content manager: write the blog post on AI marketing costs"
    )
    _run(runtime)
    with runtime.sessions() as session:
        assigned = set(
            session.scalars(select(Task.assigned_to).where(Task.parent_task_id.is_not(None)))
        )
    assert {"copywriter", "seo_specialist"} <= assigned
    [card] = _cards(slack, asked)
    blocks = str(card["blocks"])
    assert "drafted by *Copywriter* · submitted by *Content Manager*" in blocks
    assert "Director of Communications*: On-brand" in blocks

    _click(bolt, slack, card, "approval-approve", MARIA)
    _run(runtime)
    [card] = _cards(slack, asked)
    assert _state(card).startswith(f":white_check_mark: Approved by <@{MARIA}>")
    texts = _bot_texts(slack, CHANNEL_CONTENT, asked)
    assert texts[-1].startswith("*Wrap-up:* the post is approved and ready to publish.")
    firsts = [str(r.body["messages"][0]["content"][0]["text"]) for r in claude.requests]
    assert any(reworded_framing["ON_APPROVED"] in first for first in firsts)
    as_director = reworded_framing["REVIEW_AS"].format(reviewer="Director of Communications")
    assert any(as_director in first for first in firsts)


def test_changes_give_a_revision_and_a_rejection_closes_it(
    bolt: ServedApp,
    runtime: Runtime,
    slack: SlackStandIn,
    claude: ScriptedClaude,
    people: None,
    reworded_framing: dict[str, str],
) -> None:
    asked = _mention(
        bolt, slack, CHANNEL_CONTENT, "content manager: write the blog post on AI marketing costs"
    )
    _run(runtime)
    [card] = _cards(slack, asked)
    _click(bolt, slack, card, "approval-request-changes", MARIA)
    assert _submit(bolt, slack, MARIA, "Add a proof point with real data.") == {}
    _run(runtime)
    _, second = _cards(slack, asked)
    assert "version 2" in str(second["blocks"][1])
    assert "*Proof point:*" in second["blocks"][3]["text"]["text"]  # the feedback, followed

    _click(bolt, slack, second, "approval-reject", MARIA)
    assert _submit(bolt, slack, MARIA, "Not this quarter.") == {}
    _run(runtime)
    texts = _bot_texts(slack, CHANNEL_CONTENT, asked)
    assert texts[-1].startswith("Understood: “") and "The reason: Not this quarter." in texts[-1]
    firsts = [str(r.body["messages"][0]["content"][0]["text"]) for r in claude.requests]
    sent = dict(
        reworded_framing, SYNTHESISE=reworded_framing["SYNTHESISE"].format(who="a person in Slack")
    )
    for name in ("DO_THE_WORK", "TEAM_WORK", "SYNTHESISE", "ON_CHANGES", "ON_CLOSED"):
        assert any(sent[name] in first for first in firsts), name  # what Claude was sent


def test_a_legal_question_escalates_to_a_person_and_the_answer_comes_back(
    bolt: ServedApp,
    runtime: Runtime,
    slack: SlackStandIn,
    claude: ScriptedClaude,
    escalation_channel: None,
) -> None:
    asked = _mention(
        bolt, slack, CHANNEL_GENERAL, "is our GDPR consent banner copy compliant for the EU launch?"
    )
    _run(runtime)
    [card] = [m for m in slack.messages(ESCALATIONS) if m.get("blocks")]
    assert card["blocks"][0]["text"]["text"] == "ESCALATION: Human · Legal / compliance"
    _click_escalation(bolt, slack, card, "escalation-decide")
    # the scripted escalation names options: the first, with a note
    assert _decide_escalation(bolt, slack, "0", "Legal signed it off: ship it.") == {}
    _run(runtime)
    replies = _bot_texts(slack, CHANNEL_GENERAL, asked)
    assert replies[-1].startswith("*Answer from above:* Decided by")
    assert "chose “Hold it until legal has reviewed it”" in replies[-1]
    assert "Legal signed it off: ship it." in replies[-1]
    with runtime.sessions() as session:
        escalation = session.scalars(select(Task).where(Task.assigned_to == "human")).one()
    assert escalation.status == TaskStatus.DONE.value
