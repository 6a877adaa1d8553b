"""The alarm topic, its alarms, log metric filters and the failed-deployment route.

Expected values come from the sources, not from the code: the terraform split's thresholds, AWS's
metric catalogue (which metric is published where), what a stop-before-start deploy does to the
target group, the app's log lines and ECS's event format.
"""

from __future__ import annotations

import json

import pytest

from dixie_infra.offline import Evaluation, OfflineMocks, evaluate
from tests.program.conftest import armitage_config
from tests.program.helpers import ALARM, REPLICATION_GROUP, SERVICE

TG_SUFFIX_PREFIX = "targetgroup/dixie-armitage/"
LB_SUFFIX = "app/arrakis-staging-alb/0d434b50265789c1"
ECS_DIMS = {"ClusterName": "arrakis-staging-cluster", "ServiceName": "dixie-armitage"}
ACCOUNT = "891376933289"
SERVICE_ARN = f"arn:aws:ecs:us-east-1:{ACCOUNT}:service/arrakis-staging-cluster/dixie-armitage"

EXPECTED = {
    # name: (namespace, metric, comparison, threshold, period, statistic)
    # Two writers: RunningTaskCount exists only in ECS/ContainerInsights (Corrections).
    "dixie-armitage-desired-count-drift": (
        "ECS/ContainerInsights",
        "RunningTaskCount",
        "GreaterThanThreshold",
        1,
        60,
        "Maximum",
    ),
    "dixie-armitage-cpu-high": ("AWS/ECS", "CPUUtilization", "GreaterThanThreshold", 80, 300, "Average"),
    "dixie-armitage-memory-high": (
        "AWS/ECS",
        "MemoryUtilization",
        "GreaterThanThreshold",
        80,
        300,
        "Average",
    ),
    "dixie-armitage-unhealthy-hosts": (
        "AWS/ApplicationELB",
        "HealthyHostCount",
        "LessThanThreshold",
        1,
        60,
        "Minimum",
    ),
    "dixie-armitage-finn-latency-p95": (
        "AWS/ApplicationELB",
        "TargetResponseTime",
        "GreaterThanThreshold",
        5,
        60,
        "p95",
    ),
    "dixie-armitage-circuit-breaker-open": (
        "Dixie/armitage",
        "CircuitBreakerOpen",
        "GreaterThanThreshold",
        0,
        60,
        "Sum",
    ),
}
EVALUATION_PERIODS = {
    "dixie-armitage-desired-count-drift": 3,
    "dixie-armitage-cpu-high": 3,
    "dixie-armitage-memory-high": 3,
    "dixie-armitage-finn-latency-p95": 5,
    "dixie-armitage-circuit-breaker-open": 1,
    "dixie-armitage-redis-memory-high": 3,
}


def _alarms(evaluation: Evaluation) -> dict[str, dict]:
    return {r.plain["name"]: r.plain for r in evaluation.of_type(ALARM)}


def test_alarms_watch_the_metrics_aws_publishes_at_the_facts_sheet_thresholds(armitage: Evaluation) -> None:
    alarms = _alarms(armitage)
    assert set(alarms) == {*EXPECTED, "dixie-armitage-redis-memory-high"}
    for name, (namespace, metric, comparison, threshold, period, stat) in EXPECTED.items():
        a = alarms[name]
        assert (a["namespace"], a["metricName"], a["comparisonOperator"]) == (
            namespace,
            metric,
            comparison,
        ), name
        assert (a["threshold"], a["period"]) == (threshold, period), name
        assert a.get("statistic", a.get("extendedStatistic")) == stat, name
    for name, periods in EVALUATION_PERIODS.items():
        assert alarms[name]["evaluationPeriods"] == periods, name


def test_every_alarm_notifies_the_topic_on_alarm_and_ok(each_stack: Evaluation) -> None:
    topic = each_stack.one("aws:sns/topic:Topic")
    assert topic.plain["name"] == f"{each_stack.plain_outputs['serviceName']}-alarms"
    for alarm in _alarms(each_stack).values():
        assert alarm["alarmActions"] == [topic.outputs["arn"]]
        assert alarm["okActions"] == [topic.outputs["arn"]]


def test_no_alarm_waits_for_the_service_or_redis(each_stack: Evaluation) -> None:
    # An alarm built from the service's outputs is created only after steady state (never, if
    # the rollout fails); one built from Redis's, 10-15 minutes late.
    service = each_stack.one(SERVICE).urn
    redis = each_stack.one(REPLICATION_GROUP).urn
    watchers = [
        *each_stack.of_type(ALARM),
        *each_stack.of_type("aws:cloudwatch/eventRule:EventRule"),
        *each_stack.of_type("aws:cloudwatch/eventTarget:EventTarget"),
        *each_stack.of_type("aws:cloudwatch/logMetricFilter:LogMetricFilter"),
        *each_stack.of_type("aws:sns/topicPolicy:TopicPolicy"),
    ]
    assert len(watchers) >= 12
    for resource in watchers:
        waits_for = each_stack.depends_on(resource)
        assert service not in waits_for, resource.name
        assert redis not in waits_for, resource.name


