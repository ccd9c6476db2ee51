"""The agent turn: the RQ job that answers one request in its Slack thread.

Safe to run twice: the lease makes a second concurrent run a no-op, a re-run after a crash
edits the messages the first run posted (see jobs/slack/post_once.py), and the turn's final
status is one guarded transition.
"""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from bots.roster import Agent
from bots.routing import route, without_address
from errors import BudgetSpent, GuardTripped, LlmGaveUp
from jobs import runtime as runtime_module
from jobs import workspace
from jobs.agent.help import department_help, is_help
from jobs.agent.lease import LeasedWork, claim, run_held
from jobs.agent.loop import run_agent_loop
from jobs.agent.stop import stop_request
from jobs.agent.tools import DepartmentTools, offered_tools
from jobs.claude import framing
from jobs.claude.client import ChatMessage, LlmAttempt, LlmRequest
from jobs.claude.usage import record_call, within_budget
from jobs.department import plan_view
from jobs.department.delegation import enqueue_task
from jobs.queue import RUN_TURN, try_enqueue, turn_queue
from jobs.runtime import Runtime
from jobs.slack import own_voice, unreachable
from jobs.slack.post_once import Persona, ReplyTarget, ReplyWriter
from jobs.slack.streams import reply_thread_ts, reply_writer, show_working
from jobs.slack.text import from_slack
from models import tasks, threads, turns
from models.dm_history import dm_history
from models.leases import TURNS, this_process
from models.records import Conversation, ConversationMessage, Turn, TurnStatus
from models.work import Task, TaskStatus

logger = logging.getLogger(__name__)

THREAD_CONTEXT_MESSAGES = 15  # Slack returns at most 15 per call to non-Marketplace apps
MAX_TURN_ATTEMPTS = 3  # runs of one turn (worker deaths included) before it is failed
PLACEHOLDER = "_On it…_"
FAILURE_TEXT = (
    "Sorry, I couldn't finish this one: the AI service is overloaded or unreachable right now "
    "and retrying didn't help. Nothing was lost. Please ask again in a few minutes."
)
REFUSED_TEXT = (
    "Sorry, I couldn't answer this one: the AI service refused the request, which points to a "
    "setup problem on our side (the details are in the app's logs). Nothing was lost."
)
STOPPED_TEXT = "_Stopped: this request hit one of the department's limits (details below)._"
GAVE_UP_TEXT = (
    "Sorry, something went wrong on our side while I was answering, and I stopped after "
    "several tries. Please ask again; if it keeps happening, tell whoever runs this app."
)


def _extend_request_task(session: Session, held: turns.Claim, lease_s: float) -> bool:
    """The request task a turn made, if any, is the turn's work: held as long as the turn."""
    return tasks.extend_request_lease(session, held.team_id, held.turn_id, this_process(), lease_s)


TURN_LEASES = LeasedWork(TURNS, turns.claim, _extend_request_task)


def run_turn(team_id: str, turn_id: str) -> str:
    """RQ entry point: answer one turn. Returns the turn's status for the job result."""
    return TurnRunner(runtime_module.current()).run(team_id, turn_id)


