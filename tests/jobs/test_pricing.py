"""Every call is priced from the table; unpriced models stop start-up."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from errors import PricingError
from jobs.claude.pricing import Usage, load_prices
from jobs.runtime import check_models_priced
from settings import Settings

PRICES = load_prices()


def test_sonnet_cost_with_cache() -> None:
    usage = Usage(
        input_tokens=1000, output_tokens=500, cache_read_tokens=4000, cache_write_tokens=2000
    )
    # 1000*2 + 500*10 + 2000*2.5 + 4000*0.1 = 12,400 USD per million tokens
    assert PRICES.cost_usd("claude-sonnet-5-5", usage) == Decimal("0.0124")


def test_longest_prefix_wins_and_dated_ids_match() -> None:
    assert PRICES.price_for("claude-opus-5-5").input == Decimal("4.00")
    assert PRICES.price_for("claude-opus-5").input == Decimal("5.00")
    assert PRICES.price_for("claude-sonnet-4-5-20250929").prefix == "claude-sonnet-4-5"


def test_long_context_rate() -> None:
    short = PRICES.cost_usd("claude-haiku-5-5", Usage(input_tokens=100_000, output_tokens=0))
    long = PRICES.cost_usd("claude-haiku-5-5", Usage(input_tokens=100_001, output_tokens=0))
    assert short == Decimal("0.01")
    assert long > short * 4


def test_unpriced_model_is_refused() -> None:
    with pytest.raises(PricingError, match="No price for model 'claude-unknown-9'"):
        check_models_priced(Settings(model_sonnet="claude-unknown-9"), PRICES)


def test_broken_price_table(tmp_path: Path) -> None:
    path = tmp_path / "prices.toml"
    path.write_text(
        '[[models]]\nprefix = "claude-x"\ninput = -1\noutput = 1\ncache_write = 1\ncache_read = 1\n'
    )
    with pytest.raises(PricingError, match="invalid"):
        load_prices(path)
