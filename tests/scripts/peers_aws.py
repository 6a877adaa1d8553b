"""A healthy armitage deploy seeded into the moto server, for the post-deploy tools' tests and
benchmark: :func:`seed_deploy` sets up the state of the deploy, with handles (:class:`Deploy`) to
break it one way at a time.

What moto's API cannot create (a FAILED deployment, service events, an unhealthy target, a
security group with a given id, a listener with a given ARN) is set on moto's backend objects;
the server runs in this process, so they are the objects the server answers from.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import requests
from moto.backends import get_backend

from dixie_infra.settings import load_stack_file

ACCOUNT = "123456789012"
REGION = "us-east-1"
SETTINGS = load_stack_file("armitage")
ALB_IPS = ["10.0.0.11", "10.0.1.12"]
#: Secret values seeded into SSM: no tool output may contain any of them.
SECRET_VALUES = {
    "DATABASE_URL": "postgresql://dixie:s3cr3t-Pa55w0rd-xyzzy@127.0.0.1:9/dixie",
    "REDIS_URL": "rediss://:redis-auth-token-plugh@master.dixie-armitage.cache.amazonaws.com:6379",
    "DIXIE_JWT_PRIVATE_KEY": "a1" * 32,
    "DIXIE_ADMIN_KEY": "b2" * 32,
}


@contextlib.contextmanager
def _env(name: str, value: str) -> Iterator[None]:
    old = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = old


_CLIENTS: dict[tuple[str, str], Any] = {}


def client(name: str) -> Any:
    """A boto3 client for the emulator, made once per endpoint (model loading is slow)."""
    import boto3

    key = (os.environ.get("AWS_ENDPOINT_URL", ""), name)
    if key not in _CLIENTS:
        _CLIENTS[key] = boto3.session.Session(region_name=REGION).client(name)
    return _CLIENTS[key]


def backend(service: str) -> Any:
    # moto types get_backend by literal service name; the fixtures pass it as data.
    return get_backend(service)[ACCOUNT][REGION]  # type: ignore[call-overload,index]


def static_dns_records(nats_ip: str = "10.0.3.41") -> dict[str, list[str]]:
    return {
        SETTINGS.hostname: list(ALB_IPS),
        SETTINGS.alb.dns_name: list(ALB_IPS),
        SETTINGS.nats.host: [nats_ip],
    }


@dataclass
class Deploy:
    """Handles on a seeded deploy, to break it in one way per scenario."""

    session: Any
    endpoint: str
    subnet: str
    security_group: str
    task_definitions: dict[str, str] = field(default_factory=dict)
    nats_ip: str = ""
    dixie_ip: str = "10.0.2.50"
    target_group_arn: str = ""
    file_system_id: str = ""
    topic_arn: str = ""

    def client(self, name: str) -> Any:
        return client(name)

    @property
    def dns_records(self) -> dict[str, list[str]]:
        return static_dns_records(self.nats_ip)

    def service(self, name: str) -> Any:
        return backend("ecs").services[f"{SETTINGS.cluster}:{name}"]

    def roll_back(self) -> None:
        """A circuit-breaker rollback: the new revision FAILED, the old one is PRIMARY again."""
        service = self.service(SETTINGS.service_name)
        failed_at = datetime.now(UTC) - timedelta(minutes=10)
        primary = service.deployments[0]
        service.deployments = [
            {
                **primary,
                "taskDefinition": self.task_definitions["old"],
                "createdAt": failed_at + timedelta(minutes=6),
                "rolloutState": "COMPLETED",
            },
            {
                **primary,
                "id": "ecs-svc/9999",
                "status": "ACTIVE",
                "taskDefinition": self.task_definitions["new"],
                "createdAt": failed_at,
                "rolloutState": "FAILED",
                "rolloutStateReason": "ECS deployment circuit breaker: tasks failed to start.",
                "runningCount": 0,
            },
        ]
        service.task_definition = self.task_definitions["old"]
        service.events = [
            {
                "id": "e1",
                "createdAt": failed_at + timedelta(minutes=5),
                "message": f"(service {SETTINGS.service_name}) (deployment ecs-svc/9999) "
                "deployment failed: tasks failed to start. rolling back to deployment ecs-svc/1",
            }
        ]

    def mount_targets(self) -> list[Any]:
        efs = backend("efs")
        return [t for t in efs.mount_targets_by_id.values() if t.file_system_id == self.file_system_id]

    def unconfirm_subscriptions(self) -> None:
        """SNS lists a subscription nobody confirmed with the SubscriptionArn PendingConfirmation."""
        for subscription in backend("sns").subscriptions.values():
            if subscription.topic_arn == self.topic_arn:
                subscription.arn = "PendingConfirmation"

    def stop_running(self, name: str) -> None:
        """The service wants one task and has none (the deployment never completes)."""
        service = self.service(name)
        service.running_count = 0
        service.pending_count = 1
        service.deployments[0].update(runningCount=0, pendingCount=1, rolloutState="IN_PROGRESS")

    def mark_target_unhealthy(self) -> None:
        from moto.elbv2.models import FakeHealthStatus

        group = backend("elbv2").target_groups[self.target_group_arn]

        def health_for(target: dict[str, Any], _ec2: Any) -> FakeHealthStatus:
            return FakeHealthStatus(
                target["Id"],
                target.get("Port", 3001),
                "3001",
                "unhealthy",
                "Target.FailedHealthChecks",
                "Health checks failed",
            )

        group.health_for = health_for

    def critical_finding(self, counts: dict[str, int]) -> None:
        result = {
            "registryId": ACCOUNT,
            "repositoryName": SETTINGS.names.ecr_repository,
            "imageId": {"imageTag": SETTINGS.image_tag},
            "imageScanStatus": {
                "status": "COMPLETE",
                "description": "The scan was completed successfully.",
            },
            "imageScanFindings": {"findings": [], "findingSeverityCounts": counts},
        }
        requests.post(
            f"{self.endpoint}/moto-api/static/ecr/scan-finding-results",
            json={"results": [cast(Any, result)], "region": REGION},
            timeout=10,
        ).raise_for_status()


def seed_deploy(session: Any, endpoint: str) -> Deploy:
    """A healthy armitage deploy: cluster, services 1/1, targets, parameters, image, alarms."""
    # moto advances an ECS task's status on every read; keep tasks RUNNING for the test's life.
    requests.post(
        f"{endpoint}/moto-api/state-manager/set-transition",
        json={"model_name": "ecs::task", "transition": {"progression": "manual", "times": 10**6}},
        timeout=10,
    ).raise_for_status()
    s = SETTINGS
    ec2 = client("ec2")
    vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    subnet = ec2.describe_subnets()["Subnets"][0]["SubnetId"]
    group = ec2.create_security_group(
        GroupName=s.names.service_security_group, Description="dixie", VpcId=vpc
    )["GroupId"]
    nats_group = ec2.create_security_group(GroupName="arrakis-staging-nats", Description="nats", VpcId=vpc)[
        "GroupId"
    ]
    # The stack names NATS's security group by id; moto picks ids itself.
    groups = backend("ec2").groups[vpc]
    moved = groups.pop(nats_group)
    moved.id = s.nats.security_group_id
    groups[s.nats.security_group_id] = moved

    deploy = Deploy(session=session, endpoint=endpoint, subnet=subnet, security_group=group)
    network = {"awsvpcConfiguration": {"subnets": [subnet], "securityGroups": [group]}}
    ecs = client("ecs")
    ecs.create_cluster(clusterName=s.cluster, settings=[{"name": "containerInsights", "value": "enabled"}])

    def register(family: str, image: str) -> str:
        return ecs.register_task_definition(
            family=family,
            networkMode="awsvpc",
            requiresCompatibilities=["FARGATE"],
            cpu="256",
            memory="512",
            containerDefinitions=[
                {"name": family, "image": image, "essential": True, "cpu": 256, "memory": 512}
            ],
        )["taskDefinition"]["taskDefinitionArn"]

    repo_uri = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/{s.names.ecr_repository}"
    deploy.task_definitions["old"] = register(s.names.task_family, f"{repo_uri}:0ldc0de")
    deploy.task_definitions["new"] = register(s.names.task_family, f"{repo_uri}:{s.image_tag}")
    deploy.task_definitions["finn"] = register(s.finn.service_name, "loa-finn:1")
    deploy.task_definitions["nats"] = register(s.nats.service_name, "nats:2.10")
    with _env("MOTO_ECS_SERVICE_RUNNING", "1"):
        for name, family in (
            (s.service_name, "new"),
            (s.finn.service_name, "finn"),
            (s.nats.service_name, "nats"),
        ):
            ecs.create_service(
                cluster=s.cluster,
                serviceName=name,
                taskDefinition=deploy.task_definitions[family],
                desiredCount=1,
                launchType="FARGATE",
                networkConfiguration=network,
            )
    task = ecs.run_task(
        cluster=s.cluster,
        taskDefinition=deploy.task_definitions["nats"],
        launchType="FARGATE",
        group=f"service:{s.nats.service_name}",
        networkConfiguration=network,
    )["tasks"][0]
    deploy.nats_ip = next(
        d["value"] for d in task["attachments"][0]["details"] if d["name"] == "privateIPv4Address"
    )
    # A Dixie task in the same cluster, so NATS discovery must tell the services apart.
    ecs.run_task(
        cluster=s.cluster,
        taskDefinition=deploy.task_definitions["new"],
        launchType="FARGATE",
        group=f"service:{s.service_name}",
        networkConfiguration=network,
    )

    elbv2 = client("elbv2")
    deploy.target_group_arn = elbv2.create_target_group(
        Name=s.names.target_group,
        Protocol="HTTP",
        Port=3001,
        VpcId=vpc,
        TargetType="ip",
        HealthCheckPath="/api/health",
    )["TargetGroups"][0]["TargetGroupArn"]
    elbv2.register_targets(
        TargetGroupArn=deploy.target_group_arn, Targets=[{"Id": deploy.dixie_ip, "Port": 3001}]
    )
    lb_arn = elbv2.create_load_balancer(Name="arrakis-staging-alb", Subnets=[subnet], SecurityGroups=[group])[
        "LoadBalancers"
    ][0]["LoadBalancerArn"]
    listener_arn = elbv2.create_listener(
        LoadBalancerArn=lb_arn,
        Protocol="HTTP",
        Port=80,
        DefaultActions=[{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404"}}],
    )["Listeners"][0]["ListenerArn"]
    # The stack names the shared listener by ARN; moto picks ARNs itself.
    listeners = backend("elbv2").load_balancers[lb_arn].listeners
    listener = listeners.pop(listener_arn)
    listener.arn = s.alb.listener_arn
    listeners[s.alb.listener_arn] = listener

    ssm = client("ssm")
    values = {
        "FINN_URL": s.finn.url,
        "FINN_WS_URL": s.finn.ws_url,
        "NATS_URL": f"nats://{deploy.nats_ip}:4222",
        "DIXIE_CORS_ORIGINS": s.base_url,
        **SECRET_VALUES,
    }
    from dixie_infra.names import SERVICE_PARAMETERS

    for key, kind in SERVICE_PARAMETERS.items():
        ssm.put_parameter(Name=f"{s.ssm_prefix}/{key}", Value=values[key], Type=kind.value)
    ssm.put_parameter(Name=s.finn.base_url_parameter, Value=s.base_url, Type="SecureString")

    ecr = client("ecr")
    ecr.create_repository(repositoryName=s.names.ecr_repository, imageTagMutability="IMMUTABLE")
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "config": {
                "digest": "sha256:" + "c" * 64,
                "size": 1,
                "mediaType": "application/vnd.docker.container.image.v1+json",
            },
            "layers": [],
        }
    )
    ecr.put_image(repositoryName=s.names.ecr_repository, imageManifest=manifest, imageTag=s.image_tag)
    ecr.start_image_scan(repositoryName=s.names.ecr_repository, imageId={"imageTag": s.image_tag})

    cloudwatch = client("cloudwatch")
    from dixie_infra.names import ALARM_ROLES

    for role in ALARM_ROLES:
        name = s.names.alarm(role)
        cloudwatch.put_metric_alarm(
            AlarmName=name,
            MetricName="CPUUtilization",
            Namespace="AWS/ECS",
            Statistic="Average",
            Period=300,
            EvaluationPeriods=3,
            Threshold=80,
            ComparisonOperator="GreaterThanThreshold",
        )
        cloudwatch.set_alarm_state(AlarmName=name, StateValue="OK", StateReason="seeded")

    sns = client("sns")
    deploy.topic_arn = sns.create_topic(Name=s.names.alarm_topic)["TopicArn"]
    sns.subscribe(TopicArn=deploy.topic_arn, Protocol="email", Endpoint="oncall@example.com")

    efs = client("efs")
    token = s.names.data_file_system
    deploy.file_system_id = efs.create_file_system(
        CreationToken=token, Encrypted=True, Tags=[{"Key": "Name", "Value": token}]
    )["FileSystemId"]
    moto_subnets = [n["SubnetId"] for n in ec2.describe_subnets()["Subnets"]]
    for moto_subnet, private_subnet in zip(moto_subnets, s.private_subnet_ids, strict=False):
        efs.create_mount_target(FileSystemId=deploy.file_system_id, SubnetId=moto_subnet)
        # The stack names its private subnets by id; moto picks ids itself.
        target = next(t for t in deploy.mount_targets() if t.subnet_id == moto_subnet)
        target.subnet_id = private_subnet

    client("rds").create_db_instance(
        DBInstanceIdentifier=s.database.instance_identifier,
        DBInstanceClass="db.t4g.micro",
        Engine="postgres",
        MasterUsername="admin",
        MasterUserPassword="admin-password-1",
        AllocatedStorage=20,
    )
    return deploy
