"""A deterministic stand-in for the department's agents, for the offline sandbox and demos.

`ScriptedClaude(responder=department_responder)` answers every request the way the role
named in the system prompt would: a Copywriter gives options and a pick, an SEO Specialist
gives keywords without invented volumes, and so on. Answers are built from the request's
topic and a stable hash, so a demo looks alive, tests can assert on shape, and the same
request always streams the same text. Like the real agents, it only drafts: no answer says
anything was published, sent or scheduled.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from sandbox.claude_api import TextReply

T = TypeVar("T")
CHUNK_CHARS = 24  # small SSE deltas, so a demo visibly streams
DELAY_PER_CHUNK_S = 0.03
MAX_TOPIC_WORDS = 8
MAX_FOLLOW_UP_WORDS = 12  # longer messages are new requests, not revisions

ROLE_IDS = {  # display name in "You are the <name> of the marketing department." -> role id
    "cmo": "cmo",
    "vp marketing": "vp_marketing",
    "director of communications": "director_comms",
    "content manager": "content_manager",
    "social media manager": "social_media_manager",
    "campaign manager": "campaign_manager",
    "copywriter": "copywriter",
    "seo specialist": "seo_specialist",
    "designer": "designer",
    "analytics specialist": "analytics_specialist",
    "email specialist": "email_specialist",
    "linkedin manager": "linkedin_manager",
    "twitter manager": "twitter_manager",
    "market research": "market_research",
}
_ROLE_LINE = re.compile(r"^You are the (?P<name>.+?) of the marketing department\.", re.M)
_SEGMENT = re.compile(r"(?=\[<@[A-Z0-9]+>\]|\[[^\]\n]+ said in this thread\])")
_HUMAN = re.compile(r"^\[<@[A-Z0-9]+>\]\s*")
_AGENT = re.compile(r"^\[[^\]\n]+ said in this thread\]\s*")
_ADDRESS = re.compile(
    r"^(?:(?:hey|hi)\s+)?@?(?:[\w&/-]+\s+){0,3}?[\w&/-]+:\s+|"
    r"^(?:(?:hey|hi)\s+)?@?[\w ]{0,30}(?:writer|manager|specialist|designer|cmo|vp|director"
    r"|research(?:er)?|seo|analyst),\s+",
    re.I,
)
_TOPIC_CUE = re.compile(r"\b(?:about|for|on|around|regarding|announcing|promoting)\s+(.+)", re.I)
_TOPIC_END = re.compile(
    r"[,.;:!?()\n]|\s[-–—]\s|\b(?:by|before|next|that|which|so|with|please|and make|to help)\b",
    re.I,
)
_FILLER = re.compile(
    r"^(?:(?:can|could|would) you|please|i need|we need|give me|write|draft|create|make|"
    r"suggest|brainstorm|come up with|plan|review|pull|need|want|some|one|two|three|four|five|"
    r"\d+|a|an|the|our|my|your|this|their|its|new)\s+",
    re.I,
)
_DELIVERABLE = re.compile(
    r"\b(?:taglines?|headlines?|hooks?|slogans?|keywords?|posts?|threads?|tweets?|emails?|"
    r"subject lines?|ideas?|options?|copy|brief|plan|report|visuals?|graphics?|images?|"
    r"strategy|metrics|analysis|review)\b",
    re.I,
)
_DETERMINER = re.compile(r"^(?:our|the|a|an|my|your|this|that|their|its)\s+", re.I)
_EVENT_WORD = re.compile(
    r"\s+(?:launch|campaign|webinar|release|announcement|rollout|event|promo)$", re.I
)
_FOLLOW_UP = re.compile(
    r"\b(?:punchier|sharper|bolder|stronger|shorter|tighter|trim|cut|condense|another|"
    r"alternative|different|more options?|new options?|redo|again|rework|revise)\b",
    re.I,
)
_SHORTER = re.compile(r"\b(?:shorter|tighter|trim|cut|condense)\b", re.I)
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5}
_ORDINAL = re.compile(r"\b(first|second|third|fourth|fifth)\b|(?:option|#|no\.?)\s*(\d)", re.I)


@dataclass(frozen=True)
class Request:
    """What one turn asks for, read out of a Messages API body."""

    role: str
    text: str  # the latest human request, without the speaker tag or an agent alias
    topic: str  # its key noun phrase, e.g. "AI analytics launch"
    previous: str  # this agent's own last answer in the thread ("" when none)
    thread: str  # everything others said, for reviews that scan for risky claims
    salt: str = ""  # set for "another option", so a fresh answer differs from the last

    @property
    def product(self) -> str:
        """The topic without the event word: "AI analytics launch" -> "AI analytics"."""
        stripped = _EVENT_WORD.sub("", self.topic)
        return stripped if len(stripped.split()) >= 2 else self.topic

    def pick(self, slot: str, options: Sequence[T]) -> T:
        """A stable choice: the same role, request and slot always pick the same option."""
        return options[_hash(self.role, self.text, self.salt, slot) % len(options)]

    def ranked(self, slot: str, options: Sequence[T]) -> list[T]:
        """All options in a stable, request-specific order, for picking several distinct."""
        order = sorted(range(len(options)), key=lambda i: _hash(self.role, self.text, slot, i))
        return [options[i] for i in order]


def department_responder(body: dict[str, Any]) -> TextReply:
    """Answer a Messages API body as the role its system prompt names (the CMO if none)."""
    request = read_request(body)
    writer = ROLE_WRITERS.get(request.role, cmo)
    if request.previous and _is_follow_up(request.text):
        text = _revise(request, writer)
    else:
        text = writer(request)
    return TextReply(text, chunk_chars=CHUNK_CHARS, delay_per_chunk_s=DELAY_PER_CHUNK_S)


def read_request(body: dict[str, Any]) -> Request:
    """Split the conversation into who said what, and find the request and its topic."""
    turns: list[tuple[str, str]] = []
    for message in body.get("messages") or []:
        text = _message_text(message)
        if message.get("role") == "assistant":
            turns.append(("self", text))
            continue
        for part in filter(str.strip, _SEGMENT.split(text)):
            kind = "agent" if _AGENT.match(part) else "human"
            turns.append((kind, _clean(_AGENT.sub("", _HUMAN.sub("", part)))))
    asks = [text for kind, text in turns if kind == "human"] or [
        text for kind, text in turns if kind == "agent"
    ]
    latest = asks[-1] if asks else ""
    topics = [topic_of(ask) for ask in reversed(asks) if not _is_follow_up(ask)]
    return Request(
        role=_role_id(body.get("system")),
        text=latest,
        topic=next((topic for topic in topics if topic), "the brief"),
        previous=next((text for kind, text in reversed(turns) if kind == "self"), ""),
        thread="\n".join(text for kind, text in turns if kind != "self"),
    )


def topic_of(request: str) -> str:
    """The key noun phrase of a request: "three taglines for our AI launch" -> "AI launch"."""
    cue = _TOPIC_CUE.search(request)
    phrase = cue.group(1) if cue else _DELIVERABLE.sub(" ", request)
    phrase = _TOPIC_END.split(phrase)[0]
    while (shorter := _FILLER.sub("", phrase.strip())) != phrase.strip():
        phrase = shorter
    phrase = _DETERMINER.sub("", phrase.strip())
    words = _DELIVERABLE.sub(" ", phrase).split() if cue else phrase.split()
    return " ".join(words[:MAX_TOPIC_WORDS])


def _hash(*parts: object) -> int:
    return int.from_bytes(hashlib.sha256("|".join(map(str, parts)).encode()).digest()[:8], "big")


def _message_text(message: dict[str, Any]) -> str:
    content = message.get("content")
    if isinstance(content, list):
        return "\n".join(str(b.get("text", "")) for b in content if b.get("type") == "text")
    return str(content or "")


def _clean(text: str) -> str:
    text = " ".join(re.sub(r"<[@#!][^>]*>", " ", text).split())
    return _ADDRESS.sub("", text, count=1)


def _role_id(system: object) -> str:
    blocks = system if isinstance(system, list) else [{"text": system}]
    for block in reversed(blocks):
        match = _ROLE_LINE.search(str(block.get("text", "")) if isinstance(block, dict) else "")
        if match:
            return ROLE_IDS.get(match.group("name").lower(), "cmo")
    return "cmo"


def _is_follow_up(text: str) -> bool:
    return len(text.split()) <= MAX_FOLLOW_UP_WORDS and bool(_FOLLOW_UP.search(text))


def _title(phrase: str) -> str:
    return " ".join(w if w[:1].isupper() else w.capitalize() for w in phrase.split())


def _cap(phrase: str) -> str:
    return phrase[:1].upper() + phrase[1:]


# --- follow-ups ------------------------------------------------------------------------------


def _revise(request: Request, writer: Callable[[Request], str]) -> str:
    """Rework the previous answer: one option, a tighter cut, or a genuinely new angle."""
    ordinal = _ORDINAL.search(request.text)
    if ordinal:
        number = _ORDINALS.get((ordinal.group(1) or "").lower()) or int(ordinal.group(2))
        reworked = _rework_option(request.previous, number)
        if reworked:
            return reworked
    if _SHORTER.search(request.text):
        return _tighten(request.previous)
    fresh = writer(replace(request, salt="another"))
    return "A different angle this time:\n" + fresh


def _rework_option(previous: str, number: int) -> str:
    """Replace option `number` (a "2." or "2/" line) with a punchier cut, keep the rest."""
    lines = previous.splitlines()
    at = next((i for i, ln in enumerate(lines) if re.match(rf"{number}[./]\s", ln)), None)
    if at is None:
        return ""
    quoted = re.search(r'"(.+?)"', lines[at])
    old = quoted.group(1) if quoted else lines[at][3:]
    new = _punchier(old)
    lines[at] = lines[at].replace(old, new)
    change = f"*What changed:* option {number} went from {len(old.split())} words to "
    change += f"{len(new.split())}; fewer beats land faster on a banner and in a feed."
    body = [ln for ln in lines[1:-1] if not ln.startswith("*What changed:*")]
    return "\n".join([f"Reworked option {number}; the others stand.", *body, change, lines[-1]])


def _punchier(line: str) -> str:
    for template, punchy, _angle, _why in TAGLINES:
        pattern = re.escape(template).replace(re.escape("{product}"), "(?P<product>.+?)")
        match = re.fullmatch(pattern.replace(re.escape("{Product}"), "(?P<cap>.+?)"), line)
        if match:
            product = match.groupdict().get("product") or match.groupdict().get("cap") or ""
            return punchy.format(product=product, Product=_cap(product))
    clause = re.split(r"[,;:.—]", line)[0].split()
    return " ".join(clause[:5]).rstrip(".") + "."


def _tighten(previous: str) -> str:
    """Keep every line's first sentence and drop asides, up to about 90 words."""
    kept: list[str] = []
    for line in previous.splitlines()[1:-1]:
        short = re.split(r"(?<=[.!?])\s|\s—\s|;\s", line.strip())[0]
        if short and sum(len(k.split()) for k in kept) + len(short.split()) <= 90:
            kept.append(short)
    return "\n".join(["Tighter cut, same substance:", *kept, previous.splitlines()[-1]])


