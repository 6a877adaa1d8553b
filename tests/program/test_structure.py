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


#: terraform-provider-aws resource type -> the pulumi-aws token, and the attribute holding the name.
TERRAFORM_TYPES = {
    "aws_iam_role": ("aws:iam/role:Role", "name"),
    "aws_iam_role_policy": ("aws:iam/rolePolicy:RolePolicy", "name"),
    "aws_security_group": ("aws:ec2/securityGroup:SecurityGroup", "name"),
    "aws_cloudwatch_log_group": ("aws:cloudwatch/logGroup:LogGroup", "name"),
    "aws_ecs_task_definition": ("aws:ecs/taskDefinition:TaskDefinition", "family"),
    "aws_ecs_service": (SERVICE, "name"),
    "aws_lb_target_group": ("aws:lb/targetGroup:TargetGroup", "name"),
    "aws_route53_record": ("aws:route53/record:Record", "name"),
    "aws_ssm_parameter": ("aws:ssm/parameter:Parameter", "name"),
    "aws_elasticache_subnet_group": ("aws:elasticache/subnetGroup:SubnetGroup", "name"),
    "aws_elasticache_parameter_group": ("aws:elasticache/parameterGroup:ParameterGroup", "name"),
    "aws_elasticache_replication_group": (REPLICATION_GROUP, "replication_group_id"),
    "aws_sns_topic": ("aws:sns/topic:Topic", "name"),
    "aws_cloudwatch_metric_alarm": ("aws:cloudwatch/metricAlarm:MetricAlarm", "alarm_name"),
    "aws_cloudwatch_log_metric_filter": ("aws:cloudwatch/logMetricFilter:LogMetricFilter", "name"),
}
TERRAFORM_STATE = Path(__file__).parent.parent / "scripts" / "data" / "terraform-armitage.json"


def _terraform_names() -> set[tuple[str, str]]:
    """(pulumi type, physical name) of every named resource in the terraform split's state."""

    def walk(module: dict) -> list[dict]:
        return [*module.get("resources", []), *(r for c in module.get("child_modules", []) for r in walk(c))]

    state = json.loads(TERRAFORM_STATE.read_text())
    found = set()
    for resource in walk(state["values"]["root_module"]):
        if resource.get("mode") == "data" or resource["type"] not in TERRAFORM_TYPES:
            continue
        token, attribute = TERRAFORM_TYPES[resource["type"]]
        found.add((token, resource["values"][attribute]))
    return found


def test_physical_names_are_the_terraform_names(armitage: Evaluation) -> None:
    # From the split's own state, not from names.py: a renamed resource is replaced on adoption.
    expected = _terraform_names()
    assert len(expected) >= 30
    registered = {(r.type, r.physical_name) for r in armitage.aws_resources if r.physical_name}
    assert expected <= registered, sorted(expected - registered)


def test_production_names_follow_the_naming_table(production: Evaluation) -> None:
    n = names.ResourceNames.for_environment("production")
    registered = {(r.type, r.physical_name) for r in production.aws_resources if r.physical_name}
    assert {
        (SERVICE, "dixie-bff"),
        ("aws:ec2/securityGroup:SecurityGroup", "dixie-bff-ecs"),
        (REPLICATION_GROUP, "dixie-bff"),
        ("aws:sns/topic:Topic", "dixie-bff-alarms"),
        ("aws:efs/fileSystem:FileSystem", n.data_file_system),
    } <= registered


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
