"""What the provider holds after `pulumi import`, and every change of it that forces a replacement."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from scripts.adopt import compare, kinds, program, records, terraform
from tests.scripts.adopt_account import ACCOUNT
from tests.scripts.adopt_support import Run

# Fixtures: pytest finds them by these names (the `as` marks each import as meant).
from tests.scripts.adopt_support import account as account
from tests.scripts.adopt_support import armitage as armitage

# --- what the provider holds after `pulumi import` ------------------------------------------------


def test_a_program_that_passes_the_cluster_name_replaces_the_imported_service(
    armitage: Callable[..., Run], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The defect this guards against: terraform's state holds the cluster's name, the imported
    # Pulumi state holds its ARN, and `cluster` is ForceNew. Comparing with terraform's state
    # said "nothing replaced" for a program that passed the name.
    from dixie_infra import names

    monkeypatch.setattr(names, "ecs_cluster_arn", lambda _partition, _region, _account, cluster: cluster)
    code, _, _, report = armitage(capsys)
    assert report is not None
    assert code == 1
    (cluster,) = [
        d
        for d in report["differences"]
        if d["logicalName"] == "service-service" and d["property"] == "cluster"
    ]
    assert cluster == {
        "logicalName": "service-service",
        "property": "cluster",
        "current": f"arn:aws:ecs:us-east-1:{ACCOUNT}:cluster/arrakis-staging-cluster",
        "program": "arrakis-staging-cluster",
        "effect": records.Effect.REPLACE,
    }
    assert "service-service" in report["verdict"]


@pytest.mark.parametrize(
    "recorded",
    ["arrakis-staging-cluster", "arn:aws:ecs:us-east-1:891376933289:cluster/arrakis-staging-cluster"],
)
def test_an_imported_service_holds_the_cluster_arn_of_the_importing_account(recorded: str) -> None:
    kind = kinds.KIND_BY_PULUMI["aws:ecs/service:Service"]
    resource = terraform.TfResource(
        "aws_ecs_service.dixie", kind.tf_type, "dixie", "aws", {"cluster": recorded}
    )
    context = kinds.ImportContext(partition="aws", region="us-east-1", account="891376933289")
    after = compare.after_import(kind, resource, context)
    assert after["cluster"] == "arn:aws:ecs:us-east-1:891376933289:cluster/arrakis-staging-cluster"


#: Every property adopt treats as forcing a replacement, with the terraform attribute it is
#: recorded as and where terraform-provider-aws makes it ForceNew (internal/service/...). Written
#: from the provider's schemas, not from adopt's table: an entry removed there fails here.
FORCE_NEW: list[tuple[str, str, str, Any, Any, str]] = [
    ("aws:ecr/repository:Repository", "name", "name", "a", "b", "ecr/repository.go name ForceNew"),
    (
        "aws:ecr/repository:Repository",
        "encryptionConfigurations",
        "encryption_configuration",
        [{"encryptionType": "KMS"}],
        [{"encryption_type": "AES256"}],
        "ecr/repository.go encryption_configuration.* ForceNew",
    ),
    (
        "aws:ecr/lifecyclePolicy:LifecyclePolicy",
        "repository",
        "repository",
        "a",
        "b",
        "ecr/lifecycle_policy.go",
    ),
    ("aws:ec2/securityGroup:SecurityGroup", "name", "name", "a", "b", "ec2/vpc_security_group.go"),
    (
        "aws:ec2/securityGroup:SecurityGroup",
        "namePrefix",
        "name_prefix",
        "a",
        "b",
        "ec2/vpc_security_group.go",
    ),
    (
        "aws:ec2/securityGroup:SecurityGroup",
        "description",
        "description",
        "a",
        "b",
        "ec2/vpc_security_group.go",
    ),
    ("aws:ec2/securityGroup:SecurityGroup", "vpcId", "vpc_id", "vpc-1", "vpc-2", "ec2/vpc_security_group.go"),
    ("aws:elasticache/subnetGroup:SubnetGroup", "name", "name", "a", "b", "elasticache/subnet_group.go"),
    (
        "aws:elasticache/parameterGroup:ParameterGroup",
        "name",
        "name",
        "a",
        "b",
        "elasticache/parameter_group.go",
    ),
    (
        "aws:elasticache/parameterGroup:ParameterGroup",
        "family",
        "family",
        "redis7",
        "redis6.x",
        "parameter_group.go",
    ),
    (
        "aws:elasticache/parameterGroup:ParameterGroup",
        "description",
        "description",
        "a",
        "b",
        "elasticache/parameter_group.go description ForceNew",
    ),
    (
        "aws:elasticache/replicationGroup:ReplicationGroup",
        "replicationGroupId",
        "replication_group_id",
        "a",
        "b",
        "elasticache/replication_group.go",
    ),
    (
        "aws:elasticache/replicationGroup:ReplicationGroup",
        "atRestEncryptionEnabled",
        "at_rest_encryption_enabled",
        True,
        False,
        "elasticache/replication_group.go",
    ),
    (
        "aws:elasticache/replicationGroup:ReplicationGroup",
        "subnetGroupName",
        "subnet_group_name",
        "a",
        "b",
        "elasticache/replication_group.go",
    ),
    ("aws:elasticache/replicationGroup:ReplicationGroup", "port", "port", 6380, 6379, "replication_group.go"),
    (
        "aws:elasticache/replicationGroup:ReplicationGroup",
        "kmsKeyId",
        "kms_key_id",
        "k1",
        "k2",
        "replication_group.go",
    ),
    (
        "aws:elasticache/replicationGroup:ReplicationGroup",
        "engine",
        "engine",
        "memcached",
        "redis",
        "replication_group.go customizeDiffEngineForceNewOnDowngrade (only redis->valkey is in place)",
    ),
    ("aws:lb/targetGroup:TargetGroup", "name", "name", "a", "b", "elbv2/target_group.go"),
    ("aws:lb/targetGroup:TargetGroup", "port", "port", 3002, 3001, "elbv2/target_group.go"),
    ("aws:lb/targetGroup:TargetGroup", "protocol", "protocol", "HTTPS", "HTTP", "elbv2/target_group.go"),
    (
        "aws:lb/targetGroup:TargetGroup",
        "targetType",
        "target_type",
        "instance",
        "ip",
        "elbv2/target_group.go",
    ),
    ("aws:lb/targetGroup:TargetGroup", "vpcId", "vpc_id", "vpc-1", "vpc-2", "elbv2/target_group.go"),
    (
        "aws:lb/targetGroup:TargetGroup",
        "protocolVersion",
        "protocol_version",
        "HTTP2",
        "HTTP1",
        "target_group.go",
    ),
    (
        "aws:lb/listenerRule:ListenerRule",
        "listenerArn",
        "listener_arn",
        "arn:1",
        "arn:2",
        "elbv2/listener_rule.go",
    ),
    ("aws:route53/record:Record", "name", "name", "a.example", "b.example", "route53/record.go"),
    ("aws:route53/record:Record", "zoneId", "zone_id", "Z1", "Z2", "route53/record.go"),
    ("aws:cloudwatch/logGroup:LogGroup", "name", "name", "a", "b", "logs/group.go"),
    ("aws:cloudwatch/logGroup:LogGroup", "namePrefix", "name_prefix", "a", "b", "logs/group.go"),
    (
        "aws:cloudwatch/logGroup:LogGroup",
        "logGroupClass",
        "log_group_class",
        "INFREQUENT_ACCESS",
        "STANDARD",
        "group.go",
    ),
    ("aws:iam/role:Role", "name", "name", "a", "b", "iam/role.go"),
    ("aws:iam/role:Role", "namePrefix", "name_prefix", "a", "b", "iam/role.go"),
    ("aws:iam/role:Role", "path", "path", "/a/", "/", "iam/role.go"),
    ("aws:iam/rolePolicy:RolePolicy", "name", "name", "a", "b", "iam/role_policy.go"),
    ("aws:iam/rolePolicy:RolePolicy", "role", "role", "a", "b", "iam/role_policy.go"),
    (
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        "role",
        "role",
        "a",
        "b",
        "role_policy_attachment.go",
    ),
    (
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        "policyArn",
        "policy_arn",
        "arn:1",
        "arn:2",
        "iam/role_policy_attachment.go",
    ),
    ("aws:ecs/service:Service", "name", "name", "a", "b", "ecs/service.go name ForceNew"),
    ("aws:ecs/service:Service", "cluster", "cluster", "arn:c1", "arn:c2", "ecs/service.go cluster ForceNew"),
    ("aws:ecs/service:Service", "launchType", "launch_type", "EC2", "FARGATE", "ecs/service.go launch_type"),
    (
        "aws:ecs/service:Service",
        "schedulingStrategy",
        "scheduling_strategy",
        "DAEMON",
        "REPLICA",
        "ecs/service.go scheduling_strategy ForceNew",
    ),
    ("aws:ecs/service:Service", "iamRole", "iam_role", "r1", "r2", "ecs/service.go iam_role ForceNew"),
    ("aws:ssm/parameter:Parameter", "name", "name", "/a", "/b", "ssm/parameter.go"),
    ("aws:sns/topic:Topic", "name", "name", "a", "b", "sns/topic.go"),
    ("aws:sns/topic:Topic", "fifoTopic", "fifo_topic", True, False, "sns/topic.go"),
    (
        "aws:sns/topicSubscription:TopicSubscription",
        "topic",
        "topic_arn",
        "arn:1",
        "arn:2",
        "topic_subscription.go",
    ),
    (
        "aws:sns/topicSubscription:TopicSubscription",
        "protocol",
        "protocol",
        "sms",
        "email",
        "topic_subscription.go",
    ),
    (
        "aws:sns/topicSubscription:TopicSubscription",
        "endpoint",
        "endpoint",
        "a@x",
        "b@x",
        "topic_subscription.go",
    ),
    ("aws:cloudwatch/metricAlarm:MetricAlarm", "name", "alarm_name", "a", "b", "cloudwatch/metric_alarm.go"),
    ("aws:cloudwatch/logMetricFilter:LogMetricFilter", "name", "name", "a", "b", "logs/metric_filter.go"),
    (
        "aws:cloudwatch/logMetricFilter:LogMetricFilter",
        "logGroupName",
        "log_group_name",
        "a",
        "b",
        "logs/metric_filter.go",
    ),
]


def declared(pulumi_type: str, plain: dict[str, Any]) -> Any:
    return program.Declared(
        type=pulumi_type,
        name="x",
        urn="urn:x",
        parent_name=None,
        parent_type=None,
        physical_name="x",
        protect=False,
        custom=True,
        plain=plain,
        secret_inputs=frozenset(),
        mock_id="",
        mock_outputs={},
    )


@pytest.mark.parametrize(
    ("pulumi_type", "prop", "attribute", "program", "current", "evidence"),
    FORCE_NEW,
    ids=[f"{t.split(':')[-1]}.{p}" for t, p, *_ in FORCE_NEW],
)
def test_a_change_of_a_force_new_property_is_reported_as_replace(
    pulumi_type: str, prop: str, attribute: str, program: Any, current: Any, evidence: str
) -> None:
    kind = kinds.KIND_BY_PULUMI[pulumi_type]
    match = records.Match(declared(pulumi_type, {prop: program}), "tf", "id", {attribute: current}, kind)
    (difference,) = compare.differences(match, {})
    assert (difference.property, difference.effect) == (prop, records.Effect.REPLACE), evidence


def test_every_force_new_entry_has_its_test() -> None:
    tested = {(t, p) for t, p, *_ in FORCE_NEW}
    listed = {(k.pulumi_type, p) for k in kinds.KINDS for p in k.replace}
    assert listed == tested


def test_a_changed_task_definition_is_a_new_revision_never_a_replacement() -> None:
    kind = kinds.KIND_BY_PULUMI["aws:ecs/taskDefinition:TaskDefinition"]
    match = records.Match(declared(kind.pulumi_type, {"cpu": "512"}), "tf", "id", {"cpu": "256"}, kind)
    (difference,) = compare.differences(match, {})
    assert difference.effect == records.Effect.REVISION
