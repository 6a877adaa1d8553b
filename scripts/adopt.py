"""Adopt what exists: import the terraform-made and hand-made resources of a stack into Pulumi.

``python -m scripts.adopt --stack armitage --terraform-state FILE`` (``terraform show -json``
output; ``-`` reads stdin). Nothing is changed anywhere: the tool reads, compares and writes an
import file plus a report.

1. The program is evaluated offline (``dixie_infra.offline``, the mock runtime) with the stack's
   config and ``dixie:redisAuth=false`` laid over it, because the existing replication group has
   no AUTH token and the adoption keeps it that way (an AUTH token set later is an in-place
   change). That yields every resource the program declares: type, logical name, parent
   component, physical name, inputs.
2. Every terraform resource is matched to a declared one by Pulumi type and physical name (the
   program keeps the terraform split's names, DESIGN §4). A resource the program renamed is still
   paired through :data:`TERRAFORM_ADDRESSES` (the split's addresses), and reported as a
   replacement, never silently dropped.
3. Security group rules. The split's groups carry inline ``ingress``/``egress`` blocks (no ids of
   their own) plus a standalone 6379 egress rule; the program declares one standalone
   ``aws.vpc.SecurityGroup{Ingress,Egress}Rule`` per AWS rule. Both sides are reduced to AWS's
   own key for a rule: direction, group id, protocol, port range and the one peer (CIDR, prefix
   list or group); an inline block with two CIDRs is two rules. The import id (``sgr-…``) comes
   from AWS (``ec2:DescribeSecurityGroupRules`` filtered by group id), since inline rules carry
   none in the state. A rule found in AWS but not in the state was made by hand: that is how the
   NATS ingress rule (Task 3.1: tcp 4222 on the NATS group from the service group) is found.
   Rule descriptions are not part of the key: a different description is an in-place update.
4. The other hand-made resources (Task 2.1) are looked up in AWS with boto3: the ECR repository
   ``<svc>`` and its lifecycle policy.
5. For every matched resource the properties whose current value differs from what the program
   sets are listed; those in :data:`KINDS`' ``replace`` column force a replacement in the AWS
   provider. Task definitions are immutable: any difference is a new revision, which is normal.

Output: a bulk import file for ``pulumi import --file`` (``--output``, default
``adopt-<stack>.json``): the seven components as ``component`` entries (the engine creates them
empty), every matched resource with its type, logical name, parent (by name) and import id, and
the explicit provider ``aws`` in ``nameTable`` by its engine URN (``pulumi import`` cannot create
providers, so a targeted ``pulumi up`` creates it first: see the README, "Moving armitage from terraform"). The file format has
no per-resource protection: ``pulumi import`` protects everything it imports (its default), and
the first ``pulumi up`` applies the program's own ``protect`` (kept on the repository, the
replication group and the ECS service, which the report marks ``protected``).

Secrets: terraform state holds SSM values and AUTH tokens in plaintext; they are dropped while
the state is loaded (``scripts._terraform``). The tool never reads a parameter value: the
``pulumi config set --secret`` commands it prints read them from SSM themselves.

Exit codes: 0 every terraform resource is matched and nothing forces a replacement; 1 something
would be replaced or a check failed; 2 bad input (malformed state, a state of another
environment, unknown stack).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from dixie_infra import names
from dixie_infra.settings import (
    PROJECT,
    Settings,
    SettingsError,
    load_stack_file,
    read_stack_file,
    stack_file,
)
from scripts._aws import get_parameter
from scripts._cli import (
    EXIT_FAILED,
    EXIT_OK,
    UsageError,
    aws_session,
    new_parser,
    print_json,
    print_table,
    progress,
    region_for,
    run_tool,
)
from scripts._terraform import (
    RuleKey,
    StateError,
    TfResource,
    TfRule,
    environments,
    parse_state,
    rule_key,
    state_rules,
    vpc_rule_peer,
)

PROG = "python -m scripts.adopt"
STACK_TYPE = "pulumi:pulumi:Stack"
PROVIDER_TYPE = "pulumi:providers:aws"
PROVIDER_NAME = "aws"
INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS_RULE = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
RULE_TYPES = (INGRESS_RULE, EGRESS_RULE)
HAND_MADE = "AWS (made by hand)"
#: Map-typed properties: their keys are data (``ClusterName``), not schema names to convert.
MAP_PROPERTIES = frozenset({"dimensions", "tags", "tagsAll"})


class Effect:
    UPDATE = "update in place"
    REPLACE = "REPLACE"
    REVISION = "new revision (normal)"


# --- what each resource type is -----------------------------------------------------------------


def _get(key: str) -> Callable[[Mapping[str, Any]], str]:
    return lambda values: str(values.get(key) or "")


def _last_segment(value: Any) -> str:
    return str(value or "").rsplit("/", 1)[-1]


def _hosts(conditions: Any) -> str:
    """The host-header values of a listener rule's conditions (program or terraform shape)."""
    hosts: list[str] = []
    for condition in conditions or []:
        if not isinstance(condition, dict):
            continue
        header = condition.get("hostHeader", condition.get("host_header"))
        if isinstance(header, list):
            header = header[0] if header else {}
        if isinstance(header, dict):
            hosts += [str(v) for v in header.get("values") or []]
    return ",".join(sorted(hosts))


@dataclass(frozen=True)
class Kind:
    """How one terraform resource type maps onto the program's Pulumi type.

    ``tf_key``/``program_key`` give the physical identity both sides are matched on;
    ``import_id`` the id ``pulumi import`` expects for the type; ``replace`` the program
    properties (camelCase) whose change forces a replacement in the AWS provider; ``compare``
    the updatable ones worth reporting; ``renames`` program properties whose terraform attribute
    is not simply their snake_case (blocks are singular in terraform).
    """

    tf_type: str
    pulumi_type: str
    tf_key: Callable[[Mapping[str, Any]], str]
    import_id: Callable[[Mapping[str, Any]], str]
    replace: tuple[str, ...]
    compare: tuple[str, ...] = ()
    program_key: Callable[[Mapping[str, Any]], str] | None = None
    renames: Mapping[str, str] = field(default_factory=dict)
    revisioned: bool = False