# --- the roles -------------------------------------------------------------------------------

OWNERS = (  # (words in the request, who would own the work, what brief they need)
    ("tagline headline copy blog article slogan", "the Copywriter", "the audience and offer"),
    ("keyword seo search ranking", "the SEO Specialist", "the page it is for"),
    ("linkedin", "the LinkedIn Manager", "the one point the post must land"),
    ("tweet twitter thread", "the Twitter Manager", "the hook and the link"),
    ("email newsletter nurture", "the Email Specialist", "the segment and the one action"),
    ("visual image graphic design banner", "the Designer", "the placement and brand kit"),
    ("data metric report roi performance", "the Analytics Specialist", "the decision it serves"),
    ("competitor market persona research", "Market Research", "the question to answer"),
    ("press announcement crisis statement", "the Director of Communications", "the facts"),
    ("social", "the Social Media Manager", "the calendar slot and the goal"),
)
DEFAULT_OWNER = ("", "the VP Marketing, as a tactical plan", "the objective and the budget")


def cmo(r: Request) -> str:
    """Executive framing first; as the front door, it names who would own the work."""
    words = set(re.findall(r"[a-z]+", r.text.lower()))
    keys, owner, brief = next((o for o in OWNERS if words & set(o[0].split())), DEFAULT_OWNER)
    owner = owner if keys else owner  # the tuple shape keeps OWNERS pure data
    return "\n".join([
        f"*Recommendation:* {r.pick('verdict', CMO_VERDICTS).format(t=r.topic)}",
        f"*Objective:* {r.pick('objective', CMO_OBJECTIVES)}",
        "*Audience:* B2B decision-makers who feel the problem weekly (my assumption; "
        "correct me if the ICP has moved).",
        f"*The bet:* {r.pick('bet', CMO_BETS)}",
        f"*Owner:* {_cap(owner)} would own the work; they'll need {brief}, plus the one "
        "action we want. Nothing is assigned until you say so.",
        "*Measure:* sourced pipeline against a baseline from the Analytics Specialist, "
        "not a guessed target.",
        f"*Not doing:* {r.pick('not', CMO_NOT_DOING)}",
        r.pick("close", ("Approve the direction?", "Good to brief the owner on this basis?")),
    ])


