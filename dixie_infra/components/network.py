"""Network: Dixie's service security group and every rule that admits or lets out its traffic.

Creates: security group ``<svc>-ecs`` (no inline rules) and standalone rules: ingress 3001 from the
ALB's SG; egress 443 to anywhere (Finn through the ALB, external APIs) and 5432/4222/4317 to
10.0.0.0/8 (RDS, NATS, Tempo); the **NATS ingress rule** on the NATS SG (tcp 4222 from Dixie's SG,
added by hand during the sprint); optionally 5432 ingress on the database's SG.

Requires: the VPC, the ALB SG, the NATS SG and (optionally) the database SG, all owned by other
teams. Those groups are referenced by id only, never imported or managed: a rule we add is a
standalone resource, so their owners' applies and ours do not fight over inline rule lists.
The Redis rules live with the Redis component (they need its SG).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from dixie_infra import names
from dixie_infra.components import TYPE_PREFIX, child

ANYWHERE = "0.0.0.0/0"


@dataclass(frozen=True)
class ServiceNetworkArgs:
    security_group_name: str
    vpc_id: str
    alb_security_group_id: str
    nats_security_group_id: str
    database_security_group_id: str | None


def ingress_from(
    parent: pulumi.Resource,
    name: str,
    *,
    on: pulumi.Input[str],
    source: pulumi.Input[str],
    port: int,
    description: str,
) -> aws.vpc.SecurityGroupIngressRule:
    return aws.vpc.SecurityGroupIngressRule(
        name,
        security_group_id=on,
        referenced_security_group_id=source,
        ip_protocol="tcp",
        from_port=port,
        to_port=port,
        description=description,
        opts=child(parent),
    )


def egress_to(
    parent: pulumi.Resource,
    name: str,
    *,
    on: pulumi.Input[str],
    port: int,
    description: str,
    cidr: str | None = None,
    group: pulumi.Input[str] | None = None,
) -> aws.vpc.SecurityGroupEgressRule:
    return aws.vpc.SecurityGroupEgressRule(
        name,
        security_group_id=on,
        cidr_ipv4=cidr,
        referenced_security_group_id=group,
        ip_protocol="tcp",
        from_port=port,
        to_port=port,
        description=description,
        opts=child(parent),
    )


@dataclass(frozen=True)
class ServiceOnlyGroup:
    """A security group that admits one port from the service SG only, and that egress rule."""

    group: aws.ec2.SecurityGroup
    ingress: aws.vpc.SecurityGroupIngressRule
    service_egress: aws.vpc.SecurityGroupEgressRule


def service_only_group(
    parent: pulumi.Resource,
    name: str,
    *,
    group_name: str,
    description: str,
    vpc_id: str,
    service_security_group_id: pulumi.Input[str],
    port: int,
    ingress_description: str,
    egress_description: str,
) -> ServiceOnlyGroup:
    """``<name>-sg`` admitting ``port`` from the service SG, and the service SG's egress to it.

    The two rules are standalone: the groups reference each other, and inline rules would make a
    cycle. Descriptions are given by the caller: a group's cannot change without replacing it.
    """
    group = aws.ec2.SecurityGroup(
        f"{name}-sg",
        name=group_name,
        description=description,
        vpc_id=vpc_id,
        tags={"Name": group_name},
        opts=child(parent),
    )
    ingress = ingress_from(
        parent,
        f"{name}-from-service",
        on=group.id,
        source=service_security_group_id,
        port=port,
        description=ingress_description,
    )
    egress = egress_to(
        parent,
        f"{name}-service-egress",
        on=service_security_group_id,
        group=group.id,
        port=port,
        description=egress_description,
    )
    return ServiceOnlyGroup(group, ingress, egress)


class ServiceNetwork(pulumi.ComponentResource):
    security_group: aws.ec2.SecurityGroup
    security_group_id: pulumi.Output[str]
    nats_ingress: aws.vpc.SecurityGroupIngressRule

    def __init__(self, name: str, args: ServiceNetworkArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(f"{TYPE_PREFIX}:ServiceNetwork", name, None, opts)
        self.security_group = aws.ec2.SecurityGroup(
            f"{name}-sg",
            name=args.security_group_name,
            # The terraform split's text: a security group's description cannot change without
            # replacing the group, and replacing it drops every rule that references it.
            description="Dixie BFF ECS task security group",
            vpc_id=args.vpc_id,
            tags={"Name": args.security_group_name},
            opts=child(self),
        )
        sg = self.security_group.id
        self.security_group_id = sg
        self.alb_ingress = ingress_from(
            self,
            f"{name}-from-alb",
            on=sg,
            source=args.alb_security_group_id,
            port=names.APP_PORT,
            description="ALB to Dixie",
        )
        self.egress = [
            egress_to(
                self,
                f"{name}-to-https",
                on=sg,
                cidr=ANYWHERE,
                port=443,
                description="HTTPS outbound (external APIs, Finn via ALB)",
            ),
            egress_to(
                self,
                f"{name}-to-postgres",
                on=sg,
                cidr=names.PRIVATE_CIDR,
                port=names.POSTGRES_PORT,
                description="PostgreSQL RDS",
            ),
            egress_to(
                self,
                f"{name}-to-nats",
                on=sg,
                cidr=names.PRIVATE_CIDR,
                port=names.NATS_PORT,
                description="NATS messaging",
            ),
            egress_to(
                self,
                f"{name}-to-otlp",
                on=sg,
                cidr=names.PRIVATE_CIDR,
                port=names.OTLP_PORT,
                description="OTLP gRPC to Tempo",
            ),
        ]
        # The NATS SG (owned by freeside) must admit Dixie's own SG, or NATS is
        # unreachable and Dixie reports degraded.
        self.nats_ingress = ingress_from(
            self,
            f"{name}-nats-ingress",
            on=args.nats_security_group_id,
            source=sg,
            port=names.NATS_PORT,
            description="NATS client from Dixie",
        )
        self.database_ingress = (
            ingress_from(
                self,
                f"{name}-database-ingress",
                on=args.database_security_group_id,
                source=sg,
                port=names.POSTGRES_PORT,
                description="PostgreSQL client from Dixie",
            )
            if args.database_security_group_id
            else None
        )
        self.register_outputs({"securityGroupId": sg})
