"""IAM policies on each document: least privilege and ECS-only trust (what a stack's roles end up
with, however it is attached, is judged in :mod:`.iam_roles`).

IAM documents arrive as JSON strings (``policy``, ``assumeRolePolicy``, ``inlinePolicies[].policy``).
Action names are matched case-insensitively, as IAM does.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import ResourceValidationArgs, Severity

from ._support import (
    IAM_POLICY,
    IAM_POLICY_ATTACHMENT,
    IAM_ROLE,
    IAM_ROLE_POLICY,
    IAM_ROLE_POLICY_ATTACHMENT,
    MANDATORY,
    allows,
    as_list,
    config_schema,
    is_map,
    iter_statements,
    json_document,
    resource_policy,
)
from .escalation import escalations

SERVICE_WIDE = re.compile(r"^[a-z0-9-]+:\*$", re.IGNORECASE)
WILDCARD = re.compile(r"[*?]")
#: Actions that must never apply to every resource: reading any parameter or decrypting with any
#: key reads every secret in the account; passing any role is privilege escalation.
SENSITIVE_ACTIONS = ("ssm:*", "kms:*", "secretsmanager:*", "iam:passrole")
ADMIN_POLICY_NAMES = frozenset({"AdministratorAccess", "PowerUserAccess", "IAMFullAccess"})
DEFAULT_TRUSTED_SERVICES = ("ecs-tasks.amazonaws.com",)


def documents(resource_type: str, props: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    """(property path, parsed document) of every permissions document the resource carries."""
    if resource_type in (IAM_ROLE_POLICY, IAM_POLICY):
        yield "policy", json_document(props.get("policy"), "policy")
    elif resource_type == IAM_ROLE:
        for index, inline in enumerate(as_list(props.get("inlinePolicies"))):
            if is_map(inline) and inline.get("policy"):
                where = f"inlinePolicies[{index}].policy"
                yield where, json_document(inline.get("policy"), where)


def actions_of(statement: Mapping[str, Any]) -> list[str]:
    return [a for a in as_list(statement.get("Action")) if isinstance(a, str)]


def grants(action: str, pattern: str) -> bool:
    """Whether the granted (possibly wildcarded) ``action`` covers ``pattern`` (an action, or ``svc:*``)."""
    action, pattern = action.lower(), pattern.lower()
    if action == "*":
        return True
    if pattern.endswith(":*"):
        return fnmatch.fnmatchcase(pattern[:-2], action.split(":", 1)[0])
    return fnmatch.fnmatchcase(pattern, action)


def _no_wildcard_actions(args: ResourceValidationArgs) -> Iterator[str]:
    for where, document in documents(args.resource_type, args.props):
        for index, statement in iter_statements(document):
            if not allows(statement):
                continue
            if statement.get("NotAction") is not None:
                yield f"{where} Statement[{index}] must not use NotAction in an Allow statement"
            for action in actions_of(statement):
                if action == "*":
                    yield f"{where} Statement[{index}].Action grants every action"
                elif WILDCARD.search(action.split(":", 1)[0]):
                    yield f"{where} Statement[{index}].Action {action} has a wildcard in the service: it reaches other services"
                elif SERVICE_WIDE.match(action):
                    yield f"{where} Statement[{index}].Action grants every action of a service"
                elif WILDCARD.search(action):
                    # ssm:Get*, s3:*Object: a prefix reaches actions AWS adds later, and whatever
                    # else happens to share the prefix (ssm:GetParametersByPath reads every secret).
                    yield f"{where} Statement[{index}].Action {action} has a wildcard: name each action"


def _no_star_resource_for_sensitive(args: ResourceValidationArgs) -> Iterator[str]:
    for where, document in documents(args.resource_type, args.props):
        for index, statement in iter_statements(document):
            if not allows(statement):
                continue
            every_resource = (
                "*" in as_list(statement.get("Resource")) or statement.get("NotResource") is not None
            )
            sensitive = any(grants(a, p) for a in actions_of(statement) for p in SENSITIVE_ACTIONS)
            if every_resource and sensitive:
                yield f"{where} Statement[{index}] grants SSM, KMS or iam:PassRole actions on every resource"


#: Services whose resources are secrets or identities: an ARN for them names one resource exactly.
EXACT_ARN_SERVICES = frozenset({"ssm", "kms", "secretsmanager", "iam", "sts"})
#: Services whose resource part has no type prefix (``arn:aws:s3:::bucket/key``, ``...:sns:...:topic``).
UNTYPED_ARN_SERVICES = frozenset({"s3", "sns", "sqs"})
ARN_FIELDS = ("partition", "service", "region", "account")


def _arn_problem(resource: str) -> str | None:
    """Why a Resource entry (other than ``*``, which the secrets rule judges) reaches too far."""
    fields = resource.split(":", 5)
    if len(fields) != 6 or fields[0] != "arn":
        return "is not an ARN"
    for field, value in zip(ARN_FIELDS, fields[1:5], strict=True):
        if WILDCARD.search(value):
            return f"has a wildcard for the {field}"
    service, path = fields[2].lower(), fields[5]
    if not WILDCARD.search(path):
        return None
    if service in EXACT_ARN_SERVICES:
        return f"has a wildcard in its {service} resource: name each parameter, key, secret or role"
    segments = [s for s in re.split(r"[:/]", path) if s]
    # The first segment is the resource type (parameter, log-group, file-system) except where the
    # service has none; the segment after it is the name, which must be concrete: a wildcard
    # further down (log-stream:*, bucket/*) stays inside one named resource.
    name_at = 0 if service in UNTYPED_ARN_SERVICES or len(segments) == 1 else 1
    if any(WILDCARD.search(s) for s in segments[: name_at + 1]):
        return "has a wildcard before the resource name: it reaches every resource of that type"
    return None


def _no_wildcard_arns(args: ResourceValidationArgs) -> Iterator[str]:
    for where, document in documents(args.resource_type, args.props):
        for index, statement in iter_statements(document):
            if not allows(statement):
                continue
            if statement.get("NotResource") is not None:
                yield f"{where} Statement[{index}] must not use NotResource in an Allow statement (it reaches every other resource)"
            for k, entry in enumerate(as_list(statement.get("Resource"))):
                if entry == "*" or not isinstance(entry, str):
                    continue
                problem = _arn_problem(entry)
                if problem:
                    yield f"{where} Statement[{index}].Resource[{k}] {problem}"


def _no_privilege_escalation(args: ResourceValidationArgs) -> Iterator[str]:
    for where, document in documents(args.resource_type, args.props):
        for index, statement in iter_statements(document):
            if not allows(statement):
                continue
            if statement.get("NotAction") is not None:
                yield f"{where} Statement[{index}] uses NotAction in an Allow statement, which grants the escalation actions"
                continue
            reached = sorted({e for action in actions_of(statement) for e in escalations(action)})
            if reached:
                shown = ", ".join(reached[:4]) + (f" and {len(reached) - 4} more" if len(reached) > 4 else "")
                yield (
                    f"{where} Statement[{index}].Action grants privilege-escalation actions "
                    f"({shown}): the role could obtain permissions it was not given"
                )


def _trust_ecs_tasks(args: ResourceValidationArgs) -> Iterator[str]:
    trusted = set(args.get_config().get("trustedServices", DEFAULT_TRUSTED_SERVICES))
    document = json_document(args.props.get("assumeRolePolicy"), "assumeRolePolicy")
    statements = list(iter_statements(document))
    if not statements:
        yield "assumeRolePolicy must allow the ECS tasks service to assume the role"
    for index, statement in statements:
        if not allows(statement):
            continue
        if statement.get("NotPrincipal") is not None:
            yield f"assumeRolePolicy Statement[{index}] must not use NotPrincipal"
        principal = statement.get("Principal")
        if not isinstance(principal, Mapping):
            yield f"assumeRolePolicy Statement[{index}].Principal must name the ECS tasks service, not everyone"
            continue
        if set(principal) - {"Service"}:
            yield f"assumeRolePolicy Statement[{index}].Principal must trust only a service, not accounts or identity providers"
        if not set(as_list(principal.get("Service"))) <= trusted or not principal.get("Service"):
            yield f"assumeRolePolicy Statement[{index}].Principal.Service must be only ecs-tasks.amazonaws.com"


def policy_name(arn: Any) -> str:
    return arn.rsplit("/", 1)[-1] if isinstance(arn, str) else ""


def _is_admin(arn: Any) -> bool:
    name = policy_name(arn)
    return name in ADMIN_POLICY_NAMES or name.endswith("FullAccess")


def _no_admin_managed(args: ResourceValidationArgs) -> Iterator[str]:
    if args.resource_type == IAM_ROLE:
        for index, arn in enumerate(as_list(args.props.get("managedPolicyArns"))):
            if _is_admin(arn):
                yield f"managedPolicyArns[{index}] attaches an administrator-style or full-access managed policy"
    elif _is_admin(args.props.get("policyArn")):
        yield "policyArn attaches an administrator-style or full-access managed policy"


POLICIES = [
    resource_policy(
        "iam-no-wildcard-actions",
        "No Allow statement grants * or a whole service (svc:*), or uses NotAction.",
        controls=("IAM.1", "IAM.21", "CKV_AWS_62", "CKV_AWS_63", "CKV2_AWS_40", "AVD-AWS-0057"),
        level=MANDATORY,
        severity=Severity.HIGH,
        types=[IAM_ROLE_POLICY, IAM_POLICY, IAM_ROLE],
        check=_no_wildcard_actions,
    ),
    resource_policy(
        "iam-no-wildcard-resources",
        "No Allow statement names a resource ARN with a wildcard for the partition, service, region or "
        "account, any wildcard in an SSM, KMS, Secrets Manager, IAM or STS ARN, or a wildcard before "
        "the resource's name (arn:aws:ssm:*:*:parameter/*, arn:aws:kms:us-east-1:*:key/*, log-group:*), "
        "or NotResource in an Allow.",
        controls=("CKV_AWS_355", "AVD-AWS-0057", "IAM.1 rationale"),
        level=MANDATORY,
        severity=Severity.HIGH,
        types=[IAM_ROLE_POLICY, IAM_POLICY, IAM_ROLE],
        check=_no_wildcard_arns,
    ),
    resource_policy(
        "iam-no-privilege-escalation",
        "No Allow statement grants an action that lets the role obtain more permissions: IAM "
        "permission and credential management, iam:PassRole, sts:AssumeRole*, or starting code "
        "under a role (Lambda, EC2, ECS, SSM, Glue, CloudFormation, SageMaker, CodeBuild, ...), "
        "however the action is wildcarded.",
        controls=(
            "CKV_AWS_286",
            "CKV_AWS_289",
            "CKV2_AWS_40",
            "AVD-AWS-0342",
            "Rhino Security Labs escalation methods",
        ),
        level=MANDATORY,
        severity=Severity.CRITICAL,
        types=[IAM_ROLE_POLICY, IAM_POLICY, IAM_ROLE],
        check=_no_privilege_escalation,
    ),
    resource_policy(
        "iam-no-star-resource-for-secrets",
        'No Allow statement grants SSM, KMS or iam:PassRole actions on Resource "*" (or with NotResource).',
        controls=("KMS.2", "CKV_AWS_355", "CKV_AWS_286", "AVD-AWS-0342"),
        level=MANDATORY,
        severity=Severity.CRITICAL,
        types=[IAM_ROLE_POLICY, IAM_POLICY, IAM_ROLE],
        check=_no_star_resource_for_sensitive,
    ),
    resource_policy(
        "iam-trust-ecs-tasks-only",
        "Roles can be assumed only by the ECS tasks service (config trustedServices).",
        controls=("CKV_AWS_60", "CKV_AWS_61"),
        level=MANDATORY,
        severity=Severity.HIGH,
        types=[IAM_ROLE],
        check=_trust_ecs_tasks,
        schema=config_schema(
            trustedServices={
                "type": "array",
                "items": {"type": "string"},
                "description": "Service principals a role may trust; default ecs-tasks.amazonaws.com.",
            }
        ),
    ),
    resource_policy(
        "iam-no-admin-managed-policies",
        "No role gets AdministratorAccess, PowerUserAccess, IAMFullAccess or any *FullAccess managed policy.",
        controls=("CKV_AWS_274", "CKV2_AWS_40"),
        level=MANDATORY,
        severity=Severity.CRITICAL,
        types=[IAM_ROLE, IAM_ROLE_POLICY_ATTACHMENT, IAM_POLICY_ATTACHMENT],
        check=_no_admin_managed,
    ),
]
