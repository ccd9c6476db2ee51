"""The one escaping boundary: raw text escaped exactly once, code-built markup kept, long
escaped text split without cutting an entity, a person's markup read as readable text."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from jobs.approvals import cards as approval_cards
from jobs.slack.post_once import split_text
from jobs.slack.text import Mrkdwn, as_mrkdwn, from_slack, join, link, md, mention, unescape


def test_raw_text_is_escaped_and_code_built_pieces_are_not() -> None:
    text = md(
        "*{title}* for {who}: {see}",
        title="R&D <!channel>",
        who=mention("U0MARIA"),
        see=link("https://example.slack.com/archives/C1/p1?thread_ts=1.2&cid=C1", "a <b>"),
    )
    assert text.text == (
        "*R&amp;D &lt;!channel&gt;* for <@U0MARIA>: "
        "<https://example.slack.com/archives/C1/p1?thread_ts=1.2&amp;cid=C1|a &lt;b&gt;>"
    )


def test_an_ampersand_is_escaped_once_however_the_pieces_are_combined() -> None:
    title = as_mrkdwn("Q&A")
    combined = join(", ", [title, md("{t}", t=title), "Q&A"])
    assert combined.text == "Q&amp;A, Q&amp;A, Q&amp;A"
    assert as_mrkdwn(combined) is combined  # already safe: not escaped again


def test_safe_mrkdwn_cannot_slip_into_an_f_string() -> None:
    with pytest.raises(TypeError, match="md"):
        f"by {mention('U0MARIA')}"


def test_only_real_user_ids_become_mentions_and_only_real_links_links() -> None:
    with pytest.raises(ValueError, match="not a Slack user id"):
        mention("here")
    with pytest.raises(ValueError):
        mention("U1|x><!channel")
    assert link("javascript:alert(1)", "click").text == "click"
    assert link("https://evil.example|https://intranet", "x").text == "x"


def test_a_split_never_cuts_an_entity_or_a_link() -> None:
    text = escape_all("a" * 3497 + "&" + "b" * 10)
    parts = split_text(text)
    assert parts == ["a" * 3497, "&amp;" + "b" * 10]
    built = md("{x} {link}", x="a" * 3480, link=link("https://x.example/p", "the thread")).text
    parts = split_text(built)
    assert parts[1] == "<https://x.example/p|the thread>"


def test_every_split_piece_stays_within_the_limit_and_loses_nothing() -> None:
    raw = ("R&D <growth> & more " * 400).strip()
    parts = split_text(as_mrkdwn(raw).text)
    assert all(len(p) <= 3500 for p in parts) and len(parts) > 2
    assert " ".join(unescape(p) for p in parts) == raw
    assert all(not p.endswith(("&", "&a", "&am", "&amp", "&l", "&lt", "&g", "&gt")) for p in parts)


def test_a_long_draft_on_a_card_is_cut_between_entities() -> None:
    draft = "x" * (approval_cards.INLINE_CHARS - 4) + "<<<<<<<<"
    shown = approval_cards._inline_draft(as_mrkdwn(draft).text)
    assert shown.endswith(("&lt; …", "x …")) and "&l …" not in shown
    pieces = approval_cards.split_text(as_mrkdwn("&" * 3000).text, 2900)
    assert all(p.replace("&amp;", "") == "" for p in pieces)
    assert sum(len(p) for p in pieces) == 5 * 3000


def test_cut_keeps_whole_entities_and_markup() -> None:
    assert Mrkdwn("ab&amp;cd").cut(4).text == "ab"
    assert Mrkdwn("ab<@U0MARIA> x").cut(6).text == "ab"
    assert Mrkdwn("abc").cut(10).text == "abc"


def test_a_persons_markup_reaches_the_agents_readable() -> None:
    wire = (
        "hi <@U0LEE> and <@U0SAM|sam>, see <https://intranet.example/x|the plan> and "
        "<https://a.example>, <!here> in <#C0GENERAL|general>; "
        "I typed &lt;!channel&gt; &amp; R&amp;D &amp;lt;"
    )
    assert from_slack(wire) == (
        "hi <@U0LEE> and <@U0SAM>, see the plan (https://intranet.example/x) and "
        "https://a.example, @here in #general; I typed <!channel> & R&D &lt;"
    )


def test_a_date_is_built_by_code_with_an_escaped_fallback() -> None:
    moment = datetime(2026, 11, 30, 14, 2, tzinfo=UTC)
    assert (
        approval_cards.slack_time(moment).text
        == f"<!date^{int(moment.timestamp())}^{{time}}|14:02 UTC>"
    )


def escape_all(text: str) -> str:
    return as_mrkdwn(text).text
