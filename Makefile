# dixie-infra: everyday commands. `make setup` is idempotent and every target sets up what it needs.
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.8
VENV := .venv
TOOLS := .tools
UV := $(TOOLS)/bin/uv
STACK ?= armitage
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: setup test lint format plan bench fuzz clean

setup: $(VENV)/.synced

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet uv==$(UV_VERSION)

$(VENV)/.synced: uv.lock pyproject.toml | $(UV)
	$(UV) sync --frozen --python $(PYTHON)
	touch $@

test: setup
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy dixie_infra scripts policy

format: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

plan: setup
	$(VENV)/bin/python -m dixie_infra.offline --stack $(STACK)

bench: setup
	$(VENV)/bin/python -m benchmarks

# Generated hostile stack files against `make plan` and the mock runtime; prints the figures.
FUZZ_EXAMPLES ?= 1000
fuzz: setup
	$(VENV)/bin/python -m tests.program.settings_fuzz --examples $(FUZZ_EXAMPLES)

clean:
	rm -rf $(VENV) $(TOOLS) .pytest_cache .ruff_cache .mypy_cache
