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

.PHONY: demo test test-fast lint format browser up down status docs dagster live bench mutants compose-rehearsal install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when a requirements list changes. uv (pinned in requirements/dev.txt)
# installs the same pins several times faster than pip (docs/contributing.md); pip does it
# alone when uv cannot (its index out of reach, say).
$(STAMP): requirements.txt $(wildcard requirements/*.txt) | $(BIN)/python
	$(BIN)/pip install --quiet "$$(grep -E '^uv==' requirements/dev.txt)"
	$(BIN)/uv pip install --quiet --python $(BIN)/python --compile-bytecode -r requirements.txt \
	  || { $(BIN)/pip install --quiet --upgrade pip && $(BIN)/pip install --quiet -r requirements.txt; }
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
test: lint browser
	$(BIN)/python -m pytest

# The browser tests drive Debian's chromium (Playwright cannot download its own browser
# here). Installed when missing and we are root; otherwise those tests skip and say how.
browser:
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing Debian's chromium for the browser tests (apt-get)"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	    || echo "could not install chromium: the browser tests will be skipped"; \
	else \
	  echo "no chromium and not root: the browser tests will be skipped (sudo apt-get install chromium)"; \
	fi

# Only the tests that need no server (pure functions, file checks): an answer in seconds.
test-fast: $(STAMP)
	$(BIN)/python -m pytest tests/fast

# ruff (Python lint and format), sqlfluff (the dbt SQL), hadolint (Dockerfiles).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@# Two processes, one per core; their pool's shutdown warning says nothing about our SQL.
	cd dbt_project && PYTHONWARNINGS=ignore:resource_tracker:UserWarning ../$(BIN)/sqlfluff lint --processes 2 models tests
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
	$(BIN)/python -m devstack.dagster

# The stack with Fonte receiving data as time passes (LIVE_SPEED, default 10x) and Dagster
# following it with its sensor on; `make down` stops all of it.
live: up
	$(BIN)/python -m devstack.live

bench: $(STAMP)
	$(BIN)/python -m bench

# docker-compose.yml's Dagster services as local processes, no Docker: runs, a killed run, a
# killed code server, a killed daemon (also run by `make test`).
compose-rehearsal: $(STAMP)
	$(BIN)/python -m devstack.rehearsal

# Break each core rule alone on a scratch copy and check that its tests fail (not in `make test`).
mutants: $(STAMP)
	$(BIN)/python -m mutants

clean: down
	rm -rf .devstack