KINDS: tuple[Kind, ...] = (
    Kind(
        "aws_ecr_repository",
        "aws:ecr/repository:Repository",
        _get("name"),
        _get("name"),
        replace=("name", "encryptionConfigurations"),
        compare=("imageTagMutability", "imageScanningConfiguration"),
        renames={"encryptionConfigurations": "encryption_configuration"},
    ),
    Kind(
        "aws_ecr_lifecycle_policy",
        "aws:ecr/lifecyclePolicy:LifecyclePolicy",
        _get("repository"),
        _get("repository"),
        replace=("repository",),
        compare=("policy",),
        program_key=lambda p: str(p.get("repository") or ""),
    ),
    Kind(
        "aws_security_group",
        "aws:ec2/securityGroup:SecurityGroup",
        _get("name"),
        _get("id"),
        replace=("name", "namePrefix", "description", "vpcId"),
    ),
    Kind(
        "aws_elasticache_subnet_group",
        "aws:elasticache/subnetGroup:SubnetGroup",
        _get("name"),
        _get("name"),
        replace=("name",),
        compare=("description", "subnetIds"),
    ),
    Kind(
        "aws_elasticache_parameter_group",
        "aws:elasticache/parameterGroup:ParameterGroup",
        _get("name"),
        _get("name"),
        replace=("name", "family", "description"),
        compare=("parameters",),
        renames={"parameters": "parameter"},
    ),
    Kind(
        "aws_elasticache_replication_group",
        "aws:elasticache/replicationGroup:ReplicationGroup",
        _get("replication_group_id"),
        _get("replication_group_id"),
        replace=(
            "replicationGroupId",
            "atRestEncryptionEnabled",
            "subnetGroupName",
            "port",
            "kmsKeyId",
            "engine",
        ),
        compare=(
            "description",
            "engineVersion",
            "nodeType",
            "numCacheClusters",
            "automaticFailoverEnabled",
            "multiAzEnabled",
            "transitEncryptionEnabled",
            "parameterGroupName",
            "securityGroupIds",
            "snapshotRetentionLimit",
            "snapshotWindow",
            "maintenanceWindow",
            "autoMinorVersionUpgrade",
        ),
    ),
    Kind(
        "aws_lb_target_group",
        "aws:lb/targetGroup:TargetGroup",
        _get("name"),
        _get("arn"),
        replace=("name", "port", "protocol", "targetType", "vpcId", "protocolVersion"),
        compare=("deregistrationDelay", "healthCheck"),
    ),
    Kind(
        "aws_lb_listener_rule",
        "aws:lb/listenerRule:ListenerRule",
        lambda v: f"{v.get('listener_arn')}|{_hosts(v.get('condition'))}",
        _get("arn"),
        replace=("listenerArn",),
        compare=("priority", "actions", "conditions"),
        program_key=lambda p: f"{p.get('listenerArn')}|{_hosts(p.get('conditions'))}",
        renames={"actions": "action", "conditions": "condition"},
    ),
    Kind(
        "aws_route53_record",
        "aws:route53/record:Record",
        lambda v: f"{v.get('zone_id')}_{str(v.get('name', '')).rstrip('.')}_{v.get('type')}",
        _get("id"),
        replace=("name", "zoneId"),
        compare=("type", "aliases"),
        program_key=lambda p: f"{p.get('zoneId')}_{str(p.get('name', '')).rstrip('.')}_{p.get('type')}",
        renames={"aliases": "alias"},
    ),
    Kind(
        "aws_cloudwatch_log_group",
        "aws:cloudwatch/logGroup:LogGroup",
        _get("name"),
        _get("name"),
        replace=("name", "namePrefix", "logGroupClass"),
        compare=("retentionInDays",),
    ),
    Kind(
        "aws_iam_role",
        "aws:iam/role:Role",
        _get("name"),
        _get("name"),
        replace=("name", "namePrefix", "path"),
        compare=("assumeRolePolicy", "description"),
    ),
    Kind(
        "aws_iam_role_policy",
        "aws:iam/rolePolicy:RolePolicy",
        _get("name"),
        lambda v: f"{v.get('role')}:{v.get('name')}",
        replace=("name", "role"),
        compare=("policy",),
    ),
    Kind(
        "aws_iam_role_policy_attachment",
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        lambda v: f"{v.get('role')}/{v.get('policy_arn')}",
        lambda v: f"{v.get('role')}/{v.get('policy_arn')}",
        replace=("role", "policyArn"),
        program_key=lambda p: f"{p.get('role')}/{p.get('policyArn')}",
    ),
    Kind(
        "aws_ecs_task_definition",
        "aws:ecs/taskDefinition:TaskDefinition",
        _get("family"),
        _get("arn"),
        replace=(),
        revisioned=True,
        compare=(
            "cpu",
            "memory",
            "networkMode",
            "requiresCompatibilities",
            "executionRoleArn",
            "taskRoleArn",
            "runtimePlatform",
            "containerDefinitions",
        ),
    ),
    Kind(
        "aws_ecs_service",
        "aws:ecs/service:Service",
        _get("name"),
        lambda v: f"{_last_segment(v.get('cluster'))}/{v.get('name')}",
        replace=("name", "cluster", "launchType", "schedulingStrategy", "iamRole"),
        compare=(
            "desiredCount",
            "deploymentMaximumPercent",
            "deploymentMinimumHealthyPercent",
            "deploymentCircuitBreaker",
            "networkConfiguration",
            "loadBalancers",
            "healthCheckGracePeriodSeconds",
            "availabilityZoneRebalancing",
            "platformVersion",
        ),
        renames={"loadBalancers": "load_balancer"},
    ),
    Kind(
        "aws_ssm_parameter",
        "aws:ssm/parameter:Parameter",
        _get("name"),
        _get("name"),
        replace=("name",),
        compare=("type", "description"),
    ),
    Kind("aws_sns_topic", "aws:sns/topic:Topic", _get("name"), _get("arn"), replace=("name", "fifoTopic")),
    Kind(
        "aws_sns_topic_subscription",
        "aws:sns/topicSubscription:TopicSubscription",
        lambda v: f"{v.get('topic_arn')}|{v.get('protocol')}|{v.get('endpoint')}",
        _get("arn"),
        replace=("topic", "protocol", "endpoint"),
        program_key=lambda p: f"{p.get('topic')}|{p.get('protocol')}|{p.get('endpoint')}",
        renames={"topic": "topic_arn"},
    ),
    Kind(
        "aws_cloudwatch_metric_alarm",
        "aws:cloudwatch/metricAlarm:MetricAlarm",
        _get("alarm_name"),
        _get("alarm_name"),
        replace=("name",),
        compare=(
            "alarmDescription",
            "namespace",
            "metricName",
            "comparisonOperator",
            "threshold",
            "period",
            "evaluationPeriods",
            "statistic",
            "extendedStatistic",
            "dimensions",
            "treatMissingData",
            "alarmActions",
            "okActions",
        ),
        renames={"name": "alarm_name"},
    ),
    Kind(
        "aws_cloudwatch_log_metric_filter",
        "aws:cloudwatch/logMetricFilter:LogMetricFilter",
        _get("name"),
        lambda v: f"{v.get('log_group_name')}:{v.get('name')}",
        replace=("name", "logGroupName"),
        compare=("pattern", "metricTransformation"),
    ),
)
KIND_BY_TF = {k.tf_type: k for k in KINDS}
KIND_BY_PULUMI = {k.pulumi_type: k for k in KINDS}
RULE_TF_TYPES = frozenset(
    {"aws_security_group_rule", "aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule"}
)


@dataclass(frozen=True)
class ImportContext:
    """What the AWS provider knows when ``pulumi import`` runs: the caller's partition, region
    and account (``conns.AWSClient``), which some importers write into the state."""

    partition: str
    region: str
    account: str


def _ecs_service_after_import(values: Mapping[str, Any], ctx: ImportContext) -> dict[str, Any]:
    """``cluster`` as the provider holds it after ``pulumi import``: the cluster ARN.

    terraform-provider-aws, internal/service/ecs/service.go: ``resourceServiceImport`` splits the
    import id ``<cluster>/<service>`` and sets ``cluster`` to
    ``arn.ARN{Partition, Region, Service: "ecs", AccountID, Resource: "cluster/<cluster>"}``;
    ``resourceServiceRead`` then keeps the form already in state ("Save cluster in the same
    format": ``if arn.IsARN(cluster) { d.Set("cluster", service.ClusterArn) } else { name }``).
    terraform's own state holds the name because the split passed the name; the imported Pulumi
    state holds the ARN, and ``cluster`` is ForceNew. Upstream: terraform-provider-aws #41994 and
    #14428, pulumi-aws #3373.
    """
    out = dict(values)
    cluster = str(values.get("cluster") or "")
    if cluster:
        name = cluster.rsplit("/", 1)[-1] if cluster.startswith("arn:") else cluster
        out["cluster"] = f"arn:{ctx.partition}:ecs:{ctx.region}:{ctx.account}:cluster/{name}"
    return out


#: Pulumi type -> how the provider rewrites terraform's recorded values on import and first read.
#: Adoption compares the program against these, never against terraform's state as written.
IMPORT_NORMALISATIONS: dict[str, Callable[[Mapping[str, Any], ImportContext], dict[str, Any]]] = {
    "aws:ecs/service:Service": _ecs_service_after_import,
}


