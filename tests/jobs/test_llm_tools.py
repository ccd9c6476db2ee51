"""The Claude wrapper with tools: tool_use comes back parsed, tool_result goes out, and the
tool definitions sit in the cached prefix."""

from __future__ import annotations

import anthropic

from bots.prompts import PromptLibrary
from bots.roster import load_roster
from bots.tools import parse_call, tool_definitions
from jobs.claude.client import ChatMessage, LlmRequest, build_params, stream_once
from sandbox.claude_api import ScriptedClaude, TextReply, ToolUseReply

ROSTER = load_roster()
MANAGER = ROSTER.get("content_manager")
BRIEF = {
    "to": "copywriter",
    "title": "Blog: 5 ways AI cuts costs",
    "brief": "1,500 words for marketing directors, due tomorrow.",
}


def _request(messages: list[ChatMessage]) -> LlmRequest:
    return LlmRequest(
        model="claude-sonnet-5-5",
        system=PromptLibrary(ROSTER).system_prompt(MANAGER),
        messages=messages,
        max_tokens=512,
        tools=tool_definitions(),
    )


def test_a_tool_round_trip(claude: ScriptedClaude) -> None:
    client = anthropic.Anthropic(api_key="test", base_url=claude.base_url, max_retries=0)
    claude.enqueue(
        ToolUseReply("delegate", BRIEF, text_before="Assigning the draft now."),
        TextReply("Assigned to the Copywriter."),
    )
    ask = [ChatMessage("user", "[<@U1>] we need a blog post on AI cost savings")]

    first = stream_once(client, _request(ask), lambda text: None)

    assert first.stop_reason == "tool_use"
    assert first.text == "Assigning the draft now."
    [use] = first.tool_uses
    assert use.name == "delegate" and use.input == BRIEF
    assert parse_call(use.name, use.input).refusal is None
    result = {
        "type": "tool_result",
        "tool_use_id": use.id,
        "content": "Task created: #mkt-content thread",
    }
    follow = [
        *ask,
        ChatMessage("assistant", "", blocks=first.content),
        ChatMessage("user", "", blocks=(result,)),
    ]
    second = stream_once(client, _request(follow), lambda text: None)

    assert second.text == "Assigned to the Copywriter." and second.tool_uses == ()
    sent = claude.requests[1].body
    assert [m["role"] for m in sent["messages"]] == ["user", "assistant", "user"]
    assert sent["messages"][1]["content"][-1]["type"] == "tool_use"
    assert sent["messages"][2]["content"][0]["tool_use_id"] == use.id
    assert [t["name"] for t in sent["tools"]] == [
        "delegate",
        "consult",
        "report",
        "escalate",
        "record_decision",
        "submit_for_approval",
        "review",
        "update_task",
    ]
    assert second.usage.cache_read_tokens > 0  # tools + system prefix read from the cache


def test_tools_are_optional_and_last_tool_carries_the_cache_mark() -> None:
    without = build_params(
        LlmRequest(
            "m", PromptLibrary(ROSTER).system_prompt(MANAGER), [ChatMessage("user", "hi")], 10
        )
    )
    assert "tools" not in without
    with_tools = build_params(_request([ChatMessage("user", "hi")]))
    assert with_tools["tools"][-1]["cache_control"] == {"type": "ephemeral"}
    assert all("cache_control" not in tool for tool in with_tools["tools"][:-1])
