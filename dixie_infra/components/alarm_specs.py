"""What each of Dixie's alarms watches, at what threshold, and why: one :class:`AlarmSpec` per alarm.

Every dimension comes from a known name, never from the ECS service's or the Redis group's
outputs (see :mod:`.alarms`).

- ``desired-count-drift``: more than one *running* task means two writers. RunningTaskCount
  exists only in ``ECS/ContainerInsights`` and only while Container Insights is on for the cluster
  (another team's); missing data is therefore never OK: the alarm stays INSUFFICIENT_DATA. An
  alarm that never had data makes no state change, so the topic hears nothing: the signal is
  ``verify_deploy`` (``alarms`` fails on INSUFFICIENT_DATA; ``container-insights`` in preflight
  names the cause). Once data flows, losing it is a state change and reaches the topic. One
  reading above 1 in three minutes alarms (1 of 3 datapoints), so a late datapoint does not flap.
- ``unhealthy-hosts``: no healthy target for longer than a routine stop-before-start deploy can
  cause (window from :mod:`dixie_infra.timing`); its actions are off while the service is parked
  at ``desiredCount: 0``, when no target is the intended state.
- ``redis-memory-high``: ElastiCache publishes memory per node (``CacheClusterId`` = ``<group>-001``
  ...), so the alarm watches the one node, or the highest of several.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi

from dixie_infra import timing
from dixie_infra.names import ResourceNames

CONTAINER_INSIGHTS = "ECS/ContainerInsights"
#: What the request logger prints for every request (loa-dixie app/src/middleware/logger.ts: one
#: JSON line with status and path, wrapped around the allowlist gate in server.ts). The
#: allowlist's own audit entries stay in memory and reach stdout only on overflow
#: (middleware/allowlist.ts, 5,000 at a time after 10,000), so they are no signal.
DENIED_PATTERN = '{ ($.status = 401 || $.status = 403) && $.path = "/api/*" }'
#: finn-client.ts logs every breaker transition with circuit_state = the new state.
CIRCUIT_OPEN_PATTERN = '{ $.circuit_state = "open" }'


@dataclass(frozen=True)
class AlarmsArgs:
    names: ResourceNames
    metric_namespace: str
    cluster_name: str
    service_name: str
    #: ``arn:...:service/<cluster>/<service>``, the form ECS puts in its events' ``resources``.
    service_arn: pulumi.Input[str]
    target_group_arn_suffix: pulumi.Input[str]
    load_balancer_arn_suffix: str
    redis_node_ids: tuple[str, ...]
    log_group_name: pulumi.Input[str]
    alarm_email: str | None
    region: str
    account_id: pulumi.Input[str]
    partition: pulumi.Input[str]
    #: The service runs no task on purpose (desiredCount 0).
    parked: bool = False


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
    dimensions: dict[str, pulumi.Input[str]] = field(default_factory=dict)
    statistic: str | None = None
    extended_statistic: str | None = None
    treat_missing_data: str = "notBreaching"
    notify_insufficient_data: bool = False
    actions_enabled: bool = True
    #: M of the N evaluation periods that must breach (None: all of them).
    datapoints_to_alarm: int | None = None


def alarm_specs(args: AlarmsArgs) -> list[AlarmSpec]:
    ecs: dict[str, pulumi.Input[str]] = {"ClusterName": args.cluster_name, "ServiceName": args.service_name}
    alb: dict[str, pulumi.Input[str]] = {
        "TargetGroup": args.target_group_arn_suffix,
        "LoadBalancer": args.load_balancer_arn_suffix,
    }
    return [
        AlarmSpec(
            "desired-count-drift",
            "More than one Dixie task running: two writers corrupt the write-ahead log. "
            "INSUFFICIENT_DATA means Container Insights is off for the cluster and nobody is watching.",
            CONTAINER_INSIGHTS,
            "RunningTaskCount",
            "GreaterThanThreshold",
            1,
            60,
            3,
            ecs,
            statistic="Maximum",
            treat_missing_data="missing",
            notify_insufficient_data=True,
            datapoints_to_alarm=1,
        ),
        AlarmSpec(
            "cpu-high",
            "Dixie CPU above 80%",
            "AWS/ECS",
            "CPUUtilization",
            "GreaterThanThreshold",
            80,
            300,
            3,
            ecs,
            statistic="Average",
        ),
        AlarmSpec(
            "memory-high",
            "Dixie memory above 80%",
            "AWS/ECS",
            "MemoryUtilization",
            "GreaterThanThreshold",
            80,
            300,
            3,
            ecs,
            statistic="Average",
        ),
        # No data from the target group means no healthy host at all. The window outlasts a
        # tolerated deploy outage (twice the modelled one) in every alignment of the one-minute
        # buckets, so only an outage longer than any routine deploy fills it.
        AlarmSpec(
            "unhealthy-hosts",
            "No healthy Dixie target behind the ALB for longer than a deploy takes",
            "AWS/ApplicationELB",
            "HealthyHostCount",
            "LessThanThreshold",
            1,
            timing.UNHEALTHY_HOSTS_PERIOD,
            timing.UNHEALTHY_HOSTS_EVALUATION_PERIODS,
            alb,
            statistic="Minimum",
            treat_missing_data="breaching",
            actions_enabled=not args.parked,
        ),
        AlarmSpec(
            "finn-latency-p95",
            "Dixie p95 response time above 5 s",
            "AWS/ApplicationELB",
            "TargetResponseTime",
            "GreaterThanThreshold",
            5,
            60,
            5,
            alb,
            extended_statistic="p95",
        ),
        AlarmSpec(
            "redis-memory-high",
            "Dixie Redis memory above 70% on any node (noeviction refuses writes when full)",
            "AWS/ElastiCache",
            "DatabaseMemoryUsagePercentage",
            "GreaterThanThreshold",
            70,
            300,
            3,
            statistic="Maximum",
        ),
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
    ]
