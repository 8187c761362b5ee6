# Two entry points for a fresh machine with Python 3.11+: `make site` and `make test`.
# Each creates .venv and installs what it needs the first time (and again when pyproject.toml changes).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
AXE := .cache/axe/node_modules/axe-core/axe.min.js

.PHONY: site test bench lint clean browser-setup golden

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "probation-ratings needs Python 3.11 or newer (set PYTHON=python3.11)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

## Build the league table from data/ratings.yaml into site/
site: $(STAMP)
	$(BIN)/ratings build

## Run every check: lint, types, the whole test suite
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest

## Time each stage and the whole build on synthetic data (README, Performance): a few minutes
bench: $(STAMP)
	$(BIN)/python benchmarks/bench.py

## What the browser tests need beyond Python: Debian's chromium, and axe-core from npm.
## Without them the browser tests are skipped locally (and fail in CI, where CI=true).
browser-setup:
	@command -v chromium >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium; }
	@test -f $(AXE) || npm install --silent --no-save --no-package-lock --prefix .cache/axe axe-core@4

## Rewrite tests/golden/ after an intended change to the output (then review the diff)
golden: $(STAMP)
	$(BIN)/python -m tests.golden

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) site build dist .cache
