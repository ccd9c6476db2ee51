"""The scripted department's managers at work: who they delegate to, and how they synthesise.

Used by `sandbox.scripted_department.department_responder`. A manager offered the `delegate`
tool who is asked for something its team produces hands it out one report per round, then
tells the person who is on what; a refusal gets a plain "here is what I'll do instead"; and
when the team's deliverables come back, the manager turns them into one answer that names
something concrete from each. Everything is decided by the request text and a stable hash,
and nothing here claims that anything went out.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from bots.roster import HUMAN
from sandbox.claude_api import ToolUseReply
from sandbox.product_turns import (
    Section,
    TaskBrief,
    first_user_text,
    is_synthesis,
    is_tool_round,
    offered,
    refusal_reason,
    sections_of,
    speakers,
    split_task,
)
from sandbox.product_turns import roster as _roster

T = TypeVar("T")
MAX_ELEMENT_WORDS = 16
MAX_QUOTED_ASK_CHARS = 240

# --- who gets what -----------------------------------------------------------------------------

# Per manager: (report, what in the request makes it theirs); the order is the hand-out order.
ASSIGNMENTS: dict[str, tuple[tuple[str, str], ...]] = {
    "cmo": (
        ("vp_marketing", r"campaigns?|launch (?:plan|campaign|assets)|go-to-market|gtm|roll-?out"),
        ("analytics_specialist", r"reports?|metrics|dashboards?|roi|attribution|performance"),
        ("market_research", r"competitors?|competitive|market research|personas?|market sizing"),
    ),
    "vp_marketing": (
        ("content_manager", r"campaigns?|launch|blog|articles?|content|case stud(?:y|ies)|guides?"),
        ("social_media_manager", r"campaigns?|launch|social|linkedin|twitter|tweets?|"
         r"(?<!blog )posts?"),
        ("campaign_manager", r"e-?mails?|nurture|newsletters?|sequences?|drip"),
    ),
    "content_manager": (
        ("copywriter", r"blog|articles?|case stud(?:y|ies)|white ?papers?|e-?books?|guides?|"
         r"landing pages?|copy|taglines?|headlines?"),
        ("seo_specialist", r"blog|articles?|case stud(?:y|ies)|guides?|landing pages?|"
         r"keywords?|seo"),
        ("designer", r"images?|visuals?|graphics?|illustrations?|diagrams?|infographics?|banners?"),
    ),
    "social_media_manager": (
        ("linkedin_manager", r"linkedin"),
        ("twitter_manager", r"twitter|tweets?|threads?|(?-i:X)"),
    ),
    "campaign_manager": (
        ("email_specialist", r"e-?mails?|nurture|newsletters?|sequences?|drip|subject lines?"),
    ),
}  # fmt: skip
# When no report is named outright, these words still ask for the team's usual line-up.
USUAL_LINE_UP: dict[str, tuple[str, tuple[str, ...]]] = {
    "content_manager": (r"content|posts?|pillar", ("copywriter", "seo_specialist")),
    "social_media_manager": (
        r"social|posts?|launch|announce\w*|promot\w*|campaigns?",
        ("linkedin_manager", "twitter_manager"),
    ),
}
_NOT_A_DELIVERABLE = re.compile(  # opinions and reviews: the manager answers those itself
    r"^(?:what|why|how|should|shall|do|does|did|is|are|was|were|which|who|when|where|any)\b|"
    r"\b(?:what do you think|thoughts on|your (?:view|take|opinion)|feedback on|review|"
    r"critique|look over)\b",
    re.I,
)
_HIGH_PRIORITY = re.compile(r"\b(?:urgent|asap|a\.s\.a\.p|tomorrow|today|tonight|eod)\b", re.I)
_DEADLINE = re.compile(
    r"\b(?:due|by|before)\s+(tomorrow|today|tonight|eod|end of (?:the )?(?:day|week)|next \w+|"
    r"(?:mon|tues|wednes|thurs|fri|satur|sun)day|\d{4}-\d{2}-\d{2})\b",
    re.I,
)
_AUDIENCE = re.compile(
    r"\bfor\s+(?:our\s+|the\s+|a\s+)?([\w&/-]+(?:\s+[\w&/-]+){0,3}?)"
    r"(?=\s*[,.;:!?\"]|\s+(?:due|by|before|next|about|on|with|in|at|who|that|so|and)\b|\s*$)",
    re.I,
)
_NOT_AUDIENCE = re.compile(
    r"\b(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day|tomorrow|today|next|week|month|q[1-4]|"
    r"launch|release|webinar|blog|post|site|page|brand)\b",
    re.I,
)
_KIND = re.compile(
    r"\b(blog post|article|case study|white ?paper|e-?book|guide|landing page|newsletter)\b", re.I
)


@dataclass(frozen=True)
class Duty:
    """What a report is given: the title's shape, the brief's lead and ask, how it is named."""

    title: str  # {k} the kind of piece, {t} the topic
    lead: str
    ask: str
    part: str  # "the draft": what the manager hands over
    doing: str  # "drafting ...": what the acknowledgement says they are on


DUTIES: dict[str, Duty] = {
    "copywriter": Duty(
        "Draft the {k}: {t}", "{K}", "Draft three headline options with your pick and the angle "
        "the piece takes; every claim provable or marked NEEDS SOURCE.", "the draft",
        "drafting headline options and the angle for the {k}"),
    "seo_specialist": Duty(
        "Keyword plan for the {k}: {t}", "{K}", "Give the primary keyword with its search "
        "intent, the secondaries and the H2s they suggest; no volumes without a tool export.",
        "the keyword plan", "building the keyword plan and the H2s it suggests"),
    "designer": Duty(
        "Visual brief for the {k}: {t}", "{K}", "Brief a featured image and one diagram, sized "
        "for the blog and LinkedIn; a concept brief, not a finished image.", "the visual brief",
        "briefing a featured image and one diagram"),
    "linkedin_manager": Duty(
        "LinkedIn post: {t}", "A LinkedIn post", "Draft one post: a hook, three short "
        "paragraphs and one CTA, link in the first comment.", "the LinkedIn post",
        "drafting the LinkedIn post"),
    "twitter_manager": Duty(
        "X thread: {t}", "An X thread", "Draft four posts, hook first, each within 280 "
        "characters.", "the X thread", "drafting the X thread"),
    "email_specialist": Duty(
        "Email draft: {t}", "An email", "Draft two subject lines to A/B test, preview text and "
        "a body outline; a human checks consent before anything goes out.", "the email draft",
        "drafting the email, with two subject lines to test"),
    "content_manager": Duty(
        "Content workstream: {t}", "Content", "Plan a pillar blog post with the Copywriter and "
        "the SEO Specialist.", "the content workstream",
        "running content (a pillar piece and its keywords)"),
    "social_media_manager": Duty(
        "Social posts: {t}", "Social posts", "Plan a LinkedIn post and an X thread that tell "
        "one story.", "the social posts", "running social (a LinkedIn post and an X thread)"),
    "campaign_manager": Duty(
        "Email sequence: {t}", "An email sequence", "Plan the email sequence with the Email "
        "Specialist, with one A/B test.", "the email sequence", "running the email sequence"),
    "vp_marketing": Duty(
        "Launch plan: {t}", "A launch plan", "Turn it into workstreams for content, social "
        "posts and an email sequence, with owners, weeks and KPIs.", "the launch plan",
        "turning this into a launch plan across content, social and email"),
    "analytics_specialist": Duty(
        "Measurement plan: {t}", "A measurement plan", "Say which metrics, from which source, "
        "against which baseline; no numbers you weren't given.", "the measurement plan",
        "setting up the measurement plan"),
    "market_research": Duty(
        "Market research: {t}", "Research", "Competitors, personas and the questions to answer "
        "before we commit, with known and assumed kept apart.", "the research",
        "pulling the research together"),
}  # fmt: skip
OTHER_DUTY = Duty("{K}: {t}", "{K}", "Do your part and reply with the deliverable.",
                  "their part", "on their part")  # fmt: skip
OPENERS = ("On it.", "Good brief, thanks.", "Thanks, on it.")
CLOSERS = {
    "content_manager": "When their work is back I'll turn it into one outline here, with the "
    "primary keyword in the headline; nothing goes out without your review.",
    "social_media_manager": "Once the drafts are in I'll line them up into one story per "
    "platform for your review.",
    "campaign_manager": "When the draft is back I'll fold it into the campaign brief for the VP "
    "Marketing's sign-off.",
    "vp_marketing": "I'll turn the teams' work into one plan with one message once it's in.",
    "cmo": "I'll come back here with one recommendation once the work is in.",
}
DEFAULT_CLOSER = "I'll bring their work together here when it's back."


def _pick(seed: str, slot: str, options: Sequence[T]) -> T:
    digest = hashlib.sha256(f"{seed}|{slot}".encode()).digest()
    return options[int.from_bytes(digest[:8], "big") % len(options)]


def _name(agent_id: str) -> str:
    """How a manager names someone: "the Copywriter", "Market Research" (no article)."""
    if agent_id == HUMAN:
        return "the human team"
    agent = _roster().by_id.get(agent_id)
    name = agent.display_name if agent else agent_id
    return name if name == "Market Research" else f"the {name}"


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _words(text: str, limit: int = MAX_ELEMENT_WORDS) -> str:
    words = text.split()
    short = " ".join(words) if len(words) <= limit else " ".join(words[:limit]) + "…"
    return short + '"' if short.count('"') % 2 else short  # a cut quote is closed


# --- reading the request ---------------------------------------------------------------------


@dataclass(frozen=True)
class Round:
    """One delegate call of this turn and what came back."""

    to: str
    arguments: dict[str, Any]
    result: str
    is_error: bool


def delegate_rounds(messages: Sequence[dict[str, Any]]) -> list[Round]:
    calls: dict[str, dict[str, Any]] = {}
    rounds: list[Round] = []
    for message in messages:
        content = message.get("content")
        for block in content if isinstance(content, list) else []:
            if block.get("type") == "tool_use" and block.get("name") == "delegate":
                calls[str(block.get("id"))] = dict(block.get("input") or {})
            elif block.get("type") == "tool_result" and str(block.get("tool_use_id")) in calls:
                arguments = calls[str(block["tool_use_id"])]
                result = block.get("content")
                if isinstance(result, list):
                    result = " ".join(str(b.get("text", "")) for b in result)
                rounds.append(
                    Round(str(arguments.get("to", "")), arguments, str(result or ""),
                          bool(block.get("is_error")))
                )  # fmt: skip
    return rounds


def assignees(role: str, ask: str) -> list[str]:
    """The reports a manager hands this request to, in order; [] when it isn't team work."""
    agent = _roster().by_id.get(role)
    if agent is None or not agent.manages or _NOT_A_DELIVERABLE.search(ask.strip()):
        return []
    named = [
        report
        for report, words in ASSIGNMENTS.get(role, ())
        if re.search(rf"\b(?:{words})\b", ask, re.I)
    ]
    usual = USUAL_LINE_UP.get(role)
    if not named and usual and re.search(rf"\b(?:{usual[0]})\b", ask, re.I):
        named = list(usual[1])
    return [report for report in named if report in agent.manages]


