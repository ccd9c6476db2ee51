# One entry point for every task. Each target creates the environment on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup run worker migrate test lint bench clean

# Quiet unless something fails: -qq keeps pip's errors and drops its warnings, which here were
# one "Location … is ignored" per package for each local index a machine's pip.conf lists
# without that package. The venv's own pip installs this project; no upgrade from an index.
$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@echo "Installing the dependencies into $(VENV) (once; about a minute)…"
	@$(PY) -m pip install -qq -e ".[dev]"
	@touch $(STAMP)

setup: $(STAMP)

migrate: $(STAMP)
	$(PY) -m models.migrate

# The product: with Slack credentials the Slack app and its workers (HTTP or Socket Mode),
# the database migrated first; with no Slack credential at all, the local sandbox, which brings
# its own database and Redis db. One process (start.py) decides, checks and starts: a
# half-set Slack configuration or a failed check stops with one line. Ctrl-C stops it all.
run: $(STAMP)
	@exec $(PY) start.py

worker: migrate
	$(PY) -m jobs.worker

# pytest-xdist workers: each has its own Redis db, database files, PostgreSQL schema and
# ports (tests/conftest.py). 3 was fastest on this project's 2-core machine with both
# databases (README).
TEST_WORKERS ?= 3

test: $(STAMP)
	scripts/ensure-redis
	scripts/ensure-chromium
	$(PY) -m pytest -n $(TEST_WORKERS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

bench: $(STAMP)
	scripts/ensure-redis
	scripts/ensure-chromium
	$(PY) -m bench.ack_latency
	$(PY) -m bench.sandbox_latency
	$(PY) -m bench.fanout
	$(PY) -m bench.approval_clicks
	$(PY) -m bench.recovery
	$(PY) -m bench.campaign_engine
	$(PY) -m bench.campaign_ack
	$(PY) -m bench.standup
	$(PY) -m bench.startup
	$(PY) -m bench.load

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