#: The terraform split's addresses and the logical names the program gives the same resources.
#: Matching is by physical name; this table only pairs a resource the program has *renamed*, so
#: the rename is reported as the replacement it is instead of as one deletion plus one creation.
TERRAFORM_ADDRESSES: dict[str, str] = {
    "aws_iam_role.dixie_execution": "service-execution-role",
    "aws_iam_role_policy_attachment.dixie_execution": "service-execution-managed",
    "aws_iam_role_policy.dixie_execution_ssm": "service-execution-ssm",
    "aws_iam_role.dixie_task": "service-task-role",
    "aws_iam_role_policy.dixie_task_permissions": "service-task-permissions",
    "aws_security_group.dixie": "network-sg",
    "aws_cloudwatch_log_group.dixie": "service-logs",
    "aws_ecs_task_definition.dixie": "service-task",
    "aws_ecs_service.dixie": "service-service",
    "aws_lb_target_group.dixie": "route-targets",
    "aws_lb_listener_rule.dixie": "route-rule",
    "aws_route53_record.dixie": "route-dns",
    "aws_ssm_parameter.finn_url": "parameters-finn-url",
    "aws_ssm_parameter.finn_ws_url": "parameters-finn-ws-url",
    "aws_ssm_parameter.database_url": "parameters-database-url",
    "aws_ssm_parameter.redis_url": "parameters-redis-url",
    "aws_ssm_parameter.jwt_private_key": "parameters-dixie-jwt-private-key",
    "aws_ssm_parameter.admin_key": "parameters-dixie-admin-key",
    "aws_ssm_parameter.nats_url": "parameters-nats-url",
    "aws_ssm_parameter.cors_origins": "parameters-dixie-cors-origins",
    "aws_elasticache_subnet_group.dixie": "redis-subnets",
    "aws_security_group.dixie_redis": "redis-sg",
    "aws_elasticache_parameter_group.dixie": "redis-params",
    "aws_elasticache_replication_group.dixie": "redis-group",
    "aws_sns_topic.dixie_alarms": "alarms-topic",
    "aws_sns_topic_subscription.dixie_alarm_email[0]": "alarms-email",
    "aws_cloudwatch_metric_alarm.dixie_desired_count_drift": "alarms-desired-count-drift",
    "aws_cloudwatch_metric_alarm.dixie_cpu_high": "alarms-cpu-high",
    "aws_cloudwatch_metric_alarm.dixie_memory_high": "alarms-memory-high",
    "aws_cloudwatch_metric_alarm.dixie_unhealthy_hosts": "alarms-unhealthy-hosts",
    "aws_cloudwatch_metric_alarm.dixie_finn_latency": "alarms-finn-latency-p95",
    "aws_cloudwatch_metric_alarm.dixie_redis_memory": "alarms-redis-memory-high",
    "aws_cloudwatch_metric_alarm.dixie_circuit_open": "alarms-circuit-breaker-open",
    "aws_cloudwatch_log_metric_filter.dixie_circuit_open": "alarms-circuit-breaker-filter",
    "aws_cloudwatch_log_metric_filter.dixie_allowlist_denied": "alarms-allowlist-denied-filter",
}

#: The secrets the running service uses and how to carry each from SSM into the stack config.
SECRET_SOURCES: tuple[tuple[str, str, bool], ...] = (
    ("jwtPrivateKey", "DIXIE_JWT_PRIVATE_KEY", False),
    ("adminKey", "DIXIE_ADMIN_KEY", False),
    ("databasePassword", "DATABASE_URL", True),
)
# Reads a URL on stdin and writes its URL-decoded password, without a newline; nothing else.
_DECODE_URL_USERINFO = (
    "import sys, urllib.parse; "
    "sys.stdout.write(urllib.parse.unquote(urllib.parse.urlsplit(sys.stdin.read().strip()).password or str()))"
)


# --- the program's side -------------------------------------------------------------------------


@dataclass(frozen=True)
class Declared:
    """One resource the program declares, with its engine URN and parent component."""

    type: str
    name: str
    urn: str
    parent_name: str | None
    parent_type: str | None
    physical_name: str
    protect: bool
    custom: bool
    plain: Mapping[str, Any]
    secret_inputs: frozenset[str]
    mock_id: str
    mock_outputs: Mapping[str, Any]


def engine_urn(stack: str, type_chain: Iterable[str], name: str) -> str:
    """The URN the engine gives a resource: parent types (without the Stack) joined with ``$``."""
    return f"urn:pulumi:{stack}::{PROJECT}::{'$'.join(type_chain)}::{name}"


def declared_resources(evaluation: Any) -> list[Declared]:
    """The evaluation's resources with engine URNs (the mock monitor's URNs are not the engine's)."""
    by_urn = {r.urn: r for r in evaluation.resources}
    out: list[Declared] = []
    for resource in evaluation.resources:
        if resource.type == STACK_TYPE:
            continue
        chain = [resource.type]
        parent = by_urn.get(resource.parent)
        direct = parent
        while parent is not None and parent.type != STACK_TYPE:
            chain.insert(0, parent.type)
            parent = by_urn.get(parent.parent)
        is_component = direct is not None and direct.type != STACK_TYPE
        out.append(
            Declared(
                type=resource.type,
                name=resource.name,
                urn=engine_urn(evaluation.stack, chain, resource.name),
                parent_name=direct.name if is_component and direct else None,
                parent_type=direct.type if is_component and direct else None,
                physical_name=resource.physical_name,
                protect=resource.protect,
                custom=resource.custom,
                plain=resource.plain,
                secret_inputs=frozenset(k for k in resource.inputs if resource.is_secret_input(k)),
                mock_id=str(resource.id or ""),
                mock_outputs=resource.outputs,
            )
        )
    return out


def evaluate_program(stack: str, project_dir: Path | None) -> tuple[Settings, list[Declared]]:
    from dixie_infra.offline import evaluate, stack_config

    try:
        settings = load_stack_file(stack, project_dir)
        config, secret_keys = stack_config(stack, project_dir)
    except SettingsError as exc:
        raise UsageError(f"stack {stack!r}: " + "; ".join(str(p) for p in exc.problems)) from None
    # The existing group has no AUTH token; the report tells the operator to keep it off.
    config["dixie:redisAuth"] = False
    progress(f"evaluating the program offline for stack {stack} ...")
    try:
        evaluation = evaluate(stack, config, secret_keys=secret_keys)
    except SettingsError as exc:
        raise UsageError(f"stack {stack!r}: " + "; ".join(str(p) for p in exc.problems)) from None
    return settings, declared_resources(evaluation)


# --- comparing values ---------------------------------------------------------------------------


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(int(value)) if float(value).is_integer() else str(value)
    if value is None:
        return ""
    text = str(value)
    if text.lower() in ("true", "false"):
        return text.lower()
    try:
        number = float(text)
    except ValueError:
        return text
    return str(int(number)) if number.is_integer() and "." not in text.strip("0") else text


def _json_doc(text: str) -> Any:
    if text[:1] not in ("{", "["):
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return None


def same(program: Any, current: Any, *, map_keys: bool = False) -> bool:
    """Whether the current (terraform/AWS) value already is what the program sets.

    Only what the program sets is compared: attributes the program leaves to defaults are
    AWS's business. A program object matches a terraform block (a one-element list).
    """
    if isinstance(program, dict):
        if isinstance(current, list) and len(current) == 1:
            current = current[0]
        if current is None:
            return not any(v not in (None, "", [], {}) for v in program.values())
        if not isinstance(current, dict):
            return False
        for key, value in program.items():
            current_key = key if map_keys else snake(key)
            if current_key not in current:
                if map_keys and value not in (None, ""):
                    return False
                continue
            if not same(value, current[current_key], map_keys=key in MAP_PROPERTIES):
                return False
        if map_keys:
            return set(current) <= set(program)
        return True
    if isinstance(program, list):
        if current is None:
            return not program
        if not isinstance(current, list) or len(program) != len(current):
            return False
        if all(not isinstance(v, dict | list) for v in program + current):
            return sorted(map(_scalar, program)) == sorted(map(_scalar, current))
        return all(same(p, c) for p, c in zip(program, current, strict=True))
    if isinstance(program, str) and isinstance(current, str):
        program_doc, current_doc = _json_doc(program), _json_doc(current)
        if program_doc is not None and current_doc is not None:
            return bool(program_doc == current_doc)
    return _scalar(program) == _scalar(current)


