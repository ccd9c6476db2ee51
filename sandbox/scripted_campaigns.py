"""The scripted VP Marketing's campaign answers: the factors of a brief (`analyze_request`)
and a plan (`propose_plan`), each when the product forces that tool (jobs/campaigns/analysis.py).

The factors come from the brief's own words, the way a marketer would read them: what it
asks to produce (a blog post, a webinar, conference materials…), each deliverable bringing
the teams, skills and hours it usually takes; a deadline, a budget, lead scoring and a public
announcement raise the stakes. The plan is the pattern template the product hands over as
structured input, dated into the campaign's dates (every phase made sequential when the
product asks for a linear plan), or a short checklist when no pattern matched.
"""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

from sandbox.claude_api import ToolUseReply
from sandbox.product_turns import CampaignAsk, campaign_ask, forced_tool

# deliverable: (words that ask for it, teams, skills, hours)
DELIVERABLES: dict[str, tuple[str, tuple[str, ...], tuple[str, ...], float]] = {
    "blog_post": (r"blog", ("content",), ("writing", "seo"), 2),
    "whitepaper": (r"white ?paper", ("content",), ("writing", "research"), 12),
    "case_study": (
        r"case stud",
        ("content", "customer_success"),
        ("writing", "customer_interviews"),
        10,
    ),
    "testimonials": (r"testimonial", ("customer_success",), ("customer_interviews",), 3),
    "webinar": (r"webinar", ("events", "content"), ("events", "writing"), 16),
    "email_sequence": (r"\bemails?\b|e-mail", ("email",), ("email", "writing"), 8),
    "newsletter": (r"newsletter", ("email",), ("email", "writing"), 3),
    "social_posts": (r"social", ("social",), ("social", "design"), 6),
    "landing_page": (r"landing page", ("design", "content"), ("design", "writing"), 6),
    "press_release": (r"press release|announc", ("communications",), ("public_relations",), 6),
    "conference_materials": (r"conference", ("events", "design"), ("events", "design"), 20),
    "video": (r"video", ("design",), ("video",), 12),
    "ads": (r"\bads?\b|paid", ("marketing",), ("paid_media",), 8),
    "sales_handoff": (r"sales hand-?off|lead hand-?off", ("sales",), ("sales",), 8),
    "report": (r"\broi\b|report|metrics", ("analytics",), ("analytics",), 6),
}
LAUNCH_WORDS = re.compile(r"\b(?:launch|conference|announc\w*|public)\b", re.I)
SIGN_OFF_WORDS = re.compile(r"\b(?:approv\w*|sign-?off|ceo|legal)\b", re.I)
LEAD_WORDS = re.compile(r"\blead scor\w*|\bhand-?off\b", re.I)
FALLBACK_STEPS = (
    ("brief", "vp_marketing", "Set the goal, audience and key messages", "campaign_strategy"),
    ("calendar", "content_manager", "Plan the work and the calendar", "content_calendar"),
)


def campaign_reply(body: dict[str, Any]) -> ToolUseReply | None:
    """The forced campaign tool's call, or None when this is no campaign turn."""
    tool = forced_tool(body)
    if tool not in ("analyze_request", "propose_plan"):
        return None
    ask = campaign_ask(body)
    if ask is None:
        return None
    if tool == "analyze_request":
        return ToolUseReply("analyze_request", factors(ask.brief))
    return ToolUseReply("propose_plan", plan(ask))


def factors(brief: str) -> dict[str, Any]:
    """The complexity factors a marketer reads in these words."""
    found = [name for name, (words, *_) in DELIVERABLES.items() if re.search(words, brief, re.I)]
    found = found or ["blog_post"]
    teams = _union(DELIVERABLES[d][1] for d in found)
    skills = _union(DELIVERABLES[d][2] for d in found)
    if len(found) > 2:
        teams, skills = _union([("marketing",), teams]), _union([("strategy",), skills])
    public = bool(LAUNCH_WORDS.search(brief))
    many = len(found) >= 4
    return {
        "estimated_hours": sum(DELIVERABLES[d][3] for d in found) * (2 if many else 1),
        "teams": list(teams),
        "skills": list(skills),
        "deliverables": found,
        "dependency_type": "complex" if many else "linear" if len(found) > 1 else "none",
        "approvals_needed": (2 if many else 0) + len(SIGN_OFF_WORDS.findall(brief)),
        "error_impact": "high" if public and many else "medium" if len(found) > 1 else "low",
        "visibility": "public" if public else "team",
        "conditional_logic": bool(LEAD_WORDS.search(brief)),
        "parallel_work": many,
    }


def plan(ask: CampaignAsk) -> dict[str, Any]:
    """The template dated into the campaign (or a two-step checklist without one)."""
    start, end = date.fromisoformat(ask.start), date.fromisoformat(ask.end)
    raw: dict[str, Any] = json.loads(ask.template) if ask.template.strip() else {}
    phases = raw.get("phases") or [
        {
            "name": "Plan and deliver",
            "type": "sequential",
            "steps": [
                {"id": i, "agent": a, "action": t, "action_type": k, "due": end.isoformat()}
                for i, a, t, k in FALLBACK_STEPS
            ],
        }
    ]
    phases = [_dated(phase, end) for phase in phases]
    if ask.shape == "linear":
        phases = [_in_line(phase) for phase in phases]
    return {
        "name": "campaign-plan",
        "pattern": raw.get("pattern"),
        "start": start.isoformat(),
        "end": end.isoformat(),
        "variables": raw.get("variables") or {},
        "phases": phases,
    }


def _dated(phase: dict[str, Any], end: date) -> dict[str, Any]:
    """Every step due by the campaign's end at the latest."""
    dated = dict(phase)
    for key in ("steps", "if_true", "if_false"):
        if key in phase:
            dated[key] = [
                step | {"due": min(date.fromisoformat(step["due"]), end).isoformat()}
                for step in phase[key]
            ]
    return dated


def _in_line(phase: dict[str, Any]) -> dict[str, Any]:
    steps = phase.get("steps") or [*phase.get("if_true", []), *phase.get("if_false", [])]
    return {"name": phase["name"], "type": "sequential", "steps": steps}


def _union(groups: Any) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for group in groups:
        for value in group:
            seen.setdefault(value)
    return tuple(seen)