def audience_of(ask: str, topic: str) -> str:
    """ "a blog post about AI in marketing for CMOs" -> "CMOs"; "" when nobody is named."""
    for match in _AUDIENCE.finditer(ask):
        phrase = match.group(1)
        overlaps = phrase.lower() in topic.lower() or topic.lower() in phrase.lower()
        if not overlaps and not _NOT_AUDIENCE.search(phrase):
            return phrase
    return ""


def _kind(ask: str) -> str:
    match = _KIND.search(ask)
    return match.group(1).lower() if match else "piece"


# --- the delegating turn ---------------------------------------------------------------------


def delegation_reply(
    body: dict[str, Any], role: str, ask: str, topic: str
) -> ToolUseReply | str | None:
    """The next delegate call, the acknowledgement, a refusal's fallback, or None (not team
    work: the manager answers as usual)."""
    if "delegate" not in offered(body):
        return None
    rounds = delegate_rounds(body.get("messages") or [])
    refused = next((r for r in rounds if r.is_error), None)
    if refused is not None:
        return _instead(role, rounds, refused)
    plan = assignees(role, ask)
    if not plan and not rounds:
        return None
    done = {r.to for r in rounds}
    task = split_task(first_user_text(body))
    urgent = bool(_HIGH_PRIORITY.search(f"{ask} {_latest_words(body)}"))
    if task is not None:
        urgent = urgent or task.priority in ("high", "urgent")
    for report in plan:
        if report not in done:
            return _delegate(report, ask, topic, task, urgent=urgent, first=not rounds)
    return _acknowledge(role, rounds, ask)


