"""IAM policies over a stack's roles: what each role ends up with, however a policy is attached.

A role's permissions come from its own ``inlinePolicies``/``managedPolicyArns`` and from separate
RolePolicy, RolePolicyAttachment, PolicyAttachment and RolePolicyAttachmentsExclusive resources;
these stack policies follow every one of those ways to the two roles a task definition names.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from pulumi_policy import PolicyResource, Severity, StackValidationArgs

from ._support import (
    IAM_POLICY,
    IAM_POLICY_ATTACHMENT,
    IAM_ROLE,
    IAM_ROLE_POLICY,
    IAM_ROLE_POLICY_ATTACHMENT,
    IAM_ROLE_POLICY_ATTACHMENTS_EXCLUSIVE,
    MANDATORY,
    TASK_DEFINITION,
    DocumentError,
    allows,
    as_list,
    config_schema,
    is_map,
    iter_statements,
    linked,
    matching,
    of_type,
    ssm_prefix,
    stack_policy,
    under_ssm_prefix,
)
from .ecs import SSM_PREFIX_SCHEMA
from .iam import actions_of, documents, grants, policy_name

#: The only SSM actions the execution role needs: ECS resolves the task's ``secrets`` with them.
EXECUTION_SSM_ACTIONS = frozenset({"ssm:getparameters", "ssm:getparameter"})
#: ``arn:<partition>:iam::aws:policy/<path and name>``: a policy AWS writes and changes.
AWS_MANAGED_POLICY = re.compile(r"^arn:aws[a-z-]*:iam::aws:policy/")
#: What the execution role may carry beyond its own in-stack SSM policy: image pull and awslogs.
EXECUTION_AWS_MANAGED = frozenset({"service-role/AmazonECSTaskExecutionRolePolicy"})


def attached_to(role: PolicyResource, candidates: list[PolicyResource]) -> list[PolicyResource]:
    """RolePolicy / RolePolicyAttachment resources whose ``role`` is ``role`` (by dependency, else by value)."""
    found = []
    for candidate in candidates:
        if role in linked(candidate, "role", IAM_ROLE) or role in matching(
            [role], candidate.props.get("role"), ("name", "id", "arn")
        ):
            found.append(candidate)
    return found


def _statement_problems(where: str, document: Any, prefix: str) -> Iterator[str]:
    for index, statement in iter_statements(document):
        if not allows(statement):
            continue
        if statement.get("NotAction") is not None:
            yield f"{where} Statement[{index}] must not use NotAction on the execution role"
            continue
        ssm = [a for a in actions_of(statement) if grants(a, "ssm:*")]
        if not ssm:
            continue
        if any(a.lower() not in EXECUTION_SSM_ACTIONS for a in ssm):
            yield f"{where} Statement[{index}].Action grants SSM actions beyond GetParameter(s) to the execution role"
        resources = as_list(statement.get("Resource"))
        if statement.get("NotResource") is not None or not resources:
            yield f"{where} Statement[{index}] must list the service's parameter ARNs in Resource"
        elif not all(
            isinstance(r, str) and r.startswith("arn:") and under_ssm_prefix(r, prefix) for r in resources
        ):
            yield f"{where} Statement[{index}].Resource reaches SSM parameters outside the service's prefix"


def _execution_role_ssm(args: StackValidationArgs) -> Iterator[tuple[PolicyResource, str]]:
    roles = of_type(args, IAM_ROLE)
    role_policies = of_type(args, IAM_ROLE_POLICY)
    attachments = of_type(args, IAM_ROLE_POLICY_ATTACHMENT)
    for task_definition in of_type(args, TASK_DEFINITION):
        prefix = ssm_prefix(args.get_config(), task_definition.urn)
        execution_roles = linked(task_definition, "executionRoleArn", IAM_ROLE) or matching(
            roles, task_definition.props.get("executionRoleArn"), ("arn",)
        )
        for role in execution_roles:
            sources: list[tuple[PolicyResource, str, Any]] = []
            try:
                sources += [(role, where, doc) for where, doc in documents(IAM_ROLE, role.props)]
                for policy in attached_to(role, role_policies):
                    sources += [
                        (policy, where, doc) for where, doc in documents(IAM_ROLE_POLICY, policy.props)
                    ]
            except DocumentError as exc:
                yield role, str(exc)
            for owner, where, document in sources:
                for problem in _statement_problems(where, document, prefix):
                    yield owner, problem
            managed = [
                (role, f"managedPolicyArns[{i}]", arn)
                for i, arn in enumerate(as_list(role.props.get("managedPolicyArns")))
            ]
            managed += [(a, "policyArn", a.props.get("policyArn")) for a in attached_to(role, attachments)]
            for owner, where, arn in managed:
                if "ssm" in policy_name(arn).lower():
                    yield (
                        owner,
                        f"{where} attaches a managed SSM policy to the execution role (it reads parameters beyond the service's)",
                    )


def _no_policy_management_conflicts(args: StackValidationArgs) -> Iterator[tuple[PolicyResource, str]]:
    role_policies = of_type(args, IAM_ROLE_POLICY)
    attachments = of_type(args, IAM_ROLE_POLICY_ATTACHMENT)
    for role in of_type(args, IAM_ROLE):
        separate_policies = attached_to(role, role_policies)
        separate_attachments = attached_to(role, attachments)
        if not separate_policies and not separate_attachments:
            continue
        # After a refresh the role's outputs list every policy AWS reports, including the ones the
        # separate resources added; only the rest were declared on the role itself.
        separately_named = {p.props.get("name") for p in separate_policies}
        separately_attached = {a.props.get("policyArn") for a in separate_attachments}
        inline = [
            p
            for p in as_list(role.props.get("inlinePolicies"))
            if is_map(p) and (p.get("name") or p.get("policy")) and p.get("name") not in separately_named
        ]
        managed = [a for a in as_list(role.props.get("managedPolicyArns")) if a not in separately_attached]
        if inline or managed:
            yield (
                role,
                (
                    "inlinePolicies/managedPolicyArns must not be combined with separate RolePolicy or "
                    "RolePolicyAttachment resources on the same role: each apply removes the other's policies"
                ),
            )


def _managed_attachments(
    role: PolicyResource, args: StackValidationArgs
) -> Iterator[tuple[PolicyResource, str, Any]]:
    """(owner, property, policy ARN) of every managed policy attached to ``role``, whichever of
    the four ways attaches it."""
    separately: list[tuple[PolicyResource, str, Any]] = []
    for attachment in attached_to(role, of_type(args, IAM_ROLE_POLICY_ATTACHMENT)):
        separately.append((attachment, "policyArn", attachment.props.get("policyArn")))
    for attachment in of_type(args, IAM_POLICY_ATTACHMENT):
        names = as_list(attachment.props.get("roles"))
        if role in linked(attachment, "roles", IAM_ROLE) or any(
            matching([role], n, ("name", "id", "arn")) for n in names
        ):
            separately.append((attachment, "policyArn", attachment.props.get("policyArn")))
    for exclusive in of_type(args, IAM_ROLE_POLICY_ATTACHMENTS_EXCLUSIVE):
        if role in linked(exclusive, "roleName", IAM_ROLE) or matching(
            [role], exclusive.props.get("roleName"), ("name", "id")
        ):
            separately += [
                (exclusive, f"policyArns[{i}]", arn)
                for i, arn in enumerate(as_list(exclusive.props.get("policyArns")))
            ]
    yield from separately
    # A refreshed role lists the separately attached ARNs too; report each attachment once.
    already = {arn for _, _, arn in separately}
    for i, arn in enumerate(as_list(role.props.get("managedPolicyArns"))):
        if arn not in already:
            yield role, f"managedPolicyArns[{i}]", arn


def _task_definition_roles(args: StackValidationArgs, prop: str) -> list[PolicyResource]:
    roles = of_type(args, IAM_ROLE)
    found: dict[str, PolicyResource] = {}
    for task_definition in of_type(args, TASK_DEFINITION):
        for role in linked(task_definition, prop, IAM_ROLE) or matching(
            roles, task_definition.props.get(prop), ("arn",)
        ):
            found[role.urn] = role
    return list(found.values())


def _in_stack_policy(owner: PolicyResource, where: str, arn: Any, policies: list[PolicyResource]) -> bool:
    prop = where.split("[", 1)[0]
    return bool(linked(owner, prop, IAM_POLICY)) or bool(matching(policies, arn, ("arn",)))


def _managed_policies_scoped(args: StackValidationArgs) -> Iterator[tuple[PolicyResource, str]]:
    policies = of_type(args, IAM_POLICY)
    for kind, prop, allowed in (
        ("task", "taskRoleArn", frozenset[str]()),
        ("execution", "executionRoleArn", EXECUTION_AWS_MANAGED),
    ):
        for role in _task_definition_roles(args, prop):
            for owner, where, arn in _managed_attachments(role, args):
                if not isinstance(arn, str):
                    continue
                aws_managed = AWS_MANAGED_POLICY.match(arn)
                if aws_managed and arn[aws_managed.end() :] not in allowed:
                    yield (
                        owner,
                        f"{where} attaches the AWS-managed policy {arn[aws_managed.end() :]} to the {kind} role "
                        "(AWS-managed policies grant whole services and change without review)"
                        + (": only service-role/AmazonECSTaskExecutionRolePolicy" if allowed else ""),
                    )
                elif not aws_managed and not _in_stack_policy(owner, where, arn, policies):
                    yield (
                        owner,
                        f"{where} attaches a managed policy defined outside this stack to the {kind} role "
                        "(the pack cannot see what it grants)",
                    )


POLICIES = [
    stack_policy(
        "iam-task-roles-no-aws-managed-policies",
        "The task role carries no AWS-managed policy and the execution role none but "
        "service-role/AmazonECSTaskExecutionRolePolicy; every other managed policy attached to "
        "either is defined in this stack, so the pack sees what it grants.",
        controls=("CKV_AWS_274", "CKV2_AWS_40", "IAM.1 rationale", "project"),
        level=MANDATORY,
        severity=Severity.HIGH,
        check=_managed_policies_scoped,
    ),
    stack_policy(
        "iam-execution-role-ssm-scoped",
        "The task definition's execution role reads SSM only with ssm:GetParameter(s), only on "
        "parameter ARNs under the service's prefix, and carries no managed SSM policy.",
        controls=("project", "AWS ECS task execution IAM role", "CKV_AWS_355"),
        level=MANDATORY,
        severity=Severity.HIGH,
        check=_execution_role_ssm,
        schema=config_schema(ssmPrefix=SSM_PREFIX_SCHEMA),
    ),
    stack_policy(
        "iam-no-policy-management-conflicts",
        "No role declares inlinePolicies or managedPolicyArns while separate RolePolicy or "
        "RolePolicyAttachment resources also target it.",
        controls=("project", "pulumi-policy-aws awsguard iam rule"),
        level=MANDATORY,
        severity=Severity.MEDIUM,
        check=_no_policy_management_conflicts,
    ),
]
