# The two commands of the README: `make demo` and `make test`. Both install what they need.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DAY ?= 2024-05-23
DOCS_PORT ?= 8080

# Optional local overrides (see .env.example); exported to every command below.
-include .env
export

.PHONY: demo test test-fast lint format up down status docs dagster bench install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when requirements.txt changes.
$(STAMP): requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $(STAMP)

install: $(STAMP)

up: $(STAMP)
	$(BIN)/python -m devstack up

down:
	@if [ -x $(BIN)/python ]; then $(BIN)/python -m devstack down; else echo "nothing to stop (no .venv)"; fi

status: $(STAMP)
	$(BIN)/python -m devstack status

demo: up
	$(BIN)/python -m demo $(DAY)

# The whole suite on its own servers; the linters first, so a lint error fails CI too.
test: lint
	$(BIN)/python -m pytest

# Only the tests that need no server (pure functions, file checks): an answer in seconds.
test-fast: $(STAMP)
	$(BIN)/python -m pytest tests/fast

# ruff (Python lint and format), sqlfluff (the dbt SQL), hadolint (Dockerfiles).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	cd dbt_project && ../$(BIN)/sqlfluff lint models tests
	$(BIN)/hadolint Dockerfile $(wildcard docker/*.Dockerfile)

# Rewrite what the formatters can fix by themselves.
format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	cd dbt_project && ../$(BIN)/sqlfluff fix models tests

docs: up
	cd dbt_project && PATH="$(CURDIR)/$(BIN):$$PATH" dbt docs generate && PATH="$(CURDIR)/$(BIN):$$PATH" dbt docs serve --port $(DOCS_PORT) --no-browser

# The Dagster UI and daemon on 127.0.0.1:$(DAGSTER_PORT) (default 3000), over the local stack.
dagster: up
	$(BIN)/python -m orchestration.serve

bench: $(STAMP)
	$(BIN)/python -m bench

clean: down
	rm -rf .devstack