def _latest_words(body: dict[str, Any]) -> str:
    """The newest person's message as typed ("urgent: …" included), before the tool rounds;
    in a task turn, its brief."""
    plain = [m for m in body.get("messages") or [] if not is_tool_round(m)]
    content = plain[-1].get("content") if plain else ""
    if isinstance(content, list):
        content = " ".join(str(b.get("text", "")) for b in content if b.get("type") == "text")
    text = str(content or "")
    people = [words for kind, words in speakers(text) if kind == "human"]
    task = split_task(text)
    return people[-1] if people else task.brief if task else ""


def _delegate(
    report: str, ask: str, topic: str, task: TaskBrief | None, *, urgent: bool, first: bool
) -> ToolUseReply:
    duty = DUTIES.get(report, OTHER_DUTY)
    kind = _kind(ask)
    fill = {"k": kind, "K": f"{'An' if kind[0] in 'aeiou' else 'A'} {kind}", "t": topic}
    audience = audience_of(ask, topic)
    brief = f"{duty.lead.format(**fill)} about {topic}"
    brief += f", for {audience}." if audience else "."
    deadline = _DEADLINE.search(ask)
    brief += f" {duty.ask}" + (f" Due {deadline.group(1)}." if deadline else "")
    if task is None:  # a person's words, so the report sees what was actually asked
        quoted = ask if len(ask) <= MAX_QUOTED_ASK_CHARS else ask[:MAX_QUOTED_ASK_CHARS] + "…"
        brief += f' The request, in their words: "{quoted}"'
    name = _name(report)
    text_before = (
        f"Assigning {duty.part} to {name}." if first else f"{_cap(name)} takes {duty.part}."
    )
    return ToolUseReply(
        "delegate",
        {
            "to": report,
            "title": duty.title.format(**fill)[:150],
            "brief": brief,
            "priority": "high" if urgent else "normal",
        },
        text_before=text_before,
    )