class TurnRunner:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def run(self, team_id: str, turn_id: str) -> str:
        lease_s = self.rt.settings.turn_lease_s
        held = claim(self.rt.sessions, TURN_LEASES, team_id, turn_id, lease_s)
        with self.rt.sessions() as session:
            turn = turns.load_turn(session, team_id, turn_id)
        if turn is None:
            logger.warning("Turn %s not found for team %s", turn_id, team_id)
            return "missing"
        if held is None:
            return f"skipped:{turn.status}"
        # Slack or the database failing under the turn gives the lease back for a retry
        # (MAX_TURN_ATTEMPTS bounds the retries).
        status = run_held(
            self.rt.sessions, TURN_LEASES, held, lease_s, turn_id, lambda: self._reach(turn, held)
        )
        self._hand_on(turn)
        return status

    def _hand_on(self, turn: Turn) -> None:
        """A follow-up that arrived while this turn ran waited for it: start it now."""
        with self.rt.sessions() as session:
            following = turns.next_in_thread(session, turn)
        if following is not None:
            queue = turn_queue(self.rt.redis, self.rt.settings.queue_name)
            try_enqueue(queue, RUN_TURN, turn.team_id, following)

    def _reach(self, turn: Turn, claim: turns.Claim) -> str:
        """Answer, unless the thread's channel is gone for the app: no retry would change
        that, so the turn fails at once and the person is told in a DM (jobs/slack/unreachable)."""
        try:
            if claim.attempts > MAX_TURN_ATTEMPTS:
                return self._give_up(turn, claim)
            return self._answer(turn, claim)
        except SlackApiError as error:
            if not unreachable.is_unreachable(error):
                raise
            logger.warning("Turn %s: its channel is unreachable (%s)", turn.id, error)
            own_voice.forget(self.rt, turn.team_id, turn.channel_id)  # an agent's own app left
            with self.rt.sessions() as session:
                turns.finish(session, claim, TurnStatus.FAILED, "channel_unreachable")
            notice = unreachable.notice(turn.channel_id)
            unreachable.tell_requester(self.rt.slack_for(turn.team_id), turn.user_id, notice)
            return TurnStatus.FAILED.value

    def _writer(self, turn: Turn, agent: Agent) -> ReplyWriter:
        """Native or edit-based streaming (jobs/slack/streams.py); a top-level DM message is
        answered in the DM itself, not in a thread."""
        thread_ts = reply_thread_ts(turn.channel_id, turn.thread_ts, turn.message_ts)
        target = ReplyTarget(turn.team_id, turn.id, turn.channel_id, thread_ts)
        persona = Persona(agent.display_name, agent.icon_emoji)
        return reply_writer(self.rt, target, persona, asked_by=turn.user_id, agent_id=agent.id)

    def _give_up(self, turn: Turn, claim: turns.Claim) -> str:
        """Past MAX_TURN_ATTEMPTS runs: say so in the thread, spend nothing more. If even that
        fails, the turn still ends here (the person is told in a DM if possible)."""
        try:
            agent, _ = self._resolve_agent(turn)
            writer = self._writer(turn, agent)
            return self._close(writer, claim, TurnStatus.FAILED, GAVE_UP_TEXT, "too_many_attempts")
        except Exception:
            logger.exception("Turn %s: could not say it gave up in its thread", turn.id)
        with self.rt.sessions() as session:
            turns.finish(session, claim, TurnStatus.FAILED, "too_many_attempts")
        unreachable.tell_requester(self.rt.slack_for(turn.team_id), turn.user_id, GAVE_UP_TEXT)
        return TurnStatus.FAILED.value

    def _answer(self, turn: Turn, claim: turns.Claim) -> str:
        agent, conversation = self._resolve_agent(turn)
        writer = self._writer(turn, agent)
        if is_help(agent, turn.text):
            return self._reply(turn, claim, writer, conversation, agent, help_text(self.rt))
        show_working(self.rt, writer, PLACEHOLDER)
        request = LlmRequest(
            model=self.rt.settings.model_for(agent.model_tier),
            system=self.rt.prompts.system_prompt(agent),
            messages=self._conversation_so_far(conversation, turn, agent),
            max_tokens=self.rt.settings.llm_max_tokens,
            tools=offered_tools(self.rt, agent, depth=0),
        )
        request_task = _RequestTask(self.rt, turn, agent)
        origin = (turn.channel_id, turn.thread_ts)
        tools = DepartmentTools.for_turn(self.rt, agent, request_task.ensure, origin, turn.team_id)
        try:
            result = run_agent_loop(
                self.rt,
                request,
                writer,
                record=lambda attempt: self._record_call(turn, agent, attempt),
                handle_tool=tools.handle,
                budget_left=lambda: within_budget(self.rt, turn.team_id, turn.id),
            )
        except (BudgetSpent, GuardTripped) as stopped:
            reason = stopped.reason if isinstance(stopped, GuardTripped) else None
            writer.render(STOPPED_TEXT, final=True)
            stop_request(self.rt, turn.team_id, turn.id, origin, agent.id, reason)
            with self.rt.sessions() as session:
                turns.finish(session, claim, TurnStatus.FAILED, "budget_spent")
            return TurnStatus.FAILED.value
        except LlmGaveUp as gave_up:
            logger.warning("Turn %s: Claude gave up (%s)", turn.id, gave_up.reason)
            refused = gave_up.reason.startswith("4") and not gave_up.reason.startswith("429")
            text = REFUSED_TEXT if refused else FAILURE_TEXT
            return self._close(writer, claim, TurnStatus.FAILED, text, gave_up.reason)
        text = result.text or "_(The model returned an empty answer.)_"
        status = self._reply(turn, claim, writer, conversation, agent, text)
        request_task.close(waiting=bool(tools.created), answer=text)
        if request_task.task is not None:  # it handed work out: the plan shows it
            plan_view.ask_refresh(self.rt, request_task.task)
        return status

    def _reply(
        self,
        turn: Turn,
        claim: turns.Claim,
        writer: ReplyWriter,
        conversation: Conversation,
        agent: Agent,
        text: str,
    ) -> str:
        """Post the final answer, remember it in the thread, and close the turn answered."""
        writer.render(text, final=True)
        with self.rt.sessions() as session:
            threads.record_reply(
                session,
                conversation,
                # Right after its question: the reply may be posted after a follow-up was
                # sent (the status, not a placeholder, showed it was coming), and that
                # follow-up's turn must see it as the answer before it.
                ts=f"{turn.message_ts}1",
                agent_id=agent.id,
                turn_id=turn.id,
                text=text,
            )
            turns.finish(session, claim, TurnStatus.ANSWERED)
        return TurnStatus.ANSWERED.value

    def _close(
        self, writer: ReplyWriter, claim: turns.Claim, status: TurnStatus, text: str, error: str
    ) -> str:
        writer.render(text, final=True)
        with self.rt.sessions() as session:
            turns.finish(session, claim, status, error)
        return status.value

    def _resolve_agent(self, turn: Turn) -> tuple[Agent, Conversation]:
        with self.rt.sessions() as session:
            conversation = threads.attach_turn(session, turn)
            channel_name = None if turn.is_dm else self._channel_name(session, turn)
            if channel_name is not None:  # a renamed team channel still has its lead
                found = workspace.workspace_settings(self.rt, turn.team_id)
                channel_name = found.default_name(channel_name)
            chosen = route(
                self.rt.roster,
                turn.text,
                is_dm=turn.is_dm,
                channel_name=channel_name,
                thread_agent_id=conversation.agent_id,
                # set by the listener when addressed as its own bot user (or by an earlier run)
                addressed_agent_id=turn.agent_id,
            ).agent
            threads.set_thread_agent(session, conversation, chosen.id)
            turns.set_agent(session, turn, chosen.id)
        return chosen, conversation

    def _channel_name(self, session: Session, turn: Turn) -> str | None:
        cached = threads.cached_channel_name(session, turn.team_id, turn.channel_id)
        if cached is not None:
            return cached
        info = self.rt.slack_for(turn.team_id).conversations_info(channel=turn.channel_id)
        channel = info.get("channel") or {}
        name = channel.get("name")
        if isinstance(name, str):  # privacy too: placing private work needs no second call
            private = bool(channel.get("is_private"))
            threads.remember_channel_name(session, turn.team_id, turn.channel_id, name, private)
            return name
        return None

    def _conversation_so_far(
        self, conversation: Conversation, turn: Turn, agent: Agent
    ) -> list[ChatMessage]:
        if threads.needs_context(conversation, turn):
            self._load_thread_context(conversation, turn)
        limit = self.rt.settings.history_max_messages
        with self.rt.sessions() as session:
            if reply_thread_ts(turn.channel_id, turn.thread_ts, turn.message_ts) is None:
                rows = dm_history(  # answered in the DM itself: the DM is the conversation
                    session, turn.team_id, turn.channel_id, upto_ts=turn.message_ts, limit=limit
                )
            else:
                rows = threads.history(session, conversation, upto_ts=turn.message_ts, limit=limit)
        messages = [self._as_chat(row, agent) for row in rows]
        while messages and messages[0].role != "user":
            messages.pop(0)
        return messages

    def _load_thread_context(self, conversation: Conversation, turn: Turn) -> None:
        """Called into a thread that already had a discussion: read it once, best effort."""
        earlier: list[tuple[str, str, str]] = []
        try:
            response = self.rt.best_effort_for(turn.team_id).conversations_replies(
                channel=turn.channel_id, ts=turn.thread_ts, limit=THREAD_CONTEXT_MESSAGES
            )
            for message in response.get("messages") or []:
                if message.get("bot_id") or not message.get("user") or message.get("subtype"):
                    continue
                if message["ts"] < turn.message_ts:
                    text = from_slack(str(message.get("text", "")))
                    earlier.append((message["ts"], message["user"], text))
        except SlackApiError as error:
            logger.info(
                "Thread context for turn %s not read: %s", turn.id, error.response.get("error")
            )
        with self.rt.sessions() as session:
            threads.add_context(session, conversation, earlier)

    def _as_chat(self, row: ConversationMessage, agent: Agent) -> ChatMessage:
        if row.role == "assistant" and row.agent_id == agent.id:
            return ChatMessage("assistant", row.text)
        if row.role == "assistant":
            speaker = self.rt.roster.by_id.get(row.agent_id or "")
            name = speaker.display_name if speaker else "Another agent"
            return ChatMessage("user", framing.agent_said(row.agent_id or "", name, row.text))
        return ChatMessage("user", framing.person_said(row.user_id or "", row.text))

    def _record_call(self, turn: Turn, agent: Agent, attempt: LlmAttempt) -> None:
        record_call(
            self.rt,
            team_id=turn.team_id,
            turn_id=turn.id,
            task_id=None,
            agent_id=agent.id,
            attempt=attempt,
        )


