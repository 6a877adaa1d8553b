"""Alarms: the topic ``<svc>-alarms`` and everything that should reach it.

Creates: the SNS topic (+ an email subscription when ``alarmEmail`` is set) and its policy
(CloudWatch may publish for this account's ``<svc>-*`` alarms, EventBridge for the one rule
below, nobody else); seven CloudWatch alarms, each notifying the topic on ALARM and on OK; two
log metric filters; an EventBridge rule ``<svc>-deployment-failed`` that routes ECS's
``SERVICE_DEPLOYMENT_FAILED`` for this service to the topic (a circuit-breaker rollback leaves
``pulumi up`` green and the old task running: without the rule nobody hears of it).

Every dimension comes from a known name, never from the ECS service's or the Redis group's
outputs: an alarm that waits for the service to reach steady state is never created when the
rollout fails, and one that waits for Redis is created 10-15 minutes late.

What each alarm watches, and why, is :mod:`.alarm_specs`.

Requires: names, the cluster and service names, the service's ARN (built from names), the
target group's and ALB's ARN suffixes, the Redis node ids, the log group's name, the account.
"""

from __future__ import annotations

import json
from dataclasses import replace

import pulumi
import pulumi_aws as aws

from dixie_infra.components import TYPE_PREFIX, child
from dixie_infra.components.alarm_specs import (
    CIRCUIT_OPEN_PATTERN,
    DENIED_PATTERN,
    AlarmsArgs,
    AlarmSpec,
    alarm_specs,
)

DEPLOYMENT_FAILED = "SERVICE_DEPLOYMENT_FAILED"


def deployment_failed_pattern(service_arn: str) -> str:
    """The event pattern for a failed deployment of exactly this service (ECS developer guide,
    "Amazon ECS service deployment state change events": resources holds the service ARN)."""
    return json.dumps(
        {
            "source": ["aws.ecs"],
            "detail-type": ["ECS Deployment State Change"],
            "resources": [service_arn],
            "detail": {"eventName": [DEPLOYMENT_FAILED]},
        },
        sort_keys=True,
    )


