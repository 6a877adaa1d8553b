"""Builders for hand-made resources, shaped as the offline runner records them, and a runner that
puts them through the same adapter ``make plan`` uses (proxied props, URN-linked stack graph)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import dixie_policies
from pulumi.runtime import rpc

from dixie_infra.offline import Resource
from dixie_infra.offline.policies import Finding, check_resources

ACCOUNT = "123456789012"
EXECUTION_ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/dixie-armitage-ecs-task-execution"
TASK_ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/dixie-armitage-ecs-task"
PARAMETER_ARN = f"arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/dixie/armitage/DATABASE_URL"
TOPIC_ARN = f"arn:aws:sns:us-east-1:{ACCOUNT}:dixie-armitage-alarms"
TARGET_GROUP_ARN = (
    f"arn:aws:elasticloadbalancing:us-east-1:{ACCOUNT}:targetgroup/dixie-armitage/0123456789abcdef"
)
DIGEST = "sha256:" + "a" * 64

POLICIES = {p.name: p for p in dixie_policies.POLICIES}
ABSENT = object()


def secret(value: Any) -> Any:
    """A value as the offline runner records a Pulumi secret input."""
    return rpc.wrap_rpc_secret(value)


def changed(base: Mapping[str, Any], **changes: Any) -> dict[str, Any]:
    """``base`` with ``changes`` applied; ``ABSENT`` removes a key."""
    result = dict(base)
    for key, value in changes.items():
        if value is ABSENT:
            result.pop(key, None)
        else:
            result[key] = value
    return result


def resource(
    type_: str,
    name: str,
    inputs: Mapping[str, Any],
    *,
    outputs: Mapping[str, Any] | None = None,
    links: Mapping[str, Sequence[Resource]] | None = None,
    stack: str = "armitage",
) -> Resource:
    """A registered resource; ``links`` are its property dependencies (prop -> resources)."""
    links = links or {}
    return Resource(
        type=type_,
        name=name,
        urn=f"urn:pulumi:{stack}::dixie::{type_}::{name}",
        parent="",
        custom=True,
        inputs=dict(inputs),
        outputs=dict(outputs if outputs is not None else inputs),
        id=f"{name}-id",
        dependencies=tuple(dict.fromkeys(r.urn for rs in links.values() for r in rs)),
        property_dependencies={k: tuple(r.urn for r in rs) for k, rs in links.items()},
        protect=False,
        provider="",
        additional_secret_outputs=(),
        custom_timeouts={},
        delete_before_replace=False,
        ignore_changes=(),
    )


def findings(policy: str, *resources: Resource, config: Mapping[str, Any] | None = None) -> list[Finding]:
    return check_resources(
        list(resources), policies=[POLICIES[policy]], config={policy: config} if config else None
    )


def messages(policy: str, *resources: Resource, config: Mapping[str, Any] | None = None) -> list[str]:
    return [f.message for f in findings(policy, *resources, config=config)]


# --- compliant resources, shaped like the program's ------------------------------------------

SERVICE_INPUTS: dict[str, Any] = {
    "name": "dixie-armitage",
    "desiredCount": 1.0,
    "deploymentMaximumPercent": 100.0,
    "deploymentMinimumHealthyPercent": 0.0,
    "deploymentCircuitBreaker": {"enable": True, "rollback": True},
    "deploymentController": {"type": "ECS"},
    "availabilityZoneRebalancing": "DISABLED",
    "launchType": "FARGATE",
    "platformVersion": "LATEST",
    "networkConfiguration": {
        "assignPublicIp": False,
        "subnets": ["subnet-0a08a8fce7004ee11"],
        "securityGroups": ["sg-0123"],
    },
    "waitForSteadyState": True,
}

CONTAINER: dict[str, Any] = {
    "name": "dixie-bff",
    "image": f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/dixie-armitage@{DIGEST}",
    "essential": True,
    "environment": [{"name": "NODE_ENV", "value": "production"}, {"name": "DIXIE_PORT", "value": "3001"}],
    "secrets": [{"name": "DATABASE_URL", "valueFrom": PARAMETER_ARN}],
    "logConfiguration": {
        "logDriver": "awslogs",
        "options": {
            "awslogs-group": "/ecs/dixie-armitage",
            "awslogs-region": "us-east-1",
            "awslogs-stream-prefix": "dixie",
        },
    },
    "privileged": False,
    "readonlyRootFilesystem": True,
}


def service(**changes: Any) -> Resource:
    return resource("aws:ecs/service:Service", "service-service", changed(SERVICE_INPUTS, **changes))


def task_definition(
    container: Mapping[str, Any] | None = None,
    links: Mapping[str, Sequence[Resource]] | None = None,
    **changes: Any,
) -> Resource:
    inputs = {
        "family": "dixie-armitage",
        "cpu": "256",
        "memory": "512",
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "executionRoleArn": EXECUTION_ROLE_ARN,
        "taskRoleArn": TASK_ROLE_ARN,
        "containerDefinitions": json.dumps([dict(container if container is not None else CONTAINER)]),
    }
    return resource(
        "aws:ecs/taskDefinition:TaskDefinition", "service-task", changed(inputs, **changes), links=links
    )


def container(**changes: Any) -> dict[str, Any]:
    return changed(CONTAINER, **changes)


def document(*statements: Mapping[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


ECS_TRUST = document(
    {"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}
)
READ_PARAMETERS = {"Effect": "Allow", "Action": ["ssm:GetParameters"], "Resource": [PARAMETER_ARN]}


def role(
    name: str = "service-execution-role", physical: str = "dixie-armitage-ecs-task-execution", **changes: Any
) -> Resource:
    inputs = {"name": physical, "description": "Dixie execution role", "assumeRolePolicy": ECS_TRUST}
    arn = f"arn:aws:iam::{ACCOUNT}:role/{physical}"
    return resource(
        "aws:iam/role:Role",
        name,
        changed(inputs, **changes),
        outputs={**changed(inputs, **changes), "arn": arn},
    )


def role_policy(
    on: Resource, *statements: Mapping[str, Any], name: str = "service-execution-ssm"
) -> Resource:
    inputs = {
        "name": "dixie-armitage-execution-ssm",
        "role": on.plain["name"],
        "policy": document(*statements),
    }
    return resource("aws:iam/rolePolicy:RolePolicy", name, inputs, links={"role": [on]})


def attachment(on: Resource, policy_arn: str, name: str = "service-execution-managed") -> Resource:
    return resource(
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        name,
        {"role": on.plain["name"], "policyArn": policy_arn},
        links={"role": [on]},
    )


REDIS_INPUTS: dict[str, Any] = {
    "replicationGroupId": "dixie-armitage",
    "description": "Dixie cache and queue state",
    "engine": "redis",
    "engineVersion": "7.1",
    "numCacheClusters": 2.0,
    "automaticFailoverEnabled": True,
    "multiAzEnabled": True,
    "parameterGroupName": "dixie-armitage-redis7",
    "subnetGroupName": "dixie-armitage-redis",
    "atRestEncryptionEnabled": True,
    "transitEncryptionEnabled": True,
    "authToken": "redis-auth-token-of-sixty-four-characters-0123456789abcdef0123",
    "autoMinorVersionUpgrade": True,
    "snapshotRetentionLimit": 1.0,
}


def redis(links: Mapping[str, Sequence[Resource]] | None = None, **changes: Any) -> Resource:
    inputs = changed(REDIS_INPUTS, **changes)
    if "authToken" in inputs:
        inputs["authToken"] = secret(inputs["authToken"])
    return resource("aws:elasticache/replicationGroup:ReplicationGroup", "redis-group", inputs, links=links)


def parameter_group(policy: str = "noeviction") -> Resource:
    return resource(
        "aws:elasticache/parameterGroup:ParameterGroup",
        "redis-params",
        {
            "name": "dixie-armitage-redis7",
            "family": "redis7",
            "description": "Dixie Redis 7",
            "parameters": [{"name": "maxmemory-policy", "value": policy}],
        },
    )


def security_group(name: str = "network-sg", **changes: Any) -> Resource:
    inputs = changed(
        {"name": "dixie-armitage-ecs", "description": "Dixie ECS tasks", "vpcId": "vpc-0d08ce69dba7485da"},
        **changes,
    )
    return resource("aws:ec2/securityGroup:SecurityGroup", name, inputs)


def ingress_rule(on: Resource | None = None, name: str = "network-from-alb", **changes: Any) -> Resource:
    inputs = {
        "securityGroupId": "sg-0123",
        "referencedSecurityGroupId": "sg-0alb",
        "ipProtocol": "tcp",
        "fromPort": 3001.0,
        "toPort": 3001.0,
        "description": "HTTP from the shared ALB",
    }
    return resource(
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        name,
        changed(inputs, **changes),
        links={"securityGroupId": [on]} if on else None,
    )


def egress_rule(name: str = "network-to-https", **changes: Any) -> Resource:
    inputs = {
        "securityGroupId": "sg-0123",
        "cidrIpv4": "0.0.0.0/0",
        "ipProtocol": "tcp",
        "fromPort": 443.0,
        "toPort": 443.0,
        "description": "HTTPS",
    }
    return resource(
        "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", name, changed(inputs, **changes)
    )


# --- EFS, in the pulumi-aws schema's camelCase inputs -----------------------------------------

FILE_SYSTEM_ID = "fs-0123456789abcdef0"
ACCESS_POINT_ID = "fsap-0123456789abcdef0"
EFS_VOLUME: dict[str, Any] = {
    "name": "data",
    "efsVolumeConfiguration": {
        "fileSystemId": FILE_SYSTEM_ID,
        "transitEncryption": "ENABLED",
        "authorizationConfig": {"accessPointId": ACCESS_POINT_ID, "iam": "ENABLED"},
    },
}


def efs_volume(**changes: Any) -> dict[str, Any]:
    """``EFS_VOLUME`` with ``efsVolumeConfiguration`` changed (``ABSENT`` removes a key)."""
    return {**EFS_VOLUME, "efsVolumeConfiguration": changed(EFS_VOLUME["efsVolumeConfiguration"], **changes)}


def file_system(**changes: Any) -> Resource:
    inputs = changed({"creationToken": "dixie-armitage-data", "encrypted": True}, **changes)
    return resource("aws:efs/fileSystem:FileSystem", "data-file-system", inputs)


def access_point(**changes: Any) -> Resource:
    inputs = changed(
        {
            "fileSystemId": FILE_SYSTEM_ID,
            "posixUser": {"uid": 1000.0, "gid": 1000.0},
            "rootDirectory": {
                "path": "/dixie",
                "creationInfo": {"ownerUid": 1000.0, "ownerGid": 1000.0, "permissions": "750"},
            },
        },
        **changes,
    )
    return resource("aws:efs/accessPoint:AccessPoint", "data-access-point", inputs)


PROGRAM_TASK_STATEMENTS = [
    # What the program gives the task role today: exact parameters, one path, its own log streams.
    {
        "Effect": "Allow",
        "Action": ["ssm:GetParameter", "ssm:GetParameters"],
        "Resource": ["arn:aws:ssm:us-east-1:123456789012:parameter/dixie/armitage/FINN_URL"],
    },
    {
        "Effect": "Allow",
        "Action": ["ssm:GetParametersByPath"],
        "Resource": ["arn:aws:ssm:us-east-1:123456789012:parameter/dixie/armitage"],
    },
    {
        "Effect": "Allow",
        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": ["arn:aws:logs:us-east-1:123456789012:log-group:/ecs/dixie-armitage:log-stream:*"],
    },
    {
        "Effect": "Allow",
        "Action": ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"],
        "Resource": "arn:aws:elasticfilesystem:us-east-1:123456789012:file-system/fs-0123456789abcdef0",
    },
]