def show(value: Any, limit: int = 70) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _scalar(value)
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    if text is None or text == "":
        return "(unset)"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def translate(value: Any, table: Mapping[str, str]) -> Any:
    """``value`` with the offline runner's placeholder ids/ARNs replaced by the real ones."""
    if isinstance(value, dict):
        return {k: translate(v, table) for k, v in value.items()}
    if isinstance(value, list):
        return [translate(v, table) for v in value]
    if isinstance(value, str) and table:
        if value in table:
            return table[value]
        for placeholder in sorted(table, key=len, reverse=True):
            if placeholder in value:
                value = value.replace(placeholder, table[placeholder])
    return value


# --- the report's records -----------------------------------------------------------------------


@dataclass(frozen=True)
class Difference:
    logical_name: str
    property: str
    current: str
    program: str
    effect: str

    def as_dict(self) -> dict[str, str]:
        return {
            "logicalName": self.logical_name,
            "property": self.property,
            "current": self.current,
            "program": self.program,
            "effect": self.effect,
        }


@dataclass
class Match:
    declared: Declared
    source: str
    import_id: str
    current: Mapping[str, Any]
    kind: Kind | None
    by_address: bool = False
    differences: list[Difference] = field(default_factory=list)

    @property
    def forces_replacement(self) -> bool:
        return any(d.effect == Effect.REPLACE for d in self.differences)


@dataclass(frozen=True)
class Missing:
    """Recorded by terraform, absent from AWS: importing it would fail, creating it would hide
    whatever deleted it (or say that these are the wrong credentials)."""

    address: str
    type: str
    id: str
    logical_name: str | None

    def as_dict(self) -> dict[str, str | None]:
        return {"address": self.address, "type": self.type, "id": self.id, "logicalName": self.logical_name}


@dataclass
class Adoption:
    stack: str
    matched: list[Match] = field(default_factory=list)
    absent: list[tuple[Declared, str]] = field(default_factory=list)
    not_declared: list[tuple[str, str, str, str]] = field(default_factory=list)
    missing: list[Missing] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def replacements(self) -> list[Difference]:
        return [d for m in self.matched for d in m.differences if d.effect == Effect.REPLACE]

    @property
    def ok(self) -> bool:
        return not self.replacements and not self.problems and not self.missing


# --- matching -----------------------------------------------------------------------------------


def match_resources(
    stack: str,
    declared: list[Declared],
    state: list[TfResource],
    aws: AwsLookup,
    context: ImportContext,
) -> Adoption:
    adoption = Adoption(stack)
    program = [d for d in declared if d.custom and d.type.startswith("aws:")]
    taken: set[str] = set()

    # 1. type + physical name; 2. the split's address for what the program renamed.
    by_key: dict[tuple[str, str], list[TfResource]] = {}
    for resource in state:
        kind = KIND_BY_TF.get(resource.type)
        if kind is not None:
            by_key.setdefault((kind.pulumi_type, kind.tf_key(resource.values)), []).append(resource)
    used: set[str] = set()
    for d in program:
        kind = KIND_BY_PULUMI.get(d.type)
        if kind is None:
            continue
        key = kind.program_key(d.plain) if kind.program_key else d.physical_name
        candidates = [r for r in by_key.get((d.type, key), []) if r.address not in used]
        if len(candidates) > 1:
            adoption.problems.append(
                f"{d.name}: {len(candidates)} terraform resources share its identity "
                f"({', '.join(r.address for r in candidates)}); import one by hand"
            )
            continue
        if candidates:
            resource = candidates[0]
            used.add(resource.address)
            taken.add(d.name)
            adoption.matched.append(
                Match(
                    d,
                    resource.address,
                    kind.import_id(resource.values),
                    after_import(kind, resource, context),
                    kind,
                )
            )
    logical = {d.name: d for d in program}
    for resource in state:
        target = logical.get(TERRAFORM_ADDRESSES.get(resource.address, ""))
        kind = KIND_BY_TF.get(resource.type)
        if (
            resource.address in used
            or target is None
            or target.name in taken
            or kind is None
            or kind.pulumi_type != target.type
        ):
            continue
        used.add(resource.address)
        taken.add(target.name)
        adoption.matched.append(
            Match(
                target,
                resource.address,
                kind.import_id(resource.values),
                after_import(kind, resource, context),
                kind,
                by_address=True,
            )
        )

    # What terraform recorded must still exist: an import of a deleted resource fails, and an
    # account where none of it exists is the wrong account, not an empty plan.
    present: list[Match] = []
    gone: list[Match] = []
    for m in adoption.matched:
        if m.kind is not None and not aws.exists(m.kind.pulumi_type, m.import_id, m.current):
            adoption.missing.append(Missing(m.source, m.kind.tf_type, m.import_id, m.declared.name))
            gone.append(m)
        else:
            present.append(m)
    adoption.matched = present

    # 3. hand-made resources, looked up in AWS.
    for d in program:
        if d.name in taken or d.type not in aws.finders:
            continue
        found = aws.finders[d.type](d)
        if found is not None:
            import_id, current = found
            taken.add(d.name)
            adoption.matched.append(Match(d, HAND_MADE, import_id, current, KIND_BY_PULUMI[d.type]))
        elif d.type == "aws:ecr/repository:Repository" and (user := _image_user(state, d.physical_name)):
            # Made by hand, so terraform does not record it, but its task definition pulls from
            # it: absent here means the wrong account or region, not "create a new one".
            taken.add(d.name)
            adoption.missing.append(
                Missing(f"{HAND_MADE}, pulled by {user}", "aws_ecr_repository", d.physical_name, d.name)
            )

    # Placeholder ids/ARNs of matched resources -> the real ones, for rules and comparisons.
    table: dict[str, str] = {}
    # Missing ones too: their rules then carry terraform's ids and pair with terraform's rules.
    for m in [*adoption.matched, *gone]:
        # A value the program sets itself (a name) is not a placeholder: translating it would
        # hide a rename.
        own = {v for v in m.declared.plain.values() if isinstance(v, str)}
        pairs: list[tuple[Any, Any]] = [(m.declared.mock_id, str(m.current.get("id") or m.import_id))]
        for output, attribute in (
            ("arn", "arn"),
            ("arnSuffix", "arn_suffix"),
            ("primaryEndpointAddress", "primary_endpoint_address"),
        ):
            pairs.append((m.declared.mock_outputs.get(output), m.current.get(attribute)))
        for mock, real in pairs:
            if (
                isinstance(mock, str)
                and isinstance(real, str)
                and mock
                and real
                and mock != real
                and mock not in own
            ):
                table[mock] = real

    # 4. security group rules.
    tf_rules = state_rules(state)
    in_aws = _match_rules(adoption, program, tf_rules, table, aws, taken)
    for rule in tf_rules:
        if rule.key in in_aws:
            continue
        # A program rule with this key is not "will be created": it is reported here, once.
        twin = next((n for n, k in _program_rule_keys(program, table).items() if k == rule.key), None)
        if twin is not None:
            taken.add(twin)
        adoption.missing.append(Missing(rule.address, "security group rule", rule.key.describe(), twin))

    for m in adoption.matched:
        m.differences = differences(m, table)
        if m.declared.type == "aws:ssm/parameter:Parameter" and m.declared.plain.get("type") == "String":
            m.differences += _string_parameter_difference(m.declared, aws)
        if m.by_address and not any(d.effect == Effect.REPLACE for d in m.differences):
            m.differences.append(
                Difference(m.declared.name, "(identity)", m.source, m.declared.physical_name, Effect.REPLACE)
            )

    for d in program:
        if d.name not in taken:
            note = "will be created"
            if d.type in RULE_TYPES:
                note = _rule_absent_note(d, table, tf_rules)
            adoption.absent.append((d, note))

    for resource in state:
        # Rules are reported one AWS rule at a time below, inline or standalone alike.
        if resource.address in used or resource.type in RULE_TF_TYPES:
            continue
        adoption.not_declared.append(
            (resource.address, resource.type, resource.id, _not_declared_advice(resource))
        )
    matched_rule_sources = {m.source for m in adoption.matched if m.declared.type in RULE_TYPES}
    for rule in tf_rules:
        if rule.address in matched_rule_sources or rule.key not in in_aws:
            continue
        direction = "egress" if rule.key.egress else "ingress"
        adoption.not_declared.append(
            (
                rule.address,
                "security group rule",
                rule.key.describe(),
                "stays in AWS untouched; if Dixie no longer needs it, revoke it by hand after the move "
                f"(aws ec2 revoke-security-group-{direction} --group-id {rule.key.group_id} "
                "--security-group-rule-ids <sgr-id>)",
            )
        )
    # The program registers its resources concurrently, so declaration order varies from run to
    # run; the report is ordered by URN (component, then type, then name) so runs can be diffed.
    adoption.matched.sort(key=lambda m: m.declared.urn)
    adoption.absent.sort(key=lambda pair: pair[0].urn)
    adoption.not_declared.sort()
    adoption.missing.sort(key=lambda m: (m.address, m.id))
    return adoption


