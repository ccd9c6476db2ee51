"""A deterministic stand-in for the department's agents, for the offline sandbox and demos.

`ScriptedClaude(responder=department_responder)` answers every request the way its agent
would (the agent id line `bots.prompts` ends the role block with, not the prompt's wording):
a Copywriter gives options and a pick, an SEO Specialist gives keywords without invented
volumes, and so on. Answers are built from the request's topic and a stable hash, so a demo
looks alive, tests can assert on shape, and the same request always streams the same text.
Like the real agents it only drafts: no answer says anything went out.

Managers also run the delegation flow (sandbox/scripted_delegation.py): offered the
`delegate` tool for work their team produces, they hand it out one report per round and then
acknowledge; a refusal gets a plain fallback; a synthesis request gets one answer built from
every deliverable. Task turns (a `<task>` frame: title and brief) are read for their brief.
Approval flows (drafts submitted, reviews, decisions) are sandbox/scripted_approvals.py;
escalations (legal questions, big spend) sandbox/scripted_escalation.py; a campaign's factors
and plan (the turns forced to call `analyze_request` or `propose_plan`)
sandbox/scripted_campaigns.py; the reviews' priorities and decisions sandbox/scripted_reviews.py.

Role templates are Slack mrkdwn. In them `{t}` is the topic ("AI analytics launch"), `{p}`
the product ("AI analytics"), `{P}` the product capitalised, and `[[a|b]]` one alternative
chosen by the stable hash; a trailing backslash only wraps a long line in the source.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from sandbox.claude_api import Reply, TextReply, ToolUseReply
from sandbox.product_turns import agent_of, is_tool_round, speakers, split_task
from sandbox.scripted_approvals import approval_reply
from sandbox.scripted_campaigns import campaign_reply
from sandbox.scripted_delegation import delegation_reply, synthesis_reply
from sandbox.scripted_escalation import escalation_reply
from sandbox.scripted_reviews import review_reply
from sandbox.scripted_rituals import reschedule_reply, standup_reply
from sandbox.scripted_scope import off_script_reply

T = TypeVar("T")
CHUNK_CHARS = 24  # small SSE deltas, so a demo visibly streams
DELAY_PER_CHUNK_S = 0.03
MAX_TOPIC_WORDS = 6
MAX_FOLLOW_UP_WORDS = 12  # anything longer is a new request, not a revision
TIGHT_WORDS = 90  # "shorter" keeps about half of a full answer
FALLBACK_TOPIC = "brief"
_ADDRESS = re.compile(  # "copywriter: ..." or "hey SEO specialist, ..."
    r"^(?:(?:hey|hi)\s+)?@?(?:[\w&/-]+\s+){0,3}?[\w&/-]+:\s+|^(?:(?:hey|hi)\s+)?@?[\w ]{0,30}"
    r"(?:writer|manager|specialist|designer|cmo|vp|director|research(?:er)?|seo|analyst),\s+",
    re.I,
)
_TOPIC_CUE = re.compile(r"\b(?:about|for|on|around|regarding|announcing|promoting)\s+(.+)", re.I)
_TOPIC_END = re.compile(  # "in" ends a topic unless a field follows: "AI in marketing"
    r"[,.;:!?()\n]|\s[-\u2013\u2014]\s|\b(?:by|before|next|that|which|so|with|please|for|"
    r"in(?!\s+(?:marketing|sales|b2b|saas|healthcare|finance|retail|education|e-?commerce|"
    r"manufacturing)\b)|at|to|across|from|who|when|is|are|was|will|can)\b",
    re.I,
)
_FILLER = re.compile(
    r"^(?:(?:can|could|would) you|please|i need|we need|give me|write|draft|create|make|"
    r"what do you think of|what(?:'s| is) your (?:take|view) on|thoughts on|"
    r"suggest|brainstorm|come up with|plan|review|need|want|some|one|two|three|four|five|\d+|"
    r"a|an|the|our|my|your|this|these|that|it|their|its|hi|hello|hey|thanks|something)(?:\s+|$)",
    re.I,
)
_DELIVERABLE = re.compile(
    r"\b(?:taglines?|headlines?|hooks?|slogans?|keywords?|posts?|threads?|tweets?|emails?|"
    r"subject lines?|ideas?|options?|copy|brief|plan|report|visuals?|graphics?|images?|"
    r"strategy|metrics|analysis|review)\b",
    re.I,
)
_EVENT_WORD = re.compile(r"\s+(?:launch|campaign|webinar|release|announcement|rollout)$", re.I)
_FOLLOW_UP = re.compile(
    r"\b(?:punchier|sharper|bolder|stronger|shorter|tighter|trim|condense|another|"
    r"alternative|different|more options?|redo|again|rework|revise|tweak|warmer|friendlier|"
    r"simpler|longer|more formal|more casual)\b",
    re.I,
)
_SHORTER = re.compile(r"\b(?:shorter|tighter|trim|condense)\b", re.I)
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5}
_ORDINAL = re.compile(r"\b(first|second|third|fourth|fifth)\b|(?:option|#|no\.?)\s*(\d)", re.I)
_CHOICE = re.compile(r"\[\[(.+?)\]\]", re.S)


@dataclass(frozen=True)
class Request:
    """What one turn asks for, read out of a Messages API body."""

    role: str
    text: str  # the latest human request, without the speaker tag or an agent alias
    topic: str  # its key noun phrase, e.g. "AI analytics launch"
    basis: str  # the request the topic came from: a follow-up's picks build on it
    previous: str  # this agent's own last answer in the thread ("" when none)
    thread: str  # everything others said, for reviews that scan for risky claims
    shift: int = 0  # 1 for "another option": every choice moves on from the last answer's

    @property
    def product(self) -> str:
        """The topic without its event word: "AI analytics launch" -> "AI analytics"."""
        stripped = _EVENT_WORD.sub("", self.topic)
        return stripped if len(stripped.split()) >= 2 else self.topic

    def pick(self, slot: str, options: Sequence[T]) -> T:
        """A stable choice: the same role, request and slot always pick the same option."""
        return options[(_hash(self.role, self.basis, slot) + self.shift) % len(options)]

    def ranked(self, slot: str, options: Sequence[T]) -> list[T]:
        """Every option in a stable, request-specific order, for picking several distinct."""
        order = sorted(range(len(options)), key=lambda i: _hash(self.role, self.basis, slot, i))
        return [options[i] for i in order]


def department_responder(body: dict[str, Any]) -> Reply:
    """Answer a Messages API body as the role its system prompt names (the CMO if none).

    A synthesis request gets the manager's synthesis; a manager offered `delegate` for work
    its team produces delegates (a ToolUseReply per round), then acknowledges; anything else
    is the role's own answer.
    """
    planning = campaign_reply(body) or standup_reply(body) or review_reply(body)
    if planning is not None:
        return planning
    request = read_request(body)
    rescheduling = reschedule_reply(body, request.text)
    if rescheduling is not None:
        return rescheduling
    writer = ROLE_WRITERS.get(request.role, cmo)
    approving = approval_reply(body, request.role, request.topic, request.text)
    if approving is not None:
        return approving
    escalating = escalation_reply(body, request.role, request.text)
    if escalating is not None:
        return escalating
    synthesis = synthesis_reply(body, request.role, request.text, request.topic)
    if synthesis is not None:
        return _text(synthesis)
    if request.previous and _is_follow_up(request.text):
        return _text(_revise(request, writer))
    off_script = off_script_reply(body, request.text)
    if off_script is not None:
        return _text(off_script)
    delegated = delegation_reply(body, request.role, request.text, request.topic)
    if isinstance(delegated, ToolUseReply):
        return delegated
    return _text(delegated or writer(request))


def _text(text: str) -> TextReply:
    return TextReply(text, chunk_chars=CHUNK_CHARS, delay_per_chunk_s=DELAY_PER_CHUNK_S)


def read_request(body: dict[str, Any]) -> Request:
    """Split the conversation into who said what; find the request, its topic, our last say."""
    turns: list[tuple[str, str]] = []  # ("human" | "agent" | "self", text)
    for message in body.get("messages") or []:
        if is_tool_round(message):  # this turn's delegate calls: not part of the discussion
            continue
        text = _message_text(message)
        if message.get("role") == "assistant":
            turns.append(("self", text))
            continue
        if task := split_task(text):  # a task turn: the brief is the request
            brief = _clean(task.brief)
            turns.append(("human", brief if topic_of(brief) else _clean(f"{task.title}: {brief}")))
            continue
        turns += [(kind, _clean(said)) for kind, said in speakers(text)]
    asks = [t for kind, t in turns if kind == "human"] or [t for k, t in turns if k == "agent"]
    previous = next((text for kind, text in reversed(turns) if kind == "self"), "")
    fresh = [ask for ask in reversed(asks) if not (previous and _is_follow_up(ask))]
    basis, topic = next(((a, t) for a in fresh if (t := topic_of(a))), ("", FALLBACK_TOPIC))
    return Request(
        role=_role_id(body),
        text=asks[-1] if asks else "",
        topic=topic,
        basis=basis or (asks[-1] if asks else ""),
        previous=previous,
        thread="\n".join(text for kind, text in turns if kind != "self"),
    )


def topic_of(request: str) -> str:
    """The key noun phrase of a request: "three taglines for our AI launch" -> "AI launch"."""
    for part in re.split(r":\s+", request):  # "review this: <draft>" is about the draft
        cue = _TOPIC_CUE.search(part)
        for piece in _TOPIC_END.split(cue.group(1) if cue else _DELIVERABLE.sub(" ", part)):
            phrase = " ".join(piece.split())
            while (shorter := _FILLER.sub("", phrase)) != phrase:
                phrase = shorter
            if words := _DELIVERABLE.sub(" ", phrase).split():
                return " ".join(words[:MAX_TOPIC_WORDS])
    return ""


def _hash(*parts: object) -> int:
    return int.from_bytes(hashlib.sha256("|".join(map(str, parts)).encode()).digest()[:8], "big")


def _message_text(message: dict[str, Any]) -> str:
    content = message.get("content")
    if isinstance(content, list):
        return "\n".join(str(b.get("text", "")) for b in content if b.get("type") == "text")
    return str(content or "")


def _clean(text: str) -> str:
    return _ADDRESS.sub("", " ".join(re.sub(r"<[@#!][^>]*>", " ", text).split()), count=1)


def _role_id(body: dict[str, Any]) -> str:
    """The agent the product built the request for; the CMO for one without an agent id."""
    role = agent_of(body)
    return role if role in ROLE_WRITERS else "cmo"


def _is_follow_up(text: str) -> bool:
    return len(text.split()) <= MAX_FOLLOW_UP_WORDS and bool(_FOLLOW_UP.search(text))


def _cap(phrase: str) -> str:
    return phrase[:1].upper() + phrase[1:]


def _render(r: Request, template: str, **extra: str) -> str:
    """Fill a role template: stable picks for `[[a|b]]`, then the topic placeholders."""
    slots = itertools.count()
    text = _CHOICE.sub(lambda m: r.pick(f"choice{next(slots)}", m.group(1).split("|")), template)
    return text.format(t=r.topic, p=r.product, P=_cap(r.product), **extra).strip()


# --- follow-ups -------------------------------------------------------------------------------


def _revise(r: Request, writer: Callable[[Request], str]) -> str:
    """Rework our previous answer: one option, a tighter cut, or a genuinely new angle."""
    ordinal = _ORDINAL.search(r.text)
    if ordinal:
        number = _ORDINALS.get((ordinal.group(1) or "").lower()) or int(ordinal.group(2))
        if reworked := _rework_option(r, number):
            return reworked
    if _SHORTER.search(r.text):
        return _tighten(r.previous)
    return "A different angle this time:\n" + writer(replace(r, shift=1))


def _rework_option(r: Request, number: int) -> str:
    """Swap option `number` (a "2." or "2/" line) for a punchier cut; the rest stands."""
    lines = r.previous.splitlines()
    at = next((i for i, line in enumerate(lines) if re.match(rf"{number}[./]\s", line)), None)
    if at is None:
        return ""
    item = "post" if lines[at][1] == "/" else "option"  # a thread's "2/" is a post
    quoted = re.search(r'"(.+?)"', lines[at])
    old = quoted.group(1) if quoted else lines[at][3:]
    new = _punchier(old)
    lines[at] = lines[at].replace(old, new)
    change = f"*What changed:* {item} {number} went from {len(old.split())} words to "
    change += f"{len(new.split())}; fewer beats land faster on a banner and in a feed."
    body = [line for line in lines if not line.startswith("*What changed:*")]
    if not re.match(r"\d[./]\s", body[0]):
        body = body[1:]  # the old intro; the new head replaces it
    *body, close = body
    head = f"Reworked {item} {number} for the {r.topic}; the rest stands."
    return "\n".join([head, *body, change, close])


def _punchier(line: str) -> str:
    """Our own taglines have a curated short cut; anything else loses its label and asides."""
    for template, punchy, _angle, _why in TAGLINES:
        pattern = re.escape(template).replace(r"\{product\}", "(?P<p>.+?)")
        if match := re.fullmatch(pattern.replace(r"\{Product\}", "(?P<p>.+?)"), line):
            return punchy.format(product=match["p"], Product=_cap(match["p"]))
    core = re.sub(r"^[^:]{1,25}:\s*", "", line)  # a "The problem:" style label
    words = re.split(r"[,;—]|[.!?](?:\s|$)", core)[0].split()
    return _cap(" ".join(words if 2 < len(words) <= 8 else words[:5])) + "."


def _tighten(previous: str) -> str:
    """Keep each line's first sentence, drop the asides, stop at about 90 words."""
    *body, close = previous.splitlines()
    kept: list[str] = []
    for line in filter(None, map(str.strip, body)):
        short = re.split(r"(?<=[.!?])\s|\s—\s|;\s", line)[0]
        if sum(len(k.split()) for k in kept) + len(short.split()) > TIGHT_WORDS:
            break
        kept.append(short)
    while kept and kept[-1].endswith(":*"):  # a label whose items were all cut
        kept.pop()
    return "\n".join(["Tighter cut, same substance:", *kept, close])


