"""ECR, ElastiCache, SSM, logs and alarms, beyond the one-case-per-policy table."""

from __future__ import annotations

import json

import pytest

from tests.policy.support import messages, parameter_group, redis, resource


def test_redis_group_on_an_in_stack_group_that_evicts_is_refused() -> None:
    group = parameter_group(policy="volatile-lru")
    assert messages("elasticache-noeviction", group, redis(links={"parameterGroupName": [group]})) == [
        "ParameterGroup 'redis-params': parameters must set maxmemory-policy to noeviction"
    ]


def test_redis_parameter_group_found_by_name_when_not_linked() -> None:
    assert messages("elasticache-noeviction", parameter_group(), redis()) == []
    assert messages("elasticache-noeviction", redis(parameterGroupName="someone-elses-group"))


def test_failover_with_replica_needs_both_switches() -> None:
    found = messages("elasticache-failover", redis(multiAzEnabled=False))
    assert found == ["ReplicationGroup 'redis-group': multiAzEnabled should be true"]


def test_transit_encryption_mode_preferred_is_refused() -> None:
    assert messages("elasticache-encryption", redis(transitEncryptionMode="preferred"))


def test_rbac_user_groups_satisfy_auth() -> None:
    assert messages("elasticache-auth", redis(authToken="", userGroupIds=["dixie-users"])) == []


def test_snapshot_minimum_is_configurable() -> None:
    assert messages(
        "elasticache-snapshots", redis(snapshotRetentionLimit=3.0), config={"minSnapshotRetentionDays": 7}
    )


@pytest.mark.parametrize("name", ["dixie--armitage", "dixie-armitage-", "9dixie", "d" * 41])
def test_replication_group_ids_aws_accepts(name: str) -> None:
    assert messages("names-elasticache", redis(replicationGroupId=name))


def test_cache_subnet_group_names_are_lower_case() -> None:
    group = resource(
        "aws:elasticache/subnetGroup:SubnetGroup",
        "redis-subnets",
        {"name": "Dixie-Redis", "description": "x"},
    )
    assert messages("names-elasticache", group)


@pytest.mark.parametrize(
    "name",
    ["/dixie/armitage/DIXIE_ADMIN_KEY", "/dixie/armitage/DIXIE_JWT_PRIVATE_KEY", "/dixie/armitage/REDIS_URL"],
)
def test_secret_parameters_must_be_securestring(name: str) -> None:
    assert messages(
        "ssm-secrets-are-securestring",
        resource("aws:ssm/parameter:Parameter", "p", {"name": name, "type": "String"}),
    )


def test_plain_parameters_may_be_strings() -> None:
    parameter = resource(
        "aws:ssm/parameter:Parameter", "p", {"name": "/dixie/armitage/NATS_URL", "type": "String"}
    )
    assert messages("ssm-secrets-are-securestring", parameter) == []


def test_parameter_prefix_follows_the_stack() -> None:
    parameter = resource(
        "aws:ssm/parameter:Parameter",
        "p",
        {"name": "/dixie/armitage/NATS_URL", "type": "String"},
        stack="production",
    )
    assert messages("ssm-parameter-under-prefix", parameter)


def test_lifecycle_policy_without_rules_is_refused() -> None:
    repo = resource("aws:ecr/repository:Repository", "image-repository", {"name": "dixie-armitage"})
    empty = resource(
        "aws:ecr/lifecyclePolicy:LifecyclePolicy",
        "image-lifecycle",
        {"repository": "dixie-armitage", "policy": json.dumps({"rules": []})},
    )
    assert messages("ecr-lifecycle-policy", repo, empty) == [
        "LifecyclePolicy 'image-lifecycle': policy must hold at least one rule"
    ]


@pytest.mark.parametrize("days", [0.0, 45.0, 7.0])
def test_log_retention_is_a_valid_value_of_at_least_the_minimum(days: float) -> None:
    group = resource(
        "aws:cloudwatch/logGroup:LogGroup", "service-logs", {"name": "/ecs/x", "retentionInDays": days}
    )
    assert messages("logs-retention", group)


def test_alarm_with_actions_disabled_is_refused() -> None:
    topic = resource(
        "aws:sns/topic:Topic",
        "alarms-topic",
        {"name": "t"},
        outputs={"name": "t", "arn": "arn:aws:sns:us-east-1:1:t"},
    )
    alarm = resource(
        "aws:cloudwatch/metricAlarm:MetricAlarm",
        "alarms-cpu-high",
        {"alarmActions": ["arn:aws:sns:us-east-1:1:t"], "actionsEnabled": False},
    )
    assert messages("alarms-notify-in-stack-topic", topic, alarm) == [
        "MetricAlarm 'alarms-cpu-high': actionsEnabled must not be false"
    ]


def test_alarm_without_actions_is_refused() -> None:
    alarm = resource("aws:cloudwatch/metricAlarm:MetricAlarm", "alarms-cpu-high", {"name": "x"})
    assert messages("alarms-notify-in-stack-topic", alarm) == [
        "MetricAlarm 'alarms-cpu-high': alarmActions must notify an SNS topic"
    ]


def test_sns_aws_managed_key_breaks_alarms() -> None:
    topic = resource("aws:sns/topic:Topic", "alarms-topic", {"name": "t", "kmsMasterKeyId": "alias/aws/sns"})
    assert any("AWS managed key" in m for m in messages("sns-topic-customer-managed-key", topic))