CMO_VERDICTS = (
    "back the {t}, scoped to one audience and one message.",
    "go ahead with the {t}, and keep it narrow enough to measure.",
    "prioritise the {t} this quarter, on one condition: one clear promise.",
)
CMO_OBJECTIVES = (
    "qualified pipeline, not impressions.",
    "product-qualified sign-ups that sales can follow up within a week.",
    "expansion conversations in existing accounts, which convert fastest.",
)
CMO_BETS = (
    "one specific, provable use case beats broad category noise.",
    "owned channels first; paid reach only once the message has proven itself.",
    "a sharp point of view wins attention that a feature list never will.",
)
CMO_NOT_DOING = (
    "paid reach before the message is proven.",
    "a second audience in the first month.",
    "an event programme; it would split the team's focus.",
)

TAGLINES = (  # (tagline, punchier cut, angle, why it works)
    ("{Product}, minus the guesswork.", "{Product}. No guesswork.", "Benefit",
     "names the payoff in a handful of words; works as a headline and an ad line."),
    ("Go from questions to decisions with {product}.", "Questions in. Decisions out.",
     "Before-after", "shows the transformation, not the feature."),
    ("What would your team do with the hours {product} gives back?",
     "Get your hours back.", "Curiosity", "opens a loop the reader wants closed."),
    ("Stop adding tools. Start using {product} that fits how you work.",
     "Fewer tools. Better {product}.", "Contrarian", "picks a fight with tool sprawl."),
    ("Built for the questions your team asks every Monday.", "Built for Monday.",
     "Specific", "concrete and credible without a claim that needs proof."),
    ("Finally, {product} that speaks your language.", "{Product}, in plain words.",
     "Customer voice", "echoes how buyers describe the pain."),
)


