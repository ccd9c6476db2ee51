"""An agent's reply streamed the Slack way (chat.startStream / appendStream / stopStream),
posted once, and the thread's "is thinking…" status.

The rule (ARCHITECTURE.md, "Streaming"): a reply streams natively when
- native streaming is on (`SLACK_NATIVE_STREAMING`, default on),
- the reply goes into a thread (startStream requires `thread_ts`; an answer to a top-level DM
  message goes into the DM itself, so it is edited instead),
- the person who asked is known (outside a DM a stream is for one recipient),
- and this is the reply's first run: a retried turn that finds its earlier message (the
  `slack_posts` record has a ts) stops that stream if it still runs and finishes the message
  with chat.update, since a stream dies about 5 minutes after it started.
While streaming, a reply that grows past one part (`PART_MAX_CHARS`), a text that is rewritten
rather than continued (a stop or failure notice), or Slack's `message_not_in_streaming_state`
end the stream and the same message goes on as edit-based streaming (`ReplyWriter`): further
parts, throttled chat.update under the workspace's edit budget. Everywhere else the reply is
edit-based from the start.

Post once: the record of part 0 is claimed before startStream and its ts saved before any
text is appended; stopStream carries the same metadata as a posted part (`department_reply`,
turn id, part 0). One gap stays: a worker killed between startStream's answer and saving the
ts leaves an empty stream (a stream carries no metadata until it stops, so it cannot be found),
and the retry posts the reply anew.

Stream text is markdown, not mrkdwn (`as_markdown`: no link syntax gets through).
Appends are interim renders: throttled like edits (`min_interval_s`), best effort (a 429 is
skipped, the next one carries the text); appendStream is Tier 4 and takes no edit token.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.orm import Session, sessionmaker

from jobs.runtime import Runtime
from jobs.slack import edit_budget, unreachable
from jobs.slack.edit_budget import EditBudget
from jobs.slack.own_voice import voice_of
from jobs.slack.persona import note_ignored_override
from jobs.slack.post_once import (
    METADATA_EVENT,
    PART_MAX_CHARS,
    Persona,
    ReplyTarget,
    ReplyWriter,
    claim_post,
)
from jobs.slack.text import Text, as_mrkdwn
from models import posts

logger = logging.getLogger(__name__)

NOT_STREAMING = "message_not_in_streaming_state"
STATUS_TEXT = "is thinking…"


@dataclass(frozen=True)
class Recipient:
    """Who a stream outside a DM is for: the person who asked, in their team."""

    user_id: str
    team_id: str


def reply_thread_ts(channel_id: str, thread_ts: str, message_ts: str) -> str | None:
    """Where a reply goes: its thread, except that an answer to a top-level message in a DM
    goes into the DM itself (a thread there needs a click to read)."""
    if channel_id.startswith("D") and thread_ts == message_ts:
        return None
    return thread_ts


def reply_writer(
    rt: Runtime,
    target: ReplyTarget,
    persona: Persona,
    *,
    asked_by: str | None,
    agent_id: str | None = None,
) -> ReplyWriter:
    """The writer the rule above chooses: native streaming or edit-based streaming; posted
    as `agent_id`'s own Slack app where it has one and is in the conversation (own_voice)."""
    voice = voice_of(rt, target.team_id, agent_id, persona, target.channel_id)
    common: dict[str, Any] = {
        "min_interval_s": rt.settings.stream_update_interval_s,
        "interim_client": voice.interim,
        "budget": edit_budget.for_team(rt, target.team_id),
    }
    if rt.settings.slack_native_streaming and target.thread_ts is not None and asked_by:
        recipient = Recipient(asked_by, target.team_id)
        return StreamWriter(voice.client, rt.sessions, target, voice.persona, recipient, **common)
    return ReplyWriter(voice.client, rt.sessions, target, voice.persona, **common)


def show_working(rt: Runtime, writer: ReplyWriter, placeholder: Text) -> None:
    """A sign within a second that an agent works: the thread's status under its persona;
    where that cannot apply (no thread, Slack refuses), the stream itself, or the placeholder."""
    target = writer.target
    if target.thread_ts is not None and set_status(
        writer.interim_client, target.channel_id, target.thread_ts, writer.persona
    ):
        return
    if isinstance(writer, StreamWriter) and writer.start():
        return
    writer.render(placeholder, final=True)


def set_status(client: WebClient, channel_id: str, thread_ts: str, persona: Persona) -> bool:
    """`assistant.threads.setStatus` as the agent ("CMO is thinking…"); False if Slack (a
    missing scope, an old workspace) or the network refused it. It never fails the turn."""
    try:
        client.assistant_threads_setStatus(
            channel_id=channel_id,
            thread_ts=thread_ts,
            status=STATUS_TEXT,
            username=persona.username_override,
            icon_emoji=persona.icon_override,
            loading_messages=[f"{persona.username} {STATUS_TEXT}"],
        )
    except (SlackClientError, OSError) as error:
        logger.info("No thread status in %s: %s", channel_id, error)
        return False
    return True


