"""The scripted department finds the agent from the product's agent-id line, for every agent
of the roster and whatever the prompt files say, and never guesses it from the wording."""

from __future__ import annotations

from pathlib import Path

from bots.prompts import DEFAULT_PROMPTS_DIR, PromptLibrary, agent_id_in
from bots.roster import load_roster
from sandbox.product_turns import agent_of, is_review_step

ROSTER = load_roster()


def test_every_agent_is_found_by_id_in_a_prompt_library_of_other_words(tmp_path: Path) -> None:
    for source in DEFAULT_PROMPTS_DIR.glob("*.md"):
        (tmp_path / source.name).write_text(f"Role text {len(source.name)} in other words.\n")
    prompts = PromptLibrary(ROSTER, tmp_path)
    found = {}
    for agent in ROSTER.agents:
        prompt = prompts.system_prompt(agent)  # sent as two system blocks (jobs' build_params)
        system = [{"type": "text", "text": text} for text in (prompt.department, prompt.role)]
        found[agent.id] = agent_of({"system": system})
    assert found == {agent.id: agent.id for agent in ROSTER.agents}


def test_no_agent_id_line_means_no_agent() -> None:
    assert agent_of({"system": "You are the Copywriter of the marketing department."}) is None
    assert agent_id_in("Your agent id in the department's tools: seo\nand more text") is None


def test_a_review_step_is_the_turn_offered_review_alone() -> None:
    assert is_review_step({"tools": [{"name": "review"}]})
    assert not is_review_step({"tools": [{"name": "review"}, {"name": "consult"}]})
    assert not is_review_step({})