def copywriter(r: Request) -> str:
    """Options from genuinely different angles, each with its reason, then a committed pick."""
    kind = next((k for k in ("headline", "hook", "slogan", "subject line") if k in r.text), "")
    kind = kind or "tagline"
    fresh = [t for t in r.ranked("taglines", TAGLINES) if t[0].format(
        product=r.product, Product=_cap(r.product)) not in r.previous]
    options = (fresh or list(TAGLINES))[:3]
    lines = [f"Three {kind} options for the {r.topic}, each from a different angle. "
             "Assumption: B2B buyers who evaluate tools but don't live in them."]
    for number, (line, _punchy, angle, why) in enumerate(options, start=1):
        text = line.format(product=r.product, Product=_cap(r.product))
        lines.append(f'{number}. *"{text}"* — _{angle}:_ {why}')
    best = r.pick("pick", (1, 2, 3))
    lines.append(f"*My pick:* {best}. It is the one I can see on the landing page hero and "
                 "in the first line of the launch email, and it makes no claim we'd need to "
                 "prove.")
    lines.append(f"Go with {best}?")
    return "\n".join(lines)


def seo_specialist(r: Request) -> str:
    """Keywords with intent and difficulty reasoning; volumes only ever come from a tool."""
    p = r.product.lower()
    primary = p if re.search(r"(software|platform|tool|app)s?$", p) else f"{p} software"
    segment = r.pick("segment", ("small teams", "marketing teams", "mid-size companies"))
    title = f"{_title(primary)}: {r.pick('title', SEO_TITLES)}"
    return "\n".join([
        f"*Keyword plan for the {r.topic}.* No volumes here: volumes need a keyword tool "
        "export (Semrush, Ahrefs or Search Console), and I'd confirm the order with one.",
        f"*Primary:* `{primary}`, commercial intent: people comparing options, so the page "
        "must show what it does and for whom above the fold.",
        "*Secondary:*",
        f"• `what is {p}`: informational; a glossary-style explainer feeding the pillar.",
        f"• `{p} for {segment}`: commercial; narrower, so a realistic early win.",
        f"• `how to choose {primary}`: commercial investigation; a checklist post fits.",
        "*Difficulty reasoning:* the head term is likely held by established vendors and "
        "review sites, so a new page won't crack it soon; the long-tail terms have results "
        "pages we can match with depth.",
        "*On-page checklist:*",
        f'• Title: "{title}" ({len(title)} chars, aim for about 60)',
        "• Meta description of about 155 chars, outcome first; H1 with the primary keyword",
        f"• Slug `/{primary.replace(' ', '-')}`; H2s answering what searchers ask",
        "• Internal links from pages the team names; FAQ schema if we add an FAQ",
        f"Confirm `{primary}` as the primary?",
    ])


