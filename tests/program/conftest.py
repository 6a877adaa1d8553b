"""The program under Pulumi's mock runtime: evaluations of the committed armitage stack and of
the production fixture, shared by the component tests (evaluating is pure, so once a session)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dixie_infra.offline import Evaluation, OfflineMocks, evaluate, stack_config

STACKS = Path(__file__).parent / "stacks"


def armitage_config() -> tuple[dict[str, Any], list[str]]:
    return stack_config("armitage")


def production_config() -> tuple[dict[str, Any], list[str]]:
    return stack_config("production", STACKS)


def run(
    stack: str,
    config: dict[str, Any],
    secret_keys: list[str] | tuple[str, ...] = (),
    mocks: OfflineMocks | None = None,
) -> Evaluation:
    return evaluate(stack, config, secret_keys=secret_keys, mocks=mocks)


@pytest.fixture(scope="session")
def armitage() -> Evaluation:
    config, secret_keys = armitage_config()
    return run("armitage", config, secret_keys, OfflineMocks(account="891376933289"))


@pytest.fixture(scope="session")
def production() -> Evaluation:
    config, secret_keys = production_config()
    return run("production", config, secret_keys, OfflineMocks(account="891376933289"))


@pytest.fixture(params=["armitage", "production"])
def each_stack(request: pytest.FixtureRequest, armitage: Evaluation, production: Evaluation) -> Evaluation:
    return armitage if request.param == "armitage" else production
