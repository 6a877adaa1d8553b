"""The committed armitage stack and the production fixture pass the pack: every registered resource
is evaluated, no mandatory violation, and exactly the advisory findings docs/policy.md explains."""

from __future__ import annotations

import pytest
from rich.console import Console

from dixie_infra.offline import Evaluation, iter_secret_strings
from dixie_infra.policy_check import check_policies, has_mandatory, render_findings

#: The advisory findings docs/policy.md lists, with the reason each stays advisory.
EXPECTED_ADVISORY = {
    "armitage": {
        ("taskdef-readonly-root-filesystem", "service-task"),
        ("elasticache-failover", "redis-group"),
        ("sns-topic-customer-managed-key", "alarms-topic"),
    },
    "production": {
        ("taskdef-readonly-root-filesystem", "service-task"),
        ("sns-topic-customer-managed-key", "alarms-topic"),
    },
}


@pytest.fixture(params=["armitage", "production"])
def stack(request: pytest.FixtureRequest, armitage: Evaluation, production: Evaluation) -> Evaluation:
    return armitage if request.param == "armitage" else production


def test_stack_has_no_mandatory_violation(stack: Evaluation) -> None:
    findings = check_policies(stack)
    mandatory = [f for f in findings if f.level == "mandatory"]
    assert mandatory == []
    assert not has_mandatory(findings)


def test_stack_advisory_findings_are_the_documented_ones(stack: Evaluation) -> None:
    advisory = {(f.policy, f.name) for f in check_policies(stack) if f.level == "advisory"}
    assert advisory == EXPECTED_ADVISORY[stack.stack]


def test_policies_see_the_resources_they_guard(armitage: Evaluation) -> None:
    # A policy that never matches a type would pass vacuously; breaking each invariant on the real
    # evaluation must be seen.
    service = armitage.one("aws:ecs/service:Service")
    service.inputs["deploymentMaximumPercent"] = 200.0
    try:
        findings = check_policies(armitage)
    finally:
        service.inputs["deploymentMaximumPercent"] = 100.0
    assert [f.policy for f in findings if f.level == "mandatory"] == ["ecs-service-single-writer"]


def test_findings_never_carry_the_stack_secrets(armitage: Evaluation) -> None:
    secrets = set(iter_secret_strings(armitage))
    assert secrets
    for finding in check_policies(armitage):
        assert not any(s in finding.message for s in secrets)


def test_plan_output_groups_findings_by_level(armitage: Evaluation) -> None:
    console = Console(record=True, width=200)
    render_findings(check_policies(armitage), console)
    text = console.export_text()
    assert "0 mandatory, 3 advisory" in text
    assert "advisory (3)" in text
    assert "mandatory (" not in text
