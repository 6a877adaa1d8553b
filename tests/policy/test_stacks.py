"""The committed armitage stack and the production fixture pass the pack: every registered resource
is evaluated, no mandatory violation, and exactly the advisory findings docs/policy.md explains."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable

import pytest
from rich.console import Console

from dixie_infra.offline import Evaluation, iter_secret_strings
from dixie_infra.offline.policies import PackConfig, check_policies, has_mandatory, render_findings

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


def _statement(statement: dict) -> Callable[[dict], None]:
    def add(props: dict) -> None:
        document = json.loads(props["policy"])
        document["Statement"].append(statement)
        props["policy"] = json.dumps(document)

    return add


def _container_env(props: dict) -> None:
    containers = json.loads(props["containerDefinitions"])
    containers[0]["environment"].append(
        {"name": "UPSTREAM", "value": "qcSboTQmuJvi3vyukCDtdyvMs50Wz-t7JDozzp7B3jk"}
    )
    props["containerDefinitions"] = json.dumps(containers)


def _volume(props: dict) -> None:
    props["volumes"][0]["efsVolumeConfiguration"]["transitEncryption"] = "DISABLED"


HOSTILE_CHANGES = [
    (
        "aws:iam/rolePolicy:RolePolicy",
        "service-task-permissions",
        _statement(
            {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::891376933289:role/x"}
        ),
        {"iam-no-privilege-escalation"},
    ),
    (
        "aws:iam/rolePolicy:RolePolicy",
        "service-task-permissions",
        _statement(
            {"Effect": "Allow", "Action": "kms:Decrypt*", "Resource": "arn:aws:kms:us-east-1:*:key/*"}
        ),
        {"iam-no-wildcard-actions", "iam-no-wildcard-resources"},
    ),
    (
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        "service-execution-managed",
        lambda p: p.update(policyArn="arn:aws:iam::aws:policy/AmazonSSMReadOnlyAccess"),
        {"iam-task-roles-no-aws-managed-policies", "iam-execution-role-ssm-scoped"},
    ),
    (
        "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
        "network-to-https",
        lambda p: p.update(cidrIpv4="0.0.0.0/1", ipProtocol="-1"),
        {"sg-world-egress-https-only", "sg-no-all-protocols-to-world"},
    ),
    (
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        "network-from-alb",
        lambda p: (p.pop("referencedSecurityGroupId"), p.update(cidrIpv6="::/1")),
        {"sg-no-world-ingress"},
    ),
    (
        "aws:ecs/taskDefinition:TaskDefinition",
        "service-task",
        _container_env,
        {"taskdef-no-plaintext-secrets"},
    ),
    (
        "aws:ecs/taskDefinition:TaskDefinition",
        "service-task",
        _volume,
        {"taskdef-efs-volumes-tls-access-point"},
    ),
    ("aws:efs/fileSystem:FileSystem", "data-fs", lambda p: p.update(encrypted=False), {"efs-encrypted"}),
    (
        "aws:sns/topicPolicy:TopicPolicy",
        "alarms-topic-policy",
        _statement({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sns:Publish", "Resource": "*"}),
        {"resource-policies-not-public"},
    ),
]


@pytest.mark.parametrize(
    ("type_", "name", "change", "expected"),
    HOSTILE_CHANGES,
    ids=[f"{n}-{sorted(e)[0]}" for _, n, _, e in HOSTILE_CHANGES],
)
def test_hostile_changes_to_the_real_stack_are_caught(
    armitage: Evaluation, type_: str, name: str, change: Callable[[dict], object], expected: set[str]
) -> None:
    # The new rules must match the shapes the program really registers, not only hand-made ones.
    target = armitage.one(type_, name)
    saved = copy.deepcopy(target.inputs), copy.deepcopy(target.outputs)
    try:
        for props in (target.inputs, target.outputs):
            change(props)
        found = {
            f.policy
            for f in check_policies(armitage, pack_config=PackConfig({}, {}))
            if f.level == "mandatory"
        }
    finally:
        target.inputs.clear()
        target.inputs.update(saved[0])
        target.outputs.clear()
        target.outputs.update(saved[1])
    assert found == expected
    assert not has_mandatory(check_policies(armitage, pack_config=PackConfig({}, {})))
