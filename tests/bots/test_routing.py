"""Who answers: named agent > the thread's agent > the channel's lead > the CMO."""

from __future__ import annotations

import pytest

from bots.roster import load_roster
from bots.routing import named_agent, route, without_address

ROSTER = load_roster()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("copywriter: three taglines please", "copywriter"),
        ("Ask the SEO folks: what should we target?", "seo_specialist"),
        ("@cmo what is the plan", "cmo"),
        ("content manager, we need a blog post; the copywriter can draft", "content_manager"),
        ("VP of Marketing please review", "vp_marketing"),
        ("the social media manager should own this", "social_media_manager"),
        (
            "write me three taglines for our AI analytics launch",
            None,
        ),  # "analytics" alone is no one
        ("our seo-optimised copy", None),
        ("the cmos of the world", None),
        ("<@U0SEO> hello", None),  # Slack markup is not a name
    ],
)
def test_named_agent(text: str, expected: str | None) -> None:
    agent = named_agent(ROSTER, text)
    assert (agent.id if agent else None) == expected


def test_named_wins_over_thread_and_channel() -> None:
    chosen = route(
        ROSTER,
        "designer: a hero image idea",
        is_dm=False,
        channel_name="mkt-social",
        thread_agent_id="copywriter",
    )
    assert (chosen.agent.id, chosen.reason) == ("designer", "named")


def test_thread_agent_keeps_the_conversation() -> None:
    chosen = route(
        ROSTER,
        "make it shorter",
        is_dm=False,
        channel_name="mkt-content",
        thread_agent_id="copywriter",
    )
    assert (chosen.agent.id, chosen.reason) == ("copywriter", "thread")


def test_channel_lead_then_front_door() -> None:
    assert (
        route(
            ROSTER, "ideas?", is_dm=False, channel_name="mkt-social", thread_agent_id=None
        ).agent.id
        == "social_media_manager"
    )
    fallback = route(ROSTER, "ideas?", is_dm=False, channel_name="random", thread_agent_id=None)
    assert (fallback.agent.id, fallback.reason) == ("cmo", "front_door")


def test_dm_goes_to_the_cmo_even_in_a_led_channel_name() -> None:
    assert (
        route(
            ROSTER, "hello", is_dm=True, channel_name="mkt-content", thread_agent_id=None
        ).agent.id
        == "cmo"
    )


def test_stale_thread_agent_falls_through() -> None:
    assert (
        route(
            ROSTER, "hello", is_dm=False, channel_name=None, thread_agent_id="retired_agent"
        ).agent.id
        == "cmo"
    )


def test_a_request_addressed_to_its_agent_reads_without_the_address() -> None:
    manager = ROSTER.get("content_manager")
    blog = "we need a blog post about AI in marketing for CMOs"
    assert without_address(manager, f"content manager: {blog}") == blog
    assert without_address(manager, f"  @Content  Manager, {blog}") == blog
    # not an address: left as typed
    assert without_address(manager, f"ask the content manager: {blog}") == (
        f"ask the content manager: {blog}"
    )
    assert without_address(manager, "content manager:") == "content manager:"
    assert without_address(ROSTER.get("copywriter"), f"content manager: {blog}") == (
        f"content manager: {blog}"
    )
