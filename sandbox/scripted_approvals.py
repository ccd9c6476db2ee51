"""The scripted department's part in approvals: drafts submitted, reviews, and what an author
does with a decision. Deterministic, in each role's voice, and driving the real flow through
the real tools (`submit_for_approval`, `review`, `consult`).

- The Content Manager's synthesis of a blog post becomes a full draft, submitted as a
  `blog_post` (the Director of Communications and the VP Marketing review it, then a person
  gets the card).
- A reviewer reads the draft and approves it with a note in its own voice; a draft still full
  of hype words is sent back by the Director of Communications (brand voice).
- Approved: the author hands on (the Content Manager consults the Social Media Manager about
  promotion and the Campaign Manager about the newsletter). Changes requested: it revises
  along the feedback and submits again. Rejected: it closes the work and says so.
"""

from __future__ import annotations

import re
from typing import Any

from sandbox.claude_api import Reply, TextReply, ToolUseReply
from sandbox.product_turns import (
    Decided,
    decided,
    first_user_text,
    is_review_step,
    is_synthesis,
    offered,
    sections_of,
    split_task,
    tool_results,
)
from sandbox.scripted_delegation import audience_of, copy_pick, primary_keyword, with_keyword

HYPE = re.compile(r"\b(?:revolutionary|game-?changing|disrupt\w*|best-in-class|synerg\w*)\b", re.I)
_ABOUT = re.compile(r"\b(?:about|on|for)\s+(.+?)(?:[.,;:!?\n]|$)", re.I)


def approval_reply(body: dict[str, Any], role: str, topic: str, ask: str) -> Reply | None:
    """This role's move in an approval flow, or None when the request is not part of one."""
    first = first_user_text(body)
    answered = tool_results(body)
    if is_review_step(body):
        return _review(role, first, answered)
    decision = decided(body)
    if decision is not None and decision.outcome == "approved":
        return _approved(body, decision, answered, _task_topic(first))
    if decision is not None and decision.outcome == "changes":
        return _revise(decision, answered)
    if decision is not None:
        return _text(_closed(decision))
    if not is_synthesis(body):
        return None
    sections = sections_of(body)
    if any(s.kind == "approval_step" for s in sections):
        return _text(_wrap_up(sections))
    if role == "content_manager" and "submit_for_approval" in offered(body):
        return _submit_blog_post(body, sections, topic, ask, answered)
    return None


# --- the author -------------------------------------------------------------------------------


def _submit_blog_post(
    body: dict[str, Any], sections: list[Any], topic: str, ask: str, answered: list[str]
) -> Reply | None:
    by_id = {s.agent_id: s for s in sections if s.done}
    copy, seo = by_id.get("copywriter"), by_id.get("seo_specialist")
    if copy is None:
        return None
    if answered:
        return _text(
            "The draft is with the Director of Communications (brand voice) and the VP "
            "Marketing; you get the final click on the card in this thread."
        )
    source = " ".join(s.text for s in sections) + " " + topic
    keyword = (primary_keyword(seo.text) if seo else None) or topic.lower()
    headline = with_keyword(copy_pick(copy.text) or topic.title(), keyword, topic, source)
    audience = audience_of(ask, topic) or "marketing leaders"
    return ToolUseReply(
        "submit_for_approval",
        {
            "action_type": "blog_post",
            "title": headline[:150],
            "draft": blog_draft(headline, topic, audience, keyword),
            "on_approval": "I publish it and hand promotion to the Social Media Manager "
            "(LinkedIn and X), then Analytics tracks it for two weeks.",
            "drafted_by": "copywriter",
        },
        text_before=(
            f"*Editor's note:* the Copywriter's headline carries `{keyword}`; I've merged the "
            "SEO plan into the structure and kept one clear call to action. Sending it for "
            "approval."
        ),
    )


def blog_draft(headline: str, topic: str, audience: str, keyword: str) -> str:
    """A short, complete post: hook (carrying the keyword), three sections, one CTA."""
    return "\n\n".join(
        [
            f"*{headline}*",
            f"Most {audience} we talk to have the same week: too many reports, too little time "
            f"to act on them. {topic[:1].upper() + topic[1:]} is not a moonshot any more, and "
            f"{keyword} is a set of small, boring wins that add up.",
            "*1. Start with the work nobody enjoys*\nWeekly reporting, list hygiene and "
            "campaign tagging eat hours. Automate one of them first and measure the hours you "
            "get back: that number sells the next step.",
            "*2. Let the data choose the next test*\nInstead of debating headlines in a "
            "meeting, run two and let the results decide. Small teams that test every week "
            "learn faster than big teams that test every quarter.",
            "*3. Keep people on the judgment calls*\nUse AI to draft, sort and summarise; keep "
            "people on positioning, approvals and anything a customer will read. Speed without "
            "judgment is just faster mistakes.",
            "*Where to start:* pick one process, one owner and one metric this month. If you "
            "want a second pair of eyes, book a 20-minute working session with our team.",
        ]
    )


HANDOFFS = (  # who the Content Manager hands an approved post to, one consult per round
    (
        "social_media_manager",
        "Please plan this week's promotion of our new blog post about {topic}: a LinkedIn post "
        "and an X thread that link to it. Its title: “{title}”.",
        "Approved. Handing promotion to Social Media now.",
    ),
    (
        "campaign_manager",
        "Please add our new blog post about {topic} to Thursday's newsletter, with a one-line "
        "teaser and the link. Its title: “{title}”.",
        "And the newsletter to the Campaign Manager.",
    ),
)


