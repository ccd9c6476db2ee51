"""The reviews as data (bots/reviews.toml): their voices, content types
and limits, validated against the roster and the authority matrix. A review is a ritual of
bots/rituals.toml that posts figures (all but the standup)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bots.authority import AuthorityMatrix
from bots.roster import Roster
from errors import ConfigError

DEFAULT_REVIEWS_PATH = Path(__file__).with_name("reviews.toml")
CHANNEL_NAME = r"^[a-z0-9][a-z0-9_\-]{0,79}$"
Review = Literal["morning", "eod", "weekly", "monthly", "quarterly"]
REVIEWS: tuple[Review, ...] = ("morning", "eod", "weekly", "monthly", "quarterly")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PerReview(_Frozen):
    morning: str
    eod: str
    weekly: str
    monthly: str
    quarterly: str

    def of(self, review: Review) -> str:
        value: str = getattr(self, review)
        return value


class Limits(_Frozen):
    listed_tasks: int = Field(default=10, ge=1, le=30)
    priorities: int = Field(default=5, ge=1, le=10)
    decisions: int = Field(default=4, ge=0, le=10)


class ReviewConfig(_Frozen):
    content_types: tuple[str, ...] = Field(min_length=1)
    voices: PerReview
    limits: Limits = Limits()


def check_reviews(config: ReviewConfig, roster: Roster, authority: AuthorityMatrix) -> None:
    """One clear error for a voice not in the roster or a content type nobody submits."""
    for review in REVIEWS:
        voice = config.voices.of(review)
        if voice not in roster.by_id:
            raise ConfigError(f"Reviews: voices.{review} = {voice!r} is not in the roster")
    unknown = sorted(set(config.content_types) - set(authority.autonomy))
    if unknown:
        known = ", ".join(sorted(authority.autonomy))
        raise ConfigError(f"Reviews: unknown content type(s) {unknown}; known: {known}")


def load_reviews(path: Path = DEFAULT_REVIEWS_PATH) -> ReviewConfig:
    try:
        return ReviewConfig.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError as exc:
        raise ConfigError(f"Reviews file {path} does not exist") from exc
    except (tomllib.TOMLDecodeError, ValidationError) as exc:
        raise ConfigError(f"Reviews file {path} is invalid: {exc}") from exc
