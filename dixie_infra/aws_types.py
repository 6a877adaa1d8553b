"""The AWS resource types the program declares: one table, one row per type.

A row says what the offline plan and the tools need to know about a type: its Pulumi type token,
which input holds its physical name, and which inputs ``make plan`` shows as its key settings.
Every other module names a type through these constants, so a token is written once.

Pure data: no pulumi import.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

STACK = "pulumi:pulumi:Stack"
AWS_PROVIDER = "pulumi:providers:aws"

ECR_REPOSITORY = "aws:ecr/repository:Repository"
ECR_LIFECYCLE_POLICY = "aws:ecr/lifecyclePolicy:LifecyclePolicy"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS_RULE = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
SSM_PARAMETER = "aws:ssm/parameter:Parameter"
IAM_ROLE = "aws:iam/role:Role"
IAM_ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
IAM_ROLE_POLICY_ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
LOG_METRIC_FILTER = "aws:cloudwatch/logMetricFilter:LogMetricFilter"
METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
EVENT_RULE = "aws:cloudwatch/eventRule:EventRule"
EVENT_TARGET = "aws:cloudwatch/eventTarget:EventTarget"
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
ECS_SERVICE = "aws:ecs/service:Service"
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
LISTENER_RULE = "aws:lb/listenerRule:ListenerRule"
ROUTE53_RECORD = "aws:route53/record:Record"
REDIS_SUBNET_GROUP = "aws:elasticache/subnetGroup:SubnetGroup"
REDIS_PARAMETER_GROUP = "aws:elasticache/parameterGroup:ParameterGroup"
REPLICATION_GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"
SNS_TOPIC = "aws:sns/topic:Topic"
SNS_TOPIC_POLICY = "aws:sns/topicPolicy:TopicPolicy"
SNS_SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
EFS_FILE_SYSTEM = "aws:efs/fileSystem:FileSystem"
EFS_BACKUP_POLICY = "aws:efs/backupPolicy:BackupPolicy"
EFS_MOUNT_TARGET = "aws:efs/mountTarget:MountTarget"
EFS_ACCESS_POINT = "aws:efs/accessPoint:AccessPoint"
EFS_FILE_SYSTEM_POLICY = "aws:efs/fileSystemPolicy:FileSystemPolicy"
RANDOM_PASSWORD = "random:index/randomPassword:RandomPassword"  # noqa: S105 - a type token
RANDOM_BYTES = "random:index/randomBytes:RandomBytes"
DOCKER_IMAGE = "docker:index/image:Image"

#: Shown instead of a secret value.
MASK = "[secret]"

Inputs = Mapping[str, Any]
#: A key setting: its label and how to read it from a resource's plain inputs.
Setting = tuple[str, Callable[[Inputs], Any]]


def _at(*path: str) -> Callable[[Inputs], Any]:
    def read(inputs: Inputs) -> Any:
        value: Any = inputs
        for key in path:
            value = value.get(key) if isinstance(value, Mapping) else None
        return value

    return read


def _parameter_value(inputs: Inputs) -> Any:
    # The provider marks every parameter value secret; a String parameter holds none.
    return inputs.get("value") if inputs.get("type") == "String" else MASK


_RULE_SETTINGS: tuple[Setting, ...] = (
    ("port", _at("fromPort")),
    ("from", lambda p: p.get("referencedSecurityGroupId") or p.get("cidrIpv4")),
    ("on", _at("securityGroupId")),
)


@dataclass(frozen=True)
class AwsType:
    token: str
    #: The input holding the physical name ("" when the type has none of its own).
    name_input: str = "name"
    settings: tuple[Setting, ...] = ()


TYPES: dict[str, AwsType] = {
    t.token: t
    for t in (
        AwsType(
            ECR_REPOSITORY,
            settings=(
                ("tags", _at("imageTagMutability")),
                ("scanOnPush", _at("imageScanningConfiguration", "scanOnPush")),
            ),
        ),
        AwsType(ECR_LIFECYCLE_POLICY, name_input=""),
        AwsType(SECURITY_GROUP),
        AwsType(INGRESS_RULE, name_input="", settings=_RULE_SETTINGS),
        AwsType(EGRESS_RULE, name_input="", settings=_RULE_SETTINGS),
        AwsType(SSM_PARAMETER, settings=(("type", _at("type")), ("value", _parameter_value))),
        AwsType(IAM_ROLE),
        AwsType(IAM_ROLE_POLICY),
        AwsType(IAM_ROLE_POLICY_ATTACHMENT, name_input=""),
        AwsType(LOG_GROUP, settings=(("retention", _at("retentionInDays")),)),
        AwsType(LOG_METRIC_FILTER),
        AwsType(METRIC_ALARM, settings=(("metric", _at("metricName")), ("threshold", _at("threshold")))),
        AwsType(EVENT_RULE),
        AwsType(EVENT_TARGET, name_input=""),
        AwsType(
            TASK_DEFINITION, name_input="family", settings=(("cpu", _at("cpu")), ("memory", _at("memory")))
        ),
        AwsType(
            ECS_SERVICE,
            settings=(
                ("desired", _at("desiredCount")),
                ("max%", _at("deploymentMaximumPercent")),
                ("min%", _at("deploymentMinimumHealthyPercent")),
                ("circuitBreaker", _at("deploymentCircuitBreaker")),
                ("waitForSteadyState", _at("waitForSteadyState")),
            ),
        ),
        AwsType(TARGET_GROUP),
        AwsType(LISTENER_RULE, name_input="", settings=(("priority", _at("priority")),)),
        AwsType(ROUTE53_RECORD),
        AwsType(REDIS_SUBNET_GROUP),
        AwsType(REDIS_PARAMETER_GROUP),
        AwsType(
            REPLICATION_GROUP,
            name_input="replicationGroupId",
            settings=(
                ("engine", _at("engineVersion")),
                ("nodes", _at("numCacheClusters")),
                ("nodeType", _at("nodeType")),
                ("failover", _at("automaticFailoverEnabled")),
                ("tls", _at("transitEncryptionEnabled")),
            ),
        ),
        AwsType(SNS_TOPIC),
        AwsType(SNS_TOPIC_POLICY, name_input=""),
        AwsType(SNS_SUBSCRIPTION, name_input=""),
        AwsType(
            EFS_FILE_SYSTEM,
            name_input="creationToken",
            settings=(("encrypted", _at("encrypted")), ("throughput", _at("throughputMode"))),
        ),
        AwsType(EFS_BACKUP_POLICY, name_input="", settings=(("backups", _at("backupPolicy", "status")),)),
        AwsType(EFS_MOUNT_TARGET, name_input="", settings=(("subnet", _at("subnetId")),)),
        AwsType(EFS_ACCESS_POINT, name_input="", settings=(("path", _at("rootDirectory", "path")),)),
        AwsType(EFS_FILE_SYSTEM_POLICY, name_input=""),
    )
}


def physical_name(token: str, inputs: Inputs) -> str:
    """The name AWS knows a resource by, or "" for a type that has none of its own."""
    known = TYPES.get(token)
    key = known.name_input if known is not None else "name"
    value = inputs.get(key) if key else None
    return value if isinstance(value, str) else ""


def key_settings(token: str, inputs: Inputs) -> list[str]:
    """``label=value`` for each key setting of a resource that has a value."""
    known = TYPES.get(token)
    picks: list[str] = []
    for label, read in known.settings if known is not None else ():
        value = read(inputs)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if value not in (None, "", [], {}):
            picks.append(f"{label}={value}")
    return picks
