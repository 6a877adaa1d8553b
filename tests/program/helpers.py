"""Small readers over an offline evaluation, shared by the program tests."""

from __future__ import annotations

import json
from typing import Any

from dixie_infra.offline import Evaluation, Resource

PARAMETER = "aws:ssm/parameter:Parameter"
SG = "aws:ec2/securityGroup:SecurityGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
TASK_DEF = "aws:ecs/taskDefinition:TaskDefinition"
SERVICE = "aws:ecs/service:Service"
REPLICATION_GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"


def parameters(evaluation: Evaluation) -> dict[str, Resource]:
    return {r.plain["name"].rsplit("/", 1)[1]: r for r in evaluation.of_type(PARAMETER)}


def parameter_value(evaluation: Evaluation, key: str) -> str:
    return str(parameters(evaluation)[key].plain["value"])


def container(evaluation: Evaluation) -> dict[str, Any]:
    definitions = json.loads(evaluation.one(TASK_DEF).plain["containerDefinitions"])
    assert len(definitions) == 1
    return definitions[0]


def environment(evaluation: Evaluation) -> dict[str, str]:
    return {e["name"]: e["value"] for e in container(evaluation)["environment"]}


def sg_id(evaluation: Evaluation, physical_name: str) -> str:
    return next(r.id for r in evaluation.of_type(SG) if r.plain["name"] == physical_name)


def rules(evaluation: Evaluation, type_: str, on: str) -> list[dict[str, Any]]:
    return [r.plain for r in evaluation.of_type(type_) if r.plain["securityGroupId"] == on]


def policy(resource: Resource) -> dict[str, Any]:
    return json.loads(resource.plain["policy"])
