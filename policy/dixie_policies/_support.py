"""What every Dixie policy shares: reading engine props, naming things in messages, building policies.

Props arrive as the engine sends them: camelCase keys, numbers as floats, JSON documents
(``containerDefinitions``, IAM ``policy``, ``assumeRolePolicy``) as strings, secrets unwrapped to
plain text. At runtime they are wrapped in pulumi-policy's unknown-checking proxy, so they are
read only through ``Mapping``/``Sequence`` (never ``isinstance(x, dict)``), and a value that is
unknown during preview raises ``UnknownValueError``, which the analyzer turns into an advisory
"can't run during preview" note instead of a false pass.

Every message is built here as ``<Type> '<logical name>': <property> <problem>``: it names the
resource and the property, never a value, because values may be secrets.

Imports only pulumi-policy and the standard library: the CLI runs the pack in its own virtualenv.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

MANDATORY = EnforcementLevel.MANDATORY
ADVISORY = EnforcementLevel.ADVISORY

# Type tokens. Load-balancer types also exist under the legacy ``aws:alb`` module.
ECS_SERVICE = "aws:ecs/service:Service"
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
SSM_PARAMETER = "aws:ssm/parameter:Parameter"
IAM_ROLE = "aws:iam/role:Role"
IAM_ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
IAM_POLICY = "aws:iam/policy:Policy"
IAM_ROLE_POLICY_ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
IAM_POLICY_ATTACHMENT = "aws:iam/policyAttachment:PolicyAttachment"
IAM_ROLE_POLICY_ATTACHMENTS_EXCLUSIVE = (
    "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive"
)
ECR_REPOSITORY = "aws:ecr/repository:Repository"
ECR_LIFECYCLE_POLICY = "aws:ecr/lifecyclePolicy:LifecyclePolicy"
REPLICATION_GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"
CACHE_SUBNET_GROUP = "aws:elasticache/subnetGroup:SubnetGroup"
CACHE_PARAMETER_GROUP = "aws:elasticache/parameterGroup:ParameterGroup"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
SG_INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
SG_EGRESS_RULE = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
SNS_TOPIC = "aws:sns/topic:Topic"
TARGET_GROUPS = ("aws:lb/targetGroup:TargetGroup", "aws:alb/targetGroup:TargetGroup")
LISTENER_RULES = ("aws:lb/listenerRule:ListenerRule", "aws:alb/listenerRule:ListenerRule")
DNS_RECORD = "aws:route53/record:Record"
EFS_FILE_SYSTEM = "aws:efs/fileSystem:FileSystem"
EFS_ACCESS_POINT = "aws:efs/accessPoint:AccessPoint"

#: Names that hold credentials. ECS.8 lists the first three literally; the rest are the shapes
#: Dixie's own secrets take (``*_KEY``, ``*_TOKEN``, URLs that embed a password).
SECRET_NAME = re.compile(
    r"(?i)(^AWS_ACCESS_KEY_ID$|^AWS_SECRET_ACCESS_KEY$|^ECS_ENGINE_AUTH_DATA$"
    r"|pass(word|wd)?|secret|token|api[_-]?key|private[_-]?key|access[_-]?key|_key$|^key$"
    r"|auth|credential|database[_-]?url|redis[_-]?url|dsn$)"
)

Check = Callable[[ResourceValidationArgs], Iterable[str]]
StackCheck = Callable[[StackValidationArgs], Iterable[tuple[PolicyResource, str]]]


# --- reading props --------------------------------------------------------------------------


def is_map(value: Any) -> bool:
    return isinstance(value, Mapping)


def is_list(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, str | bytes)


def as_list(value: Any) -> list[Any]:
    """IAM and SG fields accept one value or a list; absent is empty."""
    if value is None:
        return []
    if is_list(value):
        return list(value)
    return [value]


def dig(value: Any, *path: str | int) -> Any:
    """``value[path[0]][path[1]]...`` or None when any step is missing."""
    for step in path:
        if isinstance(step, int):
            if not is_list(value) or not -len(value) <= step < len(value):
                return None
            value = value[step]
        else:
            if not is_map(value):
                return None
            value = value.get(step)
    return value


def number(value: Any) -> float | None:
    """Numbers arrive as floats (``1`` is ``1.0``); numeric strings are accepted too."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def is_true(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


def is_false(value: Any) -> bool:
    return value is False or (isinstance(value, str) and value.lower() == "false")


class DocumentError(ValueError):
    """A JSON-in-a-string prop that does not parse; AWS would reject it too."""


def json_document(value: Any, prop: str) -> Any:
    if value is None:
        return None
    if is_map(value) or is_list(value):
        return value
    if not isinstance(value, str):
        raise DocumentError(f"{prop} is not a JSON document")
    try:
        return json.loads(value)
    except json.JSONDecodeError as exc:
        # The parser's message quotes part of the text, so it is not passed on.
        raise DocumentError(f"{prop} is not valid JSON") from exc


def looks_secret(name: str, extra: Iterable[str] = ()) -> bool:
    return bool(SECRET_NAME.search(name)) or name in set(extra)


