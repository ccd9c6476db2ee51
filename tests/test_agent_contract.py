"""One contract every agent in the roster passes: a persona, a prompt, an answer in its own
name on its own model tier, and messages that stay within Slack's limits."""

from __future__ import annotations

import time

import pytest

from bots.prompts import PromptLibrary
from bots.roster import Agent, load_roster
from jobs.runtime import Runtime
from jobs.slack.post_once import PART_MAX_CHARS
from sandbox.claude_api import ScriptedClaude, TextReply
from sandbox.signing import app_mention_event
from sandbox.slack_api import SlackStandIn
from tests.conftest import BOT_USER, CHANNEL_GENERAL, HUMAN, ServedApp, work

ROSTER = load_roster()
LONG_ANSWER = "\n\n".join(
    f"Idea {n}: " + "a specific, testable marketing move. " * 40 for n in range(6)
)


@pytest.mark.parametrize("agent", ROSTER.agents, ids=lambda agent: agent.id)
def test_agent_contract(
    agent: Agent, bolt: ServedApp, runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    prompt = PromptLibrary(ROSTER).system_prompt(agent)
    assert prompt.role.startswith(f"You are the {agent.display_name}")
    assert agent.display_name in prompt.department  # the directory names every colleague

    claude.enqueue(TextReply(LONG_ANSWER, chunk_chars=500))
    thread = f"{int(time.time()) - 60}.000100"
    name = agent.aliases[0]
    event = app_mention_event(
        user=HUMAN,
        channel=CHANNEL_GENERAL,
        text=f"<@{BOT_USER}> {name}: ideas for the launch?",
        ts=thread,
    )
    assert bolt.sender.send_event(event).status == 200
    work(runtime)

    replies = [m for m in slack.messages(CHANNEL_GENERAL, thread) if m.get("bot_id")]
    assert len(replies) > 1  # long answers continue in further messages, never cut
    assert {m["username"] for m in replies} == {agent.display_name}
    assert {m["icons"]["emoji"] for m in replies} == {agent.icon_emoji}
    assert all(len(str(m["text"])) <= PART_MAX_CHARS for m in replies)
    assert all(call.status == 200 for call in slack.calls_to(None))  # Slack accepted every call
    [request] = claude.requests
    assert request.body["model"] == runtime.settings.model_for(agent.model_tier)