SEO_TITLES = ("What It Does and Who It's For", "A Practical Buyer's Guide", "How Teams Use It")


def analytics_specialist(r: Request) -> str:
    """Never a number it was not given: which metrics, which source, how to read them."""
    words = r.text.lower()
    plan = next((m for k, m in METRIC_PLANS if k in words), DEFAULT_METRICS)
    return "\n".join([
        f"*No numbers from me yet:* nothing in this thread gives data on the {r.topic}, "
        "and I won't guess.",
        "*What I'd measure:*",
        *(f"• {metric}, from {source}" for metric, source in plan),
        "*How to read it:* compare against the four weeks before the change over matching "
        "dates, split new from returning audiences, and treat anything under two weeks of "
        "data as directional, not proven.",
        f"*Confidence:* {r.pick('conf', CONFIDENCE)}",
        f"Can someone share the {plan[0][1]} export for the period?",
    ])


METRIC_PLANS = (
    ("email", (("Click rate and click-to-demo rate", "the email platform's campaign report"),
               ("Unsubscribes per send", "the same report"),
               ("Pipeline influenced", "the CRM, by campaign member status"))),
    ("seo", (("Clicks and average position by query", "Search Console"),
             ("Organic conversions by landing page", "GA4"),
             ("Pipeline by original source", "the CRM"))),
    ("social", (("Engagement rate and link clicks per post", "LinkedIn Page analytics"),
                ("Profile visits and replies", "X analytics"),
                ("Sessions from social by landing page", "GA4"))),
)
DEFAULT_METRICS = (
    ("Conversions by landing page", "GA4"),
    ("Pipeline and win rate by original source", "the CRM"),
    ("Cost per qualified lead", "the ad account plus the CRM"),
)
CONFIDENCE = (
    "low until we have the exports; I'll rate it once the data is in.",
    "none yet. With two clean weeks of data I can give a range and its basis.",
)