# --- the roles: executive ---------------------------------------------------------------------

OWNERS = (  # (request word stems, who would own the work, what brief they need)
    ("tagline headline copy blog article slogan", "the Copywriter", "the audience and offer"),
    ("keyword seo search ranking", "the SEO Specialist", "the page it is for"),
    ("linkedin", "the LinkedIn Manager", "the one point the post must land"),
    ("tweet twitter thread", "the Twitter Manager", "the hook and the link"),
    ("email newsletter nurture", "the Email Specialist", "the segment"),
    ("visual image graphic design banner", "the Designer", "the placements and brand kit"),
    ("data metric report roi performance", "the Analytics Specialist", "the decision it serves"),
    ("competitor market persona research", "Market Research", "the question to answer"),
    ("press announcement crisis statement", "the Director of Communications", "the facts"),
    ("social", "the Social Media Manager", "the calendar slot and the goal"),
)
DEFAULT_OWNER = ("", "the VP Marketing, turning it into a plan,", "the objective and budget")
CMO = """\
*Recommendation:* [[back the {t}, scoped to one audience and one message.|go ahead with the \
{t}, kept narrow enough to measure.|prioritise the {t} this quarter, with one clear promise.]]
*Objective:* [[qualified pipeline, not impressions.|sign-ups that sales can follow up within a \
week.|expansion conversations in existing accounts.]]
*Audience:* B2B decision-makers who feel the problem every week (my assumption; correct me if \
the ICP has moved).
*The bet:* [[one specific, provable use case beats broad category noise.|owned channels first; \
paid reach only once the message has proven itself.]]
*Owner:* {owner} would own the work and needs {brief}, plus the one action we want. Nothing is \
assigned until you say so.
*Measure:* sourced pipeline against the Analytics Specialist's baseline, not a guessed target.
*Not doing:* [[paid reach before the message is proven.|a second audience in the first month.]]
[[Approve the direction?|Good to brief the owner on this basis?]]"""