def _acknowledge(role: str, rounds: list[Round], ask: str) -> str:
    kind = _kind(ask)
    on = [f"{_name(r.to)} is {DUTIES.get(r.to, OTHER_DUTY).doing.format(k=kind)}" for r in rounds]
    who = on[0] if len(on) == 1 else ", ".join(on[:-1]) + ", and " + on[-1]
    high = any(r.arguments.get("priority") in ("high", "urgent") for r in rounds)
    timing = " I've marked it high priority given the timing." if high else ""
    opener = _pick(f"{role}|{ask}", "opener", OPENERS)
    return f"{opener} {_cap(who)}.{timing} {CLOSERS.get(role, DEFAULT_CLOSER)}"


def _instead(role: str, rounds: list[Round], refused: Round) -> str:
    """Say plainly what happens instead of a refused delegation; never retry it."""
    part = DUTIES.get(refused.to, OTHER_DUTY).part
    reason = refusal_reason(refused.result)
    lines = [f"I couldn't hand {part} to {_name(refused.to)}: {reason or 'it was refused'}."]
    kept = [f"{_name(r.to)} is still on {DUTIES.get(r.to, OTHER_DUTY).part}"
            for r in rounds if not r.is_error]  # fmt: skip
    if kept:
        lines.append(f"Nothing else changes: {'; '.join(kept)}.")
    agent = _roster().by_id.get(role)
    # Not ours to hand out (no such agent, not a report of ours): the roster says so, whatever
    # the refusal's wording. Anything else (depth, cycles) the manager can do itself.
    elsewhere = agent is not None and refused.to not in agent.manages
    if elsewhere and agent is not None:
        lines.append(
            f"I won't retry it. Instead I'm escalating it to {_name(agent.reports_to)}, who can "
            "route it to the right team, and I'll update this thread when it has an owner."
        )
    else:
        lines.append(
            f"I won't retry it. Instead I'll do {part} myself and bring it back to this thread "
            "for your review."
        )
    return " ".join(lines)