def twitter_manager(r: Request) -> str:
    """A thread a human can paste: hook first, one point a post, each within 280 chars."""
    hook = r.pick("hook", TWEET_HOOKS).format(t=r.topic, p=r.product)
    tweets = [hook, *(line.format(t=r.topic, p=r.product) for line in TWEET_BODY)]
    thread = [f"{n}/ {tweet}" for n, tweet in enumerate(tweets, start=1)]
    return "\n".join([
        f"Thread draft for the {r.topic}, ready for a character check:", "", *thread, "",
        "*Why this hook:* it stands on its own and promises a payoff, so the link in 4/ "
        "doesn't bury it. Image brief for the Designer: one screen, one number slot, no logos.",
        "Go with this hook?",
    ])


TWEET_HOOKS = (
    "Most teams don't need more dashboards. They need answers. Here's what the {t} "
    "changes 🧵",
    "We spent months on one question: why do good teams still guess? The {t} is our "
    "answer. A short thread:",
    "Hot take: the hardest part of {p} isn't the tech. It's asking the right question. 🧵",
)
TWEET_BODY = (
    "2/ The problem: the data exists, but getting a straight answer takes a ticket, a "
    "week and a specialist.",
    "3/ The idea behind the {t}: ask in plain words, get an answer you can check, share "
    "it with the team.",
    "4/ We'd love your toughest question to test it on. Link below 👇 [LINK]",
)


def linkedin_manager(r: Request) -> str:
    """Hook, three short paragraphs and one CTA: the shape that earns the 'see more' click."""
    return "\n".join([
        f"Draft LinkedIn post for the {r.topic}, ready for review:", "",
        r.pick("hook", LINKEDIN_HOOKS).format(p=r.product), "",
        "Every team we talk to has the same Monday: a question, a dashboard that almost "
        "answers it, and a wait for someone who knows where the data lives.", "",
        f"The {r.topic} is our attempt to shorten that wait. Plain-language questions, "
        "answers you can trace back to the source, and nothing to learn first.", "",
        "We'd rather show than claim, so we're opening it to a few teams with real "
        "questions. NEEDS SOURCE: one customer example once we have permission.", "",
        "What question would you ask first? Tell us in the comments.", "",
        "*Format:* text post plus one image (brief to the Designer); link in the first "
        "comment. *Success:* comments from buyers in our ICP, not raw likes.",
        "Go with this hook?",
    ])


LINKEDIN_HOOKS = (
    "The slowest part of {p} isn't the software. It's the wait for an answer.",
    "Nobody buys {p} for the charts. They buy it to stop guessing.",
    "Here's a question we kept hearing, and what we built because of it.",
)


def email_specialist(r: Request) -> str:
    """Subject lines to test, preview text and a body outline, with a fair test design."""
    a, b = r.ranked("subjects", SUBJECTS)[:2]
    a, b = a.format(p=r.product), b.format(p=r.product)
    return "\n".join([
        f"*Email draft for the {r.topic}*",
        f"*Subject A:* {a} ({len(a)} chars)",
        f"*Subject B:* {b} ({len(b)} chars)",
        f"*Preview text:* {r.pick('preview', PREVIEWS).format(p=r.product)}",
        "*Body outline:*",
        "• Hook: the problem in the reader's words, one sentence",
        f"• Value: what the {r.topic} changes for them, three short lines",
        "• Proof: NEEDS SOURCE, one customer result we have permission to cite",
        "• CTA: one button, \"See it on your data\"",
        "*Test:* A vs B on a 50/50 split of the first segment, judged on clicks, since "
        "privacy features inflate opens.",
        "*Segment:* opted-in trial users and engaged subscribers; a human confirms consent "
        "and loads it into the email platform.",
        "Go with A as the control?",
    ])


SUBJECTS = (
    "Your data has answers. Ask it.",
    "Meet {p}",
    "The question you keep asking your dashboard",
    "{p}: a faster way to get answers",
)
PREVIEWS = (
    "Plain-language questions, answers you can check, nothing new to learn.",
    "See what {p} does with the questions your team asks every week.",
)


