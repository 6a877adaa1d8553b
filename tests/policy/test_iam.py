"""IAM documents and trust, beyond the one-case-per-policy table (what the task and execution roles
end up with, however attached, is in test_iam_roles.py)."""

from __future__ import annotations

import pytest

from tests.policy.support import (
    PROGRAM_TASK_STATEMENTS,
    READ_PARAMETERS,
    attachment,
    document,
    messages,
    resource,
    role,
    role_policy,
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


# --- wildcards hidden in actions and ARNs ----------------------------------------------------


def test_program_shaped_documents_pass_the_wildcard_and_escalation_rules() -> None:
    policy = role_policy(role(), *PROGRAM_TASK_STATEMENTS)
    for name in ("iam-no-wildcard-actions", "iam-no-wildcard-resources", "iam-no-privilege-escalation"):
        assert messages(name, policy) == [], name


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        ("ssm:Get*", "ssm:Get* has a wildcard: name each action"),
        ("s3:*Object", "s3:*Object has a wildcard: name each action"),
        ("kms:Decrypt?", "kms:Decrypt? has a wildcard: name each action"),
        ("*:*", "*:* has a wildcard in the service"),
        ("*:GetParameter", "*:GetParameter has a wildcard in the service"),
        ("s*:GetParameter", "s*:GetParameter has a wildcard in the service"),
    ],
)
def test_wildcards_inside_action_names_are_refused(action: str, expected: str) -> None:
    statement = {"Effect": "Allow", "Action": [action], "Resource": ["arn:aws:s3:::dixie-bucket/*"]}
    found = messages("iam-no-wildcard-actions", role_policy(role(), statement))
    assert len(found) == 1 and expected in found[0], found


