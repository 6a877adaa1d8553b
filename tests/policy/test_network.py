"""Security groups, target groups and DNS, beyond the one-case-per-policy table."""

from __future__ import annotations

import pytest

from dixie_infra.offline import Resource
from tests.policy.support import (
    ABSENT,
    egress_rule,
    findings,
    ingress_rule,
    messages,
    resource,
    security_group,
)


def test_inline_world_ingress_is_refused_like_a_standalone_rule() -> None:
    group = security_group(
        ingress=[{"protocol": "tcp", "fromPort": 6379.0, "toPort": 6379.0, "cidrBlocks": ["0.0.0.0/0"]}]
    )
    assert messages("sg-no-world-ingress", group) == [
        "SecurityGroup 'network-sg': ingress[0].cidrBlocks/ipv6CidrBlocks reach all public IPv4 space: "
        "ingress must come only from security groups or private address space (traffic arrives through "
        "the ALB's group)"
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


def test_world_egress_port_range_is_refused() -> None:
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


# --- world-reachable ingress, however the CIDRs are written -----------------------------------


def legacy_rule(
    direction: str, protocol: str, ports: tuple[float, float], cidrs: list[str], v6: list[str]
) -> Resource:
    return resource(
        "aws:ec2/securityGroupRule:SecurityGroupRule",
        "legacy",
        {
            "type": direction,
            "protocol": protocol,
            "fromPort": ports[0],
            "toPort": ports[1],
            "cidrBlocks": cidrs,
            "ipv6CidrBlocks": v6,
            "securityGroupId": "sg-1",
        },
    )


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        (
            security_group(
                ingress=[
                    {
                        "protocol": "tcp",
                        "fromPort": 3001.0,
                        "toPort": 3001.0,
                        "cidrBlocks": ["0.0.0.0/1", "128.0.0.0/1"],
                    }
                ]
            ),
            "ingress[0].cidrBlocks/ipv6CidrBlocks reach all public IPv4 space",
        ),
        (
            legacy_rule("ingress", "tcp", (3001.0, 3001.0), [], ["::/1", "8000::/1"]),
            "cidrBlocks/ipv6CidrBlocks reach all public IPv6 space",
        ),
        (
            ingress_rule(referencedSecurityGroupId=ABSENT, cidrIpv6="::ffff:0:0/96"),
            "cidrIpv4/cidrIpv6 reach public addresses such as ::ffff:0:0/96",
        ),
        (
            ingress_rule(referencedSecurityGroupId=ABSENT, cidrIpv4="0.0.0.0/1"),
            "cidrIpv4/cidrIpv6 reach public addresses such as 0.0.0.0/5",
        ),
        (
            ingress_rule(referencedSecurityGroupId=ABSENT, cidrIpv4="8.8.8.0/24"),
            "cidrIpv4/cidrIpv6 reach public addresses such as 8.8.8.0/24",
        ),
        (
            ingress_rule(referencedSecurityGroupId=ABSENT, cidrIpv4="10.0.0.0/7"),
            "cidrIpv4/cidrIpv6 reach public addresses such as 11.0.0.0/8",
        ),
        (
            ingress_rule(referencedSecurityGroupId=ABSENT, cidrIpv4="0.0.0.0/0 "),
            "cidrIpv4/cidrIpv6 reach all public IPv4 space",
        ),
        (
            ingress_rule(referencedSecurityGroupId=ABSENT, cidrIpv4="everyone"),
            "cidrIpv4/cidrIpv6 must hold only valid CIDRs",
        ),
    ],
)
def test_ingress_from_public_space_is_refused_however_written(rule: Resource, expected: str) -> None:
    found = messages("sg-no-world-ingress", rule)
    assert len(found) == 1 and expected in found[0], found


def test_the_internet_split_across_two_rule_resources_is_refused_on_each() -> None:
    low = ingress_rule(name="low", referencedSecurityGroupId=ABSENT, cidrIpv4="0.0.0.0/1")
    high = ingress_rule(name="high", referencedSecurityGroupId=ABSENT, cidrIpv4="128.0.0.0/1")
    assert [f.name for f in findings("sg-no-world-ingress", low, high)] == ["low", "high"]


@pytest.mark.parametrize(
    "cidr", ["10.0.0.0/8", "172.16.0.0/12", "192.168.10.0/24", "100.64.0.0/10", "fd00:1234::/32"]
)
def test_ingress_from_private_space_is_allowed(cidr: str) -> None:
    key = "cidrIpv6" if ":" in cidr else "cidrIpv4"
    assert (
        messages(
            "sg-no-world-ingress",
            ingress_rule(None, "network-from-alb", referencedSecurityGroupId=ABSENT, **{key: cidr}),
        )
        == []
    )


# --- unrestricted egress ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "rule",
    [
        egress_rule(ipProtocol="-1", fromPort=ABSENT, toPort=ABSENT),
        egress_rule(ipProtocol="-1", cidrIpv4="0.0.0.0/1", fromPort=ABSENT, toPort=ABSENT),
        egress_rule(fromPort=0.0, toPort=65535.0),
        egress_rule(fromPort=443.0, toPort=1024.0),
        egress_rule(ipProtocol="udp", cidrIpv4=ABSENT, cidrIpv6="::/0"),
        egress_rule(fromPort=80.0, toPort=80.0, cidrIpv4="52.0.0.0/8"),
        legacy_rule("egress", "all", (0.0, 0.0), ["0.0.0.0/1", "128.0.0.0/1"], []),
        security_group(
            egress=[{"protocol": "-1", "fromPort": 0.0, "toPort": 0.0, "cidrBlocks": ["0.0.0.0/0"]}]
        ),
    ],
)
def test_unrestricted_egress_to_public_space_is_refused(rule: Resource) -> None:
    found = findings("sg-world-egress-https-only", rule)
    assert found and {f.level for f in found} == {"mandatory"}
    assert "egress to public address space must be tcp on one allowed port" in found[0].message


@pytest.mark.parametrize(
    "rule",
    [
        egress_rule(),
        egress_rule(cidrIpv4=ABSENT, cidrIpv6="::/0"),
        legacy_rule("egress", "tcp", (443.0, 443.0), ["0.0.0.0/1", "128.0.0.0/1"], []),
        egress_rule(ipProtocol="-1", cidrIpv4="10.0.0.0/8", fromPort=ABSENT, toPort=ABSENT),
        egress_rule(
            ipProtocol="tcp",
            cidrIpv4=ABSENT,
            referencedSecurityGroupId="sg-0efs",
            fromPort=2049.0,
            toPort=2049.0,
        ),
    ],
)
def test_https_and_private_egress_are_allowed(rule: Resource) -> None:
    assert messages("sg-world-egress-https-only", rule) == []


def test_all_protocols_to_split_public_space_is_refused() -> None:
    rule = legacy_rule("egress", "-1", (0.0, 0.0), ["0.0.0.0/1", "128.0.0.0/1"], [])
    assert messages("sg-no-all-protocols-to-world", rule)
    private = legacy_rule("egress", "-1", (0.0, 0.0), ["10.0.0.0/8"], [])
    assert messages("sg-no-all-protocols-to-world", private) == []
