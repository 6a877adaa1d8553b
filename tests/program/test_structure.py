"""Whole-program invariants: components, parents, names, provider, protection."""

from __future__ import annotations

import json
from pathlib import Path

from dixie_infra import names
from dixie_infra.offline import Evaluation
from dixie_infra.settings import project_root
from tests.program.helpers import REPLICATION_GROUP, SERVICE

COMPONENTS = {
    "dixie:infra:ImageRepository",
    "dixie:infra:ServiceNetwork",
    "dixie:infra:RedisCache",
    "dixie:infra:ServiceParameters",
    "dixie:infra:FargateService",
    "dixie:infra:AlbRoute",
    "dixie:infra:Alarms",
    "dixie:infra:DataVolume",
}


def test_the_eight_components_are_registered_once(each_stack: Evaluation) -> None:
    components = [r.type for r in each_stack.resources if r.type.startswith("dixie:")]
    assert sorted(components) == sorted(COMPONENTS)


def test_every_cloud_resource_sits_under_a_dixie_component(each_stack: Evaluation) -> None:
    component_urns = {r.urn for r in each_stack.resources if r.type in COMPONENTS}
    for resource in each_stack.resources:
        if resource.custom and not resource.type.startswith("pulumi:providers:"):
            assert resource.parent in component_urns, (
                f"{resource.type} {resource.name} is not under a component"
            )
            parent = each_stack.by_urn(resource.parent)
            assert resource.name.startswith(f"{parent.name}-"), resource.name


def test_aws_resources_use_the_account_guarded_provider(each_stack: Evaluation) -> None:
    provider = each_stack.one("pulumi:providers:aws")
    # Provider configuration reaches the engine JSON-encoded, as the CLI stores it.
    config = {k: json.loads(v) if k != "region" else v for k, v in provider.plain.items() if k != "version"}
    assert config["region"] == "us-east-1"
    assert config["allowedAccountIds"] == ["891376933289"]
    tags = config["defaultTags"]["tags"]
    assert tags["ManagedBy"] == "pulumi" and tags["Project"] == "loa-dixie"
    assert tags["Environment"] == each_stack.stack
    for resource in each_stack.aws_resources:
        assert resource.provider.startswith(provider.urn + "::"), resource.name


def test_physical_names_are_the_terraform_names(each_stack: Evaluation) -> None:
    n = names.ResourceNames.for_environment(each_stack.stack)
    expected = {
        ("aws:iam/role:Role", n.execution_role),
        ("aws:iam/role:Role", n.task_role),
        ("aws:iam/rolePolicy:RolePolicy", n.execution_policy),
        ("aws:iam/rolePolicy:RolePolicy", n.task_policy),
        ("aws:ec2/securityGroup:SecurityGroup", n.service_security_group),
        ("aws:ec2/securityGroup:SecurityGroup", n.redis_security_group),
        ("aws:ec2/securityGroup:SecurityGroup", n.data_security_group),
        ("aws:efs/fileSystem:FileSystem", n.data_file_system),
        ("aws:cloudwatch/eventRule:EventRule", n.deployment_failed_rule),
        ("aws:cloudwatch/logGroup:LogGroup", n.log_group),
        ("aws:ecs/taskDefinition:TaskDefinition", n.task_family),
        (SERVICE, n.ecs_service),
        ("aws:lb/targetGroup:TargetGroup", n.target_group),
        ("aws:elasticache/subnetGroup:SubnetGroup", n.redis_subnet_group),
        ("aws:elasticache/parameterGroup:ParameterGroup", n.redis_parameter_group),
        (REPLICATION_GROUP, n.redis_replication_group),
        ("aws:sns/topic:Topic", n.alarm_topic),
        ("aws:ecr/repository:Repository", n.ecr_repository),
        *(("aws:cloudwatch/metricAlarm:MetricAlarm", n.alarm(role)) for role in names.ALARM_ROLES),
        ("aws:cloudwatch/logMetricFilter:LogMetricFilter", n.circuit_breaker_filter),
        ("aws:cloudwatch/logMetricFilter:LogMetricFilter", n.allowlist_denied_filter),
        *(
            ("aws:ssm/parameter:Parameter", names.parameter_name(each_stack.stack, k))
            for k in names.SERVICE_PARAMETERS
        ),
    }
    registered = {(r.type, r.physical_name) for r in each_stack.aws_resources if r.physical_name}
    assert expected <= registered
    named_types = {t for t, _ in expected}
    assert {(t, p) for t, p in registered if t in named_types} == expected


def test_stateful_resources_are_protected(each_stack: Evaluation) -> None:
    protected = {r.type for r in each_stack.resources if r.protect}
    assert protected == {
        "aws:ecr/repository:Repository",
        REPLICATION_GROUP,
        SERVICE,
        "aws:efs/fileSystem:FileSystem",
        # Generated secrets: a replaced one locks the app out of its database (password), of
        # Redis (AUTH token), or invalidates every issued token (JWT key) and admin credential.
        "random:index/randomPassword:RandomPassword",
        "random:index/randomBytes:RandomBytes",
    }


def test_every_generated_secret_is_protected(each_stack: Evaluation) -> None:
    generated = [r for r in each_stack.resources if r.type.startswith("random:")]
    # database password, JWT key, admin key, Redis AUTH token
    assert len(generated) == 4
    assert all(r.protect for r in generated), [r.name for r in generated if not r.protect]


def test_armitage_and_production_names_follow_the_naming_table(
    armitage: Evaluation, production: Evaluation
) -> None:
    assert armitage.one(SERVICE).plain["name"] == "dixie-armitage"
    assert production.one(SERVICE).plain["name"] == "dixie-bff"
    assert production.one(SERVICE).plain["cluster"].endswith(":cluster/honeyjar-production")
    assert {r.plain["name"].rsplit("/", 1)[0] for r in production.of_type("aws:ssm/parameter:Parameter")} == {
        "/dixie/production"
    }


def test_stacks_disable_the_default_aws_provider() -> None:
    # A resource that forgot the explicit provider must fail, not act with ambient credentials.
    import yaml

    from tests.program.conftest import STACKS

    for path in (Path("Pulumi.armitage.yaml"), STACKS / "Pulumi.production.yaml"):
        config = yaml.safe_load((project_root() / path).read_text())["config"]
        assert "aws" in config["pulumi:disable-default-providers"], path