def _image_user(state: list[TfResource], repository: str) -> str | None:
    """The address of a recorded task definition whose image comes from ECR ``repository``."""
    pattern = re.compile(rf"^[0-9]{{12}}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com/{re.escape(repository)}[:@]")
    for resource in state:
        if resource.type != "aws_ecs_task_definition":
            continue
        try:
            containers = json.loads(str(resource.values.get("container_definitions") or "[]"))
        except json.JSONDecodeError:
            continue
        if isinstance(containers, list) and any(
            isinstance(c, dict) and pattern.match(str(c.get("image", ""))) for c in containers
        ):
            return resource.address
    return None


def program_rule_key(declared: Declared, table: Mapping[str, str]) -> RuleKey:
    p = translate(dict(declared.plain), table)
    return rule_key(
        egress=declared.type == EGRESS_RULE,
        group_id=str(p.get("securityGroupId", "")),
        protocol=p.get("ipProtocol"),
        from_port=p.get("fromPort"),
        to_port=p.get("toPort"),
        peer=vpc_rule_peer(
            p.get("cidrIpv4"), p.get("cidrIpv6"), p.get("prefixListId"), p.get("referencedSecurityGroupId")
        ),
    )


def _program_rule_keys(program: list[Declared], table: Mapping[str, str]) -> dict[str, RuleKey]:
    return {d.name: program_rule_key(d, table) for d in program if d.type in RULE_TYPES}


def _match_rules(
    adoption: Adoption,
    program: list[Declared],
    tf_rules: list[TfRule],
    table: Mapping[str, str],
    aws: AwsLookup,
    taken: set[str],
) -> dict[RuleKey, tuple[str, str]]:
    """Match the program's rules to AWS's; returns every rule AWS has on the groups involved."""
    rules = [d for d in program if d.type in RULE_TYPES]
    placeholders = {d.mock_id for d in program if d.type == "aws:ec2/securityGroup:SecurityGroup"}
    keys = _program_rule_keys(program, table)
    missing_groups = {m.id for m in adoption.missing if m.type == "aws_security_group"}
    # A group still named by its placeholder is one the program will create: no rules to find.
    # terraform's groups are asked too, so a rule it recorded and AWS lacks is known as such.
    groups = sorted(
        {
            g
            for g in {k.group_id for k in keys.values()} | {r.key.group_id for r in tf_rules}
            if g.startswith("sg-") and g not in placeholders and g not in missing_groups
        }
    )
    in_aws = aws.security_group_rules(groups) if groups else {}
    by_key: dict[RuleKey, TfRule] = {}
    for rule in tf_rules:
        by_key.setdefault(rule.key, rule)
    for d in rules:
        key = keys[d.name]
        found = in_aws.get(key)
        if found is None:
            continue
        rule_id, description = found
        tf_rule = by_key.get(key)
        source = tf_rule.address if tf_rule else HAND_MADE
        taken.add(d.name)
        adoption.matched.append(Match(d, source, rule_id, {"id": rule_id, "description": description}, None))
    return in_aws


def _string_parameter_difference(declared: Declared, aws: AwsLookup) -> list[Difference]:
    """A String parameter's value is not secret: compare it (SecureString values are never read)."""
    current = aws.string_parameter(declared.physical_name)
    program = declared.plain.get("value")
    if current is None or program is None or same(program, current):
        return []
    return [Difference(declared.name, "value", show(current), show(program), Effect.UPDATE)]


def _rule_absent_note(declared: Declared, table: Mapping[str, str], tf_rules: list[TfRule]) -> str:
    return f"will be created ({program_rule_key(declared, table).describe()})"


def _not_declared_advice(resource: TfResource) -> str:
    if resource.type == "aws_sns_topic_subscription":
        return (
            "left alone: set dixie:alarmEmail to the same address to adopt it next time, "
            "or delete the subscription by hand"
        )
    return (
        "left alone: Pulumi will neither manage nor delete it; after the move run "
        f"`terraform state rm '{resource.address}'` and delete it by hand if Dixie no longer needs it"
    )


def after_import(kind: Kind, resource: TfResource, context: ImportContext) -> Mapping[str, Any]:
    """terraform's recorded values as the provider will hold them once imported."""
    normalise = IMPORT_NORMALISATIONS.get(kind.pulumi_type)
    return normalise(resource.values, context) if normalise else resource.values


def differences(m: Match, table: Mapping[str, str]) -> list[Difference]:
    d = m.declared
    out: list[Difference] = []
    if m.kind is None:
        # Security group rules: everything but the description is part of the identity.
        program = d.plain.get("description")
        if program is not None and not same(program, m.current.get("description")):
            out.append(
                Difference(
                    d.name, "description", show(m.current.get("description")), show(program), Effect.UPDATE
                )
            )
        return out
    kind = m.kind
    for prop in (*kind.replace, *kind.compare):
        if prop not in d.plain or prop in d.secret_inputs:
            continue
        attribute = kind.renames.get(prop, snake(prop))
        if attribute not in m.current:
            continue
        program = translate(d.plain[prop], table)
        current = m.current[attribute]
        if same(program, current, map_keys=prop in MAP_PROPERTIES):
            continue
        if kind.revisioned:
            effect = Effect.REVISION
        elif prop in kind.replace:
            effect = Effect.REPLACE
        else:
            effect = Effect.UPDATE
        out.append(Difference(d.name, prop, show(current), show(program), effect))
    return out


# --- AWS lookups (hand-made resources and security group rule ids) ------------------------------


