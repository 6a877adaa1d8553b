"""Redis cache: Dixie's ElastiCache replication group and what surrounds it.

Creates: subnet group ``<svc>-redis``, security group ``<svc>-redis`` (6379 only from the service
SG), the service SG's egress 6379 to it (standalone: the two groups reference each other),
parameter group ``<svc>-redis7`` (``maxmemory-policy noeviction``: a full cache refuses writes
instead of silently dropping data), an optional AUTH token, and replication group ``<svc>``:
Redis 7.1, TLS in transit, encrypted at rest, failover and multi-AZ only when there is a replica,
daily snapshots, protected.

Requires: the VPC, the private subnets, the service SG id, sizing by environment.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from dixie_infra import names
from dixie_infra.components import TYPE_PREFIX, child
from dixie_infra.components.network import egress_to, ingress_from
from dixie_infra.settings import RedisSizing

ENGINE_VERSION = "7.1"
PARAMETER_FAMILY = "redis7"


@dataclass(frozen=True)
class RedisCacheArgs:
    replication_group_id: str
    subnet_group_name: str
    security_group_name: str
    parameter_group_name: str
    vpc_id: str
    subnet_ids: tuple[str, ...]
    service_security_group_id: pulumi.Input[str]
    sizing: RedisSizing
    auth: bool


class RedisCache(pulumi.ComponentResource):
    replication_group: aws.elasticache.ReplicationGroup
    primary_endpoint: pulumi.Output[str]
    #: The AUTH token (a secret), or None when AUTH is off.
    auth_token: pulumi.Output[str] | None

    def __init__(self, name: str, args: RedisCacheArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(f"{TYPE_PREFIX}:RedisCache", name, None, opts)
        self.subnet_group = aws.elasticache.SubnetGroup(
            f"{name}-subnets",
            name=args.subnet_group_name,
            # Descriptions are the terraform split's (its provider's default where it set none), so
            # adopting the existing resources changes nothing.
            description="Managed by Terraform",
            subnet_ids=list(args.subnet_ids),
            opts=child(self),
        )
        self.security_group = aws.ec2.SecurityGroup(
            f"{name}-sg",
            name=args.security_group_name,
            description="Dixie dedicated ElastiCache Redis",
            vpc_id=args.vpc_id,
            tags={"Name": args.security_group_name},
            opts=child(self),
        )
        self.ingress = ingress_from(
            self,
            f"{name}-from-service",
            on=self.security_group.id,
            source=args.service_security_group_id,
            port=names.REDIS_PORT,
            description="Redis from Dixie ECS tasks",
        )
        self.service_egress = egress_to(
            self,
            f"{name}-service-egress",
            on=args.service_security_group_id,
            group=self.security_group.id,
            port=names.REDIS_PORT,
            description="Redis ElastiCache",
        )
        self.parameter_group = aws.elasticache.ParameterGroup(
            f"{name}-params",
            name=args.parameter_group_name,
            family=PARAMETER_FAMILY,
            # A parameter group's description cannot change in place; the group in use is the
            # terraform-made one, described with that provider's default.
            description="Managed by Terraform",
            parameters=[
                aws.elasticache.ParameterGroupParameterArgs(name="maxmemory-policy", value="noeviction")
            ],
            opts=child(self),
        )
        if args.auth:
            # ElastiCache AUTH tokens: 16-128 printable characters without @ " /; alphanumerics
            # also keep the token URL-safe inside REDIS_URL.
            # Protected: a replaced token is a new AUTH secret the running task does not have.
            token = random.RandomPassword(
                f"{name}-auth-token", length=64, special=False, opts=child(self, protect=True)
            )
            self.auth_token = pulumi.Output.secret(token.result)
        else:
            self.auth_token = None
        sizing = args.sizing
        self.replication_group = aws.elasticache.ReplicationGroup(
            f"{name}-group",
            replication_group_id=args.replication_group_id,
            # ASCII only: the ElastiCache API rejects non-ASCII descriptions.
            description="Dixie cache and queue state",
            engine="redis",
            engine_version=ENGINE_VERSION,
            node_type=sizing.node_type,
            num_cache_clusters=sizing.num_nodes,
            automatic_failover_enabled=sizing.automatic_failover,
            multi_az_enabled=sizing.multi_az,
            port=names.REDIS_PORT,
            parameter_group_name=self.parameter_group.name,
            subnet_group_name=self.subnet_group.name,
            security_group_ids=[self.security_group.id],
            at_rest_encryption_enabled=True,
            transit_encryption_enabled=True,
            auth_token=self.auth_token,
            # Explicit, as AWS's own default: adds a token in place. On a group that had none
            # (the adopted armitage group) AWS then also accepts unauthenticated clients until
            # a SET; the README's adoption section gives that step.
            auth_token_update_strategy="ROTATE" if args.auth else None,
            auto_minor_version_upgrade=True,
            snapshot_retention_limit=sizing.snapshot_retention_days,
            snapshot_window="03:00-04:00",
            maintenance_window="sun:05:00-sun:06:00",
            apply_immediately=False,
            # Replacing the group loses its data; creation alone takes 10-15 minutes.
            opts=child(
                self,
                protect=True,
                custom_timeouts=pulumi.CustomTimeouts(create="45m", update="45m", delete="45m"),
            ),
        )
        self.primary_endpoint = self.replication_group.primary_endpoint_address
        self.register_outputs({"primaryEndpoint": self.primary_endpoint})
