"""The campaign feature's data, loaded and cross-checked once at start-up.

`advisor.toml` (thresholds, weights, learning, plan limits) and `patterns.toml` are checked
against each other and the department: every pattern's template must be a valid plan for
this roster and authority matrix, so a renamed agent stops start-up instead of a campaign.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bots.advisor_config import DEFAULT_ADVISOR_PATH, AdvisorConfig, load_advisor_config
from bots.authority import AuthorityMatrix
from bots.patterns import DEFAULT_PATTERNS_PATH, PatternLibrary, check_templates, load_patterns
from bots.roster import Roster


@dataclass(frozen=True)
class CampaignData:
    advisor: AdvisorConfig
    patterns: PatternLibrary


def load_campaign_data(
    roster: Roster,
    matrix: AuthorityMatrix,
    advisor_path: Path = DEFAULT_ADVISOR_PATH,
    patterns_path: Path = DEFAULT_PATTERNS_PATH,
) -> CampaignData:
    """Both files, validated and checked against the department (`ConfigError` otherwise)."""
    advisor = load_advisor_config(advisor_path)
    patterns = load_patterns(patterns_path)
    check_templates(patterns, roster, matrix, advisor.plans)
    return CampaignData(advisor, patterns)
