"""The reviews' data (bots/reviews.toml): the shipped file holds, and a voice, content type
or channel name that cannot work stops with an error naming it."""

from __future__ import annotations

from pathlib import Path

import pytest

from bots.authority import load_authority
from bots.reviews import DEFAULT_REVIEWS_PATH, check_reviews, load_reviews
from bots.roster import load_roster
from errors import ConfigError


def test_the_shipped_reviews_check_against_the_roster_and_authority() -> None:
    config = load_reviews()
    check_reviews(config, load_roster(), load_authority())
    assert config.voices.of("monthly") == "cmo"
    assert "blog_post" in config.content_types


def _written(tmp_path: Path, old: str, new: str) -> Path:
    path = tmp_path / "reviews.toml"
    text = DEFAULT_REVIEWS_PATH.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def test_a_voice_outside_the_roster_is_named(tmp_path: Path) -> None:
    config = load_reviews(_written(tmp_path, 'monthly = "cmo"', 'monthly = "ceo"'))
    with pytest.raises(ConfigError, match=r"voices\.monthly = 'ceo' is not in the roster"):
        check_reviews(config, load_roster(), load_authority())


def test_an_unknown_content_type_is_named(tmp_path: Path) -> None:
    config = load_reviews(_written(tmp_path, '"blog_post",', '"blog_posts",'))
    with pytest.raises(ConfigError, match=r"unknown content type\(s\) \['blog_posts'\]"):
        check_reviews(config, load_roster(), load_authority())
