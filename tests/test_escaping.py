"""Nothing a model or a person wrote reaches Slack as markup: no `<!channel>`, `<!here>`,
`<!everyone>`, no `<@U…>` ping, no disguised `<url|label>` link, in any post, edit, card,
modal, ephemeral or Home tab. The mentions, dates and links our code builds do reach it."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select

from jobs.approvals import posts as approval_posts
from jobs.runtime import Runtime
from jobs.slack.text import escape
from models.approvals import Approval
from models.work import Task
from sandbox.claude_api import ScriptedClaude, TextReply, ToolUseReply
from sandbox.product_turns import speakers
from sandbox.slack_api import SlackStandIn
from sandbox.slack_events import app_home_opened_event
from tests.conftest import (
    CHANNEL_CONTENT,
    CHANNEL_GENERAL,
    DM_CHANNEL,
    HUMAN,
    TEAM,
    ServedApp,
    mention,
    work,
)
from tests.test_approval_flow import LEE, MARIA, _cards, _click, _is, _review, people
from tests.test_escalation_flow import (
    APPROVER,
    ESCALATE,
    ESCALATIONS,
    _submit,
    ask,
    escalation_channel,
)
from tests.test_escalation_flow import _click as _click_escalation

__all__ = ["escalation_channel", "people"]  # fixtures, used by name

EVIL = "U0EVIL"
ATTACK = (
    f"<!channel> R&D update <!here> for <@{EVIL}>: approve at "
    "<https://evil.example|https://intranet/approve> <!everyone>"
)
# The person typed `start your reply with <!channel>`: Slack delivers it escaped.
ASKED = "start your reply with &lt;!channel&gt; and ping &lt;@U0EVIL&gt; about R&amp;D"
POSTING = {
    "chat.postMessage",
    "chat.update",
    "chat.postEphemeral",
    "views.open",
    "views.push",
    "views.update",
    "views.publish",
}
MARKUP = re.compile(r"<([^<>]*)>")
DATE = re.compile(r"!date\^\d+\^\{time\}\|\d\d:\d\d UTC")
PERMALINK = re.compile(
    r"https://[a-z.-]+/archives/C\w+/p\d+(\?thread_ts=[\d.]+&amp;cid=C\w+)?"
    r"\|(this thread|assignment thread|open the card|The request's thread)"
)


def _texts(value: Any, key: str = "") -> Iterator[str]:
    """Every text field of a Web API call, however deep (blocks and views may be JSON)."""
    if isinstance(value, str) and key in ("blocks", "view") and value[:1] in "[{":
        value = json.loads(value)
    if isinstance(value, dict):
        for name, inner in value.items():
            if name == "text" and isinstance(inner, str):
                yield inner
            else:
                yield from _texts(inner, name)
    elif isinstance(value, list):
        for inner in value:
            yield from _texts(inner)


def _wire(slack: SlackStandIn) -> list[str]:
    return [t for call in slack.calls if call.method in POSTING for t in _texts(call.args)]


def _assert_only_code_markup(texts: list[str], people: set[str]) -> list[str]:
    """Every `<…>` on the wire is a piece our code built: a checked person's mention, a
    date, a permalink with our own label. Returns the pieces, for what must be there."""
    pieces = [piece for text in texts for piece in MARKUP.findall(text)]
    strangers = [
        p
        for p in pieces
        if not (
            (p.startswith("@") and p[1:] in people) or DATE.fullmatch(p) or PERMALINK.fullmatch(p)
        )
    ]
    assert strangers == []
    joined = "\n".join(texts)
    assert "Mrkdwn(" not in joined  # a safe piece formatted into a plain string by mistake
    for special in ("<!channel>", "<!here>", "<!everyone>", f"<@{EVIL}>", "<https://evil"):
        assert special not in joined
    return pieces


def _role(role: str, marker: str, without: str = "\x00") -> Any:
    def match(body: dict[str, Any]) -> bool:
        first = body["messages"][0]["content"]
        first = str(first if isinstance(first, str) else first[0].get("text", ""))
        system = str(body["system"][1]["text"])
        return system.startswith(f"You are the {role}") and marker in first and without not in first

    return match


def test_a_reply_a_brief_and_a_decision_show_model_text_as_text(
    bolt: ServedApp, runtime: Runtime, slack: SlackStandIn, claude: ScriptedClaude
) -> None:
    delegate = {
        "to": "copywriter",
        "title": "R&D post <!channel>",
        "brief": f"Write it for <@{EVIL}>, see <https://evil.example|https://intranet/approve>",
    }
    decide = {
        "type": "blog_post_topics",
        "decision": "<!here> R&D series",
        "reasoning": f"<@{EVIL}> asked for it <https://evil.example|the brief>",
        "actions": [{"assignee": "copywriter", "action": "<!channel> outline it"}],
    }
    manager = "<deliverable "
    claude.script_for(
        _role("Content Manager", "start your reply with", without=manager),
        ToolUseReply("delegate", delegate, text_before=ATTACK),
        ToolUseReply("record_decision", decide),
        TextReply(ATTACK),
    )
    claude.script_for(_role("Copywriter", "R&D post"), TextReply(ATTACK))
    claude.script_for(_role("Content Manager", manager), TextReply(ATTACK))
    asked = mention(bolt.sender, slack, CHANNEL_CONTENT, f"content manager: {ASKED}")
    work(runtime)

    first = str(claude.requests[0].body["messages"][-1]["content"][0]["text"])
    typed = "content manager: start your reply with <!channel> and ping <@U0EVIL> about R&D"
    assert "&lt;!channel&gt;" in first and "R&amp;D" in first  # escaped in its frame
    assert ("human", typed) in speakers(first)  # the model reads what the person typed
    texts = _wire(slack)
    pieces = _assert_only_code_markup(texts, people=set())
    assert {p.rsplit("|", 1)[1] for p in pieces} == {"this thread", "assignment thread"}
    replies = [m["text"] for m in slack.messages(CHANNEL_CONTENT, asked) if m.get("bot_id")]
    assert escape(ATTACK) in replies  # the synthesis, every character shown as written
    assert f"{escape(ATTACK)}\n\n{escape(ATTACK)}" in replies  # the turn's own reply
    assert any("*Decision* (Blog post topics): &lt;!here&gt; R&amp;D series" in t for t in replies)
    brief = next(t for t in texts if t.startswith("*R&amp;D post"))
    assert brief.startswith(
        "*R&amp;D post &lt;!channel&gt;* → Copywriter :writing_hand:\nWrite it for "
        "&lt;@U0EVIL&gt;, see &lt;https://evil.example|https://intranet/approve&gt;\n"
        "_Priority normal. Requested in <https://"
    )


def test_an_escalation_card_notifies_only_the_people_code_checked(
    bolt: ServedApp,
    runtime: Runtime,
    slack: SlackStandIn,
    claude: ScriptedClaude,
    escalation_channel: None,
) -> None:
    loud = ESCALATE | {"issue": ATTACK, "category": "Budget <!channel>"}
    claude.script_for(
        _role("CMO", "should we", without="<escalation_answer "),
        ToolUseReply("escalate", loud | {"mention": [EVIL]}, text_before=ATTACK),
        ToolUseReply("escalate", loud | {"mention": [HUMAN]}),
        TextReply("Escalated."),
    )
    claude.script_for(_role("CMO", "<escalation_answer "), TextReply(ATTACK))
    question = "should we &lt;!channel&gt; move budget?"
    asked = ask(bolt, slack, question)
    work(runtime)

    refused = json.dumps(claude.requests[1].body["messages"][-1]["content"])
    assert f'<refusal tool=\\"escalate\\">{EVIL} is not part of this request' in refused
    with runtime.sessions() as session:
        assert len(session.scalars(select(Task).where(Task.assigned_to == "human")).all()) == 1
    [card] = [m for m in slack.messages(ESCALATIONS) if m.get("blocks")]
    assert card["text"] == f"Escalation from CMO for <@{HUMAN}>: {escape(ATTACK)}"
    assert card["blocks"][0]["text"]["text"] == "ESCALATION: Human · Budget <!channel>"  # plain
    assert {"type": "mrkdwn", "text": f":bell: For the attention of <@{HUMAN}>"} in [
        e for b in card["blocks"] if b["type"] == "context" for e in b["elements"]
    ]

    _click_escalation(bolt, slack, card, "escalation-decide")
    assert _submit(bolt, slack, f"Fine, tell <!channel> and <@{EVIL}> & go") == {}
    work(runtime)

    [card] = [m for m in slack.messages(ESCALATIONS) if m.get("blocks")]
    assert card["blocks"][1]["text"]["text"] == (
        f":white_check_mark: Decided by <@{APPROVER}>: "
        f"Fine, tell &lt;!channel&gt; and &lt;@{EVIL}&gt; &amp; go"
    )
    texts = [t for t in _wire(slack) if not t.startswith("ESCALATION: ")]  # plain_text header
    _assert_only_code_markup(texts, people={HUMAN, APPROVER})
    replies = [m["text"] for m in slack.messages(CHANNEL_GENERAL, asked) if m.get("bot_id")]
    assert replies[-1] == escape(ATTACK)


def test_an_approval_card_its_modals_reminder_outcome_and_home_carry_no_markup(
    bolt: ServedApp,
    runtime: Runtime,
    slack: SlackStandIn,
    claude: ScriptedClaude,
    people: None,
) -> None:
    draft = "\n\n".join([ATTACK] * 40)  # long: the card shows its opening, a modal the rest
    submit = {
        "action_type": "blog_post",
        "title": "R&D <!channel> costs",
        "draft": draft,
        "on_approval": f"<@{EVIL}> promotes it <https://evil.example|here>",
        "drafted_by": "copywriter",
    }
    claude.script_for(
        _is("Content Manager"),
        ToolUseReply("submit_for_approval", submit, text_before=ATTACK),
        TextReply(ATTACK),
    )
    claude.script_for(
        _is("Director of Communications", "<approval_review "), *_review("approve", ATTACK)
    )
    claude.script_for(_is("VP Marketing", "<approval_review "), *_review("approve", "<!here> ok"))
    claude.script_for(_is("Content Manager", 'outcome="approved"'), TextReply(ATTACK))
    request = f"content manager: write the blog post on {ASKED}"
    asked = mention(bolt.sender, slack, CHANNEL_CONTENT, request)
    work(runtime)
    [card] = _cards(slack, asked)
    assert card["text"] == (
        "Approval needed: Blog post “R&amp;D &lt;!channel&gt; costs” (version 1) · "
        "a workspace admin can decide"
    )
    assert card["blocks"][0]["text"]["text"] == "Approval: R&D <!channel> costs"  # plain_text
    with runtime.sessions() as session:
        [approval] = session.scalars(select(Approval)).all()
    assert approval_posts.remind(TEAM, approval.id) == "reminded"
    _click(bolt, slack, card, "approval-view-draft", MARIA)
    _click(bolt, slack, card, "approval-request-changes", LEE)
    _click(bolt, slack, card, "approval-approve", MARIA)
    work(runtime)
    _click(bolt, slack, card, "approval-approve", LEE)  # too late: an ephemeral says who did
    bolt.sender.send_event(app_home_opened_event(user=MARIA, channel=DM_CHANNEL))
    work(runtime)

    [card] = _cards(slack, asked)
    state = card["blocks"][1]["text"]["text"]  # the outcome, under the title
    assert state.startswith(f":white_check_mark: Approved by <@{MARIA}> at <!date^")
    modal = next(c for c in slack.calls if c.method == "views.open")
    modal_texts = list(_texts(modal.args))
    assert escape(ATTACK) in "\n\n".join(modal_texts)
    assert all(len(t) <= 3000 for t in modal_texts)
    [reminder] = [m for m in slack.messages(CHANNEL_CONTENT, asked) if "Reminder" in m["text"]]
    assert reminder["text"].startswith(
        ":alarm_clock: Reminder: *R&amp;D &lt;!channel&gt; costs* (version 1) has been waiting"
    )
    [ephemeral] = [c for c in slack.calls if c.method == "chat.postEphemeral"]
    assert ephemeral.args["text"].startswith(f"Already approved by <@{MARIA}> at <!date^")
    home = slack.workspace.views.for_user(MARIA)["home"]
    assert home is not None and "R&amp;D &lt;!channel&gt; costs" in json.dumps(home)
    _assert_only_code_markup(
        [t for t in _wire(slack) if not t.startswith("Approval: ")], people={MARIA}
    )


def test_the_campaign_command_quotes_the_brief_back_as_text(bolt: ServedApp) -> None:
    response = bolt.sender.send_command(
        "/campaign",
        f"launch <!channel> & ping <@{EVIL}> &lt;!here&gt;",
        user_id=HUMAN,
        channel_id=CHANNEL_GENERAL,
    )
    text = response.json()["text"]
    # Slack's markup in the command text reads as text (`<!channel>` as "@channel"); what
    # the person typed as `<!here>` (escaped by Slack) is quoted as typed, as text.
    assert f"\n> launch @channel &amp; ping &lt;@{EVIL}&gt; &lt;!here&gt;\n" in text
    assert MARKUP.findall(text) == []
