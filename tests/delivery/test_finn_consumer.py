"""The Finn consumer contract: examples/finn-consumer/ run against this stack's real outputs.

The dixie program is evaluated offline for armitage; its stack outputs answer the consumer's
StackReference, and the consumer runs under the same mock runtime. Renaming or removing
``dixieBaseUrl`` or ``serviceSecurityGroupId`` in the dixie program makes the consumer's
``require_output`` fail here, as it would fail Finn's preview. The broken-contract cases prove
that this failure is detected rather than assumed.
"""

from __future__ import annotations

import ast
import gc
import logging
import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml

from dixie_infra.deployment import OUTPUT_KEYS
from dixie_infra.offline import (
    Evaluation,
    OfflineMocks,
    evaluate,
    is_secret,
    stack_config,
    unwrap,
)

ROOT = Path(__file__).resolve().parents[2]
CONSUMER = ROOT / "examples" / "finn-consumer"
STACK = "armitage"
ACCOUNT = "891376933289"


class ConsumerMocks(OfflineMocks):
    """OfflineMocks that also answer StackReference reads with a given stack's outputs."""

    def __init__(self, referenced_outputs: Mapping[str, Any], secret_output_names: list[str]):
        super().__init__(account=ACCOUNT)
        self.referenced_outputs = dict(referenced_outputs)
        self.secret_output_names = list(secret_output_names)
        #: the stack names the program asked for, in order
        self.references: list[str] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        if args.typ != "pulumi:pulumi:StackReference":
            return super().new_resource(args)
        # The SDK reads the reference (its id is the stack name) and takes `outputs` and
        # `secretOutputNames` from the answer, as the engine's StackReference provider returns.
        name = str(unwrap(dict(args.inputs)).get("name") or args.resource_id)
        self.references.append(name)
        return name, {
            "name": name,
            "outputs": self.referenced_outputs,
            "secretOutputNames": self.secret_output_names,
        }


def consumer_project() -> str:
    return str(yaml.safe_load((CONSUMER / "Pulumi.yaml").read_text())["name"])


def consumer_config(stack: str) -> dict[str, Any]:
    document = yaml.safe_load((CONSUMER / f"Pulumi.{stack}.yaml").read_text()) or {}
    return dict(document.get("config") or {})


def required_outputs() -> set[str]:
    """Every name the consumer passes to require_output, read from its source."""
    tree = ast.parse((CONSUMER / "__main__.py").read_text())
    return {
        str(node.args[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "require_output"
        and node.args
        and isinstance(node.args[0], ast.Constant)
    }


@pytest.fixture(scope="module")
def dixie() -> Evaluation:
    config, secret_keys = stack_config(STACK)
    return evaluate(STACK, config, secret_keys=secret_keys, mocks=OfflineMocks(account=ACCOUNT))


@pytest.fixture
def run_consumer() -> Iterator[Any]:
    """Runs the consumer program under mocks, as its own project (its pulumi.Config() reads the
    consumer's namespace)."""
    project = consumer_project()

    def run(outputs: Mapping[str, Any], secret_names: list[str]) -> tuple[Evaluation, ConsumerMocks]:
        mocks = ConsumerMocks(outputs, secret_names)
        evaluation = evaluate(
            STACK, consumer_config(STACK), mocks=mocks, program=CONSUMER / "__main__.py", project=project
        )
        return evaluation, mocks

    yield run
    # A failed run leaves SDK futures holding the KeyError (and coroutines never awaited);
    # asyncio logs each of them whenever they are collected, at worst after pytest has finished.
    # Collect them now, with that logging muted: the failure itself was asserted already.
    asyncio_logger = logging.getLogger("asyncio")
    was_disabled = asyncio_logger.disabled
    asyncio_logger.disabled = True
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            gc.collect()
    finally:
        asyncio_logger.disabled = was_disabled


# The SDK abandons the Outputs still pending when a program fails; Python warns about each.
ABANDONED_OUTPUTS = pytest.mark.filterwarnings("ignore:coroutine 'Output\\.:RuntimeWarning")


def real_outputs(dixie: Evaluation) -> tuple[dict[str, Any], list[str]]:
    secret_names = sorted(k for k, v in dixie.outputs.items() if is_secret(v))
    return dixie.plain_outputs, secret_names


def test_consumer_requires_only_contract_outputs() -> None:
    required = required_outputs()
    assert required == {"dixieBaseUrl", "serviceSecurityGroupId"}
    assert required <= set(OUTPUT_KEYS)


def test_consumer_wires_finn_from_the_real_outputs(dixie: Evaluation, run_consumer: Any) -> None:
    outputs, secret_names = real_outputs(dixie)
    try:
        consumer, mocks = run_consumer(outputs, secret_names)
    except KeyError as exc:
        pytest.fail(
            f"Finn's require_output({exc}) finds no such output on the dixie stack: a contract output "
            f"was renamed or removed (the stack exports {sorted(outputs)})"
        )

    assert mocks.references == ["organization/dixie/armitage"]
    parameter = consumer.one("aws:ssm/parameter:Parameter")
    plain = parameter.plain
    assert plain["name"] == "/loa-finn/armitage/DIXIE_BASE_URL"
    assert plain["value"] == "https://dixie-armitage.arrakis.community"
    assert plain["value"] == outputs["dixieBaseUrl"]
    assert plain["type"] == "SecureString"
    security_group = outputs["serviceSecurityGroupId"]
    assert security_group.startswith("sg-")
    assert plain["tags"]["DixieServiceSecurityGroupId"] == security_group
    assert consumer.plain_outputs == {
        "dixieBaseUrl": "https://dixie-armitage.arrakis.community",
        "dixieServiceSecurityGroupId": security_group,
    }


@ABANDONED_OUTPUTS
@pytest.mark.parametrize(
    ("broken", "missing"),
    [
        pytest.param({"drop": "dixieBaseUrl"}, "dixieBaseUrl", id="dixieBaseUrl-removed"),
        pytest.param(
            {"drop": "serviceSecurityGroupId"}, "serviceSecurityGroupId", id="serviceSecurityGroupId-removed"
        ),
        pytest.param({"rename": ("dixieBaseUrl", "baseUrl")}, "dixieBaseUrl", id="dixieBaseUrl-renamed"),
    ],
)
def test_a_broken_contract_fails_the_consumer(
    dixie: Evaluation, run_consumer: Any, broken: dict[str, Any], missing: str
) -> None:
    outputs, secret_names = real_outputs(dixie)
    if "drop" in broken:
        del outputs[broken["drop"]]
    else:
        old, new = broken["rename"]
        outputs[new] = outputs.pop(old)
    with pytest.raises(KeyError, match=missing):
        run_consumer(outputs, secret_names)


@ABANDONED_OUTPUTS
def test_a_consumer_run_after_a_failed_one_still_works(dixie: Evaluation, run_consumer: Any) -> None:
    # A failed run must not poison the runtime for the next (the contract test runs both kinds).
    outputs, secret_names = real_outputs(dixie)
    broken = {k: v for k, v in outputs.items() if k != "dixieBaseUrl"}
    with pytest.raises(KeyError):
        run_consumer(broken, secret_names)
    consumer, _ = run_consumer(outputs, secret_names)
    assert consumer.one("aws:ssm/parameter:Parameter").plain["value"] == outputs["dixieBaseUrl"]