def urn_stack_and_project(urn: str) -> tuple[str, str]:
    """``urn:pulumi:<stack>::<project>::<type>::<name>`` -> (stack, project)."""
    parts = urn.split("::")
    if len(parts) < 2 or not parts[0].startswith("urn:pulumi:"):
        return "", ""
    return parts[0][len("urn:pulumi:") :], parts[1]


def ssm_prefix(config: Mapping[str, Any], urn: str) -> str:
    """The service's parameter prefix without a trailing slash.

    Config ``ssmPrefix`` wins; otherwise ``/<project>/<stack>`` read from the URN, which is the
    program's own rule (the environment must equal the stack name, the project is ``dixie``).
    """
    configured = config.get("ssmPrefix")
    if isinstance(configured, str) and configured.strip("/"):
        return "/" + configured.strip("/")
    stack, project = urn_stack_and_project(urn)
    return f"/{project}/{stack}"


def under_ssm_prefix(reference: str, prefix: str) -> bool:
    """A parameter name or ARN (``arn:<partition>:ssm:<region>:<account>:parameter/<name>``) under ``prefix``."""
    if reference.startswith("arn:"):
        fields = reference.split(":", 5)
        if len(fields) != 6 or fields[2] != "ssm" or not fields[5].startswith("parameter/"):
            return False
        reference = fields[5][len("parameter") :]
    return reference.startswith(prefix + "/") and len(reference) > len(prefix) + 1


# --- messages -------------------------------------------------------------------------------


def label(resource_type: str, name: str) -> str:
    return f"{resource_type.rsplit(':', 1)[-1]} '{name}'"


def describe(summary: str, controls: Sequence[str]) -> str:
    return f"{summary} Controls: {', '.join(controls)}."


# --- building policies ----------------------------------------------------------------------


def config_schema(**properties: dict[str, Any]) -> PolicyConfigSchema:
    """A schema for the CLI; defaults are still coded at each read (the SDK applies none)."""
    return PolicyConfigSchema(properties=dict(properties))


def resource_policy(
    name: str,
    summary: str,
    *,
    controls: Sequence[str],
    level: EnforcementLevel,
    severity: Severity,
    types: Sequence[str] | None,
    check: Check,
    schema: PolicyConfigSchema | None = None,
) -> ResourceValidationPolicy:
    """A policy over every resource of ``types`` (None: every resource); ``check`` yields
    ``<property> <problem>`` strings."""
    wanted = None if types is None else frozenset(types)

    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        if wanted is not None and args.resource_type not in wanted:
            return
        try:
            problems = list(check(args))
        except DocumentError as exc:
            problems = [str(exc)]
        for problem in problems:
            report_violation(f"{label(args.resource_type, args.name)}: {problem}", args.urn)

    return ResourceValidationPolicy(
        name=name,
        description=describe(summary, controls),
        validate=validate,
        enforcement_level=level,
        severity=severity,
        config_schema=schema,
        tags=list(controls),
    )


def stack_policy(
    name: str,
    summary: str,
    *,
    controls: Sequence[str],
    level: EnforcementLevel,
    severity: Severity,
    check: StackCheck,
    schema: PolicyConfigSchema | None = None,
) -> StackValidationPolicy:
    """A policy over the whole stack; ``check`` yields (resource, ``<property> <problem>``)."""

    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        for resource, problem in check(args):
            report_violation(f"{label(resource.resource_type, resource.name)}: {problem}", resource.urn)

    return StackValidationPolicy(
        name=name,
        description=describe(summary, controls),
        validate=validate,
        enforcement_level=level,
        severity=severity,
        config_schema=schema,
        tags=list(controls),
    )


# --- stack graph ----------------------------------------------------------------------------


def of_type(args: StackValidationArgs, *types: str) -> list[PolicyResource]:
    return [r for r in args.resources if r.resource_type in types]


def linked(resource: PolicyResource, prop: str, *types: str) -> list[PolicyResource]:
    """Resources of ``types`` that ``prop`` was computed from (the engine's property dependencies)."""
    return [d for d in resource.property_dependencies.get(prop, []) if d.resource_type in types]


def matching(
    candidates: Iterable[PolicyResource], value: Any, keys: Sequence[str] = ("arn", "name", "id")
) -> list[PolicyResource]:
    """Candidates whose ``keys`` props equal ``value``: the fallback when no dependency links them
    (a literal ARN or name typed into the program)."""
    if not isinstance(value, str) or not value:
        return []
    return [c for c in candidates if any(c.props.get(k) == value for k in keys)]


def iter_statements(document: Any) -> Iterator[tuple[int, Mapping[str, Any]]]:
    """The statements of an IAM policy document with their index (``Statement`` may be one object)."""
    if not is_map(document):
        return
    for index, statement in enumerate(as_list(document.get("Statement"))):
        if is_map(statement):
            yield index, statement


def allows(statement: Mapping[str, Any]) -> bool:
    return statement.get("Effect", "Allow") == "Allow"
