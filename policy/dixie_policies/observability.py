"""Observability policies: logs that expire, alarms that reach someone, a topic worth trusting.

An alarm without actions, or with actions on a topic outside the stack, fires into the void; a log
group without retention keeps every line (and its cost) forever.
"""

from __future__ import annotations

from collections.abc import Iterator

from pulumi_policy import PolicyResource, ResourceValidationArgs, Severity, StackValidationArgs

from ._support import (
    ADVISORY,
    LOG_GROUP,
    MANDATORY,
    METRIC_ALARM,
    SNS_TOPIC,
    as_list,
    config_schema,
    is_false,
    linked,
    matching,
    number,
    of_type,
    resource_policy,
    stack_policy,
)

#: The values CloudWatch Logs accepts for retentionInDays.
RETENTION_DAYS = frozenset(
    {1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}
)
DEFAULT_MIN_RETENTION_DAYS = 30


def _retention(args: ResourceValidationArgs) -> Iterator[str]:
    minimum = number(args.get_config().get("minLogRetentionDays", DEFAULT_MIN_RETENTION_DAYS)) or 1.0
    days = number(args.props.get("retentionInDays"))
    if days is None or days == 0:
        yield "retentionInDays must be set (without it logs never expire)"
    elif days not in RETENTION_DAYS:
        yield "retentionInDays must be one of the values CloudWatch Logs accepts"
    elif days < minimum:
        yield "retentionInDays is below minLogRetentionDays (default 30)"


def _alarms_reach_topic(args: StackValidationArgs) -> Iterator[tuple[PolicyResource, str]]:
    topics = of_type(args, SNS_TOPIC)
    for alarm in of_type(args, METRIC_ALARM):
        if is_false(alarm.props.get("actionsEnabled")):
            yield alarm, "actionsEnabled must not be false"
        if linked(alarm, "alarmActions", SNS_TOPIC):
            continue
        actions = as_list(alarm.props.get("alarmActions"))
        if not actions:
            yield alarm, "alarmActions must notify an SNS topic"
        elif not any(matching(topics, arn, ("arn", "id")) for arn in actions):
            yield alarm, "alarmActions must reach an SNS topic defined in this stack"


def _topic_cmk(args: ResourceValidationArgs) -> Iterator[str]:
    key = args.props.get("kmsMasterKeyId")
    if not key:
        yield "kmsMasterKeyId should set a customer managed KMS key"
    elif key == "alias/aws/sns":
        yield "kmsMasterKeyId must not be the AWS managed key: CloudWatch alarms cannot publish to it"


POLICIES = [
    resource_policy(
        "logs-retention",
        "Log groups set a retention CloudWatch accepts, at least minLogRetentionDays (default 30).",
        controls=("CKV_AWS_66", "AWS Config cw-loggroup-retention-period-check"),
        level=MANDATORY,
        severity=Severity.LOW,
        types=[LOG_GROUP],
        check=_retention,
        schema=config_schema(
            minLogRetentionDays={"type": "integer", "minimum": 1, "default": DEFAULT_MIN_RETENTION_DAYS}
        ),
    ),
    stack_policy(
        "alarms-notify-in-stack-topic",
        "Every metric alarm has actions enabled and alarm actions on an SNS topic defined in this stack.",
        controls=("CKV_AWS_319", "project"),
        level=MANDATORY,
        severity=Severity.MEDIUM,
        check=_alarms_reach_topic,
    ),
    resource_policy(
        "sns-topic-customer-managed-key",
        "SNS topics are encrypted with a customer managed KMS key (the AWS managed key breaks alarms).",
        controls=("SNS.1", "CKV_AWS_26", "AVD-AWS-0095", "AVD-AWS-0136"),
        level=ADVISORY,
        severity=Severity.LOW,
        types=[SNS_TOPIC],
        check=_topic_cmk,
    ),
]
