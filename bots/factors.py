"""The advisor's complexity factors: what Claude extracts from a campaign brief.

`AnalyzeRequest` is the input schema of the `analyze_request` tool call, so the schema Claude
fills in and the validation we run are one model. The vocabularies (teams, skills,
deliverables) are closed on purpose: the decision rule, the pattern cues in `patterns.toml`
and the sandbox's scripted Claude all key off these exact values, never off free text.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bots.tools import tool_definition

Team = Literal[
    "marketing",
    "content",
    "social",
    "email",
    "events",
    "design",
    "analytics",
    "research",
    "communications",
    "sales",
    "product",
    "customer_success",
    "legal",
    "executive",
]
Skill = Literal[
    "strategy",
    "writing",
    "editing",
    "seo",
    "design",
    "video",
    "social",
    "email",
    "analytics",
    "events",
    "sales",
    "research",
    "public_relations",
    "customer_interviews",
    "paid_media",
    "legal_review",
]
Deliverable = Literal[
    "blog_post",
    "whitepaper",
    "case_study",
    "testimonials",
    "webinar",
    "email_sequence",
    "newsletter",
    "social_posts",
    "landing_page",
    "press_release",
    "crisis_statement",
    "conference_materials",
    "video",
    "ads",
    "sales_handoff",
    "report",
]
DependencyType = Literal["none", "linear", "complex"]
Impact = Literal["low", "medium", "high", "critical"]
Visibility = Literal["internal", "team", "executive", "public"]

ANALYZE_REQUEST = "analyze_request"
MAX_HOURS = 2000  # about a year of one person's work: beyond it the brief is not one campaign


class AnalyzeRequest(BaseModel):
    """Describe how complex this marketing request is, factor by factor. Judge from the brief
    only; the department's code picks the approach from these values."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    estimated_hours: float = Field(
        gt=0,
        le=MAX_HOURS,
        description="Total hours of work for the whole department, e.g. 2 for one blog post",
    )
    teams: tuple[Team, ...] = Field(
        min_length=1, description="Every team that has to take part, each once"
    )
    skills: tuple[Skill, ...] = Field(
        min_length=1, description="Every distinct skill the work needs, each once"
    )
    deliverables: tuple[Deliverable, ...] = Field(
        default=(), description="What the request asks to produce, each kind once"
    )
    dependency_type: DependencyType = Field(
        description="none: independent pieces; linear: one chain of hand-offs; complex: "
        "several chains that meet (content before distribution before follow-up)"
    )
    approvals_needed: int = Field(
        ge=0, le=20, description="Formal sign-offs the brief implies (messaging, legal, sales)"
    )
    error_impact: Impact = Field(
        description="Cost of a mistake: low (internal draft) … critical (legal or public harm)"
    )
    visibility: Visibility = Field(
        description="Who sees the result: internal, team, executive, or public (customers, press)"
    )
    conditional_logic: bool = Field(
        description="True if what happens next depends on a measured value (e.g. lead score)"
    )
    parallel_work: bool = Field(
        description="True if several teams must work at the same time to meet the deadline"
    )

    @field_validator("teams", "skills", "deliverables")
    @classmethod
    def _each_once(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        repeated = sorted({value for value in values if values.count(value) > 1})
        if repeated:
            raise ValueError(f"listed more than once: {', '.join(repeated)}")
        return values


def analyze_request_tool() -> dict[str, Any]:
    """The `analyze_request` tool definition, byte-stable like the department's other tools."""
    return tool_definition(ANALYZE_REQUEST, AnalyzeRequest)