def test_alarm_dimensions_address_this_service(armitage: Evaluation) -> None:
    alarms = _alarms(armitage)
    for name in (
        "dixie-armitage-desired-count-drift",
        "dixie-armitage-cpu-high",
        "dixie-armitage-memory-high",
    ):
        assert alarms[name]["dimensions"] == ECS_DIMS
    for name in ("dixie-armitage-unhealthy-hosts", "dixie-armitage-finn-latency-p95"):
        dims = alarms[name]["dimensions"]
        assert dims["LoadBalancer"] == LB_SUFFIX
        assert dims["TargetGroup"].startswith(TG_SUFFIX_PREFIX)


def _node_queries(alarm: dict) -> tuple[list[str], str]:
    nodes = [q["metric"]["dimensions"]["CacheClusterId"] for q in alarm["metricQueries"] if "metric" in q]
    (expression,) = [q for q in alarm["metricQueries"] if q.get("returnData")]
    for q in alarm["metricQueries"]:
        if "metric" in q:
            assert (q["metric"]["namespace"], q["metric"]["metricName"]) == (
                "AWS/ElastiCache",
                "DatabaseMemoryUsagePercentage",
            )
    return nodes, expression["expression"]


def test_redis_memory_is_watched_on_every_node(armitage: Evaluation, production: Evaluation) -> None:
    # ElastiCache publishes DatabaseMemoryUsagePercentage per node (<group>-001, ...), not per
    # replication group; after a failover the primary is another node.
    alarm = _alarms(armitage)["dixie-armitage-redis-memory-high"]
    assert (alarm["comparisonOperator"], alarm["threshold"]) == ("GreaterThanThreshold", 70)
    # One node: its metric directly (an expression must return one time series).
    assert "metricQueries" not in alarm
    assert (alarm["namespace"], alarm["metricName"], alarm["statistic"]) == (
        "AWS/ElastiCache",
        "DatabaseMemoryUsagePercentage",
        "Maximum",
    )
    assert alarm["dimensions"] == {"CacheClusterId": "dixie-armitage-001"}
    prod = next(a for a in _alarms(production).values() if a["name"] == "dixie-bff-redis-memory-high")
    assert _node_queries(prod) == (["dixie-bff-001", "dixie-bff-002"], "MAX([node1, node2])")


def test_two_writer_alarm_never_reads_missing_data_as_ok(armitage: Evaluation) -> None:
    # Without Container Insights the metric does not exist: that must show, not pass as OK.
    alarm = _alarms(armitage)["dixie-armitage-desired-count-drift"]
    assert alarm["treatMissingData"] in ("missing", "breaching")
    # One running count above 1 alarms; a single late datapoint does not flap it.
    assert (alarm["evaluationPeriods"], alarm["datapointsToAlarm"]) == (3, 1)
    topic = armitage.one("aws:sns/topic:Topic").outputs["arn"]
    assert alarm["insufficientDataActions"] == [topic]


def _breaching_buckets(outage: int, start: int, period: int) -> int:
    """One-minute buckets whose Minimum HealthyHostCount is 0 for an outage of ``outage`` s."""
    first, last = start // period, (start + outage - 1) // period
    return last - first + 1


@pytest.mark.parametrize("outage", [80, 135, 160])
def test_unhealthy_hosts_stays_quiet_through_a_routine_deploy(armitage: Evaluation, outage: int) -> None:
    # A stop-before-start deploy has no healthy target for (deregistration + start + 2 checks):
    # 80 s with our settings, 135 s with the split's, and up to twice ours on a slow pull.
    alarm = _alarms(armitage)["dixie-armitage-unhealthy-hosts"]
    period, periods = int(alarm["period"]), int(alarm["evaluationPeriods"])
    worst = max(_breaching_buckets(outage, start, period) for start in range(period))
    assert worst < periods, (outage, worst, periods)


def test_unhealthy_hosts_still_fires_on_a_real_outage(armitage: Evaluation) -> None:
    alarm = _alarms(armitage)["dixie-armitage-unhealthy-hosts"]
    assert alarm["treatMissingData"] == "breaching"
    assert alarm["period"] * alarm["evaluationPeriods"] <= 10 * 60


