"""What the task and execution roles end up with, however a policy is attached: the execution
role's reach into SSM, separate attachments beside a role's own lists, AWS-managed policies."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from dixie_infra.offline import Resource
from tests.policy.support import (
    PROGRAM_TASK_STATEMENTS,
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


# --- AWS-managed policies on the task and execution roles -------------------------------------


def task_and_execution(*extra: Callable[[Resource, Resource], Resource | list[Resource]]) -> list[str]:
    task = role(name="service-task-role", physical="dixie-armitage-ecs-task")
    execution = role()
    resources = [
        task,
        execution,
        attachment(execution, EXEC_POLICY),
        task_definition(links={"taskRoleArn": [task], "executionRoleArn": [execution]}),
    ]
    for f in extra:
        added = f(task, execution)
        resources += added if isinstance(added, list) else [added]
    return messages("iam-task-roles-no-aws-managed-policies", *resources)


def test_program_shaped_roles_pass_the_managed_policy_rule() -> None:
    assert task_and_execution() == []


def test_task_role_may_carry_an_in_stack_customer_policy() -> None:
    def in_stack(task: Resource, _: Resource) -> list[Resource]:
        policy = resource(
            "aws:iam/policy:Policy",
            "data-access",
            {"name": "dixie-data", "policy": document(*PROGRAM_TASK_STATEMENTS[3:])},
            outputs={"arn": "arn:aws:iam::123456789012:policy/dixie-data"},
        )
        return [
            policy,
            resource(
                "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
                "task-data",
                {"role": task.plain["name"], "policyArn": "arn:aws:iam::123456789012:policy/dixie-data"},
                links={"role": [task], "policyArn": [policy]},
            ),
        ]

    assert task_and_execution(in_stack) == []


@pytest.mark.parametrize(
    ("attach", "expected"),
    [
        (
            lambda t, e: attachment(t, "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess", name="t1"),
            "RolePolicyAttachment 't1': policyArn attaches the AWS-managed policy AmazonS3ReadOnlyAccess to the task role",
        ),
        (
            lambda t, e: attachment(t, "arn:aws-us-gov:iam::aws:policy/ReadOnlyAccess", name="t2"),
            "AWS-managed policy ReadOnlyAccess to the task role",
        ),
        (
            lambda t, e: attachment(
                t, "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy", name="t3"
            ),
            "AWS-managed policy service-role/AmazonECSTaskExecutionRolePolicy to the task role",
        ),
        (
            lambda t, e: resource(
                "aws:iam/policyAttachment:PolicyAttachment",
                "t4",
                {"roles": [t.plain["name"]], "policyArn": "arn:aws:iam::aws:policy/AmazonEC2ReadOnlyAccess"},
            ),
            "AWS-managed policy AmazonEC2ReadOnlyAccess to the task role",
        ),
        (
            lambda t, e: resource(
                "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive",
                "t5",
                {
                    "roleName": t.plain["name"],
                    "policyArns": ["arn:aws:iam::aws:policy/CloudWatchReadOnlyAccess"],
                },
            ),
            "policyArns[0] attaches the AWS-managed policy CloudWatchReadOnlyAccess to the task role",
        ),
        (
            lambda t, e: attachment(e, "arn:aws:iam::aws:policy/AmazonSSMReadOnlyAccess", name="e1"),
            "AWS-managed policy AmazonSSMReadOnlyAccess to the execution role",
        ),
        (
            lambda t, e: attachment(t, "arn:aws:iam::999999999999:policy/someone-elses", name="t6"),
            "attaches a managed policy defined outside this stack to the task role",
        ),
    ],
)
def test_aws_managed_and_unseen_policies_are_refused_on_the_service_roles(
    attach: Callable[[Resource, Resource], Resource], expected: str
) -> None:
    found = task_and_execution(attach)
    assert len(found) == 1 and expected in found[0], found


def test_managed_policy_arns_on_the_role_itself_are_refused() -> None:
    task = role(
        name="service-task-role",
        physical="dixie-armitage-ecs-task",
        managedPolicyArns=["arn:aws:iam::aws:policy/AmazonDynamoDBReadOnlyAccess"],
    )
    found = messages(
        "iam-task-roles-no-aws-managed-policies", task, task_definition(taskRoleArn=task.outputs["arn"])
    )
    assert found == [
        "Role 'service-task-role': managedPolicyArns[0] attaches the AWS-managed policy "
        "AmazonDynamoDBReadOnlyAccess to the task role (AWS-managed policies grant whole services and "
        "change without review)"
    ]
