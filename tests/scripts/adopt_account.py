"""The armitage split as adopt's tests see it: the state fixture and an emulated account seeded
with what exists in armitage (see :mod:`tests.scripts.adopt_support`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3

DATA = Path(__file__).parent / "data"
STATE = DATA / "terraform-armitage.json"
SVC = "dixie-armitage"
#: The ids the state and the stack file use, and what each group is.
SERVICE_SG = "sg-0790b2636abe2498e"
REDIS_SG = "sg-0e4c1a7b9d2f35816"
ALB_SG = "sg-007cdd539bcc3360c"
NATS_SG = "sg-0df20023c098de62b"
KNOWN_STATE_RULE_ID = "sgr-0c5d2e8f1a3b4c6d7"


#: What the program declares beyond the terraform split: the data volume and the route of failed
#: deployments to the alarm topic. Neither terraform nor AWS holds them: "will be created".
NEW_IN_THE_PROGRAM = sorted(
    [
        "aws:efs/fileSystem:FileSystem",
        "aws:efs/backupPolicy:BackupPolicy",
        "aws:efs/mountTarget:MountTarget",
        "aws:efs/mountTarget:MountTarget",
        "aws:efs/accessPoint:AccessPoint",
        "aws:efs/fileSystemPolicy:FileSystemPolicy",
        "aws:ec2/securityGroup:SecurityGroup",
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
        "aws:cloudwatch/eventRule:EventRule",
        "aws:cloudwatch/eventTarget:EventTarget",
        "aws:sns/topicPolicy:TopicPolicy",
    ]
)


#: Their logical names (the data volume's children and the alarm component's new three).
NEW_NAMES = frozenset(
    {
        "data-fs",
        "data-backups",
        "data-mount-1",
        "data-mount-2",
        "data-access-point",
        "data-policy",
        "data-sg",
        "data-from-service",
        "data-service-egress",
        "alarms-deployment-failed",
        "alarms-deployment-failed-target",
        "alarms-topic-policy",
    }
)


def load_state() -> dict[str, Any]:
    return json.loads(STATE.read_text())


def state_resources(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return doc["values"]["root_module"]["resources"]


def state_secrets() -> list[str]:
    """Every secret value the state fixture holds in plaintext."""
    return [
        r["values"]["value"]
        for r in state_resources(load_state())
        if r["type"] == "aws_ssm_parameter" and r["values"]["type"] == "SecureString"
    ]


#: moto keeps one account per id; the stack allows only armitage's.
ACCOUNT = "891376933289"
STATE_VPC = "vpc-0d08ce69dba7485da"
STATE_SUBNETS = ("subnet-0a08a8fce7004ee11", "subnet-07973b30fe8f675e7")
STATE_ZONE = "Z01194812Z6NUWBWMFB7T"
STATE_ALB = "arn:aws:elasticloadbalancing:us-east-1:891376933289:loadbalancer/app/arrakis-staging-alb/0d434b50265789c1"
STATE_LISTENER = (
    "arn:aws:elasticloadbalancing:us-east-1:891376933289:listener/app/arrakis-staging-alb/"
    "0d434b50265789c1/e6ff22557f66633c"
)


def state_values(address: str) -> dict[str, Any]:
    return next(r["values"] for r in state_resources(load_state()) if r["address"] == address)


def seed_account(session: boto3.session.Session) -> dict[str, str]:
    """What exists in armitage: every resource of the state, made from the state's own values,
    and what was made by hand. Returns state id -> moto id (moto chooses its own ids)."""
    ids: dict[str, str] = {}
    ec2 = session.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    ids[STATE_VPC] = vpc
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone=zone)["Subnet"]["SubnetId"]
        for cidr, zone in (("10.0.1.0/24", "us-east-1a"), ("10.0.2.0/24", "us-east-1b"))
    ]
    ids.update(zip(STATE_SUBNETS, subnets, strict=True))

    def group(name: str, description: str) -> str:
        gid = ec2.create_security_group(GroupName=name, Description=description, VpcId=vpc)["GroupId"]
        # terraform removes the default allow-all egress of a group it creates.
        ec2.revoke_security_group_egress(
            GroupId=gid, IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
        )
        return gid

    alb = group("arrakis-staging-alb", "shared ALB")
    nats = group("arrakis-staging-nats", "freeside NATS")
    service = group(f"{SVC}-ecs", "Dixie BFF ECS task security group")
    redis = group(f"{SVC}-redis", "Dixie dedicated ElastiCache Redis")
    ids.update({SERVICE_SG: service, REDIS_SG: redis, ALB_SG: alb, NATS_SG: nats})

    def tcp(
        port: int, *, cidr: str | None = None, source: str | None = None, description: str
    ) -> dict[str, Any]:
        permission: dict[str, Any] = {"IpProtocol": "tcp", "FromPort": port, "ToPort": port}
        if cidr:
            permission["IpRanges"] = [{"CidrIp": cidr, "Description": description}]
        else:
            permission["UserIdGroupPairs"] = [{"GroupId": source, "Description": description}]
        return permission

    ec2.authorize_security_group_ingress(
        GroupId=service, IpPermissions=[tcp(3001, source=alb, description="ALB to Dixie")]
    )
    ec2.authorize_security_group_egress(
        GroupId=service,
        IpPermissions=[
            tcp(443, cidr="0.0.0.0/0", description="HTTPS outbound (external APIs, Finn via ALB)"),
            tcp(4222, cidr="10.0.0.0/8", description="NATS messaging"),
            tcp(4317, cidr="10.0.0.0/8", description="OTLP gRPC to Tempo"),
            tcp(5432, cidr="10.0.0.0/8", description="PostgreSQL RDS"),
            tcp(6379, source=redis, description="Redis ElastiCache"),
        ],
    )
    ec2.authorize_security_group_ingress(
        GroupId=redis, IpPermissions=[tcp(6379, source=service, description="Redis from Dixie ECS tasks")]
    )
    # Made by hand during the sprint: NATS admits Dixie's group.
    ec2.authorize_security_group_ingress(
        GroupId=nats, IpPermissions=[tcp(4222, source=service, description="NATS client from Dixie")]
    )

    # The shared ALB and its listener (another team's), then the split's target group and rule.
    elb = session.client("elbv2")
    alb_arn = elb.create_load_balancer(Name="arrakis-staging-alb", Subnets=subnets, SecurityGroups=[alb])[
        "LoadBalancers"
    ][0]["LoadBalancerArn"]
    listener = elb.create_listener(
        LoadBalancerArn=alb_arn,
        Protocol="HTTP",
        Port=443,
        DefaultActions=[{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404"}}],
    )["Listeners"][0]["ListenerArn"]
    ids.update({STATE_ALB: alb_arn, STATE_LISTENER: listener})
    tg = state_values("aws_lb_target_group.dixie")
    check = tg["health_check"][0]
    target_group = elb.create_target_group(
        Name=tg["name"],
        Protocol=tg["protocol"],
        Port=tg["port"],
        VpcId=vpc,
        TargetType=tg["target_type"],
        HealthCheckPath=check["path"],
        HealthCheckIntervalSeconds=check["interval"],
        HealthCheckTimeoutSeconds=check["timeout"],
        HealthyThresholdCount=check["healthy_threshold"],
        UnhealthyThresholdCount=check["unhealthy_threshold"],
    )["TargetGroups"][0]["TargetGroupArn"]
    ids[tg["arn"]] = target_group
    rule = state_values("aws_lb_listener_rule.dixie")
    hosts = rule["condition"][0]["host_header"][0]["values"]
    ids[rule["arn"]] = elb.create_rule(
        ListenerArn=listener,
        Priority=int(rule["priority"]),
        Conditions=[{"Field": "host-header", "HostHeaderConfig": {"Values": hosts}}],
        Actions=[{"Type": "forward", "TargetGroupArn": target_group}],
    )["Rules"][0]["RuleArn"]

    route53 = session.client("route53")
    # The zone keeps the state's id (moto's own ids do not look like Route53's: no leading Z).
    # moto's id manager serves custom ids in this process, where the threaded server runs.
    from moto.route53.models import HostedZoneIdentifier
    from moto.utilities.id_generator import moto_id_manager

    identifiers = [
        HostedZoneIdentifier(ACCOUNT, n, None) for n in ("arrakis.community", "arrakis.community.")
    ]
    for identifier in identifiers:
        moto_id_manager.set_custom_id(identifier, STATE_ZONE)
    try:
        zone = route53.create_hosted_zone(Name="arrakis.community", CallerReference="armitage")
    finally:
        for identifier in identifiers:
            moto_id_manager.unset_custom_id(identifier)
    assert zone["HostedZone"]["Id"].endswith(STATE_ZONE)
    record = state_values("aws_route53_record.dixie")
    alias = record["alias"][0]
    route53.change_resource_record_sets(
        HostedZoneId=STATE_ZONE,
        ChangeBatch={
            "Changes": [
                {
                    "Action": "CREATE",
                    "ResourceRecordSet": {
                        "Name": record["name"],
                        "Type": record["type"],
                        "AliasTarget": {
                            "HostedZoneId": alias["zone_id"],
                            "DNSName": alias["name"],
                            "EvaluateTargetHealth": alias["evaluate_target_health"],
                        },
                    },
                }
            ]
        },
    )

    iam = session.client("iam")
    logs = session.client("logs")
    ecs = session.client("ecs")
    cloudwatch = session.client("cloudwatch")
    for resource in state_resources(load_state()):
        v, kind = resource["values"], resource["type"]
        if kind == "aws_iam_role":
            iam.create_role(RoleName=v["name"], AssumeRolePolicyDocument=v["assume_role_policy"])
    for resource in state_resources(load_state()):
        v, kind = resource["values"], resource["type"]
        if kind == "aws_iam_role_policy":
            iam.put_role_policy(RoleName=v["role"], PolicyName=v["name"], PolicyDocument=v["policy"])
        elif kind == "aws_iam_role_policy_attachment":
            iam.attach_role_policy(RoleName=v["role"], PolicyArn=v["policy_arn"])
        elif kind == "aws_cloudwatch_log_group":
            logs.create_log_group(logGroupName=v["name"])
        elif kind == "aws_cloudwatch_metric_alarm":
            statistic = {"Statistic": v["statistic"]} if v["statistic"] else {}
            extended = {"ExtendedStatistic": v["extended_statistic"]} if v["extended_statistic"] else {}
            cloudwatch.put_metric_alarm(
                AlarmName=v["alarm_name"],
                Namespace=v["namespace"],
                MetricName=v["metric_name"],
                ComparisonOperator=v["comparison_operator"],
                Threshold=float(v["threshold"]),
                Period=int(v["period"]),
                EvaluationPeriods=int(v["evaluation_periods"]),
                **statistic,
                **extended,
            )
        elif kind == "aws_sns_topic":
            session.client("sns").create_topic(Name=v["name"])
    for resource in state_resources(load_state()):
        v = resource["values"]
        if resource["type"] == "aws_cloudwatch_log_metric_filter":
            transformation = v["metric_transformation"][0]
            logs.put_metric_filter(
                logGroupName=v["log_group_name"],
                filterName=v["name"],
                filterPattern=v["pattern"],
                metricTransformations=[
                    {
                        "metricName": transformation["name"],
                        "metricNamespace": transformation["namespace"],
                        "metricValue": transformation["value"],
                    }
                ],
            )

    task = state_values("aws_ecs_task_definition.dixie")
    revision = int(task["arn"].rsplit(":", 1)[-1])
    # The state's revision is the seventh of its family: register up to it.
    for _ in range(revision):
        registered = ecs.register_task_definition(
            family=task["family"],
            containerDefinitions=json.loads(task["container_definitions"]),
            requiresCompatibilities=task["requires_compatibilities"],
            networkMode=task["network_mode"],
            cpu=task["cpu"],
            memory=task["memory"],
        )["taskDefinition"]["taskDefinitionArn"]
    assert registered == task["arn"]
    ecs_service = state_values("aws_ecs_service.dixie")
    ecs.create_cluster(clusterName=ecs_service["cluster"])
    ecs.create_service(
        cluster=ecs_service["cluster"],
        serviceName=ecs_service["name"],
        taskDefinition=ecs_service["task_definition"],
        desiredCount=1,
        launchType="FARGATE",
    )

    elasticache = session.client("elasticache")
    subnet_group = state_values("aws_elasticache_subnet_group.dixie")
    elasticache.create_cache_subnet_group(
        CacheSubnetGroupName=subnet_group["name"],
        CacheSubnetGroupDescription=subnet_group["description"],
        SubnetIds=subnets,
    )
    PARAMETER_GROUPS.add(state_values("aws_elasticache_parameter_group.dixie")["name"])
    group_values = state_values("aws_elasticache_replication_group.dixie")
    elasticache.create_replication_group(
        ReplicationGroupId=group_values["replication_group_id"],
        ReplicationGroupDescription=group_values["description"],
        Engine=group_values["engine"],
        EngineVersion=group_values["engine_version"],
        CacheNodeType=group_values["node_type"],
        NumCacheClusters=group_values["num_cache_clusters"],
        CacheParameterGroupName=group_values["parameter_group_name"],
        CacheSubnetGroupName=group_values["subnet_group_name"],
        SecurityGroupIds=[redis],
    )

    ecr = session.client("ecr")
    # Made by hand during the sprint: the image repository and its lifecycle policy.
    ecr.create_repository(
        repositoryName=SVC, imageTagMutability="IMMUTABLE", imageScanningConfiguration={"scanOnPush": True}
    )
    from dixie_infra.components.image import lifecycle_policy_document

    ecr.put_lifecycle_policy(repositoryName=SVC, lifecyclePolicyText=lifecycle_policy_document())

    ssm = session.client("ssm")
    values = {
        r["values"]["name"]: (r["values"]["value"], r["values"]["type"])
        for r in state_resources(load_state())
        if r["type"] == "aws_ssm_parameter"
    }
    for name, (value, kind) in values.items():
        ssm.put_parameter(Name=name, Value=value, Type=kind)
    return ids


#: The ElastiCache parameter groups of the emulated account (see the ``account`` fixture).
PARAMETER_GROUPS: set[str] = set()