def designer(r: Request) -> str:
    """A brief someone can build from; a concept in words, never a claimed finished image."""
    concept = r.pick("concept", CONCEPTS)
    return "\n".join([
        f"*Visual concept brief: {r.topic}*",
        f"*Concept:* {concept[0]}",
        f"*Composition:* {concept[1]} Eye goes to the answer first, headline second, "
        "logo last.",
        f"*On-image text:* \"{_cap(r.product)}, minus the guesswork\" (six words or fewer "
        "reads at thumbnail size).",
        "*Colour and type:* primary and one accent from the brand kit; please share the "
        "current guidelines, I won't guess colours or fonts.",
        "*Formats:* 1200×627 LinkedIn link image, 1600×900 for X, 1080×1350 portrait; "
        "keep safe margins for cropping.",
        f"*Alt text draft:* \"Illustration of a question answered by {r.product}.\"",
        "This is a concept brief, not a finished image; it is ready for whoever builds the "
        "artwork. Go with this concept?",
    ])


CONCEPTS = (
    ("*Question to answer.* A typed question on the left, a single clear chart on the "
     "right.", "Split layout, generous white space."),
    ("*The quiet Monday.* A tidy desk, one screen, one highlighted answer.",
     "Single focal point, slightly off-centre."),
    ("*From noise to signal.* Scattered dots resolving into one line.",
     "Left-to-right flow, the resolved line in the accent colour."),
)


def director_comms(r: Request) -> str:
    """Brand-voice review notes; any claim that would need proof is named, not softened."""
    risky = sorted({m.lower() for m in RISKY_CLAIMS.findall(r.thread)})
    claims = (f"flag {', '.join(repr(w) for w in risky)}: each needs proof or comes out."
              if risky else "no superlatives or unproven numbers spotted; keep it that way.")
    verdict = "Approve with edits" if risky else "Approve, with two watch-points"
    return "\n".join([
        f"*Verdict:* {verdict} for the {r.topic}.",
        f"*Voice:* {r.pick('voice', VOICE_NOTES)}",
        f"*Claims:* {claims}",
        f"*Consistency:* \"{r.product}\" written the same way everywhere, sentence case in "
        "headlines, one CTA per piece.",
        "*Inclusivity:* plain words over jargon, people-first language, alt text on every "
        "image.",
        "*Before it goes out:* a human checks any customer reference has permission.",
        "Approve with these edits?",
    ])


RISKY_CLAIMS = re.compile(
    r"\b(?:best|number one|#1|guaranteed?|revolutionary|game[- ]changer|world[- ]class|"
    r"\d+(?:\.\d+)?\s?%)", re.I)
VOICE_NOTES = (
    "warm and direct, close to our standard; trim anything that sounds like a press release.",
    "confident without hype; swap abstract nouns for what the reader actually does.",
)


def _plan(title: str, intro: str, bullets: Sequence[str], close: str) -> str:
    return "\n".join([f"*{title}:* {intro}", *(f"• {b}" for b in bullets), close])


def vp_marketing(r: Request) -> str:
    """Strategy turned into workstreams with owners and weeks, and the decision needed."""
    return _plan(f"Plan for the {r.topic}", r.pick("vp", VP_INTROS), [
        "*Week 1, message and assets:* Content Manager leads; Copywriter and Designer draft, "
        "Director of Communications reviews the voice.",
        "*Week 2, channels:* Social Media Manager plans LinkedIn and X; Campaign Manager "
        "sets the email sequence and one A/B test.",
        "*Weeks 3–4, live and learn:* humans push approved pieces live; Analytics "
        "Specialist reports weekly against the baseline.",
        "*KPIs:* qualified leads and sourced pipeline, baselines agreed before go-live.",
        f"*Risk:* {r.pick('risk', VP_RISKS)}",
    ], "These are proposed owners, not assignments yet. Sign off on the four-week shape?")


VP_INTROS = (
    "three workstreams over four weeks, one message throughout.",
    "four weeks, three owners, one shared brief so channels don't drift.",
)
VP_RISKS = (
    "design is the bottleneck in week 1; brief the Designer on day one.",
    "legal review of any customer proof can take a week; start it early.",
)