@pytest.mark.parametrize(
    ("arn", "expected"),
    [
        ("arn:aws:ssm:*:*:parameter/*", "has a wildcard for the region"),
        ("arn:aws:kms:us-east-1:*:key/*", "has a wildcard for the account"),
        ("arn:*:ssm:us-east-1:123456789012:parameter/dixie/armitage/X", "has a wildcard for the partition"),
        ("arn:aws:ssm:us-east-1:123456789012:parameter/*", "has a wildcard in its ssm resource"),
        (
            "arn:aws:ssm:us-east-1:123456789012:parameter/dixie/armitage/*",
            "has a wildcard in its ssm resource",
        ),
        ("arn:aws:kms:us-east-1:123456789012:key/1234abcd-*", "has a wildcard in its kms resource"),
        (
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:dixie-?",
            "has a wildcard in its secretsmanager resource",
        ),
        ("arn:aws:iam::123456789012:role/*", "has a wildcard in its iam resource"),
        ("arn:aws:logs:us-east-1:123456789012:log-group:*", "has a wildcard before the resource name"),
        ("arn:aws:s3:::*", "has a wildcard before the resource name"),
        ("arn:aws:s3:::dixie-*/*", "has a wildcard before the resource name"),
        ("arn:aws:sns:us-east-1:123456789012:*", "has a wildcard before the resource name"),
        ("parameter/dixie/armitage/X", "is not an ARN"),
    ],
)
def test_wildcards_inside_resource_arns_are_refused(arn: str, expected: str) -> None:
    statement = {
        "Effect": "Allow",
        "Action": ["ssm:GetParameters"],
        "Resource": [READ_PARAMETERS["Resource"][0], arn],
    }
    found = messages("iam-no-wildcard-resources", role_policy(role(), statement))
    assert len(found) == 1, found
    assert found[0].startswith(
        f"RolePolicy 'service-execution-ssm': policy Statement[0].Resource[1] {expected}"
    )


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:s3:::dixie-bucket/*",
        "arn:aws:logs:us-east-1:123456789012:log-group:/ecs/dixie-armitage:log-stream:*",
        "arn:aws:sns:us-east-1:123456789012:dixie-armitage-alarms",
        "arn:aws:iam::123456789012:role/dixie-armitage-ecs-task",
    ],
)
def test_wildcards_inside_one_named_resource_are_allowed(arn: str) -> None:
    statement = {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": arn}
    assert messages("iam-no-wildcard-resources", role_policy(role(), statement)) == []


def test_wildcard_arns_in_inline_and_standalone_policies_are_refused() -> None:
    wide = document({"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "arn:aws:kms:us-east-1:*:key/*"})
    inline = role(inlinePolicies=[{"name": "decrypt", "policy": wide}])
    standalone = resource("aws:iam/policy:Policy", "decrypt-policy", {"name": "decrypt", "policy": wide})
    assert messages("iam-no-wildcard-resources", inline) == [
        "Role 'service-execution-role': inlinePolicies[0].policy Statement[0].Resource[0] has a wildcard for the account"
    ]
    assert messages("iam-no-wildcard-resources", standalone)


def test_not_resource_in_an_allow_is_a_wildcard_too() -> None:
    statement = {"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::other-bucket/*"}
    assert messages("iam-no-wildcard-resources", role_policy(role(), statement)) == [
        "RolePolicy 'service-execution-ssm': policy Statement[0] must not use NotResource in an Allow "
        "statement (it reaches every other resource)"
    ]


def test_deny_statements_may_name_wildcard_arns() -> None:
    deny = {"Effect": "Deny", "Action": "ssm:*", "Resource": "arn:aws:ssm:*:*:parameter/*"}
    assert messages("iam-no-wildcard-resources", role_policy(role(), READ_PARAMETERS, deny)) == []


# --- privilege escalation ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "action",
    [
        "iam:PassRole",
        "IAM:passrole",
        "iam:Pass*",
        "iam:Pass?ole",
        "iam:CreatePolicyVersion",
        "iam:SetDefaultPolicyVersion",
        "iam:AttachRolePolicy",
        "iam:PutRolePolicy",
        "iam:UpdateAssumeRolePolicy",
        "iam:CreateAccessKey",
        "iam:*Role*",
        "iam:Put*",
        "iam:DeleteRolePermissionsBoundary",
        "sts:AssumeRole",
        "sts:Assume*",
        "lambda:CreateFunction",
        "lambda:UpdateFunctionCode",
        "ec2:RunInstances",
        "ecs:RunTask",
        "ecs:RegisterTaskDefinition",
        "ssm:SendCommand",
        "cloudformation:CreateStack",
        "glue:CreateDevEndpoint",
        "*",
    ],
)
def test_privilege_escalation_actions_are_refused_however_written(action: str) -> None:
    statement = {"Effect": "Allow", "Action": [action], "Resource": TASK_ARN}
    found = messages("iam-no-privilege-escalation", role_policy(role(), statement))
    assert len(found) == 1 and "grants privilege-escalation actions" in found[0], found


TASK_ARN = "arn:aws:iam::123456789012:role/dixie-armitage-ecs-task"


def test_escalation_is_refused_in_inline_policies_and_by_not_action() -> None:
    inline = role(
        inlinePolicies=[
            {
                "name": "x",
                "policy": document(
                    {"Effect": "Allow", "Action": "iam:AttachRolePolicy", "Resource": TASK_ARN}
                ),
            }
        ]
    )
    assert messages("iam-no-privilege-escalation", inline)
    not_action = role_policy(role(), {"Effect": "Allow", "NotAction": "s3:*", "Resource": TASK_ARN})
    assert any("NotAction" in m for m in messages("iam-no-privilege-escalation", not_action))


@pytest.mark.parametrize(
    "action", ["iam:GetRole", "iam:List*", "sts:GetCallerIdentity", "ecs:DescribeServices"]
)
def test_read_only_actions_are_not_escalation(action: str) -> None:
    statement = {"Effect": "Allow", "Action": [action], "Resource": TASK_ARN}
    assert messages("iam-no-privilege-escalation", role_policy(role(), statement)) == []


def test_denying_escalation_is_not_escalation() -> None:
    deny = {"Effect": "Deny", "Action": ["iam:*", "sts:AssumeRole"], "Resource": "*"}
    assert messages("iam-no-privilege-escalation", role_policy(role(), READ_PARAMETERS, deny)) == []


def test_escalation_message_lists_what_a_wildcard_reaches() -> None:
    statement = {"Effect": "Allow", "Action": ["iam:*"], "Resource": TASK_ARN}
    [found] = messages("iam-no-privilege-escalation", role_policy(role(), statement))
    assert "iam:Add*, iam:Attach*, iam:Create*, iam:Delete*PermissionsBoundary and " in found
