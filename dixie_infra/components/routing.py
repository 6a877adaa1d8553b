"""ALB route: how requests for Dixie's hostname reach its tasks.

Creates: target group ``<svc>`` (port 3001, target type ip, health check ``/api/health``,
deregistration delay and health-check timings from
:mod:`dixie_infra.timing`), a listener rule on the shared HTTPS listener (host header = the
hostname; priority 220 on armitage, 200 in production), and the Route53 alias A record.

Requires: the VPC, the shared listener's ARN, the ALB's DNS name and hosted zone id, the zone of
the hostname. The ALB and its listener belong to another team and are referenced only.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from dixie_infra import names, timing
from dixie_infra.components import TYPE_PREFIX, child


@dataclass(frozen=True)
class AlbRouteArgs:
    target_group_name: str
    vpc_id: str
    listener_arn: str
    listener_priority: int
    hostname: str
    alb_dns_name: str
    alb_zone_id: str
    route53_zone_id: str


class AlbRoute(pulumi.ComponentResource):
    target_group: aws.lb.TargetGroup
    listener_rule: aws.lb.ListenerRule
    record: aws.route53.Record

    def __init__(self, name: str, args: AlbRouteArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(f"{TYPE_PREFIX}:AlbRoute", name, None, opts)
        if len(args.target_group_name) > names.TARGET_GROUP_NAME_MAX:
            raise ValueError(
                f"target group name {args.target_group_name!r} exceeds {names.TARGET_GROUP_NAME_MAX} characters"
            )
        health = timing.TARGET_HEALTH
        self.target_group = aws.lb.TargetGroup(
            f"{name}-targets",
            name=args.target_group_name,
            port=names.APP_PORT,
            protocol="HTTP",
            target_type="ip",
            vpc_id=args.vpc_id,
            # Draining and health checks sized by the deploy-downtime model (dixie_infra.timing):
            # 80 s of outage per deploy instead of the split's 135 s, and a timeout the health
            # endpoint's sequential worst case cannot reach.
            deregistration_delay=health.deregistration_delay,
            health_check=aws.lb.TargetGroupHealthCheckArgs(
                enabled=True,
                path=names.HEALTH_PATH,
                protocol="HTTP",
                port="traffic-port",
                interval=health.interval,
                timeout=health.timeout,
                healthy_threshold=health.healthy_threshold,
                unhealthy_threshold=health.unhealthy_threshold,
                matcher="200",
            ),
            opts=child(self),
        )
        self.listener_rule = aws.lb.ListenerRule(
            f"{name}-rule",
            listener_arn=args.listener_arn,
            priority=args.listener_priority,
            actions=[aws.lb.ListenerRuleActionArgs(type="forward", target_group_arn=self.target_group.arn)],
            conditions=[
                aws.lb.ListenerRuleConditionArgs(
                    host_header=aws.lb.ListenerRuleConditionHostHeaderArgs(values=[args.hostname])
                )
            ],
            opts=child(self),
        )
        self.record = aws.route53.Record(
            f"{name}-dns",
            zone_id=args.route53_zone_id,
            name=args.hostname,
            type="A",
            aliases=[
                aws.route53.RecordAliasArgs(
                    name=args.alb_dns_name, zone_id=args.alb_zone_id, evaluate_target_health=True
                )
            ],
            opts=child(self),
        )
        self.register_outputs({"targetGroupArn": self.target_group.arn, "hostname": self.record.fqdn})