def content_manager(r: Request) -> str:
    """An editorial plan: one pillar, its spin-offs, who drafts what, and the quality bar."""
    return _plan(f"Editorial plan for the {r.topic}", "one pillar piece, repurposed.", [
        f"*Pillar:* {r.pick('pillar', PILLARS).format(t=r.topic)}; Copywriter drafts, SEO "
        "Specialist supplies the primary keyword and H2 outline.",
        "*Supporting:* a how-to post and a short FAQ that answer the objections sales hears.",
        "*Visuals:* Designer briefs a featured image and one diagram.",
        "*Repurpose:* pillar into a LinkedIn post, an X thread and a newsletter section.",
        "*Quality bar:* one reader, one problem, every claim sourced or cut.",
    ], "These are proposed assignments until you confirm. Lock the pillar topic?")


PILLARS = ("a practical guide to the {t}", "a 'why we built it' story behind the {t}")


def social_media_manager(r: Request) -> str:
    """A platform-by-platform plan with owners and cadence; humans do the posting."""
    return _plan(f"Social plan for the {r.topic}", r.pick("social", SOCIAL_INTROS), [
        "*LinkedIn (LinkedIn Manager):* a problem-first post, then a carousel on how it works.",
        "*X (Twitter Manager):* a short thread with a strong hook, plus replies ready for "
        "likely questions.",
        "*Cadence:* teaser, launch day, a proof post a week later; each draft approved, "
        "then a human posts it.",
        "*Community:* answer questions within the day; move complaints to support.",
        "*Measure:* comments and link clicks from our audience, not follower counts.",
    ], "Good to brief both managers on this?")


SOCIAL_INTROS = ("lead on LinkedIn, support on X.", "one story, told natively per platform.")


def campaign_manager(r: Request) -> str:
    """A campaign brief: segments, channels, one test, KPIs and who approves it."""
    return _plan(f"Campaign brief, {r.topic}", r.pick("camp", CAMPAIGN_GOALS), [
        "*Segments:* trial users, engaged subscribers, and open opportunities in the CRM.",
        "*Channels:* a three-email sequence (Email Specialist), LinkedIn organic, "
        "retargeting only once the message has proven itself.",
        f"*A/B test:* {r.pick('test', AB_TESTS)}, one variable, 50/50 split, judged on "
        "click-to-demo rate.",
        "*Timeline:* two weeks build, four weeks live, a readout at week six.",
        "*KPIs:* demo requests and sourced pipeline, baselines from the Analytics Specialist.",
    ], "Campaign strategy is the VP Marketing's to approve. Ready for their sign-off?")


CAMPAIGN_GOALS = ("drive qualified demo requests.", "turn engaged users into pipeline.")
AB_TESTS = ("benefit-led vs curiosity-led subject line", "demo CTA vs self-serve trial CTA")


def market_research(r: Request) -> str:
    """A research plan that keeps known, inferred and assumed apart, ending in a 'so what'."""
    return _plan(f"Research plan for the {r.topic}", "what we need to know before we commit.", [
        "*Key questions:* who feels this problem most, what they use today, why they switch.",
        "*Known:* only what's in this thread; no market data has been shared yet.",
        f"*Assumed (to test):* {r.pick('assume', ASSUMPTIONS)}",
        "*Sources:* CRM win/loss notes, six to eight customer interviews, public review "
        "sites and competitors' own pages, summarised internally.",
        "*So what for us:* a competitor grid and two persona hypotheses for the CMO.",
    ], "Which competitors does sales run into most right now?")


ASSUMPTIONS = (
    "team leads without analyst support are the most motivated buyers.",
    "buyers compare us with spreadsheets and existing BI, not only direct rivals.",
)

ROLE_WRITERS: dict[str, Callable[[Request], str]] = {
    "cmo": cmo,
    "vp_marketing": vp_marketing,
    "director_comms": director_comms,
    "content_manager": content_manager,
    "social_media_manager": social_media_manager,
    "campaign_manager": campaign_manager,
    "copywriter": copywriter,
    "seo_specialist": seo_specialist,
    "designer": designer,
    "analytics_specialist": analytics_specialist,
    "email_specialist": email_specialist,
    "linkedin_manager": linkedin_manager,
    "twitter_manager": twitter_manager,
    "market_research": market_research,
}