# --- the synthesis turn ----------------------------------------------------------------------


def synthesis_reply(body: dict[str, Any], role: str, ask: str, topic: str) -> str | None:
    """One answer from the team's deliverables; None when this is no synthesis request."""
    if not is_synthesis(body):
        return None
    sections = sections_of(body)
    by_id = {s.agent_id: s for s in sections if s.done}
    audience = audience_of(ask, topic)
    seed = f"{role}|{ask}"
    if role == "content_manager" and ("copywriter" in by_id or "seo_specialist" in by_id):
        return _content_synthesis(by_id, sections, topic, audience, seed)
    if role == "social_media_manager" and by_id:
        return _social_synthesis(by_id, sections, topic, seed)
    if role == "campaign_manager" and "email_specialist" in by_id:
        return _campaign_synthesis(by_id["email_specialist"], sections, topic)
    return _team_synthesis(role, sections, topic, seed)


def _not_back(sections: Sequence[Section]) -> list[str]:
    return [f"{_name(s.agent_id or s.name)}'s part didn't come back ({s.status})"
            for s in sections if not s.done]  # fmt: skip


def _still_open(items: Sequence[str]) -> str:
    return "*Still open:* " + "; ".join(items) + "."


def _quote(text: str) -> str | None:
    match = re.search(r'"([^"\n]{4,160})"', text)
    return match.group(1) if match else None


def _cased(phrase: str, source: str) -> str:
    """Each word of `phrase` as `source` writes it ("ai" -> "AI"), else as it is."""
    words = []
    for word in phrase.split():
        found = re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", source, re.I)
        words.append(found.group(0) if found else word)
    return " ".join(words)


def copy_pick(text: str) -> str | None:
    """The Copywriter's chosen line: option N of its "*My pick:* N", else its first quote."""
    pick = re.search(r"\*My pick:\* (\d)", text)
    if pick:
        option = re.search(rf'^{pick.group(1)}\. \*"(.+?)"\*', text, re.M)
        if option:
            return option.group(1)
    return _quote(text)


def primary_keyword(text: str) -> str | None:
    match = re.search(r"\*Primary:\*\s*`([^`]+)`", text) or re.search(r"`([^`]+)`", text)
    return match.group(1) if match else None


def with_keyword(headline: str, keyword: str, topic: str, source: str) -> str:
    """The headline reworked to carry the primary keyword (unchanged if it already does)."""
    cased = _cased(keyword, source)
    if keyword.lower() in headline.lower():
        return headline
    at = headline.lower().find(topic.lower()) if topic else -1
    if at >= 0:
        return headline[:at] + cased + headline[at + len(topic) :]
    rest = headline if headline[1:2].isupper() else headline[:1].lower() + headline[1:]
    return f"{_cap(cased)}: {rest}"