class AwsLookup:
    """What the state cannot say, asked of AWS: hand-made resources and ``sgr-`` rule ids."""

    def __init__(self, session: Any):
        self.session = session
        self.ec2 = session.client("ec2")
        self.ecr = session.client("ecr")
        self.ssm = session.client("ssm")
        self._clients: dict[str, Any] = {"ec2": self.ec2, "ecr": self.ecr, "ssm": self.ssm}
        self.finders: dict[str, Callable[[Declared], tuple[str, dict[str, Any]] | None]] = {
            "aws:ecr/repository:Repository": self.repository,
            "aws:ecr/lifecyclePolicy:LifecyclePolicy": self.lifecycle_policy,
        }

    def repository(self, declared: Declared) -> tuple[str, dict[str, Any]] | None:
        name = declared.physical_name
        try:
            found = self.ecr.describe_repositories(repositoryNames=[name])["repositories"][0]
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "RepositoryNotFoundException":
                return None
            raise
        encryption = found.get("encryptionConfiguration") or {}
        current = {
            "id": name,
            "name": name,
            "arn": found.get("repositoryArn"),
            "image_tag_mutability": found.get("imageTagMutability"),
            "image_scanning_configuration": [
                {"scan_on_push": (found.get("imageScanningConfiguration") or {}).get("scanOnPush", False)}
            ],
            "encryption_configuration": [
                {
                    "encryption_type": encryption.get("encryptionType", "AES256"),
                    "kms_key": encryption.get("kmsKey", ""),
                }
            ],
        }
        return name, current

    def lifecycle_policy(self, declared: Declared) -> tuple[str, dict[str, Any]] | None:
        name = str(declared.plain.get("repository") or "")
        try:
            found = self.ecr.get_lifecycle_policy(repositoryName=name)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in (
                "LifecyclePolicyNotFoundException",
                "RepositoryNotFoundException",
            ):
                return None
            raise
        return name, {"id": name, "repository": name, "policy": found.get("lifecyclePolicyText", "")}

    def client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = self.session.client(service)
        return self._clients[service]

    def caller(self) -> tuple[str, str]:
        """(account, partition) of the credentials in use (``sts:GetCallerIdentity``)."""
        identity = self.client("sts").get_caller_identity()
        return str(identity["Account"]), str(identity["Arn"]).split(":")[1]

    def exists(self, pulumi_type: str, import_id: str, values: Mapping[str, Any]) -> bool:
        """Whether AWS has the resource terraform recorded (by the id ``pulumi import`` uses)."""
        lookup = EXISTENCE[pulumi_type]
        try:
            return lookup(self, import_id, values)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in NOT_FOUND_CODES:
                return False
            raise

    def string_parameter(self, name: str) -> str | None:
        """The value of a String parameter; None for a SecureString (never read) or no parameter."""
        found = get_parameter(self.ssm, name, decrypt=False)
        if found is None or found.get("Type") != "String":
            return None
        return str(found.get("Value", ""))

    def security_group_rules(self, group_ids: list[str]) -> dict[RuleKey, tuple[str, str]]:
        """Every rule on these groups: AWS key -> (rule id, description)."""
        found: dict[RuleKey, tuple[str, str]] = {}
        paginator = self.ec2.get_paginator("describe_security_group_rules")
        for page in paginator.paginate(Filters=[{"Name": "group-id", "Values": group_ids}]):
            for rule in page.get("SecurityGroupRules", []):
                peer = vpc_rule_peer(
                    rule.get("CidrIpv4"),
                    rule.get("CidrIpv6"),
                    rule.get("PrefixListId"),
                    (rule.get("ReferencedGroupInfo") or {}).get("GroupId"),
                )
                key = rule_key(
                    egress=bool(rule.get("IsEgress")),
                    group_id=rule["GroupId"],
                    protocol=rule.get("IpProtocol"),
                    from_port=rule.get("FromPort"),
                    to_port=rule.get("ToPort"),
                    peer=peer,
                )
                found[key] = (rule["SecurityGroupRuleId"], rule.get("Description") or "")
        return found


#: Error codes with which AWS says "no such resource" (each API has its own).
NOT_FOUND_CODES = frozenset(
    {
        "RepositoryNotFoundException",
        "LifecyclePolicyNotFoundException",
        "InvalidGroup.NotFound",
        "InvalidGroupId.Malformed",
        "CacheSubnetGroupNotFoundFault",
        "CacheParameterGroupNotFound",
        "ReplicationGroupNotFoundFault",
        "TargetGroupNotFound",
        "RuleNotFound",
        "ListenerNotFound",
        "NoSuchHostedZone",
        "ResourceNotFoundException",
        "NoSuchEntity",
        "ClusterNotFoundException",
        "ParameterNotFound",
        "NotFound",
        "NotFoundException",
    }
)


def _route53_record(aws: AwsLookup, import_id: str, values: Mapping[str, Any]) -> bool:
    zone, name, type_ = str(values.get("zone_id")), str(values.get("name", "")), str(values.get("type"))
    fqdn = name.rstrip(".") + "."
    found = aws.client("route53").list_resource_record_sets(
        HostedZoneId=zone, StartRecordName=fqdn, StartRecordType=type_, MaxItems="1"
    )["ResourceRecordSets"]
    return any(r["Name"].rstrip(".") == fqdn.rstrip(".") and r["Type"] == type_ for r in found)


def _attached(aws: AwsLookup, import_id: str, values: Mapping[str, Any]) -> bool:
    role, policy = str(values.get("role")), str(values.get("policy_arn"))
    pages = aws.client("iam").get_paginator("list_attached_role_policies").paginate(RoleName=role)
    return any(a["PolicyArn"] == policy for page in pages for a in page["AttachedPolicies"])


def _ecs_service(aws: AwsLookup, import_id: str, values: Mapping[str, Any]) -> bool:
    cluster, _, name = import_id.partition("/")
    found = aws.client("ecs").describe_services(cluster=cluster, services=[name])["services"]
    # A deleted service lingers as INACTIVE for a while; it cannot be imported.
    return any(s.get("status") != "INACTIVE" for s in found)


def _log_group(aws: AwsLookup, import_id: str, values: Mapping[str, Any]) -> bool:
    found = aws.client("logs").describe_log_groups(logGroupNamePrefix=import_id)["logGroups"]
    return any(g["logGroupName"] == import_id for g in found)


def _metric_filter(aws: AwsLookup, import_id: str, values: Mapping[str, Any]) -> bool:
    group, name = str(values.get("log_group_name")), str(values.get("name"))
    found = aws.client("logs").describe_metric_filters(logGroupName=group, filterNamePrefix=name)
    return any(f["filterName"] == name for f in found["metricFilters"])


def _task_definition(aws: AwsLookup, import_id: str, values: Mapping[str, Any]) -> bool:
    try:
        found = aws.client("ecs").describe_task_definition(taskDefinition=import_id)["taskDefinition"]
    except ClientError as exc:
        # ECS answers an unknown revision with the catch-all ClientException, not a NotFound code.
        error = exc.response.get("Error", {})
        if error.get("Code") == "ClientException" and "Unable to describe" in error.get("Message", ""):
            return False
        raise
    return bool(found)


def _parameter(aws: AwsLookup, import_id: str, values: Mapping[str, Any]) -> bool:
    return get_parameter(aws.ssm, import_id, decrypt=False) is not None


def _non_empty(service: str, call: str, key: str, **ids: Callable[[str], Any]) -> Callable[..., bool]:
    def lookup(aws: AwsLookup, import_id: str, values: Mapping[str, Any]) -> bool:
        response = getattr(aws.client(service), call)(**{k: f(import_id) for k, f in ids.items()})
        return bool(response.get(key))

    return lookup


#: Pulumi type -> how to ask AWS whether the resource with this import id exists. A lookup
#: answers False, or raises a ClientError whose code is in NOT_FOUND_CODES, when it does not.
EXISTENCE: dict[str, Callable[[AwsLookup, str, Mapping[str, Any]], bool]] = {
    "aws:ecr/repository:Repository": _non_empty(
        "ecr", "describe_repositories", "repositories", repositoryNames=lambda i: [i]
    ),
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": _non_empty(
        "ecr", "get_lifecycle_policy", "lifecyclePolicyText", repositoryName=lambda i: i
    ),
    "aws:ec2/securityGroup:SecurityGroup": _non_empty(
        "ec2", "describe_security_groups", "SecurityGroups", GroupIds=lambda i: [i]
    ),
    "aws:elasticache/subnetGroup:SubnetGroup": _non_empty(
        "elasticache", "describe_cache_subnet_groups", "CacheSubnetGroups", CacheSubnetGroupName=lambda i: i
    ),
    "aws:elasticache/parameterGroup:ParameterGroup": _non_empty(
        "elasticache",
        "describe_cache_parameter_groups",
        "CacheParameterGroups",
        CacheParameterGroupName=lambda i: i,
    ),
    "aws:elasticache/replicationGroup:ReplicationGroup": _non_empty(
        "elasticache", "describe_replication_groups", "ReplicationGroups", ReplicationGroupId=lambda i: i
    ),
    "aws:lb/targetGroup:TargetGroup": _non_empty(
        "elbv2", "describe_target_groups", "TargetGroups", TargetGroupArns=lambda i: [i]
    ),
    "aws:lb/listenerRule:ListenerRule": _non_empty(
        "elbv2", "describe_rules", "Rules", RuleArns=lambda i: [i]
    ),
    "aws:route53/record:Record": _route53_record,
    "aws:cloudwatch/logGroup:LogGroup": _log_group,
    "aws:iam/role:Role": _non_empty("iam", "get_role", "Role", RoleName=lambda i: i),
    "aws:iam/rolePolicy:RolePolicy": _non_empty(
        "iam",
        "get_role_policy",
        "PolicyName",
        RoleName=lambda i: i.split(":", 1)[0],
        PolicyName=lambda i: i.split(":", 1)[1],
    ),
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": _attached,
    "aws:ecs/taskDefinition:TaskDefinition": _task_definition,
    "aws:ecs/service:Service": _ecs_service,
    "aws:ssm/parameter:Parameter": _parameter,
    "aws:sns/topic:Topic": _non_empty("sns", "get_topic_attributes", "Attributes", TopicArn=lambda i: i),
    "aws:sns/topicSubscription:TopicSubscription": _non_empty(
        "sns", "get_subscription_attributes", "Attributes", SubscriptionArn=lambda i: i
    ),
    "aws:cloudwatch/metricAlarm:MetricAlarm": _non_empty(
        "cloudwatch", "describe_alarms", "MetricAlarms", AlarmNames=lambda i: [i]
    ),
    "aws:cloudwatch/logMetricFilter:LogMetricFilter": _metric_filter,
}


