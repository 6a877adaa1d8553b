"""IAM documents, trust and the execution role's reach, beyond the one-case-per-policy table."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from dixie_infra.offline import Resource
from tests.policy.support import (
    READ_PARAMETERS,
    attachment,
    document,
    messages,
    resource,
    role,
    role_policy,
    task_definition,
)

EXEC_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"


@pytest.mark.parametrize(
    "statement",
    [
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Effect": "Allow", "Action": ["logs:PutLogEvents", "IAM:*"], "Resource": ["arn:aws:iam::1:role/x"]},
        {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"},
    ],
)
def test_no_statement_grants_whole_services(statement: dict[str, object]) -> None:
    assert messages("iam-no-wildcard-actions", role_policy(role(), statement))


def test_a_single_statement_object_is_checked_too() -> None:
    policy = resource(
        "aws:iam/rolePolicy:RolePolicy",
        "p",
        {
            "role": "r",
            "policy": '{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}',
        },
    )
    assert messages("iam-no-wildcard-actions", policy)


def test_deny_statements_may_use_wildcards() -> None:
    deny = {"Effect": "Deny", "Action": "*", "Resource": "*"}
    assert messages("iam-no-wildcard-actions", role_policy(role(), READ_PARAMETERS, deny)) == []


def test_inline_role_policies_are_checked_like_role_policies() -> None:
    inline = [
        {
            "name": "too-wide",
            "policy": document({"Effect": "Allow", "Action": "ssm:GetParameter", "Resource": "*"}),
        }
    ]
    assert messages("iam-no-star-resource-for-secrets", role(inlinePolicies=inline))


@pytest.mark.parametrize("action", ["iam:PassRole", "iam:Pass*", "ssm:GetParameter", "kms:Decrypt", "*"])
def test_secret_reading_and_role_passing_never_apply_to_every_resource(action: str) -> None:
    assert messages(
        "iam-no-star-resource-for-secrets",
        role_policy(role(), {"Effect": "Allow", "Action": action, "Resource": "*"}),
    )


def execution_findings(*extra: Callable[[Resource], Resource]) -> list[str]:
    execution = role()
    resources = [
        execution,
        task_definition(links={"executionRoleArn": [execution]}),
        *(f(execution) for f in extra),
    ]
    return messages("iam-execution-role-ssm-scoped", *resources)


def test_execution_role_may_not_list_parameters_by_path() -> None:
    statement = {
        "Effect": "Allow",
        "Action": ["ssm:GetParametersByPath"],
        "Resource": ["arn:aws:ssm:us-east-1:1:parameter/dixie/armitage/X"],
    }
    assert any("beyond GetParameter" in m for m in execution_findings(lambda r: role_policy(r, statement)))


def test_execution_role_may_not_carry_a_managed_ssm_policy() -> None:
    found = execution_findings(
        lambda r: attachment(r, "arn:aws:iam::aws:policy/AmazonSSMReadOnlyAccess", name="extra")
    )
    assert any("managed SSM policy" in m for m in found)


def test_execution_role_prefix_is_not_a_string_prefix() -> None:
    statement = {
        "Effect": "Allow",
        "Action": ["ssm:GetParameters"],
        "Resource": ["arn:aws:ssm:us-east-1:1:parameter/dixie/armitage*"],
    }
    assert execution_findings(lambda r: role_policy(r, statement))


def test_execution_role_found_by_arn_when_not_linked() -> None:
    execution = role()
    wide = role_policy(execution, {"Effect": "Allow", "Action": ["ssm:GetParameters"], "Resource": ["*"]})
    assert messages("iam-execution-role-ssm-scoped", execution, wide, task_definition())


def test_task_role_may_read_by_path_under_its_own_rules() -> None:
    # Only the execution role is held to GetParameter(s); the task role is another policy's business.
    task = role(name="service-task-role", physical="dixie-armitage-ecs-task")
    by_path = {
        "Effect": "Allow",
        "Action": ["ssm:GetParametersByPath"],
        "Resource": ["arn:aws:ssm:us-east-1:1:parameter/dixie/armitage"],
    }
    execution = role()
    resources = [
        execution,
        task,
        role_policy(task, by_path, name="task-permissions"),
        task_definition(links={"executionRoleArn": [execution]}),
    ]
    assert messages("iam-execution-role-ssm-scoped", *resources) == []


@pytest.mark.parametrize(
    "principal",
    [
        "*",
        {"Service": ["ecs-tasks.amazonaws.com", "lambda.amazonaws.com"]},
        {"Federated": "cognito-identity.amazonaws.com"},
    ],
)
def test_roles_trust_only_ecs_tasks(principal: object) -> None:
    trust = document({"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"})
    assert messages("iam-trust-ecs-tasks-only", role(assumeRolePolicy=trust))


@pytest.mark.parametrize("name", ["PowerUserAccess", "IAMFullAccess", "AmazonSSMFullAccess"])
def test_no_admin_style_managed_policy(name: str) -> None:
    assert messages("iam-no-admin-managed-policies", attachment(role(), f"arn:aws:iam::aws:policy/{name}"))
    assert messages(
        "iam-no-admin-managed-policies", role(managedPolicyArns=[f"arn:aws:iam::aws:policy/{name}"])
    )


def test_refreshed_role_listing_its_attachments_is_not_a_conflict() -> None:
    # After a refresh a role's outputs list the policies its separate attachments added.
    execution = role()
    refreshed = resource(
        execution.type,
        execution.name,
        execution.inputs,
        outputs={
            **execution.outputs,
            "managedPolicyArns": [EXEC_POLICY],
            "inlinePolicies": [{"name": "dixie-armitage-execution-ssm", "policy": "{}"}, {}],
        },
    )
    assert (
        messages(
            "iam-no-policy-management-conflicts",
            refreshed,
            attachment(refreshed, EXEC_POLICY),
            role_policy(refreshed, READ_PARAMETERS),
        )
        == []
    )
