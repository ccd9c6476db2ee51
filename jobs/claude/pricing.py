"""What an LLM call cost, from a validated price table (data, not code)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from errors import PricingError

DEFAULT_PRICES_PATH = Path(__file__).with_name("prices.toml")
PER_MILLION = Decimal(1_000_000)


class ModelPrice(BaseModel):
    """USD per million tokens for one model family."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    prefix: str = Field(min_length=3)
    input: Decimal = Field(ge=0)
    output: Decimal = Field(ge=0)
    cache_write: Decimal = Field(ge=0)
    cache_read: Decimal = Field(ge=0)
    long_context_threshold: int | None = Field(default=None, gt=0)
    long_input: Decimal | None = None
    long_output: Decimal | None = None
    long_cache_write: Decimal | None = None
    long_cache_read: Decimal | None = None

    @model_validator(mode="after")
    def _long_rates_complete(self) -> ModelPrice:
        rates = (self.long_input, self.long_output, self.long_cache_write, self.long_cache_read)
        if (self.long_context_threshold is None) != all(rate is None for rate in rates):
            raise ValueError("long_context_threshold needs all four long_* rates, and back")
        if self.long_context_threshold is not None and any(rate is None for rate in rates):
            raise ValueError("long_context_threshold needs all four long_* rates")
        return self


@dataclass(frozen=True)
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0

    @property
    def prompt_tokens(self) -> int:
        return self.input_tokens + self.cache_read_tokens + self.cache_write_tokens


class PriceTable(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    models: tuple[ModelPrice, ...] = Field(min_length=1)

    def price_for(self, model: str) -> ModelPrice:
        """Longest matching prefix wins, so claude-opus-5-5 is not priced as claude-opus-5."""
        matches = [price for price in self.models if model.startswith(price.prefix)]
        if not matches:
            raise PricingError(f"No price for model {model!r} in the price table")
        return max(matches, key=lambda price: len(price.prefix))

    def cost_usd(self, model: str, usage: Usage) -> Decimal:
        price = self.price_for(model)
        rates = (price.input, price.output, price.cache_write, price.cache_read)
        threshold = price.long_context_threshold
        if threshold is not None and usage.prompt_tokens > threshold:
            rates = (
                price.long_input or price.input,
                price.long_output or price.output,
                price.long_cache_write or price.cache_write,
                price.long_cache_read or price.cache_read,
            )
        total = (
            usage.input_tokens * rates[0]
            + usage.output_tokens * rates[1]
            + usage.cache_write_tokens * rates[2]
            + usage.cache_read_tokens * rates[3]
        )
        return total / PER_MILLION


def load_prices(path: Path = DEFAULT_PRICES_PATH) -> PriceTable:
    try:
        return PriceTable.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    except (OSError, tomllib.TOMLDecodeError, ValidationError) as exc:
        raise PricingError(f"Price table {path} is invalid: {exc}") from exc