def _content_synthesis(
    by_id: dict[str, Section],
    sections: Sequence[Section],
    topic: str,
    audience: str,
    seed: str,
) -> str:
    copy, seo, design = (by_id.get(k) for k in ("copywriter", "seo_specialist", "designer"))
    source = " ".join(s.text for s in sections) + " " + topic
    keyword = (primary_keyword(seo.text) if seo else None) or topic.lower()
    picked = copy_pick(copy.text) if copy else None
    headline = picked or (_quote(seo.text) if seo else None) or _cap(topic)
    reader = audience or "our readers"
    note = [_pick(seed, "opener", ("Good work from the team.", "Strong inputs, thank you."))]
    if picked:
        note.append(f'The Copywriter\'s pick, "{picked}", has the right angle for {reader}.')
    if seo and keyword.lower() in headline.lower():
        note.append(f"The SEO Specialist's primary keyword, `{keyword}`, is already in it.")
    elif seo:
        note.append(
            f"The SEO Specialist's primary keyword, `{keyword}`, wasn't in it, so I've worked it "
            "into the headline."
        )
        if re.search(r"\b(?:software|platform|tools?|apps?)$", keyword):
            note.append(
                "It's commercial intent: the H1 speaks to buyers, an H2 does the explaining."
            )
    what_is = re.search(r"`(what is [^`]+)`", seo.text if seo else "")
    how_to = re.search(r"`(how to [^`]+)`", seo.text if seo else "")
    lines = [
        "*Editor's note:* " + " ".join(note),
        f"*Headline:* {with_keyword(headline, keyword, topic, source)}",
        "*Outline:*",
        f"• Intro: the problem {reader} face every week, in their words; no product up top",
        f"• H2: {_cap(_cased(what_is.group(1), source)) if what_is else 'Why ' + topic}?",
        f"• H2: Three places {topic} pays off first, one sourced example each",
        f"• H2: {_cap(_cased(how_to.group(1), source)) if how_to else 'Where to start'}: "
        "a short checklist",
        "• Close: one CTA that matches the keyword's intent",
    ]
    concept = re.search(r"\*Concept:\*\s*([^.]+)", design.text) if design else None
    if concept:
        lines.append(f"*Visuals:* the Designer's concept, {concept.group(1).strip()}.")
    still = []
    if seo:
        still.append(f"search volumes need a keyword tool export before we lock `{keyword}`")
    still.append("one customer proof point still needs a source")
    if all(s.agent_id != "designer" for s in sections):
        still.append("visuals, which I'll brief to the Designer once this is agreed")
    lines.append(_still_open([*still, *_not_back(sections)]))
    lines.append(
        "*Next:* once you approve the outline, the Copywriter writes the full draft against it. "
        "Approve?"
    )
    return "\n".join(lines)


def _social_synthesis(
    by_id: dict[str, Section], sections: Sequence[Section], topic: str, seed: str
) -> str:
    linkedin, twitter = by_id.get("linkedin_manager"), by_id.get("twitter_manager")
    shape = _pick(seed, "shape", ("LinkedIn leads, X supports.", "one story, told per platform."))
    lines = [f"*Social package for the {topic}:* {shape}"]
    hook = re.search(r"ready for review:\s*\n+(.+)", linkedin.text) if linkedin else None
    if linkedin:
        opening = f'"{_words(hook.group(1))}"' if hook else "its problem-first opening"
        lines.append(
            f"• *LinkedIn:* the LinkedIn Manager's hook, {opening}, leads; link in the first "
            "comment, as drafted."
        )
    first = re.search(r"^1/ (.+)$", twitter.text, re.M) if twitter else None
    if twitter:
        opening = f'"{_words(first.group(1), 12)}"' if first else "its hook"
        lines.append(
            f"• *X:* the thread opens with {opening}; its last post gets the same CTA as "
            "LinkedIn, so the two don't compete."
        )
    lines += [
        "• *One message:* both make the same promise in the same words; only the format changes.",
        "• *Cadence:* LinkedIn first, the thread the same afternoon, a proof post a week later; "
        "each draft approved, then a human posts it.",
        _still_open(
            [
                "the customer example marked NEEDS SOURCE",
                "the Designer's image brief",
                "a character check on the thread",
                *_not_back(sections),
            ]
        ),
        "Good to move both to review?",
    ]
    return "\n".join(lines)


def _campaign_synthesis(email: Section, sections: Sequence[Section], topic: str) -> str:
    subjects = re.findall(r"\*Subject [AB]:\*\s*(.+?)(?: \(\d+ chars\))?$", email.text, re.M)
    test = (
        f'the Email Specialist\'s Subject A, "{subjects[0]}", is the control; B, "{subjects[1]}", '
        "the challenger"
        if len(subjects) >= 2
        else "the Email Specialist's draft is the control against one subject-line variant"
    )
    return "\n".join(
        [
            f"*Campaign update, {topic}:* the email leg is drafted and ready for review.",
            f"• *Test:* {test}; 50/50 on the first segment, judged on clicks, not opens.",
            "• *Sequence:* this draft becomes email 1 of three: problem, proof, then the demo ask.",
            "• *Segments:* trial users first, then engaged subscribers; open opportunities stay "
            "with sales.",
            "• *KPI:* click-to-demo rate against the Analytics Specialist's baseline.",
            _still_open(
                [
                    "the proof point marked NEEDS SOURCE",
                    "a human confirms consent, the "
                    "unsubscribe link and the postal address before anything goes out",
                    *_not_back(sections),
                ]
            ),
            "Campaign strategy is the VP Marketing's to approve. Ready for their sign-off?",
        ]
    )


