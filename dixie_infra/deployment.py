"""Composes the components of one Dixie deployment and defines the stack outputs contract.

Creates: an explicit AWS provider (region, the allowed account ids, the default tags), then the
eight components wired together (image, network, Redis, parameters, route, data volume,
service, alarms). Requires: validated :class:`Settings`.

The outputs are the contract the Finn stack and the post-deploy tools consume: flat, camelCase,
never secret. Renaming one is a breaking change for Finn.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from dixie_infra import names
from dixie_infra.components.alarms import Alarms, AlarmsArgs
from dixie_infra.components.data import DataVolume, DataVolumeArgs
from dixie_infra.components.image import ImageRepository, ImageRepositoryArgs
from dixie_infra.components.network import ServiceNetwork, ServiceNetworkArgs
from dixie_infra.components.parameters import ServiceParameters, ServiceParametersArgs
from dixie_infra.components.redis import RedisCache, RedisCacheArgs
from dixie_infra.components.routing import AlbRoute, AlbRouteArgs
from dixie_infra.components.service import FargateService, FargateServiceArgs
from dixie_infra.settings import Settings

#: The stack outputs, in the order they are documented. Finn depends on these names.
OUTPUT_KEYS: tuple[str, ...] = (
    "dixieBaseUrl",
    "healthUrl",
    "hostname",
    "clusterName",
    "serviceName",
    "serviceSecurityGroupId",
    "ssmPrefix",
    "ecrRepositoryUrl",
    "imageUri",
    "taskDefinitionArn",
    "targetGroupArn",
    "logGroupName",
    "alarmTopicArn",
    "redisEndpoint",
    "databaseUrlParameter",
)


def default_tags(settings: Settings) -> dict[str, str]:
    return {
        "Project": "loa-dixie",
        "Service": "loa-dixie",
        "Environment": settings.environment.value,
        "ManagedBy": "pulumi",
    }


@dataclass(frozen=True)
class Deployment:
    settings: Settings
    provider: aws.Provider
    image: ImageRepository
    network: ServiceNetwork
    redis: RedisCache
    parameters: ServiceParameters
    route: AlbRoute
    data: DataVolume
    service: FargateService
    alarms: Alarms

    def outputs(self) -> dict[str, pulumi.Input[str]]:
        s = self.settings
        outputs: dict[str, pulumi.Input[str]] = {
            "dixieBaseUrl": s.base_url,
            "healthUrl": s.health_url,
            "hostname": s.hostname,
            "clusterName": s.cluster,
            "serviceName": self.service.service.name,
            "serviceSecurityGroupId": self.network.security_group_id,
            "ssmPrefix": s.ssm_prefix,
            "ecrRepositoryUrl": self.image.repository_url,
            "imageUri": self.image.image_uri,
            "taskDefinitionArn": self.service.task_definition.arn,
            "targetGroupArn": self.route.target_group.arn,
            "logGroupName": self.service.log_group.name,
            "alarmTopicArn": self.alarms.topic.arn,
            "redisEndpoint": self.redis.primary_endpoint,
            "databaseUrlParameter": self.parameters.parameters["DATABASE_URL"].name,
        }
        assert tuple(outputs) == OUTPUT_KEYS
        return outputs


def build(settings: Settings) -> Deployment:
    n = settings.names
    provider = aws.Provider(
        "aws",
        region=settings.region,
        # The provider refuses to act in any other account: a mistyped profile cannot deploy
        # staging into production or the reverse.
        allowed_account_ids=list(settings.allowed_account_ids),
        default_tags=aws.ProviderDefaultTagsArgs(tags=default_tags(settings)),
    )
    with_provider = pulumi.ResourceOptions(providers={"aws": provider})
    invoke = pulumi.InvokeOptions(provider=provider)

    caller = aws.get_caller_identity_output(opts=invoke)
    partition = caller.arn.apply(lambda arn: arn.split(":")[1])
    cluster_arn = pulumi.Output.all(partition, caller.account_id).apply(
        lambda v: names.ecs_cluster_arn(v[0], settings.region, v[1], settings.cluster)
    )
    service_arn = pulumi.Output.all(partition, caller.account_id).apply(
        lambda v: names.ecs_service_arn(v[0], settings.region, v[1], settings.cluster, n.ecs_service)
    )

    db = settings.database
    if db.instance_identifier is not None:
        database_host: pulumi.Input[str] = aws.rds.get_instance_output(
            db_instance_identifier=db.instance_identifier, opts=invoke
        ).address
    else:
        assert db.host is not None
        database_host = db.host

    image = ImageRepository(
        "image",
        ImageRepositoryArgs(
            repository_name=n.ecr_repository, image_tag=settings.image_tag, app_source=settings.app_source
        ),
        opts=with_provider,
    )
    network = ServiceNetwork(
        "network",
        ServiceNetworkArgs(
            security_group_name=n.service_security_group,
            vpc_id=settings.vpc_id,
            alb_security_group_id=settings.alb.security_group_id,
            nats_security_group_id=settings.nats.security_group_id,
            database_security_group_id=db.security_group_id,
        ),
        opts=with_provider,
    )
    redis = RedisCache(
        "redis",
        RedisCacheArgs(
            replication_group_id=n.redis_replication_group,
            subnet_group_name=n.redis_subnet_group,
            security_group_name=n.redis_security_group,
            parameter_group_name=n.redis_parameter_group,
            vpc_id=settings.vpc_id,
            subnet_ids=settings.private_subnet_ids,
            service_security_group_id=network.security_group_id,
            sizing=settings.redis,
            auth=settings.redis_auth,
        ),
        opts=with_provider,
    )
    parameters = ServiceParameters(
        "parameters",
        ServiceParametersArgs(
            environment=settings.environment,
            finn_url=settings.finn.url,
            finn_ws_url=settings.finn.ws_url,
            nats_url=settings.nats.url,
            cors_origins=settings.cors_origins,
            database_host=database_host,
            database_port=db.port,
            database_name=db.name,
            database_user=db.user,
            redis_endpoint=redis.primary_endpoint,
            redis_auth_token=redis.auth_token,
            jwt_private_key=settings.secrets.jwt_private_key,
            admin_key=settings.secrets.admin_key,
            database_password=settings.secrets.database_password,
        ),
        opts=with_provider,
    )
    route = AlbRoute(
        "route",
        AlbRouteArgs(
            target_group_name=n.target_group,
            vpc_id=settings.vpc_id,
            listener_arn=settings.alb.listener_arn,
            listener_priority=settings.listener_priority,
            hostname=settings.hostname,
            alb_dns_name=settings.alb.dns_name,
            alb_zone_id=settings.alb.zone_id,
            route53_zone_id=settings.route53_zone_id,
        ),
        opts=with_provider,
    )
    # Built beside Redis, not after it: the volume waits for nothing but the service SG.
    data = DataVolume(
        "data",
        DataVolumeArgs(
            file_system_name=n.data_file_system,
            security_group_name=n.data_security_group,
            access_point_name=n.data_access_point,
            vpc_id=settings.vpc_id,
            subnet_ids=settings.private_subnet_ids,
            service_security_group_id=network.security_group_id,
        ),
        opts=with_provider,
    )
    service = FargateService(
        "service",
        FargateServiceArgs(
            names=n,
            environment=settings.environment,
            region=settings.region,
            cluster_arn=cluster_arn,
            subnet_ids=settings.private_subnet_ids,
            security_group_id=network.security_group_id,
            target_group_arn=route.target_group.arn,
            image_uri=image.image_uri,
            cpu=settings.task.cpu,
            memory=settings.task.memory,
            desired_count=settings.desired_count,
            parameter_arns=parameters.arns,
            config_revision=parameters.revision,
            account_id=caller.account_id,
            data_file_system_id=data.file_system.id,
            data_file_system_arn=data.file_system.arn,
            data_access_point_id=data.access_point.id,
            data_access_point_arn=data.access_point.arn,
            # ECS refuses a target group that is not yet attached to a load balancer, and the
            # tasks need egress, Redis, NATS and a mountable data volume before they start.
            depends_on=(
                route.listener_rule,
                *network.egress,
                network.nats_ingress,
                redis.service_egress,
                *data.ready,
            ),
        ),
        opts=with_provider,
    )
    alarms = Alarms(
        "alarms",
        AlarmsArgs(
            names=n,
            metric_namespace=settings.metric_namespace,
            cluster_name=settings.cluster,
            service_name=n.ecs_service,
            service_arn=service_arn,
            target_group_arn_suffix=route.target_group.arn_suffix,
            load_balancer_arn_suffix=settings.alb.arn_suffix,
            redis_node_ids=n.redis_nodes(settings.redis.num_nodes),
            log_group_name=service.log_group.name,
            alarm_email=settings.alarm_email,
            region=settings.region,
            account_id=caller.account_id,
            partition=partition,
            parked=settings.desired_count == 0,
        ),
        opts=with_provider,
    )
    return Deployment(settings, provider, image, network, redis, parameters, route, data, service, alarms)
