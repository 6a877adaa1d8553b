"""Security groups, target groups and DNS, beyond the one-case-per-policy table."""

from __future__ import annotations

import pytest

from tests.policy.support import ABSENT, egress_rule, ingress_rule, messages, resource, security_group


def test_inline_world_ingress_is_refused_like_a_standalone_rule() -> None:
    group = security_group(
        ingress=[{"protocol": "tcp", "fromPort": 6379.0, "toPort": 6379.0, "cidrBlocks": ["0.0.0.0/0"]}]
    )
    assert messages("sg-no-world-ingress", group) == [
        "SecurityGroup 'network-sg': ingress[0].cidrBlocks/ipv6CidrBlocks must not admit 0.0.0.0/0 or ::/0 "
        "(traffic arrives through the ALB's group)"
    ]


def test_ipv6_world_ingress_is_refused() -> None:
    rule = ingress_rule(referencedSecurityGroupId=ABSENT, cidrIpv6="::/0")
    assert messages("sg-no-world-ingress", rule)


def test_legacy_security_group_rule_shape_is_checked() -> None:
    rule = resource(
        "aws:ec2/securityGroupRule:SecurityGroupRule",
        "legacy",
        {
            "type": "ingress",
            "protocol": "-1",
            "fromPort": 0.0,
            "toPort": 0.0,
            "cidrBlocks": ["0.0.0.0/0"],
            "securityGroupId": "sg-1",
        },
    )
    assert messages("sg-no-world-ingress", rule)
    assert messages("sg-no-all-protocols-to-world", rule)


def test_private_egress_on_any_port_is_not_world_egress() -> None:
    assert (
        messages(
            "sg-world-egress-https-only", egress_rule(cidrIpv4="10.0.0.0/8", fromPort=5432.0, toPort=5432.0)
        )
        == []
    )


def test_world_egress_port_range_is_advised_against() -> None:
    assert messages("sg-world-egress-https-only", egress_rule(fromPort=0.0, toPort=65535.0))


def test_refreshed_group_listing_its_standalone_rules_is_not_a_conflict() -> None:
    # After a refresh a group's outputs list the rules its standalone resources added.
    group = security_group()
    rule = ingress_rule(on=group)
    refreshed = resource(
        group.type,
        group.name,
        group.inputs,
        outputs={
            **group.outputs,
            "ingress": [
                {
                    "protocol": "tcp",
                    "fromPort": 3001.0,
                    "toPort": 3001.0,
                    "cidrBlocks": [],
                    "securityGroups": ["sg-0alb"],
                }
            ],
        },
    )
    assert messages("sg-no-rule-management-conflicts", refreshed, ingress_rule(on=refreshed)) == []
    assert messages("sg-no-rule-management-conflicts", group, rule) == []


def test_standalone_rule_on_a_group_outside_the_stack_is_fine() -> None:
    # The NATS group belongs to another team: a standalone rule is the only way to touch it.
    assert (
        messages("sg-no-rule-management-conflicts", ingress_rule(securityGroupId="sg-0df20023c098de62b"))
        == []
    )


def test_auto_named_target_group_leaves_room_for_the_suffix() -> None:
    long_logical = resource(
        "aws:lb/targetGroup:TargetGroup", "dixie-armitage-route-targets", {"targetType": "ip"}
    )
    assert any("auto-named" in m for m in messages("names-target-group", long_logical))
    assert messages(
        "names-target-group", resource("aws:alb/targetGroup:TargetGroup", "tg", {"name": "-dixie"})
    )


@pytest.mark.parametrize("description", ["Dixie's tasks", "Dixie \u2013 tasks"])
def test_security_group_descriptions_use_only_what_ec2_accepts(description: str) -> None:
    assert messages("descriptions-ascii", security_group(description=description))


def test_empty_description_is_refused_on_any_aws_resource() -> None:
    found = messages(
        "descriptions-ascii",
        resource("aws:ssm/parameter:Parameter", "p", {"name": "/dixie/armitage/X", "description": " "}),
    )
    assert found == ["Parameter 'p': description must not be empty"]


def test_listener_rule_without_forward_action_is_refused() -> None:
    rule = resource(
        "aws:lb/listenerRule:ListenerRule", "route-rule", {"actions": [{"type": "fixed-response"}]}
    )
    assert messages("lb-listener-rule-forwards-in-stack", rule) == [
        "ListenerRule 'route-rule': actions must forward to a target group"
    ]


def test_target_group_without_health_check_path_is_refused() -> None:
    group = resource(
        "aws:lb/targetGroup:TargetGroup",
        "route-targets",
        {"name": "dixie-armitage", "targetType": "ip", "healthCheck": {"enabled": True}},
    )
    assert any("healthCheck.path" in m for m in messages("lb-target-group-ip-health-checked", group))