def as_markdown(escaped: str) -> str:
    """Escaped mrkdwn as stream text, which Slack reads as markdown: `&`, `<`, `>` stay
    entities, and brackets are backslash-escaped, so a model's or a person's
    `[label](https://…)` shows as typed and never becomes a link hiding its address (mrkdwn
    has no such syntax; `<url|label>` is escaped already)."""
    return escaped.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")


Mode = Literal["new", "live", "edits"]


class StreamWriter(ReplyWriter):
    """One reply as a native stream while it fits, then as ReplyWriter's edits."""

    def __init__(
        self,
        client: WebClient,
        sessions: sessionmaker[Session],
        target: ReplyTarget,
        persona: Persona,
        recipient: Recipient,
        *,
        min_interval_s: float,
        clock: Callable[[], float] = time.monotonic,
        interim_client: WebClient | None = None,
        budget: EditBudget | None = None,
    ) -> None:
        super().__init__(
            client,
            sessions,
            target,
            persona,
            min_interval_s=min_interval_s,
            clock=clock,
            interim_client=interim_client,
            budget=budget,
        )
        self._recipient = recipient
        self._mode: Mode = "new"
        self._streamed = ""
        self._last_append = float("-inf")

    @property
    def streaming(self) -> bool:
        return self._mode == "live"

    def start(self) -> bool:
        """Open the stream now (a visible sign of work); False where it cannot stream."""
        return self._mode != "edits" and self._begin()

    def render(self, text: Text, *, final: bool = False) -> bool:
        if self._mode == "edits":
            return super().render(text, final=final)
        now = self._clock()
        if not final and now - self._last_append < self._min_interval_s:
            return False
        escaped = as_mrkdwn(text).text
        if len(escaped) > PART_MAX_CHARS or not escaped.startswith(self._streamed):
            self._to_edits()
            return super().render(text, final=final)
        if not self._begin():
            return super().render(text, final=final)
        self._last_append = now
        try:
            self._append(escaped, final=final)
        except SlackApiError as error:
            code = error.response.get("error")
            if code == NOT_STREAMING:
                logger.info("Stream of %s expired; editing from here", self._target.turn_id)
                self._to_edits()
                return super().render(text, final=final)
            if not final and code == "ratelimited":
                return False
            raise
        return True

    def _append(self, escaped: str, *, final: bool) -> None:
        ts = self._ts[0]
        delta = escaped[len(self._streamed) :]
        client = self._client if final else self._interim_client
        if delta:
            client.chat_appendStream(
                channel=self._target.channel_id, ts=ts, markdown_text=as_markdown(delta)
            )
            self._streamed = escaped
            self._sent[0] = escaped
        if final:
            self._client.chat_stopStream(
                channel=self._target.channel_id, ts=ts, metadata=self._metadata()
            )
            self._mode = "edits"  # anything after the end is an edit

    def _begin(self) -> bool:
        """Claim the record and start the stream, once; False where the reply must edit."""
        if self._mode == "live":
            return True
        with self._sessions() as session:
            record, existed = claim_post(session, self._target)
            if existed:  # a retried turn: finish what the earlier run left, by edits
                self._mode = "edits"
                if record.ts is not None:
                    self._ts[0] = record.ts
                    self._stop_quietly(record.ts)
                return False
            try:
                ts = self._start_stream()
            except SlackApiError as error:
                if unreachable.is_unreachable(error):
                    raise
                logger.info("No native stream here (%s); editing", error.response.get("error"))
                posts.forget(session, record)  # the post that replaces it claims anew
                self._mode = "edits"
                return False
            posts.save_ts(session, record, ts)  # before any text: a retry finds it
        self._ts[0] = ts
        self._mode = "live"
        return True

    def _start_stream(self) -> str:
        in_dm = self._target.channel_id.startswith("D")  # a DM's stream needs no recipient
        assert self._target.thread_ts is not None  # reply_writer streams only in threads
        response = self._client.chat_startStream(
            channel=self._target.channel_id,
            thread_ts=self._target.thread_ts,
            username=self._persona.username_override,
            icon_emoji=self._persona.icon_override,
            recipient_user_id=None if in_dm else self._recipient.user_id,
            recipient_team_id=None if in_dm else self._recipient.team_id,
        )
        note_ignored_override(response, self._target.team_id, self._persona)
        return str(response["ts"])

    def _to_edits(self) -> None:
        """End a live stream where it stands; the same message goes on by chat.update."""
        if self._mode == "live":
            self._stop_quietly(self._ts[0])
            self._sent[0] = self._streamed
        self._mode = "edits"

    def _stop_quietly(self, ts: str) -> None:
        with contextlib.suppress(SlackApiError):  # already stopped, or expired
            self._client.chat_stopStream(
                channel=self._target.channel_id, ts=ts, metadata=self._metadata()
            )

    def _metadata(self) -> dict[str, Any]:
        return {
            "event_type": METADATA_EVENT,
            "event_payload": {"turn_id": self._target.turn_id, "part": 0},
        }