# What to quote from each role's deliverable, most telling first.
ELEMENTS: dict[str, tuple[str, ...]] = {
    "seo_specialist": (r"\*Primary:\*\s*(`[^`]+`)",),
    "designer": (r"\*Concept:\*\s*([^.]+)",),
    "linkedin_manager": (r"ready for review:\s*\n+(.+)",),
    "twitter_manager": (r"^1/ (.+)$",),
    "email_specialist": (r"\*Subject A:\*\s*(.+?)(?: \(\d+ chars\))?$",),
    "analytics_specialist": (r"^• (.+)$",),
    "market_research": (r"\*Key questions:\*\s*(.+)",),
    "content_manager": (r"\*Headline:\*\s*(.+)", r"\*Pillar:\*\s*([^;]+)"),
    "social_media_manager": (r'(".+?")', r"\*LinkedIn[^*]*:\*\s*([^.]+)"),
    "campaign_manager": (r'(".+?")', r"\*Campaign brief, [^*]*:\*\s*(.+)"),
    "vp_marketing": (r"^\*(?:Launch plan|Plan) for [^*]*:\*\s*(.+)$",),
}


def element(section: Section) -> str:
    """One concrete thing from a deliverable, short enough to quote in a sentence."""
    if section.agent_id == "copywriter" and (picked := copy_pick(section.text)):
        return f'"{picked}"'
    for pattern in ELEMENTS.get(section.agent_id, ()):
        if match := re.search(pattern, section.text, re.M):
            return _words(match.group(1).strip().rstrip("."))
    if quoted := _quote(section.text):
        return f'"{_words(quoted)}"'
    first = next((line for line in section.text.splitlines() if line.strip()), section.text)
    return _words(re.sub(r"^\*[^*]+:\*\s*|[*_]", "", first).strip().rstrip(".")) or "(empty)"


TEAM_SYNTHESIS = {  # role -> (heading, framing, closing question)
    "vp_marketing": ("Launch plan for the {t}, with the teams' work in",
                     "one message across content, social and email.",
                     "Sign off on this shape?"),
    "cmo": ("Recommendation on the {t}", "go ahead, on the plan below and one promise.",
            "Approve the direction?"),
}  # fmt: skip
DEFAULT_TEAM_SYNTHESIS = ("Where the {t} stands", "the team's work, pulled into one view.",
                          "Good to go to review on this basis?")  # fmt: skip


def _team_synthesis(role: str, sections: Sequence[Section], topic: str, seed: str) -> str:
    heading, framing, closing = TEAM_SYNTHESIS.get(role, DEFAULT_TEAM_SYNTHESIS)
    done = [s for s in sections if s.done]
    lines = [f"*{heading.format(t=topic)}:* {framing}"]
    lines += [f"• *{s.name}:* {element(s)}" for s in done]
    if len(done) >= 2:
        lead, *rest = done
        others = " and ".join(_name(s.agent_id or s.name) for s in rest)
        lines.append(
            f"*Where it comes together:* {_name(lead.agent_id or lead.name)} sets the "
            f"message with {element(lead)}; {others} reuse its promise, so nothing drifts."
        )
    elif done:
        kept = [
            f"{label}: {_words(text.rstrip('.'), 10)}"
            for label, text in re.findall(r"^• \*([^*]+):\*\s*(.+)$", done[0].text, re.M)[:3]
        ]
        if kept:
            lines.append("*What I'd keep:* " + "; ".join(kept) + ".")
        lines.append(
            f"*My read:* {_name(done[0].agent_id or done[0].name)}'s work holds up; I'd make "
            "it the base, hold every channel to one promise and cut what doesn't serve the brief."
        )
    baseline = _pick(seed, "baseline", ("baselines agreed with the Analytics Specialist",
                                        "KPIs and baselines agreed before go-live"))  # fmt: skip
    lines.append(
        _still_open(
            [
                baseline,
                "a voice check by the Director of Communications",
                "approvals before anything goes live",
                *_not_back(sections),
            ]
        )
    )
    lines.append(closing)
    return "\n".join(lines)
