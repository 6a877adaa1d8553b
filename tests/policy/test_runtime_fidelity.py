"""The adapter hands the policies what the CLI's analyzer would: proxied props that refuse unknown
values, a stack graph linked by URN, and the pack's levels."""

from __future__ import annotations

from pulumi_policy import EnforcementLevel, PolicyResource, StackValidationPolicy
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

from dixie_infra.offline.policies import check_resources, stack_resources
from tests.policy.support import (
    POLICIES,
    messages,
    parameter_group,
    redis,
    resource,
    service,
    task_definition,
)


def test_unknown_value_during_preview_is_an_advisory_cannot_run_finding() -> None:
    findings = check_resources(
        [task_definition(containerDefinitions=UNKNOWN_STRING_VALUE)],
        policies=[POLICIES["taskdef-image-pinned"]],
    )
    assert len(findings) == 1
    assert findings[0].level == EnforcementLevel.ADVISORY.value
    assert "can't run policy 'taskdef-image-pinned' during preview" in findings[0].message


def test_unknown_value_in_a_stack_policy_is_an_advisory_cannot_run_finding() -> None:
    group = redis(parameterGroupName=UNKNOWN_STRING_VALUE)
    findings = check_resources([group], policies=[POLICIES["elasticache-noeviction"]])
    assert [f.level for f in findings] == ["advisory"]
    assert "during preview" in findings[0].message


def test_stack_graph_links_property_dependencies_by_urn() -> None:
    group = parameter_group()
    cache = redis(links={"parameterGroupName": [group]})
    built = {r.name: r for r in stack_resources([group, cache])}
    linked = built["redis-group"].property_dependencies["parameterGroupName"]
    assert linked == [built["redis-params"]]
    assert built["redis-group"].dependencies == [built["redis-params"]]
    assert isinstance(built["redis-params"], PolicyResource)


def test_stack_policies_read_outputs_resource_policies_read_inputs() -> None:
    # The engine gives stack policies each resource's outputs; an output-only ARN must be visible.
    topic = resource(
        "aws:sns/topic:Topic",
        "alarms-topic",
        {"name": "t"},
        outputs={"name": "t", "arn": "arn:aws:sns:us-east-1:1:t"},
    )
    alarm = resource(
        "aws:cloudwatch/metricAlarm:MetricAlarm",
        "alarms-cpu-high",
        {"alarmActions": ["arn:aws:sns:us-east-1:1:t"]},
    )
    assert messages("alarms-notify-in-stack-topic", topic, alarm) == []


def test_every_policy_is_typed_levelled_and_cites_controls() -> None:
    assert len(POLICIES) >= 25
    for policy in POLICIES.values():
        assert policy.enforcement_level in (EnforcementLevel.MANDATORY, EnforcementLevel.ADVISORY), (
            policy.name
        )
        assert policy.tags, policy.name
        assert "Controls: " in policy.description, policy.name
        assert policy.description.isascii(), policy.name


def test_stack_policies_are_counted_once_per_stack() -> None:
    stack_policy_names = [p.name for p in POLICIES.values() if isinstance(p, StackValidationPolicy)]
    assert len(stack_policy_names) == 8
    assert check_resources([service()], policies=[POLICIES[n] for n in stack_policy_names]) == []
