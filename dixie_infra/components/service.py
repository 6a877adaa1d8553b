"""Fargate service: IAM roles, log group, task definition and the ECS service ``<svc>``.

Creates: execution role ``<svc>-ecs-task-execution`` (managed task-execution policy, plus inline
``ssm:GetParameters`` on exactly the eight parameter ARNs), task role ``<svc>-ecs-task`` (only
mounting the data volume through its access point: the app calls no AWS API), both trusting
``ecs-tasks.amazonaws.com`` for this account only; log group ``/ecs/<svc>`` (30 days); task
definition ``<svc>`` (container ``dixie-bff``; secrets by ``valueFrom`` ARN, never in the
environment; the EFS data volume at ``/data``; ``DIXIE_CONFIG_REVISION`` so a changed parameter
rolls the service; health-check timings from :mod:`dixie_infra.timing`), and the ECS service: at
most one task (maximum 100 %, minimum 0 %: Dixie is a single writer and two tasks would corrupt
its write-ahead log), circuit breaker with rollback, AZ rebalancing disabled (it would start a
second task), no public IP, waits for steady state, protected.

Requires: the cluster ARN, subnets, the service SG, the target group (attached to a listener rule
before the service is created: ECS refuses a target group without a load balancer), the image,
the parameters' ARNs and revision, the data volume's file system and access point.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from dixie_infra import names, timing
from dixie_infra.components import TYPE_PREFIX, child
from dixie_infra.names import Environment, ResourceNames

TASK_EXECUTION_POLICY_ARN = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
#: Migrations run at start-up under an advisory lock; the ALB must not kill the task meanwhile.
HEALTH_CHECK_GRACE_SECONDS = 300
STEADY_STATE_TIMEOUT = "30m"
#: The task definition's name for the EFS volume mounted at /data.
DATA_VOLUME = "data"
HEALTH_CHECK_COMMAND = (
    "node -e \"fetch('http://localhost:3001/api/health')"
    '.then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"'
)


@dataclass(frozen=True)
class FargateServiceArgs:
    names: ResourceNames
    environment: Environment
    region: str
    #: The cluster's ARN, never its name. terraform-provider-aws's ``resourceServiceImport``
    #: (internal/service/ecs/service.go) stores ``cluster`` as the ARN when a service is imported,
    #: ``resourceServiceRead`` then keeps whichever form the state holds ("Save cluster in the
    #: same format"), and ``cluster`` is ForceNew: a name here would replace the imported,
    #: protected service (terraform-provider-aws #41994 and #14428, pulumi-aws #3373). A service
    #: the program creates stores what it was given, so the ARN is right for both.
    cluster_arn: pulumi.Input[str]
    subnet_ids: tuple[str, ...]
    security_group_id: pulumi.Input[str]
    target_group_arn: pulumi.Input[str]
    image_uri: pulumi.Input[str]
    cpu: int
    memory: int
    desired_count: int
    parameter_arns: dict[str, pulumi.Output[str]]
    config_revision: pulumi.Input[str]
    #: The account the task roles may be assumed for (the confused-deputy guard).
    account_id: pulumi.Input[str]
    data_file_system_id: pulumi.Input[str]
    data_file_system_arn: pulumi.Input[str]
    data_access_point_id: pulumi.Input[str]
    data_access_point_arn: pulumi.Input[str]
    depends_on: tuple[pulumi.Resource, ...] = ()


def assume_role_policy(account_id: pulumi.Input[str]) -> pulumi.Output[str]:
    # aws:SourceAccount keeps ECS from assuming the role on behalf of another account's tasks
    # (the confused-deputy guard the ECS developer guide gives for task and execution roles).
    return pulumi.Output.json_dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                    "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
                }
            ],
        }
    )


def container_definitions(
    *,
    image: pulumi.Input[str],
    environment: Environment,
    region: str,
    log_group: str,
    secrets: dict[str, pulumi.Output[str]],
    config_revision: pulumi.Input[str],
) -> pulumi.Output[str]:
    env = {
        "NODE_ENV": "production",
        "DIXIE_PORT": str(names.APP_PORT),
        "DIXIE_ENVIRONMENT": environment.value,
        "DIXIE_ALLOWLIST_PATH": names.ALLOWLIST_PATH,
        "OTEL_EXPORTER_OTLP_ENDPOINT": names.OTEL_ENDPOINT,
        "DIXIE_CONFIG_REVISION": config_revision,
    }
    return pulumi.Output.json_dumps(
        [
            {
                "name": names.CONTAINER_NAME,
                "image": image,
                "essential": True,
                "portMappings": [
                    {"containerPort": names.APP_PORT, "hostPort": names.APP_PORT, "protocol": "tcp"}
                ],
                "environment": [{"name": k, "value": v} for k, v in env.items()],
                "secrets": [{"name": k, "valueFrom": arn} for k, arn in secrets.items()],
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {
                        "awslogs-group": log_group,
                        "awslogs-region": region,
                        "awslogs-stream-prefix": names.LOG_STREAM_PREFIX,
                    },
                },
                "mountPoints": [
                    {"sourceVolume": DATA_VOLUME, "containerPath": names.DATA_MOUNT_PATH, "readOnly": False}
                ],
                # Timeouts above the health endpoint's sequential worst case (dixie_infra.timing):
                # a hanging Finn must not get a slow-but-alive Dixie restarted.
                "healthCheck": {
                    "command": ["CMD-SHELL", HEALTH_CHECK_COMMAND],
                    "interval": timing.CONTAINER_HEALTH_INTERVAL,
                    "timeout": timing.CONTAINER_HEALTH_TIMEOUT,
                    "retries": timing.CONTAINER_HEALTH_RETRIES,
                    "startPeriod": timing.CONTAINER_HEALTH_START_PERIOD,
                },
                # `privileged` is not set at all: Fargate rejects the parameter (ECS task
                # definition parameters, "privileged ... not supported for Fargate").
                "readonlyRootFilesystem": False,
            }
        ]
    )


class FargateService(pulumi.ComponentResource):
    execution_role: aws.iam.Role
    task_role: aws.iam.Role
    log_group: aws.cloudwatch.LogGroup
    task_definition: aws.ecs.TaskDefinition
    service: aws.ecs.Service

    def __init__(self, name: str, args: FargateServiceArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(f"{TYPE_PREFIX}:FargateService", name, None, opts)
        n = args.names
        self.log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs", name=n.log_group, retention_in_days=names.LOG_RETENTION_DAYS, opts=child(self)
        )

        self.execution_role = self._ecs_role(
            f"{name}-execution-role",
            n.execution_role,
            "Pulls Dixie's image, writes its logs, reads its SSM parameters at task start",
            args.account_id,
        )
        self.execution_managed = aws.iam.RolePolicyAttachment(
            f"{name}-execution-managed",
            role=self.execution_role.name,
            policy_arn=TASK_EXECUTION_POLICY_ARN,
            opts=child(self),
        )
        parameter_arns = [args.parameter_arns[key] for key in names.SERVICE_PARAMETERS]
        self.execution_policy = self._inline_policy(
            f"{name}-execution-ssm",
            n.execution_policy,
            self.execution_role,
            [
                {
                    "Sid": "ReadServiceParameters",
                    "Effect": "Allow",
                    "Action": ["ssm:GetParameters"],
                    "Resource": parameter_arns,
                }
            ],
        )

        self.task_role = self._ecs_role(
            f"{name}-task-role", n.task_role, "Dixie's application role", args.account_id
        )
        # The app has no AWS SDK: it reads its parameters from the environment (the execution
        # role resolves them at task start) and writes logs through the awslogs driver (the
        # execution role again). Its only AWS permission is mounting its data volume, through
        # its access point (the file-system policy refuses any other way in).
        self.task_policy = self._inline_policy(
            f"{name}-task-permissions",
            n.task_policy,
            self.task_role,
            [
                {
                    "Sid": "MountDataVolume",
                    "Effect": "Allow",
                    "Action": ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"],
                    "Resource": [args.data_file_system_arn],
                    "Condition": {
                        "StringEquals": {"elasticfilesystem:AccessPointArn": args.data_access_point_arn}
                    },
                },
            ],
        )

        self.task_definition = aws.ecs.TaskDefinition(
            f"{name}-task",
            family=n.task_family,
            cpu=str(args.cpu),
            memory=str(args.memory),
            network_mode="awsvpc",
            requires_compatibilities=["FARGATE"],
            execution_role_arn=self.execution_role.arn,
            task_role_arn=self.task_role.arn,
            runtime_platform=aws.ecs.TaskDefinitionRuntimePlatformArgs(
                operating_system_family="LINUX", cpu_architecture="X86_64"
            ),
            # EFS on Fargate needs platform 1.4.0 or later (the service runs on LATEST); transit
            # encryption and IAM authorisation through the access point, as the file-system
            # policy demands.
            volumes=[
                aws.ecs.TaskDefinitionVolumeArgs(
                    name=DATA_VOLUME,
                    efs_volume_configuration=aws.ecs.TaskDefinitionVolumeEfsVolumeConfigurationArgs(
                        file_system_id=args.data_file_system_id,
                        transit_encryption="ENABLED",
                        authorization_config=aws.ecs.TaskDefinitionVolumeEfsVolumeConfigurationAuthorizationConfigArgs(
                            access_point_id=args.data_access_point_id, iam="ENABLED"
                        ),
                    ),
                )
            ],
            container_definitions=container_definitions(
                image=args.image_uri,
                environment=args.environment,
                region=args.region,
                log_group=n.log_group,
                secrets=args.parameter_arns,
                config_revision=args.config_revision,
            ),
            opts=child(self),
        )

        self.service = aws.ecs.Service(
            f"{name}-service",
            name=n.ecs_service,
            cluster=args.cluster_arn,
            task_definition=self.task_definition.arn,
            desired_count=args.desired_count,
            launch_type="FARGATE",
            platform_version="LATEST",
            deployment_maximum_percent=100,
            deployment_minimum_healthy_percent=0,
            deployment_circuit_breaker=aws.ecs.ServiceDeploymentCircuitBreakerArgs(
                enable=True, rollback=True
            ),
            deployment_controller=aws.ecs.ServiceDeploymentControllerArgs(type="ECS"),
            availability_zone_rebalancing="DISABLED",
            network_configuration=aws.ecs.ServiceNetworkConfigurationArgs(
                subnets=list(args.subnet_ids),
                security_groups=[args.security_group_id],
                assign_public_ip=False,
            ),
            load_balancers=[
                aws.ecs.ServiceLoadBalancerArgs(
                    target_group_arn=args.target_group_arn,
                    container_name=names.CONTAINER_NAME,
                    container_port=names.APP_PORT,
                )
            ],
            health_check_grace_period_seconds=HEALTH_CHECK_GRACE_SECONDS,
            enable_ecs_managed_tags=True,
            propagate_tags="SERVICE",
            wait_for_steady_state=True,
            opts=child(
                self,
                protect=True,
                depends_on=[
                    self.execution_managed,
                    self.execution_policy,
                    self.task_policy,
                    *args.depends_on,
                ],
                custom_timeouts=pulumi.CustomTimeouts(
                    create=STEADY_STATE_TIMEOUT, update=STEADY_STATE_TIMEOUT, delete="20m"
                ),
            ),
        )
        self.register_outputs(
            {"serviceName": self.service.name, "taskDefinitionArn": self.task_definition.arn}
        )

    def _ecs_role(
        self, logical: str, physical: str, description: str, account_id: pulumi.Input[str]
    ) -> aws.iam.Role:
        return aws.iam.Role(
            logical,
            name=physical,
            description=description,
            assume_role_policy=assume_role_policy(account_id),
            opts=child(self),
        )

    def _inline_policy(
        self, logical: str, physical: str, role: aws.iam.Role, statements: list[dict[str, Any]]
    ) -> aws.iam.RolePolicy:
        # Inline policies as separate resources only: mixing them with a role's own
        # inline_policies/managed_policy_arns arguments makes each apply undo the other.
        return aws.iam.RolePolicy(
            logical,
            name=physical,
            role=role.id,
            policy=pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": statements}),
            opts=child(self),
        )