def cmo(r: Request) -> str:
    """Executive framing (objective, audience, bet, owner); as the front door, it routes."""
    words = re.findall(r"[a-z]+", r.text.lower())
    _, owner, brief = next(
        (o for o in OWNERS if any(w.startswith(k) for w in words for k in o[0].split())),
        DEFAULT_OWNER,
    )
    return _render(r, CMO, owner=_cap(owner), brief=brief)


VP_MARKETING = """\
*Plan for the {t}:* [[three workstreams over four weeks, one message throughout.|four weeks, \
three owners, one shared brief so channels don't drift.]]
• *Week 1, message and assets:* Content Manager leads; Copywriter and Designer draft; Director \
of Communications reviews the voice.
• *Week 2, channels:* Social Media Manager plans LinkedIn and X; Campaign Manager sets the \
email sequence and one A/B test.
• *Weeks 3 and 4, live and learn:* humans push approved pieces live; the Analytics Specialist \
reports weekly against the baseline.
• *KPIs:* qualified leads and sourced pipeline, baselines agreed before go-live.
• *Risk:* [[design is the week 1 bottleneck; brief the Designer on day one.|legal review of \
customer proof can take a week; start it early.]]
These are proposed owners, not assignments yet. Sign off on the four-week shape?"""


def vp_marketing(r: Request) -> str:
    """Strategy turned into workstreams with owners and weeks, and the decision needed."""
    return _render(r, VP_MARKETING)