# --- outputs ------------------------------------------------------------------------------------


def import_file(adoption: Adoption, declared: list[Declared]) -> dict[str, Any]:
    """The bulk import document for ``pulumi import --file``."""
    components = {d.name: d for d in declared if not d.custom and d.type != PROVIDER_TYPE}
    parents = sorted(
        name for name in components if any(m.declared.parent_name == name for m in adoption.matched)
    )
    resources: list[dict[str, Any]] = [
        {"type": components[name].type, "name": name, "component": True} for name in parents
    ]
    for m in adoption.matched:
        entry: dict[str, Any] = {"type": m.declared.type, "name": m.declared.name, "id": m.import_id}
        if m.declared.parent_name:
            entry["parent"] = m.declared.parent_name
        entry["provider"] = PROVIDER_NAME
        resources.append(entry)
    return {"nameTable": {PROVIDER_NAME: provider_urn(adoption.stack)}, "resources": resources}


def provider_urn(stack: str) -> str:
    return engine_urn(stack, [PROVIDER_TYPE], PROVIDER_NAME)


def secret_commands(settings: Settings, set_already: frozenset[str]) -> list[dict[str, str]]:
    """Shell pipelines that move each secret from SSM into the stack config, never via a screen."""
    out: list[dict[str, str]] = []
    stack = shlex.quote(settings.stack)
    region = shlex.quote(settings.region)
    for key, parameter, is_url in SECRET_SOURCES:
        name = shlex.quote(names.parameter_name(settings.environment, parameter))
        read = (
            f"aws ssm get-parameter --region {region} --name {name} --with-decryption "
            "--query Parameter.Value --output text"
        )
        pipe = f" | python3 -c {shlex.quote(_DECODE_URL_USERINFO)}" if is_url else ""
        command = f"{read}{pipe} | pulumi config set --secret {PROJECT}:{key} -s {stack}"
        out.append(
            {
                "key": f"{PROJECT}:{key}",
                "from": parameter,
                "command": command,
                "status": "already set in the stack file (secure)" if key in set_already else "to set",
            }
        )
    return out


def next_steps(adoption: Adoption, output: Path) -> list[str]:
    stack = adoption.stack
    addresses = sorted({m.source.split(" ")[0] for m in adoption.matched if m.source != HAND_MADE})
    quoted = " ".join(shlex.quote(a) for a in addresses)
    return [
        "freeze terraform: no more `terraform apply` for this environment (announce it, keep the lock)",
        f"pulumi config set {PROJECT}:redisAuth false -s {stack}   (the existing group has no AUTH token)",
        "run the three secret commands above",
        f"pulumi up -s {stack} --target '{provider_urn(stack)}'   (creates only the explicit AWS provider; "
        "pulumi import cannot create providers)",
        f"pulumi import -s {stack} --file {output} --generate-code=false   (imports are protected by default)",
        f"pulumi preview -s {stack} --diff   (must show no replace; a new task-definition revision is expected)",
        f"pulumi up -s {stack}",
        f"terraform state rm {quoted}" if quoted else "terraform state rm: nothing to remove",
        "never `terraform destroy`: the resources now belong to this stack",
    ]


def _rows_matched(adoption: Adoption) -> list[list[str]]:
    rows = []
    for m in adoption.matched:
        changes = (
            ", ".join(
                f"{d.property}:{'REPLACE' if d.effect == Effect.REPLACE else 'rev' if d.effect == Effect.REVISION else 'upd'}"
                for d in m.differences
            )
            or "none"
        )
        rows.append(
            [
                m.declared.type.split(":")[-1],
                m.declared.name,
                m.import_id,
                m.source,
                "protected" if m.declared.protect else "",
                changes,
            ]
        )
    return rows


def render(adoption: Adoption, document: Mapping[str, Any], entries: int) -> None:
    print_table(
        f"stack {adoption.stack}: {len(adoption.matched)} resource(s) matched, will be imported",
        ("type", "logical name", "import id", "from", "protect", "differences"),
        _rows_matched(adoption),
    )
    diffs = [d for m in adoption.matched for d in m.differences]
    if diffs:
        print_table(
            "differences between what exists and what the program sets",
            ("logical name", "property", "current", "program", "effect"),
            [[d.logical_name, d.property, d.current, d.program, d.effect] for d in diffs],
            caption="a task definition is immutable: any change is a new revision and a normal rollout",
        )
    if adoption.absent:
        print_table(
            "declared by the program, absent here: will be created",
            ("type", "logical name", "physical name", "note"),
            [[d.type.split(":")[-1], d.name, d.physical_name, note] for d, note in adoption.absent],
        )
    if adoption.not_declared:
        print_table(
            "in terraform, not declared by the program: left alone",
            ("address", "type", "id / rule", "what to do"),
            [list(row) for row in adoption.not_declared],
        )
    if adoption.missing:
        print_table(
            "recorded by terraform, missing from AWS: cannot be imported",
            ("address", "type", "id / rule", "logical name"),
            [[m.address, m.type, m.id, m.logical_name or ""] for m in adoption.missing],
            caption="wrong account or region, or deleted outside terraform: find out which before going on",
        )
    for problem in adoption.problems:
        print(f"problem: {problem}")
    print()
    print(f"Import file: {document['importFile']} ({entries} entries; no secret values in it).")
    print()
    print("Keep the secrets the running service uses (each command reads the value from SSM itself;")
    print("nothing is printed):")
    for item in document["secretCommands"]:
        print(f"  # {item['key']} from {item['from']} ({item['status']})")
        print(f"  {item['command']}")
    print()
    print("Redis AUTH is off on the existing replication group: adopt with")
    print(f"  pulumi config set {PROJECT}:redisAuth false -s {adoption.stack}")
    print(f"  {document['redisAuth']['later']}")
    print()
    for note in document["notes"]:
        print(f"note: {note}")
    print()
    print("Next steps:")
    for index, step in enumerate(document["nextSteps"], 1):
        print(f"  {index}. {step}")
    print()
    print(document["verdict"])


def verdict(adoption: Adoption) -> str:
    if adoption.ok:
        return (
            f"OK: {len(adoption.matched)} resource(s) adopt without replacement; "
            f"{len(adoption.absent)} will be created, {len(adoption.not_declared)} left alone."
        )
    parts = []
    if adoption.replacements:
        parts.append(
            f"{len(adoption.replacements)} difference(s) force a replacement "
            f"({', '.join(sorted({d.logical_name for d in adoption.replacements}))})"
        )
    if adoption.missing:
        parts.append(
            f"{len(adoption.missing)} resource(s) terraform recorded are missing from AWS "
            "(wrong account or region, or deleted by hand)"
        )
    if adoption.problems:
        parts.append(f"{len(adoption.problems)} problem(s)")
    return "NOT SAFE: " + "; ".join(parts) + ". Fix the program (or the resource) before `pulumi import`."


