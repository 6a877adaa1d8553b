"""Alarms: the SNS topic ``<svc>-alarms``, seven CloudWatch alarms and two log metric filters.

Creates: the topic (+ an email subscription when ``alarmEmail`` is set); alarms for desired-count
drift (more than one task means two writers), CPU and memory above 80 %, no healthy target, p95
response time above 5 s, Redis memory above 70 % (noeviction refuses writes when full) and an
open Finn circuit; metric filters on the service's log group turning ``circuit_state = "open"``
and unauthenticated denials into metrics. Every alarm notifies the topic on ALARM and on OK.

Requires: cluster and service names, the target group's and ALB's ARN suffixes, the Redis
replication group id, the log group name.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from dixie_infra.components import TYPE_PREFIX, child
from dixie_infra.names import ResourceNames


@dataclass(frozen=True)
class AlarmsArgs:
    names: ResourceNames
    metric_namespace: str
    cluster_name: str
    service_name: pulumi.Input[str]
    target_group_arn_suffix: pulumi.Input[str]
    load_balancer_arn_suffix: str
    redis_replication_group_id: pulumi.Input[str]
    log_group_name: pulumi.Input[str]
    alarm_email: str | None


@dataclass(frozen=True)
class AlarmSpec:
    role: str
    description: str
    namespace: str
    metric: str
    comparison: str
    threshold: float
    period: int
    evaluation_periods: int
    statistic: str | None = None
    extended_statistic: str | None = None
    treat_missing_data: str = "notBreaching"


class Alarms(pulumi.ComponentResource):
    topic: aws.sns.Topic
    alarms: dict[str, aws.cloudwatch.MetricAlarm]

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
                '{ $.circuit_state = "open" }',
                "CircuitBreakerOpen",
            ),
            "AllowlistDenied": self._metric_filter(
                f"{name}-allowlist-denied-filter",
                n.allowlist_denied_filter,
                args,
                '{ $.auth_type = "none" && $.action = "denied" }',
                "AllowlistDenied",
            ),
        }

        ecs: dict[str, pulumi.Input[str]] = {
            "ClusterName": args.cluster_name,
            "ServiceName": args.service_name,
        }
        alb: dict[str, pulumi.Input[str]] = {
            "TargetGroup": args.target_group_arn_suffix,
            "LoadBalancer": args.load_balancer_arn_suffix,
        }
        # ElastiCache reports memory per node; the primary of a replication group is <id>-001.
        redis: dict[str, pulumi.Input[str]] = {
            "CacheClusterId": pulumi.Output.concat(args.redis_replication_group_id, "-001")
        }
        specs: list[tuple[AlarmSpec, dict[str, pulumi.Input[str]]]] = [
            (
                AlarmSpec(
                    "desired-count-drift",
                    "More than one Dixie task desired: two writers corrupt the write-ahead log",
                    "ECS/ContainerInsights",
                    "DesiredTaskCount",
                    "GreaterThanThreshold",
                    1,
                    60,
                    1,
                    statistic="Maximum",
                ),
                ecs,
            ),
            (
                AlarmSpec(
                    "cpu-high",
                    "Dixie CPU above 80%",
                    "AWS/ECS",
                    "CPUUtilization",
                    "GreaterThanThreshold",
                    80,
                    300,
                    3,
                    statistic="Average",
                ),
                ecs,
            ),
            (
                AlarmSpec(
                    "memory-high",
                    "Dixie memory above 80%",
                    "AWS/ECS",
                    "MemoryUtilization",
                    "GreaterThanThreshold",
                    80,
                    300,
                    3,
                    statistic="Average",
                ),
                ecs,
            ),
            # No data from the target group means no healthy host at all.
            (
                AlarmSpec(
                    "unhealthy-hosts",
                    "No healthy Dixie target behind the ALB",
                    "AWS/ApplicationELB",
                    "HealthyHostCount",
                    "LessThanThreshold",
                    1,
                    60,
                    3,
                    statistic="Minimum",
                    treat_missing_data="breaching",
                ),
                alb,
            ),
            (
                AlarmSpec(
                    "finn-latency-p95",
                    "Dixie p95 response time above 5 s",
                    "AWS/ApplicationELB",
                    "TargetResponseTime",
                    "GreaterThanThreshold",
                    5,
                    60,
                    5,
                    extended_statistic="p95",
                ),
                alb,
            ),
            (
                AlarmSpec(
                    "redis-memory-high",
                    "Dixie Redis memory above 70% (noeviction refuses writes when full)",
                    "AWS/ElastiCache",
                    "DatabaseMemoryUsagePercentage",
                    "GreaterThanThreshold",
                    70,
                    300,
                    3,
                    statistic="Average",
                ),
                redis,
            ),
            (
                AlarmSpec(
                    "circuit-breaker-open",
                    "Dixie's circuit breaker to Finn is open",
                    args.metric_namespace,
                    "CircuitBreakerOpen",
                    "GreaterThanThreshold",
                    0,
                    60,
                    1,
                    statistic="Sum",
                ),
                {},
            ),
        ]
        self.alarms = {spec.role: self._alarm(name, n.alarm(spec.role), spec, dims) for spec, dims in specs}
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
        self, component: str, physical: str, spec: AlarmSpec, dimensions: dict[str, pulumi.Input[str]]
    ) -> aws.cloudwatch.MetricAlarm:
        return aws.cloudwatch.MetricAlarm(
            f"{component}-{spec.role}",
            name=physical,
            alarm_description=spec.description,
            namespace=spec.namespace,
            metric_name=spec.metric,
            comparison_operator=spec.comparison,
            threshold=spec.threshold,
            period=spec.period,
            evaluation_periods=spec.evaluation_periods,
            statistic=spec.statistic,
            extended_statistic=spec.extended_statistic,
            dimensions=dimensions or None,
            treat_missing_data=spec.treat_missing_data,
            alarm_actions=[self.topic.arn],
            ok_actions=[self.topic.arn],
            opts=child(self),
        )