DIRECTOR_COMMS = """\
*Verdict on the {t}:* {verdict}.
*Voice:* [[warm and direct, close to our standard; trim anything that sounds like a press \
release.|confident without hype; swap abstract nouns for what the reader actually does.]]
*Claims:* {claims}
*Consistency:* "{p}" written the same way everywhere, sentence case in headlines, one CTA per \
piece.
*Inclusivity:* plain words over jargon, people-first language, alt text on every image.
*Permissions:* a human confirms any customer reference before it goes out.
Approve with these edits?"""
RISKY_CLAIMS = re.compile(
    r"\b(?:best|number one|guaranteed?|revolutionary|game[- ]changer|world[- ]class)\b|#1\b|"
    r"\b\d+(?:\.\d+)?\s?%",
    re.I,
)


def director_comms(r: Request) -> str:
    """Brand-voice review notes; a claim that would need proof is named, never softened."""
    risky = sorted({found.lower() for found in RISKY_CLAIMS.findall(r.thread)})
    quoted = ", ".join(f'"{word}"' for word in risky)
    return _render(
        r,
        DIRECTOR_COMMS,
        verdict="approve with edits" if risky else "approve, with the watch-points below",
        claims=f"flag {quoted}: each needs proof or comes out."
        if risky
        else "no superlatives or unproven numbers spotted; keep it that way.",
    )