class _RequestTask:
    """The task behind a person's request, made only if its agent delegates."""

    def __init__(self, rt: Runtime, turn: Turn, agent: Agent) -> None:
        self.rt, self.turn, self.agent = rt, turn, agent
        self.task: Task | None = None
        self.held: tasks.TaskClaim | None = None

    def ensure(self) -> Task:
        if self.task is None:
            with self.rt.sessions() as session:
                self.task, self.held = tasks.create_root(
                    session,
                    team_id=self.turn.team_id,
                    agent_id=self.agent.id,
                    turn_id=self.turn.id,
                    title=_title(self.agent, self.turn.text),
                    brief=self.turn.text,
                    channel_id=self.turn.channel_id,
                    thread_ts=self.turn.thread_ts,
                    lease_s=self.rt.settings.turn_lease_s,
                    holder=this_process(),
                )
        return self.task

    def close(self, *, waiting: bool, answer: str) -> None:
        """After the turn: the request task waits for its subtasks (woken at once if they all
        came back already), or, if nothing was handed out, is done with the turn's answer."""
        if self.task is None or self.held is None:
            return
        with self.rt.sessions() as session:
            if not waiting:
                tasks.settle(session, self.held, TaskStatus.DONE, deliverable=answer)
                return
            tasks.settle(session, self.held, TaskStatus.WAITING)
            woke = tasks.wake_parent_if_all_done(session, self.task.team_id, self.task.id)
        if woke:
            enqueue_task(self.rt, self.task.team_id, self.task.id)


def help_text(rt: Runtime) -> str:
    return department_help(rt.roster).text


def _title(agent: Agent, text: str) -> str:
    """A request's title: its first line, without the agent's name it was addressed by."""
    lines = without_address(agent, text).splitlines()
    return (lines[0][:150] if lines else "") or "Request"