def topic_policy(
    topic_arn: pulumi.Input[str],
    alarm_arn_pattern: pulumi.Input[str],
    rule_arn: pulumi.Input[str],
    account_id: pulumi.Input[str],
) -> dict[str, object]:
    """Who may publish: CloudWatch for our alarms, EventBridge for our rule, with the
    confused-deputy conditions AWS documents for service principals (aws:SourceAccount,
    aws:SourceArn). A topic policy replaces SNS's default one, so CloudWatch needs its statement
    here or the alarms go silent."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "CloudWatchAlarms",
                "Effect": "Allow",
                "Principal": {"Service": "cloudwatch.amazonaws.com"},
                "Action": "sns:Publish",
                "Resource": topic_arn,
                "Condition": {
                    "ArnLike": {"aws:SourceArn": alarm_arn_pattern},
                    "StringEquals": {"aws:SourceAccount": account_id},
                },
            },
            {
                "Sid": "FailedDeployments",
                "Effect": "Allow",
                "Principal": {"Service": "events.amazonaws.com"},
                "Action": "sns:Publish",
                "Resource": topic_arn,
                "Condition": {"ArnEquals": {"aws:SourceArn": rule_arn}},
            },
        ],
    }


class Alarms(pulumi.ComponentResource):
    topic: aws.sns.Topic
    alarms: dict[str, aws.cloudwatch.MetricAlarm]
    deployment_failed_rule: aws.cloudwatch.EventRule

    def __init__(self, name: str, args: AlarmsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(f"{TYPE_PREFIX}:Alarms", name, None, opts)
        n = args.names
        self.topic = aws.sns.Topic(f"{name}-topic", name=n.alarm_topic, opts=child(self))
        self.subscription = (
            aws.sns.TopicSubscription(
                f"{name}-email",
                topic=self.topic.arn,
                protocol="email",
                endpoint=args.alarm_email,
                opts=child(self),
            )
            if args.alarm_email
            else None
        )

        self.metric_filters = {
            "CircuitBreakerOpen": self._metric_filter(
                f"{name}-circuit-breaker-filter",
                n.circuit_breaker_filter,
                args,
                CIRCUIT_OPEN_PATTERN,
                "CircuitBreakerOpen",
            ),
            "AllowlistDenied": self._metric_filter(
                f"{name}-allowlist-denied-filter",
                n.allowlist_denied_filter,
                args,
                DENIED_PATTERN,
                "AllowlistDenied",
            ),
        }

        self.alarms = {}
        for spec in alarm_specs(args):
            if spec.role == "redis-memory-high" and len(args.redis_node_ids) > 1:
                self.alarms[spec.role] = self._per_node_alarm(
                    name, n.alarm(spec.role), spec, args.redis_node_ids
                )
            elif spec.role == "redis-memory-high":
                (node,) = args.redis_node_ids
                self.alarms[spec.role] = self._alarm(
                    name, n.alarm(spec.role), replace(spec, dimensions={"CacheClusterId": node})
                )
            else:
                self.alarms[spec.role] = self._alarm(name, n.alarm(spec.role), spec)

        self.deployment_failed_rule = aws.cloudwatch.EventRule(
            f"{name}-deployment-failed",
            name=n.deployment_failed_rule,
            description="A failed ECS deployment of Dixie (circuit breaker), even when pulumi up is green",
            event_pattern=pulumi.Output.from_input(args.service_arn).apply(deployment_failed_pattern),
            opts=child(self),
        )
        self.deployment_failed_target = aws.cloudwatch.EventTarget(
            f"{name}-deployment-failed-target",
            rule=self.deployment_failed_rule.name,
            target_id="alarm-topic",
            arn=self.topic.arn,
            opts=child(self),
        )
        alarm_arns = pulumi.Output.concat(
            "arn:",
            args.partition,
            ":cloudwatch:",
            args.region,
            ":",
            args.account_id,
            ":alarm:",
            n.service,
            "-*",
        )
        self.topic_policy = aws.sns.TopicPolicy(
            f"{name}-topic-policy",
            arn=self.topic.arn,
            policy=pulumi.Output.json_dumps(
                topic_policy(self.topic.arn, alarm_arns, self.deployment_failed_rule.arn, args.account_id)
            ),
            opts=child(self),
        )
        self.register_outputs({"topicArn": self.topic.arn})

    def _metric_filter(
        self, logical: str, physical: str, args: AlarmsArgs, pattern: str, metric: str
    ) -> aws.cloudwatch.LogMetricFilter:
        return aws.cloudwatch.LogMetricFilter(
            logical,
            name=physical,
            log_group_name=args.log_group_name,
            pattern=pattern,
            metric_transformation=aws.cloudwatch.LogMetricFilterMetricTransformationArgs(
                name=metric, namespace=args.metric_namespace, value="1", default_value="0"
            ),
            opts=child(self),
        )

    def _alarm(
        self,
        component: str,
        physical: str,
        spec: AlarmSpec,
        queries: list[aws.cloudwatch.MetricAlarmMetricQueryArgs] | None = None,
    ) -> aws.cloudwatch.MetricAlarm:
        """One alarm on ``spec``'s metric, or on ``queries`` (metric math) when given."""
        single = queries is None
        return aws.cloudwatch.MetricAlarm(
            f"{component}-{spec.role}",
            name=physical,
            alarm_description=spec.description,
            namespace=spec.namespace if single else None,
            metric_name=spec.metric if single else None,
            period=spec.period if single else None,
            statistic=spec.statistic if single else None,
            extended_statistic=spec.extended_statistic if single else None,
            dimensions=(spec.dimensions or None) if single else None,
            metric_queries=queries,
            comparison_operator=spec.comparison,
            threshold=spec.threshold,
            evaluation_periods=spec.evaluation_periods,
            datapoints_to_alarm=spec.datapoints_to_alarm,
            treat_missing_data=spec.treat_missing_data,
            alarm_actions=[self.topic.arn],
            ok_actions=[self.topic.arn],
            insufficient_data_actions=[self.topic.arn] if spec.notify_insufficient_data else None,
            actions_enabled=spec.actions_enabled,
            opts=child(self),
        )

    def _per_node_alarm(
        self, component: str, physical: str, spec: AlarmSpec, node_ids: tuple[str, ...]
    ) -> aws.cloudwatch.MetricAlarm:
        """The highest of one metric across nodes (metric math ``MAX``): a failover moves the
        primary to another node, and a single-node alarm would then watch the wrong one. Only for
        two or more nodes: PutMetricAlarm wants each expression to return one time series, and
        a one-node group is watched on its metric directly."""
        ids = [f"node{index}" for index in range(1, len(node_ids) + 1)]
        queries = [
            aws.cloudwatch.MetricAlarmMetricQueryArgs(
                id=query_id,
                return_data=False,
                metric=aws.cloudwatch.MetricAlarmMetricQueryMetricArgs(
                    namespace=spec.namespace,
                    metric_name=spec.metric,
                    period=spec.period,
                    stat=spec.statistic or "Maximum",
                    dimensions={"CacheClusterId": node},
                ),
            )
            for query_id, node in zip(ids, node_ids, strict=True)
        ]
        queries.append(
            aws.cloudwatch.MetricAlarmMetricQueryArgs(
                id="highest", expression=f"MAX([{', '.join(ids)}])", label="highest node", return_data=True
            )
        )
        return self._alarm(component, physical, spec, queries)
