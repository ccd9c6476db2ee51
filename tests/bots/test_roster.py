"""The roster file: the real one loads; broken departments stop start-up with a clear reason."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from bots.roster import DEFAULT_ROSTER_PATH, load_roster
from errors import RosterError

REPO = Path(__file__).resolve().parents[2]


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "roster.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _mutated(old: str, new: str, count: int = 1) -> str:
    text = DEFAULT_ROSTER_PATH.read_text(encoding="utf-8")
    assert old in text
    return text.replace(old, new, count)


def test_the_department_has_fourteen_roles_in_three_layers() -> None:
    roster = load_roster()
    assert len(roster.agents) == 14
    layers = {
        layer: [a.id for a in roster.agents if a.layer == layer]
        for layer in ("executive", "management", "specialist")
    }
    assert layers["executive"] == ["cmo", "vp_marketing", "director_comms"]
    assert layers["management"] == ["content_manager", "social_media_manager", "campaign_manager"]
    assert len(layers["specialist"]) == 8
    assert roster.front_door.id == "cmo"
    assert roster.get("email_specialist").reports_to == "campaign_manager"
    assert roster.get("market_research").reports_to == "cmo"
    assert roster.lead_of("mkt-content") is roster.get("content_manager")


def test_unknown_reports_to_is_a_clear_error(tmp_path: Path) -> None:
    path = _write(
        tmp_path, _mutated('reports_to = "content_manager"', 'reports_to = "chief_vibes_officer"')
    )
    with pytest.raises(
        RosterError, match=r"'copywriter' reports_to unknown agent 'chief_vibes_officer'"
    ):
        load_roster(path)


def test_duplicate_id_is_a_clear_error(tmp_path: Path) -> None:
    path = _write(tmp_path, _mutated('id = "designer"', 'id = "copywriter"'))
    with pytest.raises(RosterError, match="Duplicate agent id 'copywriter'"):
        load_roster(path)


def test_reporting_cycle_is_a_clear_error(tmp_path: Path) -> None:
    cmo = 'id = "cmo"\ndisplay_name = "CMO"\nicon_emoji = ":briefcase:"\nlayer = "executive"\n'
    text = _mutated(cmo + 'reports_to = "human"', cmo + 'reports_to = "vp_marketing"')
    text = text.replace(
        'manages = ["content_manager", "social_media_manager", "campaign_manager"]',
        'manages = ["content_manager", "social_media_manager", "campaign_manager", "cmo"]',
    )
    with pytest.raises(
        RosterError,
        match=r"Reporting cycle in the roster: (cmo -> vp_marketing -> cmo|vp_marketing -> cmo -> "
        r"vp_marketing)",
    ):
        load_roster(_write(tmp_path, text))


def test_manages_must_match_reporting_lines(tmp_path: Path) -> None:
    path = _write(tmp_path, _mutated('manages = ["email_specialist"]', "manages = []"))
    with pytest.raises(
        RosterError, match="'campaign_manager' must list email_specialist in manages"
    ):
        load_roster(path)


def test_bad_field_names_the_agent(tmp_path: Path) -> None:
    path = _write(tmp_path, _mutated('model_tier = "haiku"', 'model_tier = "gpt"'))
    with pytest.raises(RosterError, match="agent 'designer' field 'model_tier'"):
        load_roster(path)


def test_duplicate_alias_and_unknown_channel_lead(tmp_path: Path) -> None:
    with pytest.raises(RosterError, match="Duplicate alias 'seo'"):
        load_roster(
            _write(tmp_path, _mutated('aliases = ["designer"]', 'aliases = ["designer", "seo"]'))
        )
    with pytest.raises(RosterError, match="Channel 'mkt-insights' is led by unknown agent 'ghost'"):
        load_roster(_write(tmp_path, _mutated('lead = "analytics_specialist"', 'lead = "ghost"')))


def test_app_refuses_to_start_with_an_unknown_agent_in_the_roster(tmp_path: Path) -> None:
    """Start-up, not just the loader: `python app.py` prints one clear line and exits 2."""
    bad = _mutated('reports_to = "content_manager"', 'reports_to = "nobody_here"')
    original = DEFAULT_ROSTER_PATH.read_text(encoding="utf-8")
    path = _write(tmp_path, bad)
    env = {
        "SLACK_BOT_TOKEN": "xoxb-x",
        "SLACK_SIGNING_SECRET": "s",
        "PATH": "/usr/bin:/bin",
        "ROSTER_PATH": str(path),
        "DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
    }
    result = subprocess.run(
        [sys.executable, str(REPO / "app.py")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert DEFAULT_ROSTER_PATH.read_text(encoding="utf-8") == original
    assert result.returncode == 2
    assert re.search(r"reports_to unknown agent 'nobody_here'", result.stderr)
    assert "Traceback" not in result.stderr


def test_an_agent_may_carry_its_avatar_colour_and_only_as_hex(tmp_path: Path) -> None:
    coloured = _mutated('icon_emoji = ":art:"', 'icon_emoji = ":art:"\ncolor = "#be185d"')
    assert load_roster(_write(tmp_path, coloured)).get("designer").color == "#be185d"
    assert load_roster().get("designer").color is None  # the page then picks a stable one

    named = _mutated('icon_emoji = ":art:"', 'icon_emoji = ":art:"\ncolor = "pink"')
    with pytest.raises(RosterError, match="agent 'designer' field 'color'"):
        load_roster(_write(tmp_path, named))