# --- the roles: management --------------------------------------------------------------------

CONTENT_MANAGER = """\
*Editorial plan for the {t}:* one pillar piece, repurposed.
• *Pillar:* [[a practical guide to the {t}|a "why we built it" story behind the {t}]]; \
Copywriter drafts, SEO Specialist supplies the primary keyword and H2 outline.
• *Supporting:* a how-to post and a short FAQ answering the objections sales hears.
• *Visuals:* Designer briefs a featured image and one diagram.
• *Repurpose:* the pillar becomes a LinkedIn post, an X thread and a newsletter section.
• *Quality bar:* one reader, one problem, every claim sourced or cut.
These are proposed assignments until you confirm. Lock the pillar topic?"""
SOCIAL_MEDIA_MANAGER = """\
*Social plan for the {t}:* [[lead on LinkedIn, support on X.|one story, told natively on each \
platform.]]
• *LinkedIn (LinkedIn Manager):* a problem-first post, then a carousel on how it works.
• *X (Twitter Manager):* a short thread with a strong hook, plus replies drafted for likely \
questions.
• *Cadence:* teaser, launch day, a proof post a week later; each draft approved, then a human \
posts it.
• *Community:* answer questions within the day; move complaints to support.
• *Measure:* comments and link clicks from our audience, not follower counts.
Good to brief both managers on this?"""
CAMPAIGN_MANAGER = """\
*Campaign brief, {t}:* [[drive qualified demo requests.|turn engaged users into pipeline.]]
• *Segments:* trial users, engaged subscribers, and open opportunities in the CRM.
• *Channels:* a three-email sequence (Email Specialist), LinkedIn organic, retargeting only \
once the message has proven itself.
• *A/B test:* [[benefit-led vs curiosity-led subject line|demo CTA vs self-serve trial CTA]], \
one variable, 50/50 split, judged on click-to-demo rate.
• *Timeline:* two weeks to build, four weeks live, a readout in week six.
• *KPIs:* demo requests and sourced pipeline against the Analytics Specialist's baseline.
Campaign strategy is the VP Marketing's to approve. Ready for their sign-off?"""


