"""The type table: how each terraform resource type maps onto the program's Pulumi type.

One row per type (:data:`KINDS`): the physical identity both sides are matched on, the id
``pulumi import`` expects, the properties whose change forces a replacement in the AWS provider
(terraform-provider-aws ``ForceNew``), the updatable ones worth reporting. Beside it, what the
provider rewrites on import (:data:`IMPORT_NORMALISATIONS`, each with its upstream evidence) and
the terraform split's addresses (:data:`TERRAFORM_ADDRESSES`). Data only: no AWS, no Pulumi.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

STACK_TYPE = "pulumi:pulumi:Stack"
PROVIDER_TYPE = "pulumi:providers:aws"
PROVIDER_NAME = "aws"
INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS_RULE = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
RULE_TYPES = (INGRESS_RULE, EGRESS_RULE)
HAND_MADE = "AWS (made by hand)"
#: Map-typed properties: their keys are data (``ClusterName``), not schema names to convert.
MAP_PROPERTIES = frozenset({"dimensions", "tags", "tagsAll"})


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


#: ``replace`` lists follow terraform-provider-aws's schemas (``ForceNew: true``, or a
#: ``customdiff.ForceNewIf`` that applies here); tests/scripts/test_adopt_replacement.py keeps one
#: test per entry, naming the provider file. Read in the source for this revision: ecs/service.go
#: and elasticache/replication_group.go (see the comments on those rows).
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
        # elasticache/replication_group.go: replication_group_id, at_rest_encryption_enabled,
        # subnet_group_name, port and kms_key_id are ForceNew; engine is ForceNewIf unless the
        # change is redis -> valkey (customizeDiffEngineForceNewOnDowngrade);
        # transit_encryption_enabled is ForceNewIf engine_version_actual < 7.0.5 only (7.1 here,
        # so an update), and an engine_version downgrade is ForceNew (not modelled: the program
        # never lowers it).
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
        # ecs/service.go: name, cluster, launch_type, scheduling_strategy and iam_role are
        # ForceNew (deployment_controller.type too; the program does not set it).
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
