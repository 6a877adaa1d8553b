"""The Fargate service, its task definition, roles and logs."""

from __future__ import annotations

import json

import pytest

from dixie_infra.offline import Evaluation
from tests.program.helpers import SERVICE, TASK_DEF, container, environment, parameters, policy, sg_id


def test_service_runs_at_most_one_task_stop_before_start(armitage: Evaluation) -> None:
    p = armitage.one(SERVICE).plain
    assert p["name"] == "dixie-armitage"
    assert p["desiredCount"] == 1
    assert p["deploymentMaximumPercent"] == 100
    assert p["deploymentMinimumHealthyPercent"] == 0
    assert p["availabilityZoneRebalancing"] == "DISABLED"
    assert p["deploymentController"] == {"type": "ECS"}


def test_service_rolls_back_and_waits_for_steady_state(armitage: Evaluation) -> None:
    service = armitage.one(SERVICE)
    p = service.plain
    assert p["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
    assert p["waitForSteadyState"] is True
    assert service.custom_timeouts["create"] and service.custom_timeouts["update"]
    assert p["healthCheckGracePeriodSeconds"] >= 120
    assert service.protect is True


def test_service_runs_privately_on_fargate_in_the_cluster(armitage: Evaluation) -> None:
    p = armitage.one(SERVICE).plain
    # The ARN, not the name: `pulumi import` stores the ARN (terraform-provider-aws
    # resourceServiceImport) and `cluster` forces replacement, so the name would replace the
    # adopted service.
    assert p["cluster"] == "arn:aws:ecs:us-east-1:891376933289:cluster/arrakis-staging-cluster"
    assert (p["launchType"], p["platformVersion"]) == ("FARGATE", "LATEST")
    assert p["networkConfiguration"] == {
        "subnets": ["subnet-0a08a8fce7004ee11", "subnet-07973b30fe8f675e7"],
        "securityGroups": [sg_id(armitage, "dixie-armitage-ecs")],
        "assignPublicIp": False,
    }
    target_group = armitage.one("aws:lb/targetGroup:TargetGroup")
    assert p["loadBalancers"] == [
        {"targetGroupArn": target_group.outputs["arn"], "containerName": "dixie-bff", "containerPort": 3001}
    ]
    assert p["taskDefinition"] == armitage.one(TASK_DEF).outputs["arn"]


def test_service_is_created_after_its_target_group_is_on_the_listener(armitage: Evaluation) -> None:
    service = armitage.one(SERVICE)
    rule = armitage.one("aws:lb/listenerRule:ListenerRule")
    nats = next(
        r
        for r in armitage.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
        if r.plain["fromPort"] == 4222
    )
    assert rule.urn in service.dependencies
    assert nats.urn in service.dependencies


@pytest.mark.parametrize(
    ("stack", "cpu", "memory"), [("armitage", "256", "512"), ("production", "1024", "2048")]
)
def test_task_size_follows_the_environment(
    armitage: Evaluation, production: Evaluation, stack: str, cpu: str, memory: str
) -> None:
    p = (armitage if stack == "armitage" else production).one(TASK_DEF).plain
    assert (p["cpu"], p["memory"]) == (cpu, memory)
    assert p["networkMode"] == "awsvpc"
    assert p["requiresCompatibilities"] == ["FARGATE"]


def test_task_definition_environment_is_exactly_the_facts_sheet_plus_revision(armitage: Evaluation) -> None:
    env = environment(armitage)
    revision = env.pop("DIXIE_CONFIG_REVISION")
    assert len(revision) == 12
    assert env == {
        "NODE_ENV": "production",
        "DIXIE_PORT": "3001",
        "DIXIE_ENVIRONMENT": "armitage",
        "DIXIE_ALLOWLIST_PATH": "/data/allowlist.json",
        "OTEL_EXPORTER_OTLP_ENDPOINT": "http://tempo.arrakis.local:4317",
    }


def test_all_eight_secrets_come_from_ssm_by_parameter_arn(armitage: Evaluation) -> None:
    secrets = {s["name"]: s["valueFrom"] for s in container(armitage)["secrets"]}
    assert secrets == {key: r.outputs["arn"] for key, r in parameters(armitage).items()}
    assert all(
        arn.startswith("arn:aws:ssm:us-east-1:891376933289:parameter/dixie/armitage/")
        for arn in secrets.values()
    )
    plain_values = {parameters(armitage)[k].plain["value"] for k in secrets}
    assert not plain_values & set(environment(armitage).values())


def test_container_logs_and_health_check(armitage: Evaluation) -> None:
    c = container(armitage)
    assert c["name"] == "dixie-bff" and c["essential"] is True
    assert c["portMappings"] == [{"containerPort": 3001, "hostPort": 3001, "protocol": "tcp"}]
    assert c["logConfiguration"] == {
        "logDriver": "awslogs",
        "options": {
            "awslogs-group": "/ecs/dixie-armitage",
            "awslogs-region": "us-east-1",
            "awslogs-stream-prefix": "dixie",
        },
    }
    check = c["healthCheck"]
    # Above the health endpoint's sequential worst case (Finn 5 s + PostgreSQL connect 5 s, from
    # the app's source), or ECS restarts a Dixie that is only waiting on a hanging Finn.
    assert check["timeout"] > 10 and check["interval"] > check["timeout"]
    assert (check["retries"], check["startPeriod"]) == (3, 60)
    assert check["command"][0] == "CMD-SHELL" and "http://localhost:3001/api/health" in check["command"][1]


def test_fargate_container_does_not_set_privileged(armitage: Evaluation) -> None:
    # Fargate rejects the privileged parameter; it must be absent, not false.
    assert "privileged" not in container(armitage)


def test_task_role_may_only_mount_the_data_volume(armitage: Evaluation) -> None:
    doc = policy(armitage.one("aws:iam/rolePolicy:RolePolicy", "service-task-permissions"))
    (statement,) = doc["Statement"]
    file_system = armitage.one("aws:efs/fileSystem:FileSystem")
    access_point = armitage.one("aws:efs/accessPoint:AccessPoint")
    assert statement["Effect"] == "Allow"
    assert sorted(statement["Action"]) == ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"]
    assert statement["Resource"] == [file_system.outputs["arn"]]
    assert statement["Condition"] == {
        "StringEquals": {"elasticfilesystem:AccessPointArn": access_point.outputs["arn"]}
    }


def test_log_group_keeps_thirty_days(armitage: Evaluation) -> None:
    p = armitage.one("aws:cloudwatch/logGroup:LogGroup").plain
    assert (p["name"], p["retentionInDays"]) == ("/ecs/dixie-armitage", 30)


def test_execution_role_reads_exactly_the_eight_parameters(armitage: Evaluation) -> None:
    doc = policy(armitage.one("aws:iam/rolePolicy:RolePolicy", "service-execution-ssm"))
    (statement,) = doc["Statement"]
    assert statement["Action"] == ["ssm:GetParameters"]
    assert sorted(statement["Resource"]) == sorted(r.outputs["arn"] for r in parameters(armitage).values())
    managed = armitage.one("aws:iam/rolePolicyAttachment:RolePolicyAttachment").plain
    assert managed == {
        "role": "dixie-armitage-ecs-task-execution",
        "policyArn": "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
    }


def test_iam_policies_grant_no_wildcard_ssm_resources(each_stack: Evaluation) -> None:
    for resource in each_stack.of_type("aws:iam/rolePolicy:RolePolicy"):
        for statement in policy(resource)["Statement"]:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            assert all("*" not in a for a in actions)
            if any(a.startswith("ssm:") for a in actions):
                assert all("*" not in r for r in statement["Resource"]), resource.name


def test_roles_trust_only_ecs_tasks(armitage: Evaluation) -> None:
    roles = {
        r.plain["name"]: json.loads(r.plain["assumeRolePolicy"])
        for r in armitage.of_type("aws:iam/role:Role")
    }
    assert set(roles) == {"dixie-armitage-ecs-task-execution", "dixie-armitage-ecs-task"}
    for doc in roles.values():
        (statement,) = doc["Statement"]
        assert statement["Principal"] == {"Service": "ecs-tasks.amazonaws.com"}
        # Only for this account's tasks (confused-deputy guard).
        assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": "891376933289"}}
    task_def = armitage.one(TASK_DEF).plain
    assert task_def["executionRoleArn"] != task_def["taskRoleArn"]