def content_manager(r: Request) -> str:
    """An editorial plan: one pillar, its spin-offs, who drafts what, and the quality bar."""
    return _render(r, CONTENT_MANAGER)


def social_media_manager(r: Request) -> str:
    """A platform-by-platform plan with owners and cadence; humans do the posting."""
    return _render(r, SOCIAL_MEDIA_MANAGER)


def campaign_manager(r: Request) -> str:
    """A campaign brief: segments, channels, one test, KPIs and who approves it."""
    return _render(r, CAMPAIGN_MANAGER)


# --- the roles: specialists -------------------------------------------------------------------

TAGLINES = (  # (tagline, its punchier cut, angle, why it works)
    ("{Product}, minus the guesswork.", "{Product}. No guesswork.", "Benefit",
     "names the payoff in a handful of words; works as headline and ad line."),
    ("Go from questions to decisions with {product}.", "Questions in. Decisions out.",
     "Before-after", "shows the transformation, not the feature."),
    ("What would your team do with the hours {product} gives back?", "Get your hours back.",
     "Curiosity", "opens a loop the reader wants closed."),
    ("Stop adding tools. Start using {product} that fits how you work.",
     "Fewer tools. Better {product}.", "Contrarian", "picks a fight with tool sprawl."),
    ("Built for the questions your team asks every Monday.", "Built for Monday.", "Specific",
     "concrete and credible, with no claim that needs proof."),
    ("Finally, {product} that speaks your language.", "{Product}, in plain words.",
     "Customer voice", "echoes how buyers describe the pain."),
)  # fmt: skip
COPY_KINDS = ("headline", "hook", "slogan", "subject line")


def copywriter(r: Request) -> str:
    """Options from genuinely different angles, each with a reason, then a committed pick."""
    kind = next((k for k in COPY_KINDS if k in r.text.lower()), "tagline")
    lines = [
        f"Three {kind} options for the {r.topic}, each from a different angle. "
        "Assumption: B2B buyers who evaluate tools but don't live in them."
    ]
    render = {"product": r.product, "Product": _cap(r.product)}
    unused = [t for t in r.ranked("taglines", TAGLINES) if t[0].format(**render) not in r.previous]
    chosen = (unused or list(TAGLINES))[:3]
    for number, (line, _punchy, angle, why) in enumerate(chosen, start=1):
        lines.append(f'{number}. *"{line.format(**render)}"* — _{angle}:_ {why}')
    best = r.pick("pick", (1, 2, 3))
    lines.append(
        f"*My pick:* {best}, the {chosen[best - 1][2].lower()} line. I can see it on the "
        "landing page hero and in the email's first line, and it makes no claim to prove."
    )
    return "\n".join([*lines, f"Go with {best}?"])


SEO_SPECIALIST = """\
*Keyword plan for the {t}.* No volumes from me: volumes need a keyword tool export, which \
would confirm the order below.
*Primary:* `{primary}`, commercial intent: buyers comparing options, so say what it does and \
for whom above the fold.
*Secondary:*
• `what is {lower}`: informational; an explainer feeding the pillar.
• `{lower} for [[small teams|marketing teams|mid-size companies]]`: commercial and narrower, a \
realistic early win.
• `how to choose {primary}`: commercial investigation; suits a checklist post.
*Difficulty reasoning:* established vendors and review sites likely hold the head term; the \
long-tail results look beatable with depth.
*On-page checklist:*
• Title: "{title}" ({title_chars} chars, aim for about 60)
• Meta description near 155 chars, outcome first; primary keyword in the H1
• Slug `/{slug}`; H2s answer what searchers ask
• Internal links from pages the team names; FAQ schema if we add an FAQ
Confirm `{primary}` as the primary?"""
SEO_TITLE_ENDINGS = ("What It Does and Who It's For", "A Practical Buyer's Guide")