def test_a_parked_service_silences_only_unhealthy_hosts(armitage: Evaluation) -> None:
    assert all(a.get("actionsEnabled", True) for a in _alarms(armitage).values())
    config, secret_keys = armitage_config()
    parked = evaluate(
        "armitage",
        {**config, "dixie:desiredCount": 0},
        secret_keys=secret_keys,
        mocks=OfflineMocks(account=ACCOUNT),
    )
    enabled = {name: a.get("actionsEnabled", True) for name, a in _alarms(parked).items()}
    assert enabled.pop("dixie-armitage-unhealthy-hosts") is False
    assert all(enabled.values()), enabled


def test_a_failed_deployment_reaches_the_topic(armitage: Evaluation) -> None:
    rule = armitage.one("aws:cloudwatch/eventRule:EventRule")
    assert rule.plain["name"] == "dixie-armitage-deployment-failed"
    # ECS's event: detail-type "ECS Deployment State Change", resources = [service ARN with the
    # cluster name in its path], detail.eventName SERVICE_DEPLOYMENT_FAILED (ECS developer guide).
    assert json.loads(rule.plain["eventPattern"]) == {
        "source": ["aws.ecs"],
        "detail-type": ["ECS Deployment State Change"],
        "resources": [SERVICE_ARN],
        "detail": {"eventName": ["SERVICE_DEPLOYMENT_FAILED"]},
    }
    target = armitage.one("aws:cloudwatch/eventTarget:EventTarget").plain
    topic = armitage.one("aws:sns/topic:Topic").outputs["arn"]
    assert (target["rule"], target["arn"]) == ("dixie-armitage-deployment-failed", topic)


def test_topic_admits_eventbridge_for_that_rule_only_and_cloudwatch_for_our_alarms(
    armitage: Evaluation,
) -> None:
    topic = armitage.one("aws:sns/topic:Topic").outputs["arn"]
    rule = armitage.one("aws:cloudwatch/eventRule:EventRule").outputs["arn"]
    resource = armitage.one("aws:sns/topicPolicy:TopicPolicy")
    assert resource.plain["arn"] == topic
    statements = {s["Principal"]["Service"]: s for s in json.loads(resource.plain["policy"])["Statement"]}
    assert set(statements) == {"events.amazonaws.com", "cloudwatch.amazonaws.com"}
    events = statements["events.amazonaws.com"]
    assert (events["Effect"], events["Action"], events["Resource"]) == ("Allow", "sns:Publish", topic)
    assert events["Condition"] == {"ArnEquals": {"aws:SourceArn": rule}}
    alarms = statements["cloudwatch.amazonaws.com"]
    assert alarms["Action"] == "sns:Publish"
    assert alarms["Condition"] == {
        "ArnLike": {"aws:SourceArn": f"arn:aws:cloudwatch:us-east-1:{ACCOUNT}:alarm:dixie-armitage-*"},
        "StringEquals": {"aws:SourceAccount": ACCOUNT},
    }
    # Every alarm's ARN falls under the pattern CloudWatch may publish for.
    for alarm in armitage.of_type(ALARM):
        assert alarm.outputs["arn"].startswith(
            f"arn:aws:cloudwatch:us-east-1:{ACCOUNT}:alarm:dixie-armitage-"
        )


@pytest.mark.parametrize(
    ("name", "pattern", "metric"),
    [
        # finn-client.ts logs circuit_state on every breaker transition.
        ("dixie-armitage-circuit-breaker-open", '{ $.circuit_state = "open" }', "CircuitBreakerOpen"),
        # The request logger's status/path line (logger.ts), not the allowlist's in-memory audit.
        (
            "dixie-armitage-allowlist-denied",
            '{ ($.status = 401 || $.status = 403) && $.path = "/api/*" }',
            "AllowlistDenied",
        ),
    ],
)
def test_metric_filters_count_log_lines_the_app_prints(
    armitage: Evaluation, name: str, pattern: str, metric: str
) -> None:
    filters = {
        r.plain["name"]: r.plain for r in armitage.of_type("aws:cloudwatch/logMetricFilter:LogMetricFilter")
    }
    assert len(filters) == 2
    f = filters[name]
    assert (f["logGroupName"], f["pattern"]) == ("/ecs/dixie-armitage", pattern)
    assert f["metricTransformation"]["name"] == metric
    assert f["metricTransformation"]["namespace"] == "Dixie/armitage"


def test_email_subscription_only_when_configured(armitage: Evaluation, production: Evaluation) -> None:
    assert armitage.of_type("aws:sns/topicSubscription:TopicSubscription") == []
    sub = production.one("aws:sns/topicSubscription:TopicSubscription").plain
    assert (sub["protocol"], sub["endpoint"]) == ("email", "oncall@thj.dev")
    assert sub["topic"] == production.one("aws:sns/topic:Topic").outputs["arn"]
