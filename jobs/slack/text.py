"""Text that leaves for Slack: escaped once, with the markup our own code builds added after.

In message `text`, mrkdwn sections, fields and context lines, `<…>` is markup: `<!channel>`
notifies everyone, `<@U…>` pings a person, `<https://a|b>` shows "b" and links to "a". Text a
model or a person wrote is therefore escaped (`&`, `<`, `>`, as Slack asks) before it goes
out, and only the pieces built here (`mention`, `link`, `date`) are markup.

The boundary is a type: `Mrkdwn` is text that is safe to send as it is. Functions that post
take `str | Mrkdwn` and escape a `str`; `md` fills a template our code wrote with parts, raw
ones escaped, `Mrkdwn` ones kept. So every piece is escaped exactly once (twice would show
`&amp;lt;` to the reader).

`plain_text` objects (headers, buttons, modal titles, input labels) are not parsed by Slack:
no mentions, no links, entities not decoded. They take raw text and are never escaped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

_ENTITY_MAX = len("&amp;")
_LINK_OR_SPECIAL = re.compile(r"<([^<>\n]*)>")
_USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")


def escape(text: str) -> str:
    """The three characters Slack reserves, as entities; nothing else changes."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    """Slack's entities back to characters (`&amp;` last, so `&amp;lt;` stays `&lt;`)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


@dataclass(frozen=True)
class Mrkdwn:
    """mrkdwn that is safe to send as it is: escaped text plus markup our code built."""

    text: str

    def cut(self, limit: int) -> Mrkdwn:
        """At most `limit` characters, never ending inside an entity or a `<…>` piece."""
        if len(self.text) <= limit:
            return self
        return Mrkdwn(self.text[: safe_cut(self.text, limit)])

    def __bool__(self) -> bool:
        return bool(self.text)

    def __format__(self, spec: str) -> str:
        # An f-string would turn safe mrkdwn back into a plain `str` (escaped again later, or
        # shown as "Mrkdwn(…)"): combine pieces with `md` or `join`, or send `.text`.
        raise TypeError("format Mrkdwn with md() or join(), or use .text")


Text = str | Mrkdwn  # a `str` is raw text (escaped on the way out), a `Mrkdwn` is not touched


def as_mrkdwn(text: Text) -> Mrkdwn:
    """Raw text escaped; mrkdwn as it is."""
    return text if isinstance(text, Mrkdwn) else Mrkdwn(escape(text))


def md(template: str, /, **parts: Text | int | float) -> Mrkdwn:
    """Fill a template our code wrote (its mrkdwn formatting is kept) with `{name}` parts:
    raw text is escaped, `Mrkdwn` inserted as it is, numbers formatted (`{n:,}` works).

    The template must be a literal in our code, never text from a model or a person."""
    filled = {
        name: part.text
        if isinstance(part, Mrkdwn)
        else escape(part)
        if isinstance(part, str)
        else part
        for name, part in parts.items()
    }
    return Mrkdwn(template.format(**filled))


def join(separator: str, pieces: Iterable[Text]) -> Mrkdwn:
    """Pieces joined by a separator our code wrote."""
    return Mrkdwn(separator.join(as_mrkdwn(piece).text for piece in pieces))


def is_user_id(text: str) -> bool:
    """Whether `text` is shaped like a Slack user id (U… or W…)."""
    return _USER_ID.fullmatch(text) is not None


def mention(user_id: str) -> Mrkdwn:
    """A person's mention (it notifies them). Only for ids our code checked."""
    if not _USER_ID.fullmatch(user_id):
        raise ValueError(f"not a Slack user id: {user_id!r}")
    return Mrkdwn(f"<@{user_id}>")


def link(url: str, label: str) -> Mrkdwn:
    """A link our code built (a permalink); the label is escaped, and `|` cannot end it early
    because Slack reads everything after the first `|` as the label."""
    if not url.startswith(("https://", "http://", "slack://")) or any(c in url for c in "<>| \n"):
        return Mrkdwn(escape(label))  # not a URL Slack gave us: the label alone, no link
    return Mrkdwn(f"<{escape(url)}|{escape(label)}>")


def date(moment: datetime, fallback_format: str = "%H:%M UTC") -> Mrkdwn:
    """A time each reader sees in their own time zone; the fallback (UTC) is escaped."""
    fallback = escape(moment.strftime(fallback_format))
    return Mrkdwn(f"<!date^{int(moment.timestamp())}^{{time}}|{fallback}>")


def safe_cut(text: str, limit: int) -> int:
    """The largest cut ≤ `limit` in mrkdwn that splits no entity (`&am|p;`) and no markup
    piece (`<@U1|…>`); falls back to `limit` for a `<` with no end in sight."""
    cut = limit
    amp = text.rfind("&", max(0, cut - _ENTITY_MAX + 1), cut)
    if amp != -1 and ";" not in text[amp:cut]:
        cut = amp
    opening = text.rfind("<", 0, cut)
    if opening != -1 and ">" not in text[opening:cut] and opening > 0:
        cut = opening
    return cut


def from_slack(wire: str) -> str:
    """A person's message as the agents read it: Slack's markup in a readable form (`<@U1>`
    kept, so an agent can tell who was mentioned; links as "label (url)"; `<!here>` as
    "@here"; channels as "#name"), then the entities back to the characters typed.

    Text typed as `<!channel>` arrives as `&lt;!channel&gt;` and reads as typed; it is only
    text, since everything we post is escaped again."""

    def readable(found: re.Match[str]) -> str:
        target, _, label = found.group(1).partition("|")
        if target.startswith("@"):
            return f"<{target}>"
        if target.startswith("#"):
            return f"#{label or target[1:]}"
        if target.startswith("!"):
            return label or "@" + target[1:].split("^")[0]
        return f"{label} ({target})" if label and label != target else target

    return unescape(_LINK_OR_SPECIAL.sub(readable, wire))


def mrkdwn_text(text: Text) -> dict[str, Any]:
    """A Block Kit mrkdwn text object."""
    return {"type": "mrkdwn", "text": as_mrkdwn(text).text}
