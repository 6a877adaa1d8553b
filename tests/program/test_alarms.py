"""The alarm topic, seven alarms and two log metric filters."""

from __future__ import annotations

import pytest

from dixie_infra.offline import Evaluation
from tests.program.helpers import ALARM

TG_SUFFIX_PREFIX = "targetgroup/dixie-armitage/"
LB_SUFFIX = "app/arrakis-staging-alb/0d434b50265789c1"
ECS_DIMS = {"ClusterName": "arrakis-staging-cluster", "ServiceName": "dixie-armitage"}

EXPECTED = {
    # name: (namespace, metric, comparison, threshold, period, periods, statistic)
    "dixie-armitage-desired-count-drift": (
        "ECS/ContainerInsights",
        "DesiredTaskCount",
        "GreaterThanThreshold",
        1,
        60,
        1,
        "Maximum",
    ),
    "dixie-armitage-cpu-high": ("AWS/ECS", "CPUUtilization", "GreaterThanThreshold", 80, 300, 3, "Average"),
    "dixie-armitage-memory-high": (
        "AWS/ECS",
        "MemoryUtilization",
        "GreaterThanThreshold",
        80,
        300,
        3,
        "Average",
    ),
    "dixie-armitage-unhealthy-hosts": (
        "AWS/ApplicationELB",
        "HealthyHostCount",
        "LessThanThreshold",
        1,
        60,
        3,
        "Minimum",
    ),
    "dixie-armitage-finn-latency-p95": (
        "AWS/ApplicationELB",
        "TargetResponseTime",
        "GreaterThanThreshold",
        5,
        60,
        5,
        "p95",
    ),
    "dixie-armitage-redis-memory-high": (
        "AWS/ElastiCache",
        "DatabaseMemoryUsagePercentage",
        "GreaterThanThreshold",
        70,
        300,
        3,
        "Average",
    ),
    "dixie-armitage-circuit-breaker-open": (
        "Dixie/armitage",
        "CircuitBreakerOpen",
        "GreaterThanThreshold",
        0,
        60,
        1,
        "Sum",
    ),
}


def _alarms(evaluation: Evaluation) -> dict[str, dict]:
    return {r.plain["name"]: r.plain for r in evaluation.of_type(ALARM)}


def test_seven_alarms_with_the_facts_sheet_thresholds(armitage: Evaluation) -> None:
    alarms = _alarms(armitage)
    assert set(alarms) == set(EXPECTED)
    for name, (namespace, metric, comparison, threshold, period, periods, stat) in EXPECTED.items():
        a = alarms[name]
        assert (a["namespace"], a["metricName"], a["comparisonOperator"]) == (
            namespace,
            metric,
            comparison,
        ), name
        assert (a["threshold"], a["period"], a["evaluationPeriods"]) == (threshold, period, periods), name
        assert a.get("statistic", a.get("extendedStatistic")) == stat, name


def test_every_alarm_notifies_the_topic_on_alarm_and_ok(each_stack: Evaluation) -> None:
    topic = each_stack.one("aws:sns/topic:Topic")
    assert topic.plain["name"] == f"{each_stack.plain_outputs['serviceName']}-alarms"
    for alarm in _alarms(each_stack).values():
        assert alarm["alarmActions"] == [topic.outputs["arn"]]
        assert alarm["okActions"] == [topic.outputs["arn"]]


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
    assert alarms["dixie-armitage-redis-memory-high"]["dimensions"] == {
        "CacheClusterId": "dixie-armitage-001"
    }


@pytest.mark.parametrize(
    ("name", "pattern", "metric"),
    [
        ("dixie-armitage-circuit-breaker-open", '{ $.circuit_state = "open" }', "CircuitBreakerOpen"),
        (
            "dixie-armitage-allowlist-denied",
            '{ $.auth_type = "none" && $.action = "denied" }',
            "AllowlistDenied",
        ),
    ],
)
def test_metric_filters_count_log_events(armitage: Evaluation, name: str, pattern: str, metric: str) -> None:
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
