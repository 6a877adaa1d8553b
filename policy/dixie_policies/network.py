"""Network policies: security groups (inline and standalone rules alike), the ALB route and DNS.

Security-group rules come in three shapes (inline ``ingress``/``egress`` on a SecurityGroup,
``aws:vpc`` ingress/egress rules, ``aws:ec2`` SecurityGroupRule); :func:`rules` turns each into one
normalised form so every rule is judged the same way.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pulumi_policy import PolicyResource, ResourceValidationArgs, Severity, StackValidationArgs

from ._support import (
    DNS_RECORD,
    LISTENER_RULES,
    MANDATORY,
    SECURITY_GROUP,
    SG_EGRESS_RULE,
    SG_INGRESS_RULE,
    SG_RULE,
    TARGET_GROUPS,
    as_list,
    config_schema,
    dig,
    is_false,
    linked,
    matching,
    number,
    of_type,
    resource_policy,
    stack_policy,
)
from .addresses import Reach, reach

SG_TYPES = (SECURITY_GROUP, SG_INGRESS_RULE, SG_EGRESS_RULE, SG_RULE)
STANDALONE_RULES = (SG_INGRESS_RULE, SG_EGRESS_RULE, SG_RULE)
ALL_PROTOCOLS = frozenset({"-1", "all"})


@dataclass(frozen=True)
class Rule:
    """One security-group rule, whatever resource shape declared it."""

    where: str  # property path prefix for messages ("" for a standalone rule resource)
    direction: str  # "ingress" or "egress"
    protocol: str
    from_port: float | None
    to_port: float | None
    cidrs: tuple[str, ...]
    cidr_props: str  # the property names that hold the CIDRs, for messages

    @property
    def reach(self) -> Reach:
        return reach(self.cidrs)

    @property
    def to_world(self) -> bool:
        """Admits public address space (or a CIDR the pack cannot read), however it is written."""
        admitted = self.reach
        return admitted.any_public or bool(admitted.invalid)

    def world_problem(self) -> str:
        admitted = self.reach
        if admitted.invalid:
            return f"{self.where}{self.cidr_props} must hold only valid CIDRs"
        return f"{self.where}{self.cidr_props} reach {admitted.describe()}"

    @property
    def all_protocols(self) -> bool:
        return self.protocol.lower() in ALL_PROTOCOLS


def _protocol(value: Any) -> str:
    return str(int(value)) if isinstance(value, float) else str(value or "")


def _inline(props: Mapping[str, Any], direction: str) -> Iterator[Rule]:
    for index, entry in enumerate(as_list(props.get(direction))):
        cidrs = [*as_list(dig(entry, "cidrBlocks")), *as_list(dig(entry, "ipv6CidrBlocks"))]
        yield Rule(
            f"{direction}[{index}].",
            direction,
            _protocol(dig(entry, "protocol")),
            number(dig(entry, "fromPort")),
            number(dig(entry, "toPort")),
            tuple(str(c) for c in cidrs),
            "cidrBlocks/ipv6CidrBlocks",
        )


def rules(resource_type: str, props: Mapping[str, Any]) -> list[Rule]:
    if resource_type == SECURITY_GROUP:
        return [*_inline(props, "ingress"), *_inline(props, "egress")]
    if resource_type in (SG_INGRESS_RULE, SG_EGRESS_RULE):
        cidrs = [c for c in (props.get("cidrIpv4"), props.get("cidrIpv6")) if c]
        direction = "ingress" if resource_type == SG_INGRESS_RULE else "egress"
        return [
            Rule(
                "",
                direction,
                _protocol(props.get("ipProtocol")),
                number(props.get("fromPort")),
                number(props.get("toPort")),
                tuple(cidrs),
                "cidrIpv4/cidrIpv6",
            )
        ]
    if resource_type == SG_RULE:
        cidrs = [*as_list(props.get("cidrBlocks")), *as_list(props.get("ipv6CidrBlocks"))]
        direction = "ingress" if props.get("type") == "ingress" else "egress"
        return [
            Rule(
                "",
                direction,
                _protocol(props.get("protocol")),
                number(props.get("fromPort")),
                number(props.get("toPort")),
                tuple(str(c) for c in cidrs),
                "cidrBlocks/ipv6CidrBlocks",
            )
        ]
    return []


def _no_world_ingress(args: ResourceValidationArgs) -> Iterator[str]:
    for rule in rules(args.resource_type, args.props):
        if rule.direction == "ingress" and rule.to_world:
            yield (
                f"{rule.world_problem()}: ingress must come only from security groups or private "
                "address space (traffic arrives through the ALB's group)"
            )


def _no_all_protocols_to_world(args: ResourceValidationArgs) -> Iterator[str]:
    for rule in rules(args.resource_type, args.props):
        if rule.all_protocols and rule.to_world:
            yield f"{rule.where}protocol must not be -1 (all traffic) for a rule that reaches public address space"


def _world_egress_https_only(args: ResourceValidationArgs) -> Iterator[str]:
    ports = {float(p) for p in args.get_config().get("worldEgressPorts", [443])}
    for rule in rules(args.resource_type, args.props):
        if rule.direction != "egress" or not rule.to_world:
            continue
        single_port = rule.from_port is not None and rule.from_port == rule.to_port
        if rule.protocol.lower() not in ("tcp", "6") or not single_port or rule.from_port not in ports:
            yield (
                f"{rule.world_problem()}: egress to public address space must be tcp on one allowed port "
                "(worldEgressPorts, default 443), not all protocols, all ports or a port range"
            )


def _same_rule(inline: Rule, standalone: Rule) -> bool:
    return (inline.direction, inline.protocol, inline.from_port, inline.to_port) == (
        standalone.direction,
        standalone.protocol,
        standalone.from_port,
        standalone.to_port,
    ) and (set(inline.cidrs) == set(standalone.cidrs) or not standalone.cidrs)


def _no_rule_conflicts(args: StackValidationArgs) -> Iterator[tuple[PolicyResource, str]]:
    groups = of_type(args, SECURITY_GROUP)
    standalone = of_type(args, *STANDALONE_RULES)
    for group in groups:
        targeting = [
            r
            for r in standalone
            if group in linked(r, "securityGroupId", SECURITY_GROUP)
            or group in matching([group], r.props.get("securityGroupId"), ("id",))
        ]
        if not targeting:
            continue
        # A refreshed group's outputs list every rule AWS reports, the standalone ones included;
        # only rules that no standalone resource accounts for were declared inline.
        declared = [rule for r in targeting for rule in rules(r.resource_type, r.props)]
        inline = [
            r for r in rules(SECURITY_GROUP, group.props) if not any(_same_rule(r, s) for s in declared)
        ]
        if inline:
            for rule_resource in targeting:
                yield (
                    rule_resource,
                    (
                        "securityGroupId targets a group that also declares inline ingress/egress rules: "
                        "the group's next apply deletes this rule"
                    ),
                )


def _target_group(args: ResourceValidationArgs) -> Iterator[str]:
    p = args.props
    if p.get("targetType") != "ip":
        yield "targetType must be ip (Fargate tasks in awsvpc mode register by IP)"
    health = p.get("healthCheck")
    if is_false(dig(health, "enabled")):
        yield "healthCheck.enabled must not be false"
    if not dig(health, "path"):
        yield "healthCheck.path must name the service's health endpoint"


def _forward_targets(actions: Any) -> list[Any]:
    targets: list[Any] = []
    for action in as_list(actions):
        if dig(action, "type") != "forward":
            continue
        targets.append(dig(action, "targetGroupArn"))
        targets += [dig(t, "arn") for t in as_list(dig(action, "forward", "targetGroups"))]
    return [t for t in targets if t]


def _listener_forwards(args: StackValidationArgs) -> Iterator[tuple[PolicyResource, str]]:
    target_groups = of_type(args, *TARGET_GROUPS)
    for rule in of_type(args, *LISTENER_RULES):
        if linked(rule, "actions", *TARGET_GROUPS):
            continue
        targets = _forward_targets(rule.props.get("actions"))
        if not targets:
            yield rule, "actions must forward to a target group"
        elif not all(matching(target_groups, t, ("arn", "id")) for t in targets):
            yield rule, "actions must forward only to target groups defined in this stack"


def _alias_record(args: ResourceValidationArgs) -> Iterator[str]:
    p = args.props
    if p.get("type") not in ("A", "AAAA"):
        return
    if not as_list(p.get("aliases")):
        yield "aliases must point the record at the load balancer"
    if as_list(p.get("records")):
        yield "records must be empty: literal addresses dangle when the load balancer changes"


POLICIES = [
    resource_policy(
        "sg-no-world-ingress",
        "No security group or rule admits ingress from public address space, however the CIDRs are "
        "written (0.0.0.0/0, two /1 halves, IPv6, IPv4-mapped IPv6): only security groups and "
        "private ranges.",
        controls=("EC2.18", "EC2.19", "CKV_AWS_24", "CKV_AWS_25", "CKV_AWS_260", "AVD-AWS-0107"),
        level=MANDATORY,
        severity=Severity.CRITICAL,
        types=SG_TYPES,
        check=_no_world_ingress,
    ),
    resource_policy(
        "sg-no-all-protocols-to-world",
        "No rule that reaches public address space uses protocol -1 (all traffic, all ports).",
        controls=("EC2.18", "CKV_AWS_277", "CKV_AWS_382"),
        level=MANDATORY,
        severity=Severity.HIGH,
        types=SG_TYPES,
        check=_no_all_protocols_to_world,
    ),
    resource_policy(
        "sg-world-egress-https-only",
        "Egress to public address space is tcp on one port of worldEgressPorts (default 443): no "
        "all-protocol, all-port or port-range egress to the internet.",
        controls=("CKV_AWS_382", "AVD-AWS-0104"),
        level=MANDATORY,
        severity=Severity.HIGH,
        types=SG_TYPES,
        check=_world_egress_https_only,
        schema=config_schema(
            worldEgressPorts={"type": "array", "items": {"type": "integer"}, "default": [443]}
        ),
    ),
    stack_policy(
        "sg-no-rule-management-conflicts",
        "No standalone rule targets a security group that also declares inline rules.",
        controls=("project", "tfsec aws-vpc-disallow-mixed-sgr", "pulumi-policy-aws awsguard compute rule"),
        level=MANDATORY,
        severity=Severity.HIGH,
        check=_no_rule_conflicts,
    ),
    resource_policy(
        "lb-target-group-ip-health-checked",
        "Target groups register tasks by IP and health-check a path.",
        controls=("CKV_AWS_261", "project"),
        level=MANDATORY,
        severity=Severity.MEDIUM,
        types=TARGET_GROUPS,
        check=_target_group,
    ),
    stack_policy(
        "lb-listener-rule-forwards-in-stack",
        "Every listener rule forwards to a target group defined in this stack.",
        controls=("project",),
        level=MANDATORY,
        severity=Severity.MEDIUM,
        check=_listener_forwards,
    ),
    resource_policy(
        "route53-alias-records",
        "A and AAAA records are aliases (to the load balancer), not literal addresses.",
        controls=("CKV2_AWS_23",),
        level=MANDATORY,
        severity=Severity.MEDIUM,
        types=[DNS_RECORD],
        check=_alias_record,
    ),
]