def seo_specialist(r: Request) -> str:
    """Keywords with intent and difficulty reasoning; volumes only ever come from a tool."""
    named = r.product if re.search(r"(software|platform|tool|app)s?$", r.product) else None
    target = named or f"{r.product} software"
    title_words = (w if w[:1].isupper() else w.capitalize() for w in target.split())
    title = f"{' '.join(title_words)}: {r.pick('title', SEO_TITLE_ENDINGS)}"
    primary = target.lower()
    slug = re.sub(r"[^a-z0-9]+", "-", primary).strip("-")
    return _render(
        r,
        SEO_SPECIALIST,
        primary=primary,
        lower=r.product.lower(),
        title=title,
        title_chars=str(len(title)),
        slug=slug,
    )


ANALYTICS_SPECIALIST = """\
*No numbers from me yet:* nothing in this thread gives data on the {t}, and I won't guess.
*What I'd measure:*
{metrics}
*How to read it:* compare with the four weeks before, over matching dates; split new from \
returning audiences; treat under two weeks of data as directional, not proven.
*Confidence:* [[low until the exports are in; I'll rate it then.|none yet. With two clean weeks \
of data I can give a range and its basis.]]
Can someone share the {source} export for the period?"""
METRIC_PLANS = (  # (request words, [(metric, data source), ...])
    ("email newsletter", [("Click and click-to-demo rate", "the email platform's report"),
                          ("Unsubscribes per send", "the same report"),
                          ("Pipeline influenced", "the CRM, by campaign member status")]),
    ("seo search organic", [("Clicks and average position by query", "Search Console"),
                            ("Organic conversions by landing page", "GA4"),
                            ("Pipeline by original source", "the CRM")]),
    ("social linkedin twitter tweet", [
        ("Engagement rate and link clicks per post", "LinkedIn Page analytics"),
        ("Replies and profile visits", "X analytics"),
        ("Sessions from social by landing page", "GA4")]),
)  # fmt: skip
DEFAULT_METRICS = [
    ("Conversions by landing page", "GA4"),
    ("Pipeline and win rate by original source", "the CRM"),
    ("Cost per qualified lead", "the ad account plus the CRM"),
]


def analytics_specialist(r: Request) -> str:
    """Never a number it was not given: which metrics, from which source, read how."""
    asked = r.text.lower()
    plan = next((p for words, p in METRIC_PLANS if any(w in asked for w in words.split())), None)
    plan = plan or DEFAULT_METRICS
    metrics = "\n".join(f"• {metric}, from {source}" for metric, source in plan)
    return _render(r, ANALYTICS_SPECIALIST, metrics=metrics, source=plan[0][1])


EMAIL_SPECIALIST = """\
*Email draft for the {t}*
*Subject A:* {a} ({a_chars} chars)
*Subject B:* {b} ({b_chars} chars)
*Preview text:* [[Plain-language answers, nothing new to learn.|See what {p} does with the \
questions your team asks every week.]]
*Body outline:*
• Hook: the reader's problem in their own words, one sentence
• Value: what the {t} changes for them, three short lines
• Proof: NEEDS SOURCE, one customer result we have permission to cite
• CTA: one button, "See it on your data"
*Test:* A vs B, 50/50 on the first segment, judged on clicks, since privacy features inflate \
opens.
*Compliance:* a human confirms consent for the segment, the unsubscribe link and the postal \
address before anything goes out.
Go with A as the control?"""
SUBJECTS = (
    "Your data has answers. Ask it.",
    "Meet {P}",
    "The question you keep putting off",
    "{P}: a faster way to an answer",
)


def email_specialist(r: Request) -> str:
    """Subject lines to test, preview text and a body outline, with a fair test design."""
    a, b = (s.format(P=_cap(r.product)) for s in r.ranked("subjects", SUBJECTS)[:2])
    return _render(r, EMAIL_SPECIALIST, a=a, b=b, a_chars=str(len(a)), b_chars=str(len(b)))