NOTES: tuple[str, ...] = (
    "`pulumi up` writes every parameter's value from the program: the three secret commands keep "
    "the JWT key, the admin key and the database password; DATABASE_URL and REDIS_URL are rebuilt "
    "from the RDS instance and the replication group's endpoint; SecureString values are never "
    "read here, so compare them in `pulumi preview --diff --show-secrets` only on a private screen.",
    "tags change from ManagedBy=terraform to ManagedBy=pulumi on every resource (in place).",
    "imported resources land protected (`pulumi import` default); the first `pulumi up` keeps "
    "protection only where the program asks for it (marked protected above).",
)


# --- the tool -----------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = new_parser(
        PROG,
        "Adopt the resources terraform (and hand-made commands) created: match them to what the "
        "program declares, write a `pulumi import --file` document and report every difference.",
        epilog=(
            "exit codes: 0 all matched, nothing replaced; 1 a replacement or a failed check; 2 bad input\n"
            "example: terraform show -json | python -m scripts.adopt --stack armitage --terraform-state -"
        ),
    )
    parser.add_argument(
        "--terraform-state",
        required=True,
        metavar="FILE",
        help="`terraform show -json` output of the environment's state; - reads stdin",
    )
    parser.add_argument(
        "--output",
        type=Path,
        metavar="FILE",
        help="where to write the import file (default: adopt-<STACK>.json)",
    )
    parser.add_argument(
        "--project-dir",
        type=Path,
        default=None,
        help="directory holding Pulumi.<STACK>.yaml (default: the project's root)",
    )
    return parser


#: ``terraform show -json`` of the split is about 100 KB; a state this large is not one to adopt
#: by reading it whole into memory.
MAX_STATE_BYTES = 32 * 1024 * 1024


def read_state(source: str) -> list[TfResource]:
    """The state document at ``source`` (``-``: stdin), bounded in size and strictly UTF-8."""
    try:
        if source == "-":
            stream = getattr(sys.stdin, "buffer", None)
            raw = (
                stream.read(MAX_STATE_BYTES + 1)
                if stream is not None
                else sys.stdin.read(MAX_STATE_BYTES + 1)
            )
        else:
            with Path(source).open("rb") as handle:
                raw = handle.read(MAX_STATE_BYTES + 1)
    except OSError as exc:
        raise UsageError(f"--terraform-state {source}: cannot be read ({exc.strerror})") from None
    if len(raw) > MAX_STATE_BYTES:
        raise UsageError(
            f"--terraform-state {source}: larger than {MAX_STATE_BYTES // (1024 * 1024)} MiB; "
            "allowed: the `terraform show -json` output of one environment's state"
        )
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError as exc:
        raise UsageError(
            f"--terraform-state {source}: is not UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start}); "
            "allowed: the `terraform show -json` output, which is UTF-8"
        ) from None
    try:
        return parse_state(text)
    except StateError as exc:
        raise UsageError(f"--terraform-state {source}: {exc}") from None


def check_output(output: Path) -> None:
    """Refuse an --output that cannot be written, before any of the work is done."""
    directory = output.parent if str(output.parent) else Path(".")
    if output.is_dir():
        raise UsageError(f"--output {output}: is a directory; allowed: a file path")
    if not directory.is_dir():
        raise UsageError(f"--output {output}: directory {directory} does not exist")
    if not os.access(directory, os.W_OK | os.X_OK) or (output.exists() and not os.access(output, os.W_OK)):
        raise UsageError(f"--output {output}: not writable by this user")


def check_account(aws: AwsLookup, settings: Settings) -> ImportContext:
    """The caller's account must be one the stack allows (``aws:allowedAccountIds``), as the
    provider itself would insist at ``pulumi up``; otherwise every answer below is about
    another account (an empty one says "nothing exists", which reads like a fresh start)."""
    account, partition = aws.caller()
    if account not in settings.allowed_account_ids:
        raise UsageError(
            f"the AWS credentials belong to account {account}, which stack {settings.stack!r} does not allow "
            f"(aws:allowedAccountIds: {', '.join(settings.allowed_account_ids)}); use credentials for that account"
        )
    return ImportContext(partition=partition, region=aws.session.region_name, account=account)


def check_environment(state: list[TfResource], settings: Settings, source: str) -> None:
    found = environments(state)
    expected = settings.environment.value
    others = {env: addresses for env, addresses in found.items() if env != expected}
    if others:
        env, addresses = next(iter(sorted(others.items())))
        raise UsageError(
            f"--terraform-state {source} belongs to environment {env!r} ({addresses[0]} and "
            f"{len(addresses) - 1} more say so), not to stack {settings.stack!r} ({expected}); "
            f"export the state of workspace {expected} (terraform workspace select {expected})"
        )
    if not found:
        raise UsageError(
            f"--terraform-state {source}: no resource says which environment it belongs to "
            "(no Environment tag, no /dixie/<env>/ parameter); refusing to guess"
        )


def main(argv: list[str] | None = None) -> int:
    def body() -> int:
        args = build_parser().parse_args(argv)
        try:
            settings = load_stack_file(args.stack, args.project_dir)
            secret_keys = read_stack_file(stack_file(args.stack, args.project_dir))[2]
        except SettingsError as exc:
            raise UsageError(f"stack {args.stack!r}: " + "; ".join(str(p) for p in exc.problems)) from None
        output: Path = args.output or Path(f"adopt-{args.stack}.json")
        check_output(output)
        state = read_state(args.terraform_state)
        check_environment(state, settings, args.terraform_state)
        aws = AwsLookup(aws_session(region_for(args, settings)))
        context = check_account(aws, settings)
        settings, declared = evaluate_program(args.stack, args.project_dir)
        adoption = match_resources(args.stack, declared, state, aws, context)

        document_file = import_file(adoption, declared)
        output.write_text(json.dumps(document_file, indent=2) + "\n")
        document: dict[str, Any] = {
            "stack": args.stack,
            "importFile": str(output),
            "ok": adoption.ok,
            "verdict": verdict(adoption),
            "matched": [
                {
                    "type": m.declared.type,
                    "logicalName": m.declared.name,
                    "urn": m.declared.urn,
                    "parent": m.declared.parent_name,
                    "importId": m.import_id,
                    "source": m.source,
                    "protect": m.declared.protect,
                    "matchedBy": "terraform address" if m.by_address else "name",
                    "forcesReplacement": m.forces_replacement,
                }
                for m in adoption.matched
            ],
            "differences": [d.as_dict() for m in adoption.matched for d in m.differences],
            "willBeCreated": [
                {"type": d.type, "logicalName": d.name, "physicalName": d.physical_name, "note": note}
                for d, note in adoption.absent
            ],
            "notDeclared": [
                {"address": a, "type": t, "id": i, "advice": advice}
                for a, t, i, advice in adoption.not_declared
            ],
            "missingInAws": [m.as_dict() for m in adoption.missing],
            "problems": list(adoption.problems),
            "secretCommands": secret_commands(settings, secret_keys),
            "redisAuth": {
                "adopt": f"pulumi config set {PROJECT}:redisAuth false -s {args.stack}",
                "later": (
                    f"to turn AUTH on later: pulumi config set {PROJECT}:redisAuth true -s {args.stack} && "
                    f"pulumi up -s {args.stack} (ElastiCache adds the token in place, then REDIS_URL and "
                    "a new task-definition revision carry it; no replacement)"
                ),
            },
            "nextSteps": next_steps(adoption, output),
            "notes": NOTES,
        }
        if args.json:
            print_json(document)
        else:
            render(adoption, document, len(document_file["resources"]))
        return EXIT_OK if adoption.ok else EXIT_FAILED

    return run_tool(PROG, body)


if __name__ == "__main__":
    raise SystemExit(main())
