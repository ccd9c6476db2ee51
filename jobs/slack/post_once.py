"""The one thin wrapper around Slack posting: an agent's reply, streamed, posted once.

A reply is a placeholder message edited as text arrives (chat.postMessage + throttled
chat.update), split into several messages when long, never cut. Each part has an
idempotency record in the database and carries the turn id in Slack message metadata, so a
re-run of the same turn (a worker killed mid-turn) finds and edits its earlier messages
instead of posting them again.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler
from sqlalchemy.orm import Session, sessionmaker

from errors import SlackReadRateLimited
from jobs.slack.edit_budget import EditBudget
from jobs.slack.persona import Persona as Persona  # re-exported: most callers import it here
from jobs.slack.persona import post_message
from jobs.slack.text import Text, as_mrkdwn, safe_cut
from models import posts
from models.records import SlackPost

logger = logging.getLogger(__name__)

PART_MAX_CHARS = 3500
MAX_INTERIM_INTERVAL_S = 10.0  # Slack renders ~4,000 chars of message text comfortably
METADATA_EVENT = "department_reply"
# History and replies give apps outside the Marketplace 15 messages a call, 1 call a minute.
RECOVERY_PAGE = 15
RECOVERY_PAGES = 10  # at most 150 messages searched for a lost post
RECOVERY_SLACK_S = 120.0  # a lost post follows its record; this margin covers clock skew


@dataclass(frozen=True)
class ReplyTarget:
    team_id: str
    turn_id: str  # the idempotency key of this reply (a turn id, or a task-derived key)
    channel_id: str
    thread_ts: str | None  # None: a new top-level message (it starts a thread)


def claim_post(session: Session, target: ReplyTarget, part: int = 0) -> tuple[SlackPost, bool]:
    """The post-once record of `target`'s part (made now, or found: `existed`)."""
    return posts.claim_part(
        session,
        team_id=target.team_id,
        turn_id=target.turn_id,
        part=part,
        channel_id=target.channel_id,
        thread_ts=target.thread_ts or "",
    )


def split_text(text: str, limit: int = PART_MAX_CHARS) -> list[str]:
    """Cut escaped mrkdwn at paragraph, then line, then word boundaries; never lose a
    character, never cut an entity (`&am|p;`) or a link in two."""
    parts: list[str] = []
    rest = text
    while len(rest) > limit:
        window = rest[:limit]
        cut = max(window.rfind("\n\n"), window.rfind("\n"), window.rfind(" "))
        if cut < limit // 2:
            cut = limit
        cut = safe_cut(rest, cut) or limit
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip("\n ")
    parts.append(rest)
    return parts


class ReplyWriter:
    """Writes one turn's reply into its thread; safe to re-create for a retried turn."""

    def __init__(
        self,
        client: WebClient,
        sessions: sessionmaker[Session],
        target: ReplyTarget,
        persona: Persona,
        *,
        min_interval_s: float,
        clock: Callable[[], float] = time.monotonic,
        interim_client: WebClient | None = None,
        budget: EditBudget | None = None,
    ) -> None:
        self._client = client
        # Interim edits are best effort: rate limited, they are skipped and spaced out instead
        # of waiting out Retry-After (the final text always goes through `client`).
        self._interim_client = interim_client or client
        # The workspace's chat.update budget, shared with every other worker (None: unbounded).
        self._budget = budget
        self._sessions = sessions
        self._target = target
        self._persona = persona
        self._min_interval_s = min_interval_s
        self._clock = clock
        self._sent: dict[int, str] = {}
        self._ts: dict[int, str] = {}
        self._last_render = float("-inf")

    @property
    def first_ts(self) -> str | None:
        return self._ts.get(0)

    @property
    def target(self) -> ReplyTarget:
        return self._target

    @property
    def persona(self) -> Persona:
        return self._persona

    @property
    def interim_client(self) -> WebClient:
        """The best-effort client of this reply's voice (interim edits, the thread status)."""
        return self._interim_client

    def render(self, text: Text, *, final: bool = False) -> bool:
        """Show `text` (raw text is escaped here, `Mrkdwn` goes as it is) as the reply;
        interim renders are throttled. True if Slack was called."""
        now = self._clock()
        if not final and now - self._last_render < self._min_interval_s:
            return False
        self._last_render = now
        escaped = as_mrkdwn(text).text
        shown = escaped if final else escaped + " ▍"
        parts = split_text(shown)
        for index, part in enumerate(parts):
            if not self._show_part(index, part, final=final):
                break
        if final:
            self._delete_parts_after(len(parts))
        return True

    def _delete_parts_after(self, count: int) -> None:
        """A re-run with a shorter answer removes the extra messages an earlier run posted."""
        with self._sessions() as session:
            surplus = [
                post
                for post in posts.parts_of(session, self._target.team_id, self._target.turn_id)
                if post.part >= count
            ]
            for post in surplus:
                if post.ts is not None:
                    with contextlib.suppress(SlackApiError):  # already gone
                        self._client.chat_delete(channel=post.channel_id, ts=post.ts)
                posts.forget(session, post)
                self._sent.pop(post.part, None)
                self._ts.pop(post.part, None)

    def _show_part(self, index: int, text: str, *, final: bool) -> bool:
        """Bring one message up to date; False if an interim edit was rate limited."""
        if self._sent.get(index) == text:
            return True
        ts = self._ts.get(index) or self._adopt_or_post(index, text)
        if self._sent.get(index) != text:
            if not self._within_budget(final=final):
                return False
            client = self._client if final else self._interim_client
            try:
                client.chat_update(channel=self._target.channel_id, ts=ts, text=text)
            except SlackApiError as error:
                if final or error.response.get("error") != "ratelimited":
                    raise
                self._min_interval_s = min(
                    MAX_INTERIM_INTERVAL_S, max(1.0, self._min_interval_s * 2)
                )
                logger.info("Interim edit rate limited; next in %.1fs", self._min_interval_s)
                return False
        self._sent[index] = text
        return True

    def _within_budget(self, *, final: bool) -> bool:
        """An interim edit over the workspace's budget is skipped (the next one carries the
        text); a final edit waits for its token and always goes."""
        if self._budget is None or self._budget.take(final=final):
            return True
        logger.debug("Interim edit of %s skipped: edit budget spent", self._target.turn_id)
        return False

    def _adopt_or_post(self, index: int, text: str) -> str:
        with self._sessions() as session:
            record, existed = claim_post(session, self._target, index)
            ts = record.ts
            if ts is None and existed:
                ts = self._find_in_slack(index, record.created_at)
            if ts is None:
                ts = self._post(index, text)
                self._sent[index] = text
            if record.ts != ts:
                posts.save_ts(session, record, ts)
        self._ts[index] = ts
        return ts

    def _post(self, index: int, text: str) -> str:
        response = post_message(
            self._client,
            self._target.team_id,
            self._persona,
            channel=self._target.channel_id,
            thread_ts=self._target.thread_ts,
            text=text,
            metadata={
                "event_type": METADATA_EVENT,
                "event_payload": {"turn_id": self._target.turn_id, "part": index},
            },
        )
        return str(response["ts"])

    def _find_in_slack(self, index: int, since: datetime) -> str | None:
        return find_posted(self._client, self._target, index, since)


