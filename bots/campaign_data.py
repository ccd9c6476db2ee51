"""The campaign feature's data, loaded and cross-checked once at start-up.

`advisor.toml` (thresholds, weights, learning, plan limits, direct delegation) and
`patterns.toml` are checked against each other and the department: every pattern's template
must be a valid plan for this roster and authority matrix, and every direct hand-off must go
to a roster agent without a gate, so a renamed agent stops start-up instead of a campaign.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bots import advisor_config, patterns
from bots.advisor_config import AdvisorConfig, load_advisor_config
from bots.authority import AuthorityMatrix
from bots.hand_off import check_hand_off
from bots.patterns import PatternLibrary, check_templates, load_patterns
from bots.roster import Roster


@dataclass(frozen=True)
class CampaignData:
    advisor: AdvisorConfig
    patterns: PatternLibrary


def load_campaign_data(
    roster: Roster,
    matrix: AuthorityMatrix,
    advisor_path: Path | None = None,
    patterns_path: Path | None = None,
) -> CampaignData:
    """Both files (the packaged ones unless given), validated and checked against the
    department; a `ConfigError` names the file and the entry otherwise."""
    advisor = load_advisor_config(advisor_path or advisor_config.DEFAULT_ADVISOR_PATH)
    library = load_patterns(patterns_path or patterns.DEFAULT_PATTERNS_PATH)
    check_templates(library, roster, matrix, advisor.plans)
    check_hand_off(advisor.direct_delegation, roster, matrix)
    return CampaignData(advisor, library)
