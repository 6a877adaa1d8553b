# dixie-infra: everyday commands. Every target sets up what it needs; `make help` lists them.
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.8
VENV := .venv
TOOLS := .tools
UV := $(TOOLS)/bin/uv
STACK ?= armitage
# Optional policy-pack configuration for `make preview` / `make up` (e.g. policy/adoption.json).
POLICY_CONFIG ?=
PULUMI ?= pulumi
# Test processes (pytest-xdist): every worker starts its own moto server and PostgreSQL on free
# ports, so the tiers run side by side. `make test PYTEST_WORKERS=0` runs in one process.
PYTEST_WORKERS ?= auto
# Test runs write bytecode caches even where the environment turns them off
# (PYTHONDONTWRITEBYTECODE is set on many CI images): every pytest worker and every tool
# subprocess a test starts would otherwise compile boto3, pulumi and the test modules again,
# seconds per process.
TEST_ENV := env -u PYTHONDONTWRITEBYTECODE
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

# The policy pack is part of every preview and update run from here: a laptop run cannot skip it
# by forgetting a flag.
POLICY_FLAGS := --policy-pack policy $(if $(POLICY_CONFIG),--policy-pack-config $(POLICY_CONFIG))

SYNC := $(UV) sync --frozen --python $(PYTHON)
# One stamp per install size. The full install also satisfies the smaller ones; the smaller ones
# add to what is there (--inexact), so `make plan` never strips a developer's test tools.
SYNCED_ALL := $(VENV)/.synced-all
SYNCED_PLAN := $(VENV)/.synced-plan
SYNCED_RUNTIME := $(VENV)/.synced-runtime

.DEFAULT_GOAL := help
.PHONY: help setup setup-plan setup-runtime test test-fast test-timing lint format plan preview up bench fuzz clean

help: ## list the targets (this text)
	@echo "usage: make TARGET [STACK=armitage] [POLICY_CONFIG=policy/<file>.json]"
	@grep -E '^[a-z-]+:.*## ' $(firstword $(MAKEFILE_LIST)) \
		| sed -E 's/^([a-z-]+):.*## (.*)$$/\1\t\2/' \
		| while IFS=$$'\t' read -r target text; do printf '  %-14s %s\n' "$$target" "$$text"; done

setup: $(SYNCED_ALL) ## install everything: runtime, tools, test and lint groups (developers, CI)

setup-plan: $(SYNCED_PLAN) ## install what `make plan` needs: runtime + the tools group

setup-runtime: $(SYNCED_RUNTIME) ## install the runtime only: what `pulumi up` and the scripts import

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet uv==$(UV_VERSION)

$(SYNCED_ALL): uv.lock pyproject.toml | $(UV)
	$(SYNC) --all-groups
	touch $@ $(SYNCED_PLAN) $(SYNCED_RUNTIME)

$(SYNCED_PLAN): uv.lock pyproject.toml | $(UV)
	$(SYNC) --inexact --group tools
	touch $@ $(SYNCED_RUNTIME)

$(SYNCED_RUNTIME): uv.lock pyproject.toml | $(UV)
	$(SYNC) --inexact
	touch $@

test: setup ## run the tests on PYTEST_WORKERS processes (default: one per core; PYTEST_ARGS=... for pytest)
	$(TEST_ENV) $(VENV)/bin/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

test-fast: setup ## the fast tier: program, policy, settings, delivery (no servers, no installs)
	$(TEST_ENV) $(VENV)/bin/python -m pytest -n $(PYTEST_WORKERS) -m fast $(PYTEST_ARGS)

test-timing: setup ## wall time of each test tier and of the whole suite (measured, not asserted)
	$(TEST_ENV) $(VENV)/bin/python -m benchmarks.test_timing

lint: setup ## ruff check, ruff format --check, mypy (program, tools, pack, tests, benchmarks)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy dixie_infra scripts policy tests benchmarks

format: setup ## ruff format and the safe ruff fixes
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

plan: setup-plan ## offline plan of STACK with the policy pack (no AWS, no Pulumi CLI)
	$(VENV)/bin/python -m dixie_infra.offline --stack $(STACK) $(if $(POLICY_CONFIG),--policy-config $(POLICY_CONFIG))

# Pulumi.yaml runs the program through `uv run` (toolchain: uv), which syncs the runtime only.
preview: setup-runtime ## pulumi preview of STACK with refresh, diff and the policy pack (AWS credentials)
	PATH="$(CURDIR)/$(TOOLS)/bin:$$PATH" UV_FROZEN=true \
		$(PULUMI) preview --stack $(STACK) --refresh --diff $(POLICY_FLAGS)

up: setup-runtime ## pulumi up of STACK with the policy pack (asks before changing anything)
	PATH="$(CURDIR)/$(TOOLS)/bin:$$PATH" UV_FROZEN=true \
		$(PULUMI) up --stack $(STACK) --refresh --diff $(POLICY_FLAGS)

bench: setup ## the benchmarks (python -m benchmarks)
	$(VENV)/bin/python -m benchmarks

# Generated hostile stack files against `make plan` and the mock runtime; prints the figures.
FUZZ_EXAMPLES ?= 1000
fuzz: setup ## FUZZ_EXAMPLES (default 1000) generated hostile stack files; prints the figures
	$(VENV)/bin/python -m tests.program.settings_fuzz --examples $(FUZZ_EXAMPLES)

clean: ## remove the virtualenv, the tool install and the caches
	rm -rf $(VENV) $(TOOLS) .pytest_cache .ruff_cache .mypy_cache