def find_posted(client: WebClient, target: ReplyTarget, part: int, since: datetime) -> str | None:
    """Recover a message an earlier attempt posted but never recorded (it died in between),
    by the key it carries in its metadata: a reply among its thread's replies, a top-level
    post among the channel's messages since its record was made. Rare; pages of 15 (the
    most some apps may read), and a 429 is not waited out (1 read a minute for some apps):
    it raises SlackReadRateLimited, the job fails and is retried later."""
    reader = no_wait_client(client)
    if target.thread_ts is not None:
        method, kwargs = reader.conversations_replies, {"ts": target.thread_ts}
    else:
        oldest = f"{since.timestamp() - RECOVERY_SLACK_S:.6f}"
        method, kwargs = reader.conversations_history, {"oldest": oldest}
    cursor: str | None = None
    for _ in range(RECOVERY_PAGES):
        page: dict[str, Any] = {"channel": target.channel_id, "include_all_metadata": True}
        page |= kwargs | {"limit": RECOVERY_PAGE} | ({"cursor": cursor} if cursor else {})
        try:
            response = method(**page)
        except SlackApiError as error:  # e.g. thread_not_found: the parent was deleted
            raise_if_rate_limited(error)
            logger.warning(
                "Cannot look for %s's message: %s", target.turn_id, error.response.get("error")
            )
            return None
        for message in response.get("messages") or []:
            metadata = message.get("metadata") or {}
            payload = metadata.get("event_payload") or {}
            if (
                metadata.get("event_type") == METADATA_EVENT
                and payload.get("turn_id") == target.turn_id
                and payload.get("part") == part
            ):
                return str(message["ts"])
        cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
        if not cursor:
            return None
    return None


def no_wait_client(client: WebClient) -> WebClient:
    """`client` without its 429 retry handler: a read that would wait a minute fails now."""
    return WebClient(
        token=client.token,
        base_url=client.base_url,
        timeout=client.timeout,
        retry_handlers=[ConnectionErrorRetryHandler(max_retry_count=1)],
    )


def raise_if_rate_limited(error: SlackApiError) -> None:
    if error.response.status_code == 429:
        retry_after = error.response.headers.get("Retry-After")
        method = str(error.response.api_url).rsplit("/", 1)[-1]
        raise SlackReadRateLimited(method, int(retry_after) if retry_after else None) from error


def post_once(
    client: WebClient,
    sessions: sessionmaker[Session],
    target: ReplyTarget,
    persona: Persona,
    text: Text,
    blocks: list[dict[str, Any]] | None = None,
) -> str:
    """Post one message (a card, a reminder) at most once per key; returns its ts.

    `text` is escaped unless it is `Mrkdwn`; `blocks` are built with `jobs.slack.text`.

    The key is `target.turn_id`, saved in `slack_posts` and carried in the message's
    metadata: a re-run finds the saved ts, or (the worker died between posting and saving)
    the message itself in Slack, and posts nothing.
    """
    with sessions() as session:
        record, existed = claim_post(session, target)
        found = record.ts or (
            find_posted(client, target, 0, record.created_at) if existed else None
        )
        if found is not None:
            if record.ts is None:
                posts.save_ts(session, record, found)
            return found
        extra: dict[str, Any] = {"blocks": blocks} if blocks is not None else {}
        if target.thread_ts:
            extra["thread_ts"] = target.thread_ts
        response = post_message(
            client,
            target.team_id,
            persona,
            channel=target.channel_id,
            text=as_mrkdwn(text).text,
            metadata={
                "event_type": METADATA_EVENT,
                "event_payload": {"turn_id": target.turn_id, "part": 0},
            },
            **extra,
        )
        posts.save_ts(session, record, str(response["ts"]))
        return str(response["ts"])