def _approved(body: dict[str, Any], decision: Decided, answered: list[str], topic: str) -> Reply:
    title = decision.title
    if len(answered) >= len(HANDOFFS) or "consult" not in offered(body):
        return _text(
            f"“{title}” is ready to publish; Social Media is planning its promotion and the "
            "Campaign Manager is putting it in Thursday's newsletter. I'll share both here."
        )
    peer, question, said = HANDOFFS[len(answered)]
    return ToolUseReply(
        "consult",
        {"peer": peer, "question": question.format(topic=topic, title=title)},
        text_before=said,
    )


def _revise(decision: Decided, answered: list[str]) -> Reply:
    draft, changed = revise(decision.draft, decision.feedback)
    if answered:
        return _text(f"Revised: {changed}. Version 2 is on the card below.")
    return ToolUseReply(
        "submit_for_approval",
        {
            "action_type": "blog_post",
            "title": decision.title,
            "draft": draft,
            "on_approval": "I publish it and hand promotion to the Social Media Manager "
            "(LinkedIn and X), then Analytics tracks it for two weeks.",
            "drafted_by": "copywriter",
            "changes": f"{changed[0].upper() + changed[1:]}.",
        },
        text_before="Thanks for the feedback; revising the draft now.",
    )


def revise(draft: str, feedback: str) -> tuple[str, str]:
    """The draft changed along the feedback, and what changed (one clause)."""
    wants = feedback.lower()
    if re.search(r"\b(?:cta|call to action)\b", wants):
        addition = "*Try it this week:* book a 20-minute review and leave with one process to fix."
        return f"{draft}\n\n{addition}", "added a direct call to action at the end"
    if re.search(r"\b(?:short\w*|tight\w*|trim|long)\b", wants):
        paragraphs = draft.split("\n\n")
        kept = paragraphs[:3] + paragraphs[-1:] if len(paragraphs) > 4 else paragraphs
        return "\n\n".join(kept), "cut it to the two strongest sections"
    if re.search(r"\b(?:proof|data|example|source|stat\w*)\b", wants):
        addition = (
            "*Proof point:* a customer team cut reporting from six hours to forty minutes a "
            "week in their first month (case study link to add before publishing)."
        )
        return f"{draft}\n\n{addition}", "added a concrete, sourced proof point"
    if HYPE.search(draft):
        return HYPE.sub("practical", draft), "took out the hype words"
    addition = f"*In short:* {feedback.rstrip('.')}." if feedback else ""
    return (f"{draft}\n\n{addition}" if addition else draft), "worked the feedback into the close"


def _closed(decision: Decided) -> str:
    why = f" The reason: {decision.reason}" if decision.reason else ""
    return (
        f"Understood: “{decision.title}” is closed and will not be published.{why} If the "
        "angle changes, ask me for a fresh brief and we'll start from there."
    )


def _wrap_up(sections: list[Any]) -> str:
    done = {s.agent_id: s for s in sections if s.done}
    lines = ["*Wrap-up:* the post is approved and ready to publish."]
    if "social_media_manager" in done:
        cadence = re.search(r"\*Cadence:\* (.+)", done["social_media_manager"].text)
        plan = cadence.group(1) if cadence else "the Social Media Manager's plan is in its thread."
        lines.append(f"*Promotion:* {plan}")
    if "campaign_manager" in done:
        lines.append(
            "*Newsletter:* in Thursday's issue; the Campaign Manager's draft is in its thread."
        )
    lines.append("*Next:* a person publishes it; Analytics reports on it after two weeks.")
    return "\n".join(lines)


# --- reviewers --------------------------------------------------------------------------------

VOICES = {
    "director_comms": (
        "*Brand voice check:* plain, confident and specific, which is us. ",
        "On-brand: plain and confident, no hype. Keep the proof point sourced.",
        "Approved for brand voice; it goes on to the VP Marketing.",
    ),
    "vp_marketing": (
        "*VP review:* the right message for the audience, and it supports this quarter's "
        "focus on efficiency. ",
        "Right message for our audience; approved to go to a person for the final click.",
        "Approved; it is in front of a person now.",
    ),
    "content_manager": (
        "*Editorial review:* structure and flow hold up. ",
        "Structure works; headline and CTA match the keyword's intent.",
        "Approved on structure; passing it on.",
    ),
}


def _review(role: str, first: str, answered: list[str]) -> Reply:
    opener, note, after = VOICES.get(
        role,
        (
            "*Review:* it does what the brief asks. ",
            "Meets the brief; no blockers from my side.",
            "Approved; passing it on.",
        ),
    )
    hype = HYPE.findall(first)  # the draft, its title and earlier notes: hype anywhere counts
    send_back = role == "director_comms" and bool(hype)
    if answered:
        return _text("Sent back to the author with my notes." if send_back else after)
    if send_back:
        words = ", ".join(sorted({w.lower() for w in hype}))
        return ToolUseReply(
            "review",
            {
                "verdict": "send_back",
                "feedback": f"Too much hype for our voice ({words}). Say what it does, plainly.",
            },
            text_before="*Brand voice check:* not yet. ",
        )
    return ToolUseReply("review", {"verdict": "approve", "feedback": note}, text_before=opener)


# --- helpers ----------------------------------------------------------------------------------


def _task_topic(first: str) -> str:
    """What the original request was about, from the task line ("… blog post on X")."""
    task = split_task(first)
    found = _ABOUT.search(task.title if task else first.splitlines()[0])
    return found.group(1).strip() if found else "marketing"


def _text(text: str) -> TextReply:
    return TextReply(text, chunk_chars=24, delay_per_chunk_s=0.03)
