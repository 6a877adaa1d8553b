"""One compliant and one violating example per policy: the compliant one passes, the violating
one is reported at the policy's own level, on the violating resource, naming the property."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import pytest
from pulumi_policy import EnforcementLevel

from dixie_infra.offline import Resource
from tests.policy.support import (
    ABSENT,
    EFS_VOLUME,
    EXECUTION_ROLE_ARN,
    POLICIES,
    READ_PARAMETERS,
    SERVICE_INPUTS,
    TARGET_GROUP_ARN,
    TASK_ROLE_ARN,
    TOPIC_ARN,
    access_point,
    attachment,
    container,
    document,
    efs_volume,
    egress_rule,
    file_system,
    findings,
    ingress_rule,
    parameter_group,
    redis,
    resource,
    role,
    role_policy,
    security_group,
    service,
    task_definition,
)


@dataclass(frozen=True)
class Case:
    policy: str
    good: Callable[[], list[Resource]]
    bad: Callable[[], list[Resource]]
    #: The property the message must name.
    prop: str


def one(factory: Callable[[], Resource]) -> Callable[[], list[Resource]]:
    return lambda: [factory()]


def parameter(name: str = "/dixie/armitage/DATABASE_URL", type_: str = "SecureString") -> Resource:
    return resource(
        "aws:ssm/parameter:Parameter",
        "parameters-database-url",
        {"name": name, "type": type_, "value": "x", "description": "Dixie"},
    )


def repository(**changes: object) -> Resource:
    inputs: dict[str, object] = {
        "name": "dixie-armitage",
        "imageTagMutability": "IMMUTABLE",
        "imageScanningConfiguration": {"scanOnPush": True},
    }
    inputs.update(changes)
    return resource(
        "aws:ecr/repository:Repository",
        "image-repository",
        inputs,
        outputs={**inputs, "arn": "arn:aws:ecr:repo"},
    )


def lifecycle(repo: Resource) -> Resource:
    policy = json.dumps(
        {"rules": [{"rulePriority": 1, "selection": {"tagStatus": "any"}, "action": {"type": "expire"}}]}
    )
    return resource(
        "aws:ecr/lifecyclePolicy:LifecyclePolicy",
        "image-lifecycle",
        {"repository": "dixie-armitage", "policy": policy},
        links={"repository": [repo]},
    )


def repository_with_lifecycle() -> list[Resource]:
    repo = repository()
    return [repo, lifecycle(repo)]


def execution_setup(*statements: Mapping[str, object]) -> list[Resource]:
    execution = role()
    return [
        execution,
        role_policy(execution, *statements),
        task_definition(links={"executionRoleArn": [execution]}),
    ]


def role_with_managed(arns: list[str]) -> list[Resource]:
    execution = role(managedPolicyArns=arns)
    return [
        execution,
        attachment(execution, "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"),
    ]


def task_role_with(policy_arn: str | None) -> list[Resource]:
    task = role(name="service-task-role", physical="dixie-armitage-ecs-task")
    attached = [attachment(task, policy_arn, name="service-task-managed")] if policy_arn else []
    return [task, *attached, task_definition(links={"taskRoleArn": [task]})]


def redis_with_params(params: bool = True) -> list[Resource]:
    group = parameter_group()
    if params:
        return [group, redis(links={"parameterGroupName": [group]})]
    return [group, redis(parameterGroupName="default.redis7")]


def sg_with_rule(inline: bool) -> list[Resource]:
    rule = {"protocol": "tcp", "fromPort": 22.0, "toPort": 22.0, "cidrBlocks": ["10.0.0.0/8"]}
    group = security_group(ingress=[rule]) if inline else security_group()
    return [group, ingress_rule(on=group)]


def target_group(**changes: object) -> Resource:
    inputs: dict[str, object] = {
        "name": "dixie-armitage",
        "port": 3001.0,
        "protocol": "HTTP",
        "targetType": "ip",
        "healthCheck": {"enabled": True, "path": "/api/health"},
    }
    inputs.update(changes)
    return resource(
        "aws:lb/targetGroup:TargetGroup", "route-targets", inputs, outputs={**inputs, "arn": TARGET_GROUP_ARN}
    )


def listener_rule(linked_to: Resource | None, arn: str = TARGET_GROUP_ARN) -> Resource:
    inputs = {
        "listenerArn": "arn:listener",
        "priority": 220.0,
        "actions": [{"type": "forward", "targetGroupArn": arn}],
    }
    return resource(
        "aws:lb/listenerRule:ListenerRule",
        "route-rule",
        inputs,
        links={"actions": [linked_to]} if linked_to else None,
    )


def topic(**changes: object) -> Resource:
    inputs = {"name": "dixie-armitage-alarms", **changes}
    return resource("aws:sns/topic:Topic", "alarms-topic", inputs, outputs={**inputs, "arn": TOPIC_ARN})


def alarm(actions: list[str], linked_to: Resource | None = None) -> Resource:
    inputs = {
        "name": "dixie-armitage-cpu-high",
        "alarmDescription": "CPU above 80%",
        "alarmActions": actions,
        "okActions": actions,
    }
    return resource(
        "aws:cloudwatch/metricAlarm:MetricAlarm",
        "alarms-cpu-high",
        inputs,
        links={"alarmActions": [linked_to]} if linked_to else None,
    )


def alarm_on_topic(in_stack: bool) -> list[Resource]:
    t = topic()
    if in_stack:
        return [t, alarm([TOPIC_ARN], linked_to=t)]
    return [t, alarm(["arn:aws:sns:us-east-1:999999999999:someone-elses-topic"])]


def record(**inputs: object) -> Resource:
    return resource(
        "aws:route53/record:Record",
        "route-dns",
        {
            "zoneId": "Z01194812Z6NUWBWMFB7T",
            "name": "dixie-armitage.arrakis.community",
            "type": "A",
            **inputs,
        },
    )


ALIAS = [{"name": "alb.example.com", "zoneId": "Z35SXDOTRQ7X7K", "evaluateTargetHealth": True}]
LOGS = "aws:cloudwatch/logGroup:LogGroup"
EXEC_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"

CASES = [
    Case(
        "ecs-service-single-writer",
        one(service),
        one(lambda: service(deploymentMaximumPercent=ABSENT)),
        "deploymentMaximumPercent",
    ),
    Case(
        "ecs-service-circuit-breaker",
        one(service),
        one(lambda: service(deploymentCircuitBreaker={"enable": True, "rollback": False})),
        "deploymentCircuitBreaker.rollback",
    ),
    Case(
        "ecs-service-az-rebalancing-disabled",
        one(service),
        one(lambda: service(availabilityZoneRebalancing=ABSENT)),
        "availabilityZoneRebalancing",
    ),
    Case(
        "ecs-service-rolling-deployments",
        one(service),
        one(lambda: service(deploymentController={"type": "CODE_DEPLOY"})),
        "deploymentController.type",
    ),
    Case(
        "ecs-service-no-public-ip",
        one(service),
        one(
            lambda: service(
                networkConfiguration={**SERVICE_INPUTS["networkConfiguration"], "assignPublicIp": True}
            )
        ),
        "networkConfiguration.assignPublicIp",
    ),
    Case(
        "ecs-service-fargate-latest",
        one(service),
        one(lambda: service(platformVersion="1.3.0")),
        "platformVersion",
    ),
    Case(
        "ecs-service-waits-for-steady-state",
        one(service),
        one(lambda: service(waitForSteadyState=False)),
        "waitForSteadyState",
    ),
    Case(
        "taskdef-image-pinned",
        one(task_definition),
        one(
            lambda: task_definition(
                container(image="123456789012.dkr.ecr.us-east-1.amazonaws.com/dixie-armitage:latest")
            )
        ),
        "containerDefinitions[0] (dixie-bff).image",
    ),
    Case(
        "taskdef-no-plaintext-secrets",
        one(task_definition),
        one(
            lambda: task_definition(container(environment=[{"name": "REDIS_AUTH_TOKEN", "value": "hunter2"}]))
        ),
        "environment REDIS_AUTH_TOKEN",
    ),
    Case(
        "taskdef-awslogs",
        one(task_definition),
        one(lambda: task_definition(container(logConfiguration=ABSENT))),
        "logConfiguration.logDriver",
    ),
    Case(
        "taskdef-isolation",
        one(task_definition),
        one(lambda: task_definition(container(privileged=True))),
        "privileged",
    ),
    Case(
        "taskdef-separate-roles",
        one(task_definition),
        one(lambda: task_definition(taskRoleArn=EXECUTION_ROLE_ARN)),
        "taskRoleArn",
    ),
    Case(
        "taskdef-secrets-under-prefix",
        one(task_definition),
        one(
            lambda: task_definition(
                container(secrets=[{"name": "DATABASE_URL", "valueFrom": "/other-svc/db-pass"}])
            )
        ),
        "secrets[0].valueFrom",
    ),
    Case(
        "taskdef-readonly-root-filesystem",
        one(task_definition),
        one(lambda: task_definition(container(readonlyRootFilesystem=False))),
        "readonlyRootFilesystem",
    ),
    Case(
        "ssm-parameter-under-prefix",
        one(parameter),
        one(lambda: parameter(name="/other/DATABASE_URL")),
        "name",
    ),
    Case("ssm-secrets-are-securestring", one(parameter), one(lambda: parameter(type_="String")), "type"),
    Case(
        "iam-no-wildcard-actions",
        lambda: [role_policy(role(), READ_PARAMETERS)],
        lambda: [
            role_policy(
                role(),
                {
                    "Effect": "Allow",
                    "Action": "ssm:*",
                    "Resource": ["arn:aws:ssm:us-east-1:1:parameter/dixie/armitage/X"],
                },
            )
        ],
        "policy Statement[0].Action",
    ),
    Case(
        "iam-no-wildcard-resources",
        lambda: [role_policy(role(), READ_PARAMETERS)],
        lambda: [
            role_policy(
                role(),
                {"Effect": "Allow", "Action": "ssm:GetParameters", "Resource": "arn:aws:ssm:*:*:parameter/*"},
            )
        ],
        "policy Statement[0].Resource[0]",
    ),
    Case(
        "iam-no-privilege-escalation",
        lambda: [role_policy(role(), READ_PARAMETERS)],
        lambda: [
            role_policy(role(), {"Effect": "Allow", "Action": "iam:PassRole", "Resource": TASK_ROLE_ARN})
        ],
        "policy Statement[0].Action",
    ),
    Case(
        "iam-task-roles-no-aws-managed-policies",
        lambda: task_role_with(None),
        lambda: task_role_with("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"),
        "policyArn",
    ),
    Case(
        "resource-policies-not-public",
        one(
            lambda: topic(
                policy=document({"Effect": "Deny", "Principal": "*", "Action": "sns:*", "Resource": "*"})
            )
        ),
        one(
            lambda: topic(
                policy=document(
                    {"Effect": "Allow", "Principal": "*", "Action": "sns:Publish", "Resource": "*"}
                )
            )
        ),
        "policy Statement[0].Principal",
    ),
    Case(
        "iam-no-star-resource-for-secrets",
        lambda: [
            role_policy(
                role(),
                READ_PARAMETERS,
                {"Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
            )
        ],
        lambda: [role_policy(role(), {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"})],
        "policy Statement[0]",
    ),
    Case(
        "iam-execution-role-ssm-scoped",
        lambda: execution_setup(READ_PARAMETERS),
        lambda: execution_setup(
            {"Effect": "Allow", "Action": ["ssm:GetParameters"], "Resource": ["arn:aws:ssm:*:*:parameter/*"]}
        ),
        "policy Statement[0].Resource",
    ),
    Case(
        "iam-trust-ecs-tasks-only",
        one(role),
        one(
            lambda: role(
                assumeRolePolicy=document(
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                        "Action": "sts:AssumeRole",
                    }
                )
            )
        ),
        "assumeRolePolicy Statement[0].Principal",
    ),
    Case(
        "iam-no-admin-managed-policies",
        lambda: [attachment(role(), EXEC_POLICY)],
        lambda: [attachment(role(), "arn:aws:iam::aws:policy/AdministratorAccess")],
        "policyArn",
    ),
    Case(
        "iam-no-policy-management-conflicts",
        lambda: role_with_managed([]),
        lambda: role_with_managed(["arn:aws:iam::aws:policy/ReadOnlyAccess"]),
        "managedPolicyArns",
    ),
    Case(
        "ecr-immutable-tags",
        one(repository),
        one(lambda: repository(imageTagMutability="MUTABLE")),
        "imageTagMutability",
    ),
    Case(
        "ecr-scan-on-push",
        one(repository),
        one(lambda: repository(imageScanningConfiguration={"scanOnPush": False})),
        "scanOnPush",
    ),
    Case("ecr-lifecycle-policy", repository_with_lifecycle, one(repository), "LifecyclePolicy"),
    Case("efs-encrypted", one(file_system), one(lambda: file_system(encrypted=ABSENT)), "encrypted"),
    Case(
        "taskdef-efs-volumes-tls-access-point",
        one(lambda: task_definition(volumes=[EFS_VOLUME])),
        one(lambda: task_definition(volumes=[efs_volume(transitEncryption="DISABLED")])),
        "volumes[0].efsVolumeConfiguration.transitEncryption",
    ),
    Case(
        "efs-access-point-identity",
        one(access_point),
        one(lambda: access_point(posixUser=ABSENT)),
        "posixUser",
    ),
    Case(
        "elasticache-encryption",
        one(redis),
        one(lambda: redis(transitEncryptionEnabled=False)),
        "transitEncryptionEnabled",
    ),
    Case("elasticache-auth", one(redis), one(lambda: redis(authToken=ABSENT)), "authToken"),
    Case(
        "elasticache-snapshots",
        one(redis),
        one(lambda: redis(snapshotRetentionLimit=0.0)),
        "snapshotRetentionLimit",
    ),
    Case(
        "elasticache-auto-minor-upgrades",
        one(redis),
        one(lambda: redis(autoMinorVersionUpgrade=False)),
        "autoMinorVersionUpgrade",
    ),
    Case(
        "elasticache-own-subnet-group",
        one(redis),
        one(lambda: redis(subnetGroupName="default")),
        "subnetGroupName",
    ),
    Case(
        "elasticache-noeviction",
        redis_with_params,
        lambda: redis_with_params(params=False),
        "parameterGroupName",
    ),
    Case(
        "elasticache-failover",
        one(redis),
        one(lambda: redis(numCacheClusters=1.0, automaticFailoverEnabled=False, multiAzEnabled=False)),
        "numCacheClusters",
    ),
    Case(
        "sg-no-world-ingress",
        one(ingress_rule),
        one(
            lambda: ingress_rule(
                referencedSecurityGroupId=ABSENT, cidrIpv4="0.0.0.0/0", fromPort=6379.0, toPort=6379.0
            )
        ),
        "cidrIpv4",
    ),
    Case(
        "sg-no-all-protocols-to-world",
        one(egress_rule),
        one(lambda: egress_rule(ipProtocol="-1", fromPort=ABSENT, toPort=ABSENT)),
        "protocol",
    ),
    Case(
        "sg-world-egress-https-only",
        one(egress_rule),
        one(lambda: egress_rule(fromPort=80.0, toPort=80.0)),
        "cidrIpv4",
    ),
    Case(
        "sg-no-rule-management-conflicts",
        lambda: sg_with_rule(inline=False),
        lambda: sg_with_rule(inline=True),
        "securityGroupId",
    ),
    Case(
        "names-target-group",
        one(target_group),
        one(lambda: target_group(name="dixie-armitage-a-very-long-target-group")),
        "name",
    ),
    Case(
        "names-elasticache",
        one(redis),
        one(lambda: redis(replicationGroupId="Dixie-Armitage")),
        "replicationGroupId",
    ),
    Case("names-iam-role", one(role), one(lambda: role(physical="dixie-" + "x" * 64)), "name"),
    Case(
        "descriptions-ascii", one(redis), one(lambda: redis(description="Dixie \u2014 cache")), "description"
    ),
    Case(
        "logs-retention",
        one(lambda: resource(LOGS, "service-logs", {"name": "/ecs/dixie-armitage", "retentionInDays": 30.0})),
        one(lambda: resource(LOGS, "service-logs", {"name": "/ecs/dixie-armitage"})),
        "retentionInDays",
    ),
    Case(
        "alarms-notify-in-stack-topic",
        lambda: alarm_on_topic(in_stack=True),
        lambda: alarm_on_topic(in_stack=False),
        "alarmActions",
    ),
    Case(
        "sns-topic-customer-managed-key",
        one(lambda: topic(kmsMasterKeyId="arn:aws:kms:us-east-1:123456789012:key/abcd")),
        one(topic),
        "kmsMasterKeyId",
    ),
    Case(
        "lb-target-group-ip-health-checked",
        one(target_group),
        one(lambda: target_group(targetType="instance")),
        "targetType",
    ),
    Case(
        "lb-listener-rule-forwards-in-stack",
        lambda: [tg := target_group(), listener_rule(tg)],
        lambda: [
            target_group(),
            listener_rule(None, arn="arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/other/1"),
        ],
        "actions",
    ),
    Case(
        "route53-alias-records",
        one(lambda: record(aliases=ALIAS)),
        one(lambda: record(records=["203.0.113.10"], ttl=300.0)),
        "aliases",
    ),
]


def test_every_policy_has_a_case() -> None:
    assert {c.policy for c in CASES} == set(POLICIES)
    assert len(CASES) == len(POLICIES)


@pytest.mark.parametrize("case", CASES, ids=[c.policy for c in CASES])
def test_policy_passes_compliant_and_reports_violating(case: Case) -> None:
    assert findings(case.policy, *case.good()) == []

    bad = case.bad()
    reported = findings(case.policy, *bad)
    assert reported, f"{case.policy} reported nothing on its violating example"
    level = POLICIES[case.policy].enforcement_level
    assert level in (EnforcementLevel.MANDATORY, EnforcementLevel.ADVISORY)
    for finding in reported:
        assert finding.level == level.value
        culprit = next(r for r in bad if r.urn == finding.urn)
        assert finding.message.startswith(f"{culprit.type.rsplit(':', 1)[-1]} '{culprit.name}': ")
    assert any(case.prop in f.message for f in reported), [f.message for f in reported]