LINKEDIN_MANAGER = """\
Draft LinkedIn post for the {t}, ready for review:

[[The slowest part of {p} isn't the software. It's the wait for an answer.|Nobody buys {p} for \
the charts. They buy it to stop guessing.|Here's a question we kept hearing, and what we built \
because of it.]]

Every team we talk to describes the same week: a question that matters, a tool that almost \
answers it, and a wait for the one person who knows.

The {t} is our attempt to shorten that wait: plain-language questions, answers you can trace \
to the source, nothing new to learn.

We'd rather show than claim. NEEDS SOURCE: one customer example, once we have permission.

What would you ask it first? Tell us in the comments.

*Format:* text post plus one image (brief to the Designer), link in the first comment. \
*Success:* comments from buyers in our ICP, not raw likes.
Go with this hook?"""
DESIGNER = """\
*Visual concept brief: {t}*
[[*Concept:* a typed question on the left, one clear answer on the right. Split layout, \
generous white space.|*Concept:* the quiet Monday: a tidy desk, one screen, one highlighted \
answer. Single focal point, slightly off-centre.|*Concept:* from noise to signal: scattered \
dots resolving into one line. Left-to-right flow, the line in the accent colour.]]
*Hierarchy:* the eye lands on the answer first, the headline second, the logo last.
*On-image text:* "{P}, minus the guesswork" (six words or fewer reads at thumbnail size).
*Colour and type:* primary plus one accent from the brand kit; please share the current \
guidelines, I won't guess colours or fonts.
*Formats:* 1200x627 LinkedIn link image, 1600x900 for X, 1080x1350 portrait; safe margins \
for cropping.
*Alt text draft:* "Illustration of a question answered by {p}."
This is a concept brief, not a finished image. Go with this concept?"""
MARKET_RESEARCH = """\
*Research plan for the {t}:* what we need to know before we commit.
• *Key questions:* who feels this problem most, what they use today, why they would switch.
• *Known:* only what's in this thread; no market data has been shared yet.
• *Assumed (to test):* [[team leads without analyst support are the keenest buyers.|buyers \
compare us with spreadsheets and existing tools, not only direct rivals.]]
• *Sources:* CRM win/loss notes, six to eight customer interviews, review sites and \
competitors' own pages, summarised internally.
• *So what for us:* a competitor grid and two persona hypotheses for the CMO.
Which competitors does sales run into most right now?"""


def linkedin_manager(r: Request) -> str:
    """Hook, three short paragraphs and one CTA: the shape that earns the 'see more' click."""
    return _render(r, LINKEDIN_MANAGER)


def designer(r: Request) -> str:
    """A brief someone can build from: the concept in words, never a claimed finished image."""
    return _render(r, DESIGNER)


def market_research(r: Request) -> str:
    """A research plan that keeps known and assumed apart and ends in a 'so what'."""
    return _render(r, MARKET_RESEARCH)


TWEET_HOOKS = (
    "Most teams don't need another tool. They need fewer steps between a question and an "
    "answer. That's the idea behind the {t} 🧵",
    "We kept hearing the same complaint from customers. The {t} is our answer. A short thread:",
    "Hot take: the hard part of {p} isn't the technology. It's knowing what to ask. 🧵",
)
TWEET_BODY = (
    "The problem: the work that matters gets stuck behind handoffs, tickets and waiting for "
    "the one person who knows.",
    "What the {t} changes: fewer steps, answers you can check, and something to share with "
    "your team the same day.",
    "We'd love your toughest real-world case to test it on. Details here 👇 [LINK]",
)


def twitter_manager(r: Request) -> str:
    """A thread a human can paste: hook first, one point a post, each within 280 chars."""
    tweets = [r.pick("hook", TWEET_HOOKS), *TWEET_BODY]
    thread = [f"{n}/ {tweet.format(t=r.topic, p=r.product)}" for n, tweet in enumerate(tweets, 1)]
    return "\n".join(
        [
            f"Thread draft for the {r.topic}, ready for a character check:",
            *thread,
            "*Why this hook:* it stands alone and promises a payoff, so the link in 4/ can't bury "
            "it. Image brief for the Designer: one screen, one answer, no logos.",
            "Go with this hook?",
        ]
    )


ROLE_WRITERS: dict[str, Callable[[Request], str]] = {  # role id in bots/roster.toml
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
