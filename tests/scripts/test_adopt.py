"""scripts.adopt against a realistic ``terraform show -json`` of the armitage split and moto.

The state fixture (``data/terraform-armitage.json``) holds all 35 resources of the split with
their addresses, ids and attributes as terraform records them, including the plaintext secrets
a refreshed state really holds. moto holds what the state cannot say: the security group rules
(with their ``sgr-`` ids), the hand-made ECR repository with its lifecycle policy, the hand-made
NATS ingress rule and the SSM parameters. moto cannot be told which ids to give security
groups, so the state and a copy of the stack file are rewritten to the ids moto assigned.
"""

from __future__ import annotations

import copy
import io
import json
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

from dixie_infra.names import SERVICE_PARAMETERS, ResourceNames
from dixie_infra.offline import evaluate, stack_config
from dixie_infra.settings import project_root
from scripts import adopt
from scripts.adopt import aws as adopt_aws
from scripts.adopt import cli, compare, kinds, program, records, report, terraform
from tests.fixtures.aws import empty_account, point_at

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


def rewrite(text: str, ids: dict[str, str]) -> str:
    # Longest first: a listener ARN contains its load balancer's ARN.
    for old in sorted(ids, key=len, reverse=True):
        text = text.replace(old, ids[old])
    return text


def project(tmp_path: Path, ids: dict[str, str], stack: str = "armitage") -> Path:
    """A project dir holding the committed stack file with moto's group ids."""
    directory = tmp_path / "project"
    directory.mkdir(exist_ok=True)
    source = (project_root() / "Pulumi.armitage.yaml").read_text()
    (directory / f"Pulumi.{stack}.yaml").write_text(rewrite(source, ids))
    return directory


def write_state(tmp_path: Path, doc: dict[str, Any], ids: dict[str, str], name: str = "state.json") -> Path:
    path = tmp_path / name
    path.write_text(rewrite(json.dumps(doc, indent=2), ids))
    return path


Run = tuple[int, str, str, dict[str, Any] | None]


def adopt_argv(tmp_path: Path, args: tuple[str, ...], json_out: bool) -> list[str]:
    return [*args, "--output", str(tmp_path / "import.json"), *(["--json"] if json_out else [])]


def parsed(code: int, out: str, err: str, json_out: bool) -> Run:
    return code, out, err, json.loads(out) if json_out and out.strip() else None


def run_adopt(capsys: pytest.CaptureFixture[str], tmp_path: Path, *args: str, json_out: bool = True) -> Run:
    code = adopt.main(adopt_argv(tmp_path, args, json_out))
    out, err = capsys.readouterr()
    return parsed(code, out, err, json_out)


def armitage_args(directory: Path, state: Path) -> tuple[str, ...]:
    return ("--stack", "armitage", "--project-dir", str(directory), "--terraform-state", str(state))


def answer_as_armitage(patch: pytest.MonkeyPatch) -> str:
    """moto answers as armitage's account (the stack allows no other).

    moto 5.2.5 does not implement ElastiCache's parameter-group API (DescribeCacheParameterGroups
    answers 500), so that one look-up is answered from the state's own group here; the real
    look-up is tested with botocore's Stubber below.
    """
    patch.setenv("MOTO_ACCOUNT_ID", ACCOUNT)
    # AWS managed policies (AmazonECSTaskExecutionRolePolicy) exist only when moto loads them.
    patch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    PARAMETER_GROUPS.clear()
    patch.setitem(
        adopt_aws.EXISTENCE,
        "aws:elasticache/parameterGroup:ParameterGroup",
        lambda _aws, import_id, _values: import_id in PARAMETER_GROUPS,
    )
    return ACCOUNT


@pytest.fixture
def account(monkeypatch: pytest.MonkeyPatch) -> str:
    return answer_as_armitage(monkeypatch)


@pytest.fixture
def armitage(aws: boto3.session.Session, account: str, tmp_path: Path) -> Callable[..., Run]:
    """Run the tool on the armitage state, optionally changed by ``edit`` first."""
    ids = seed_account(aws)
    directory = project(tmp_path, ids)

    def run(
        capsys: pytest.CaptureFixture[str],
        edit: Callable[[dict[str, Any]], None] | None = None,
        json_out: bool = True,
    ) -> Run:
        doc = load_state()
        if edit:
            edit(doc)
        state = write_state(tmp_path, doc, ids)
        return run_adopt(capsys, tmp_path, *armitage_args(directory, state), json_out=json_out)

    return run


@dataclass(frozen=True)
class Untouched:
    """One run of the tool on the unchanged state against the unchanged account."""

    run: Run
    written: str  # the import file it wrote

    @property
    def report(self) -> dict[str, Any]:
        assert self.run[3] is not None, self.run[2]
        return self.run[3]


@pytest.fixture(scope="module")
def untouched(moto_endpoint: str, tmp_path_factory: pytest.TempPathFactory) -> dict[bool, Untouched]:
    """The tool's JSON run (key True) and table run (key False) on the armitage split as it is,
    made once for the tests that only read what the tool printed and wrote. Seeding the account
    and evaluating the program take about a second per run; the tool only reads AWS and writes
    its --output file, so these tests share nothing they could change."""
    tmp_path = tmp_path_factory.mktemp("untouched")
    runs: dict[bool, Untouched] = {}
    with pytest.MonkeyPatch.context() as patch:
        point_at(moto_endpoint, patch)
        answer_as_armitage(patch)
        ids = seed_account(empty_account(moto_endpoint))
        args = armitage_args(project(tmp_path, ids), write_state(tmp_path, load_state(), ids))
        for json_out in (True, False):
            out, err = io.StringIO(), io.StringIO()
            with redirect_stdout(out), redirect_stderr(err):
                code = adopt.main(adopt_argv(tmp_path, args, json_out))
            written = (tmp_path / "import.json").read_text()
            runs[json_out] = Untouched(parsed(code, out.getvalue(), err.getvalue(), json_out), written)
    return runs


def drop(address: str) -> Callable[[dict[str, Any]], None]:
    def edit(doc: dict[str, Any]) -> None:
        resources = state_resources(doc)
        resources[:] = [r for r in resources if r["address"] != address]

    return edit


def by_name(report: dict[str, Any], key: str) -> dict[str, dict[str, Any]]:
    return {item["logicalName"]: item for item in report[key]}


# --- the whole split ----------------------------------------------------------------------------


def test_every_terraform_resource_and_both_hand_made_ones_are_matched(
    untouched: dict[bool, Untouched],
) -> None:
    code, report = untouched[True].run[0], untouched[True].report
    sources = {m["source"].split(" ")[0] for m in report["matched"]}
    addresses = {r["address"] for r in state_resources(load_state()) if r["mode"] == "managed"}
    assert addresses <= sources
    assert report["notDeclared"] == []
    assert report["missingInAws"] == []
    created = report["willBeCreated"]
    assert sorted(c["type"] for c in created) == NEW_IN_THE_PROGRAM
    assert {c["logicalName"] for c in created} == NEW_NAMES
    assert all(c["note"].startswith("will be created") for c in created)
    physical = {c["physicalName"] for c in created}
    n = ResourceNames(SVC)
    assert {n.data_security_group, n.deployment_failed_rule} <= physical
    matched = by_name(report, "matched")
    assert matched["image-repository"]["source"] == kinds.HAND_MADE
    assert matched["image-repository"]["importId"] == SVC
    assert matched["image-lifecycle"]["source"] == kinds.HAND_MADE
    nats = matched["network-nats-ingress"]
    assert nats["source"] == kinds.HAND_MADE
    assert nats["importId"].startswith("sgr-")
    assert code in (0, 1)


def test_every_import_entry_names_a_resource_the_program_declares(untouched: dict[bool, Untouched]) -> None:
    document = json.loads(untouched[True].written)
    config, secret_keys = stack_config("armitage")
    config["dixie:redisAuth"] = False
    declared = program.declared_resources(evaluate("armitage", config, secret_keys=secret_keys))
    by_key = {(d.type, d.name): d for d in declared}
    components = {e["name"]: e for e in document["resources"] if e.get("component")}
    assert document["nameTable"] == {"aws": "urn:pulumi:armitage::dixie::pulumi:providers:aws::aws"}
    # A component is in the file when something under it is imported; the data volume is all new.
    assert {e["type"] for e in components.values()} == {
        d.parent_type
        for d in declared
        if d.parent_type and d.name in {e["name"] for e in document["resources"]}
    }
    assert "dixie:infra:DataVolume" not in {e["type"] for e in components.values()}
    for entry in document["resources"]:
        d = by_key[(entry["type"], entry["name"])]
        if entry.get("component"):
            assert "id" not in entry
            assert d.urn == f"urn:pulumi:armitage::dixie::{d.type}::{d.name}"
            continue
        assert entry["provider"] == "aws"
        assert entry["id"]
        assert entry["parent"] == d.parent_name
        # What the engine will compute from the parent entry is the program's own URN.
        parent = components[entry["parent"]]
        assert d.urn == f"urn:pulumi:armitage::dixie::{parent['type']}${d.type}::{d.name}"


def test_import_ids_have_the_form_each_type_imports_by(untouched: dict[bool, Untouched]) -> None:
    report = untouched[True].report
    ids = {m["logicalName"]: m["importId"] for m in report["matched"]}
    n = ResourceNames(SVC)
    assert ids["parameters-database-url"] == "/dixie/armitage/DATABASE_URL"
    assert ids["service-service"] == f"arrakis-staging-cluster/{SVC}"
    assert ids["redis-group"] == n.redis_replication_group
    assert (
        ids["route-rule"].startswith("arn:aws:elasticloadbalancing:")
        and ":listener-rule/" in ids["route-rule"]
    )
    assert ids["route-targets"].startswith("arn:aws:elasticloadbalancing:")
    assert f":targetgroup/{SVC}/" in ids["route-targets"]
    assert ids["route-dns"] == f"Z01194812Z6NUWBWMFB7T_{SVC}.arrakis.community_A"
    assert ids["service-execution-ssm"] == f"{n.execution_role}:{n.execution_policy}"
    assert (
        ids["service-execution-managed"]
        == f"{n.execution_role}/arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
    )
    assert ids["service-task"].endswith(f":task-definition/{SVC}:7")
    assert ids["alarms-allowlist-denied-filter"] == f"{n.log_group}:{n.allowlist_denied_filter}"
    assert ids["alarms-cpu-high"] == n.alarm("cpu-high")
    # The standalone terraform rule keeps the id AWS gave it; inline rules get theirs from AWS.
    assert all(
        ids[name].startswith("sgr-")
        for name in ids
        if name.startswith(("network-from", "network-to", "redis-from", "redis-service"))
    )
    assert ids["network-sg"].startswith("sg-") and ids["redis-sg"].startswith("sg-")


def test_stateful_resources_are_reported_protected(untouched: dict[bool, Untouched]) -> None:
    report = untouched[True].report
    protected = {m["logicalName"] for m in report["matched"] if m["protect"]}
    assert protected == {"image-repository", "redis-group", "service-service"}


def test_task_definition_changes_are_a_normal_new_revision(untouched: dict[bool, Untouched]) -> None:
    report = untouched[True].report
    task = [d for d in report["differences"] if d["logicalName"] == "service-task"]
    assert task
    assert {d["effect"] for d in task} == {records.Effect.REVISION}


def test_nothing_in_the_split_is_replaced(untouched: dict[bool, Untouched]) -> None:
    code, report = untouched[True].run[0], untouched[True].report
    assert [d for d in report["differences"] if d["effect"] == records.Effect.REPLACE] == []
    assert code == 0


# --- secrets ------------------------------------------------------------------------------------


def test_no_secret_reaches_the_output_or_the_import_file(untouched: dict[bool, Untouched]) -> None:
    secrets = state_secrets()
    assert len(secrets) == 6
    for json_out in (True, False):
        _, out, err, _ = untouched[json_out].run
        for secret in secrets:
            for text in (out, err, untouched[json_out].written):
                assert secret not in text
    assert "Fixture%21Only" not in out and "Fixture!Only" not in out


def test_secret_commands_read_ssm_themselves_and_print_no_value(untouched: dict[bool, Untouched]) -> None:
    report = untouched[True].report
    commands = {c["key"]: c["command"] for c in report["secretCommands"]}
    assert set(commands) == {"dixie:jwtPrivateKey", "dixie:adminKey", "dixie:databasePassword"}
    for key, command in commands.items():
        assert command.startswith("aws ssm get-parameter --region us-east-1 --name /dixie/armitage/")
        assert "--with-decryption --query Parameter.Value --output text |" in command
        assert command.endswith(f"| pulumi config set --secret {key} -s armitage")
    assert "/DATABASE_URL " in commands["dixie:databasePassword"]
    assert "urllib.parse.unquote" in commands["dixie:databasePassword"]
    assert report["redisAuth"]["adopt"] == "pulumi config set dixie:redisAuth false -s armitage"


def test_the_database_password_pipeline_extracts_the_url_decoded_password() -> None:
    import subprocess
    import sys

    url = "postgresql://dixie:p%40ss%2Fw0rd%21@db.example:5432/dixie\n"
    done = subprocess.run(
        [sys.executable, "-c", report._DECODE_URL_USERINFO],
        input=url,
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout == "p@ss/w0rd!"


def test_terraform_state_secrets_are_dropped_while_loading() -> None:
    from scripts.adopt.terraform import parse_state

    resources = parse_state(STATE.read_text())
    for resource in resources:
        assert "value" not in resource.values or resource.type != "aws_ssm_parameter"
        assert "auth_token" not in resource.values


# --- what differs between state and program -----------------------------------------------------


def test_a_resource_renamed_in_the_program_is_reported_as_a_replacement(
    armitage: Callable[..., Run], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        ResourceNames, "redis_parameter_group", property(lambda self: f"{self.service}-redis71")
    )
    code, _, _, report = armitage(capsys)
    assert code == 1
    assert report is not None
    matched = by_name(report, "matched")["redis-params"]
    assert matched["source"] == "aws_elasticache_parameter_group.dixie"
    assert matched["matchedBy"] == "terraform address"
    assert matched["forcesReplacement"] is True
    names = [
        d for d in report["differences"] if d["logicalName"] == "redis-params" and d["property"] == "name"
    ]
    assert names == [
        {
            "logicalName": "redis-params",
            "property": "name",
            "current": f"{SVC}-redis7",
            "program": f"{SVC}-redis71",
            "effect": records.Effect.REPLACE,
        }
    ]
    assert "redis-params" in report["verdict"]


def test_a_resource_missing_from_the_state_is_reported_as_will_be_created(
    armitage: Callable[..., Run], capsys: pytest.CaptureFixture[str]
) -> None:
    _, _, _, report = armitage(capsys, edit=drop("aws_cloudwatch_metric_alarm.dixie_cpu_high"))
    assert report is not None
    created = by_name(report, "willBeCreated")
    assert set(created) - NEW_NAMES == {"alarms-cpu-high"}
    assert created["alarms-cpu-high"]["note"] == "will be created"
    assert "alarms-cpu-high" not in by_name(report, "matched")


def test_a_resource_only_in_the_state_is_reported_and_left_alone(
    armitage: Callable[..., Run], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    def add_autoscaling(doc: dict[str, Any]) -> None:
        state_resources(doc).append(
            {
                "address": "aws_appautoscaling_target.dixie",
                "mode": "managed",
                "type": "aws_appautoscaling_target",
                "name": "dixie",
                "provider_name": "registry.terraform.io/hashicorp/aws",
                "values": {
                    "id": f"service/arrakis-staging-cluster/{SVC}",
                    "max_capacity": 3,
                    "min_capacity": 1,
                    "resource_id": f"service/arrakis-staging-cluster/{SVC}",
                    "scalable_dimension": "ecs:service:DesiredCount",
                    "service_namespace": "ecs",
                    "tags": {"Environment": "armitage"},
                },
            }
        )

    _, _, _, report = armitage(capsys, edit=add_autoscaling)
    assert report is not None
    extra = {item["address"]: item for item in report["notDeclared"]}
    assert set(extra) == {"aws_appautoscaling_target.dixie"}
    assert (
        "terraform state rm 'aws_appautoscaling_target.dixie'"
        in extra["aws_appautoscaling_target.dixie"]["advice"]
    )
    document = json.loads((tmp_path / "import.json").read_text())
    assert all(
        e.get("id") != f"service/arrakis-staging-cluster/{SVC}" or e["type"] == "aws:ecs/service:Service"
        for e in document["resources"]
    )
    rm = next(step for step in report["nextSteps"] if step.startswith("terraform state rm"))
    assert "aws_appautoscaling_target.dixie" not in rm


def service_group(aws: boto3.session.Session, name: str = f"{SVC}-ecs") -> str:
    groups = aws.client("ec2").describe_security_groups()["SecurityGroups"]
    return next(g["GroupId"] for g in groups if g["GroupName"] == name)


def test_an_inline_rule_the_program_does_not_declare_is_reported_and_left_alone(
    armitage: Callable[..., Run], capsys: pytest.CaptureFixture[str], aws: boto3.session.Session
) -> None:
    aws.client("ec2").authorize_security_group_egress(
        GroupId=service_group(aws),
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 3000, "ToPort": 3000, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}
        ],
    )

    def add_finn_egress(doc: dict[str, Any]) -> None:
        sg = next(r for r in state_resources(doc) if r["address"] == "aws_security_group.dixie")
        extra = copy.deepcopy(sg["values"]["egress"][0])
        extra.update(
            {
                "from_port": 3000,
                "to_port": 3000,
                "cidr_blocks": ["10.0.0.0/8"],
                "description": "Dixie to loa-finn",
            }
        )
        sg["values"]["egress"].append(extra)

    _, _, _, report = armitage(capsys, edit=add_finn_egress)
    assert report is not None
    (rule,) = report["notDeclared"]
    assert rule["address"] == "aws_security_group.dixie egress[4]"
    assert "egress tcp 3000 to 10.0.0.0/8" in rule["id"]


def test_the_nats_rule_is_created_when_nobody_made_it_by_hand(
    armitage: Callable[..., Run], capsys: pytest.CaptureFixture[str], aws: boto3.session.Session
) -> None:
    ec2 = aws.client("ec2")
    nats = next(
        g["GroupId"]
        for g in ec2.describe_security_groups()["SecurityGroups"]
        if g["GroupName"] == "arrakis-staging-nats"
    )
    rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [nats]}])[
        "SecurityGroupRules"
    ]
    ec2.revoke_security_group_ingress(
        GroupId=nats, SecurityGroupRuleIds=[r["SecurityGroupRuleId"] for r in rules if not r["IsEgress"]]
    )
    _, _, _, report = armitage(capsys)
    assert report is not None
    assert set(by_name(report, "willBeCreated")) - NEW_NAMES == {"network-nats-ingress"}


def test_the_human_report_names_every_section(
    armitage: Callable[..., Run], capsys: pytest.CaptureFixture[str]
) -> None:
    _, out, _, _ = armitage(capsys, edit=drop("aws_cloudwatch_metric_alarm.dixie_cpu_high"), json_out=False)
    for heading in (
        "matched, will be imported",
        "differences between",
        "will be created",
        "Keep the secrets",
        "redisAuth false",
        "Next steps",
        "terraform state rm",
    ):
        assert heading in out


# --- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param("{not json", "is not JSON", id="not-json"),
        pytest.param("[]", "expected a JSON object", id="array"),
        pytest.param('{"format_version": "1.0"}', "holds no resources", id="empty-state"),
        pytest.param('{"format_version": "1.2", "planned_values": {}}', "is a plan", id="plan"),
        pytest.param('{"values": {"root_module": {}}}', "no format_version", id="no-format"),
        pytest.param(
            '{"format_version": "1.0", "values": {"root_module": {"resources": [{"type": "x"}]}}}',
            "lacks address",
            id="bad-resource",
        ),
    ],
)
def test_a_malformed_state_is_refused_with_exit_2(
    content: str, message: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "state.json"
    path.write_text(content)
    code, out, err, _ = run_adopt(capsys, tmp_path, "--stack", "armitage", "--terraform-state", str(path))
    assert code == 2
    assert message in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert out == ""


def test_a_state_of_another_environment_is_refused_with_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    production = (
        STATE.read_text()
        .replace("dixie-armitage", "dixie-bff")
        .replace("/dixie/armitage/", "/dixie/production/")
    )
    production = production.replace('"Environment": "armitage"', '"Environment": "production"')
    path = tmp_path / "production.json"
    path.write_text(production)
    code, _, err, _ = run_adopt(capsys, tmp_path, "--stack", "armitage", "--terraform-state", str(path))
    assert code == 2
    assert "belongs to environment 'production'" in err
    assert "not to stack 'armitage'" in err
    assert not (tmp_path / "import.json").exists()


def test_an_unknown_stack_is_refused_with_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err, _ = run_adopt(capsys, tmp_path, "--stack", "nosuch", "--terraform-state", str(STATE))
    assert code == 2
    assert "no stack file Pulumi.nosuch.yaml" in err


def test_a_missing_state_file_is_refused_with_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err, _ = run_adopt(
        capsys, tmp_path, "--stack", "armitage", "--terraform-state", str(tmp_path / "absent.json")
    )
    assert code == 2
    assert "cannot be read" in err


def test_the_state_can_come_from_stdin(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("{not json"))
    code, _, err, _ = run_adopt(capsys, tmp_path, "--stack", "armitage", "--terraform-state", "-")
    assert code == 2
    assert "--terraform-state -: is not JSON" in err


def test_help_names_every_flag(capsys: pytest.CaptureFixture[str]) -> None:
    assert adopt.main(["--help"]) == 0
    out = capsys.readouterr().out
    for flag in ("--stack", "--terraform-state", "--output", "--region", "--json"):
        assert flag in out


# --- the tables the tool relies on --------------------------------------------------------------


def test_terraform_address_hints_name_resources_the_program_declares() -> None:
    config, secret_keys = stack_config("armitage")
    config["dixie:alarmEmail"] = "ops@example.com"
    declared = {
        d.name: d for d in program.declared_resources(evaluate("armitage", config, secret_keys=secret_keys))
    }
    for address, logical in kinds.TERRAFORM_ADDRESSES.items():
        kind = kinds.KIND_BY_TF[address.split(".")[0]]
        assert declared[logical].type == kind.pulumi_type, address


def test_every_parameter_of_the_program_is_in_the_split() -> None:
    hinted = {v for v in kinds.TERRAFORM_ADDRESSES.values() if v.startswith("parameters-")}
    assert hinted == {f"parameters-{k.lower().replace('_', '-')}" for k in SERVICE_PARAMETERS}


def test_a_string_parameter_value_the_program_changes_is_reported(untouched: dict[bool, Untouched]) -> None:
    report = untouched[True].report
    values = {d["logicalName"]: d for d in report["differences"] if d["property"] == "value"}
    # SSM holds the NATS task IP from the sprint; the stack config names the service DNS name.
    assert values["parameters-nats-url"]["current"] == "nats://10.0.12.41:4222"
    assert values["parameters-nats-url"]["program"] == "tls://nats.arrakis-staging.local:4222"
    assert values["parameters-nats-url"]["effect"] == records.Effect.UPDATE
    assert set(values) == {"parameters-nats-url"}


def test_the_docs_show_the_secret_commands_the_tool_prints(untouched: dict[bool, Untouched]) -> None:
    report = untouched[True].report
    docs = (project_root() / "docs" / "adopt.md").read_text()
    for item in report["secretCommands"]:
        assert item["command"] in docs


# --- what the provider holds after `pulumi import` ------------------------------------------------


def test_a_program_that_passes_the_cluster_name_replaces_the_imported_service(
    armitage: Callable[..., Run], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The defect this guards against: terraform's state holds the cluster's name, the imported
    # Pulumi state holds its ARN, and `cluster` is ForceNew. Comparing with terraform's state
    # said "nothing replaced" for a program that passed the name.
    from dixie_infra import names

    monkeypatch.setattr(names, "ecs_cluster_arn", lambda _partition, _region, _account, cluster: cluster)
    code, _, _, report = armitage(capsys)
    assert report is not None
    assert code == 1
    (cluster,) = [
        d
        for d in report["differences"]
        if d["logicalName"] == "service-service" and d["property"] == "cluster"
    ]
    assert cluster == {
        "logicalName": "service-service",
        "property": "cluster",
        "current": f"arn:aws:ecs:us-east-1:{ACCOUNT}:cluster/arrakis-staging-cluster",
        "program": "arrakis-staging-cluster",
        "effect": records.Effect.REPLACE,
    }
    assert "service-service" in report["verdict"]


@pytest.mark.parametrize(
    "recorded",
    ["arrakis-staging-cluster", "arn:aws:ecs:us-east-1:891376933289:cluster/arrakis-staging-cluster"],
)
def test_an_imported_service_holds_the_cluster_arn_of_the_importing_account(recorded: str) -> None:
    kind = kinds.KIND_BY_PULUMI["aws:ecs/service:Service"]
    resource = terraform.TfResource(
        "aws_ecs_service.dixie", kind.tf_type, "dixie", "aws", {"cluster": recorded}
    )
    context = kinds.ImportContext(partition="aws", region="us-east-1", account="891376933289")
    after = compare.after_import(kind, resource, context)
    assert after["cluster"] == "arn:aws:ecs:us-east-1:891376933289:cluster/arrakis-staging-cluster"


#: Every property adopt treats as forcing a replacement, with the terraform attribute it is
#: recorded as and where terraform-provider-aws makes it ForceNew (internal/service/...). Written
#: from the provider's schemas, not from adopt's table: an entry removed there fails here.
FORCE_NEW: list[tuple[str, str, str, Any, Any, str]] = [
    ("aws:ecr/repository:Repository", "name", "name", "a", "b", "ecr/repository.go name ForceNew"),
    (
        "aws:ecr/repository:Repository",
        "encryptionConfigurations",
        "encryption_configuration",
        [{"encryptionType": "KMS"}],
        [{"encryption_type": "AES256"}],
        "ecr/repository.go encryption_configuration.* ForceNew",
    ),
    (
        "aws:ecr/lifecyclePolicy:LifecyclePolicy",
        "repository",
        "repository",
        "a",
        "b",
        "ecr/lifecycle_policy.go",
    ),
    ("aws:ec2/securityGroup:SecurityGroup", "name", "name", "a", "b", "ec2/vpc_security_group.go"),
    (
        "aws:ec2/securityGroup:SecurityGroup",
        "namePrefix",
        "name_prefix",
        "a",
        "b",
        "ec2/vpc_security_group.go",
    ),
    (
        "aws:ec2/securityGroup:SecurityGroup",
        "description",
        "description",
        "a",
        "b",
        "ec2/vpc_security_group.go",
    ),
    ("aws:ec2/securityGroup:SecurityGroup", "vpcId", "vpc_id", "vpc-1", "vpc-2", "ec2/vpc_security_group.go"),
    ("aws:elasticache/subnetGroup:SubnetGroup", "name", "name", "a", "b", "elasticache/subnet_group.go"),
    (
        "aws:elasticache/parameterGroup:ParameterGroup",
        "name",
        "name",
        "a",
        "b",
        "elasticache/parameter_group.go",
    ),
    (
        "aws:elasticache/parameterGroup:ParameterGroup",
        "family",
        "family",
        "redis7",
        "redis6.x",
        "parameter_group.go",
    ),
    (
        "aws:elasticache/parameterGroup:ParameterGroup",
        "description",
        "description",
        "a",
        "b",
        "elasticache/parameter_group.go description ForceNew",
    ),
    (
        "aws:elasticache/replicationGroup:ReplicationGroup",
        "replicationGroupId",
        "replication_group_id",
        "a",
        "b",
        "elasticache/replication_group.go",
    ),
    (
        "aws:elasticache/replicationGroup:ReplicationGroup",
        "atRestEncryptionEnabled",
        "at_rest_encryption_enabled",
        True,
        False,
        "elasticache/replication_group.go",
    ),
    (
        "aws:elasticache/replicationGroup:ReplicationGroup",
        "subnetGroupName",
        "subnet_group_name",
        "a",
        "b",
        "elasticache/replication_group.go",
    ),
    ("aws:elasticache/replicationGroup:ReplicationGroup", "port", "port", 6380, 6379, "replication_group.go"),
    (
        "aws:elasticache/replicationGroup:ReplicationGroup",
        "kmsKeyId",
        "kms_key_id",
        "k1",
        "k2",
        "replication_group.go",
    ),
    (
        "aws:elasticache/replicationGroup:ReplicationGroup",
        "engine",
        "engine",
        "memcached",
        "redis",
        "replication_group.go customizeDiffEngineForceNewOnDowngrade (only redis->valkey is in place)",
    ),
    ("aws:lb/targetGroup:TargetGroup", "name", "name", "a", "b", "elbv2/target_group.go"),
    ("aws:lb/targetGroup:TargetGroup", "port", "port", 3002, 3001, "elbv2/target_group.go"),
    ("aws:lb/targetGroup:TargetGroup", "protocol", "protocol", "HTTPS", "HTTP", "elbv2/target_group.go"),
    (
        "aws:lb/targetGroup:TargetGroup",
        "targetType",
        "target_type",
        "instance",
        "ip",
        "elbv2/target_group.go",
    ),
    ("aws:lb/targetGroup:TargetGroup", "vpcId", "vpc_id", "vpc-1", "vpc-2", "elbv2/target_group.go"),
    (
        "aws:lb/targetGroup:TargetGroup",
        "protocolVersion",
        "protocol_version",
        "HTTP2",
        "HTTP1",
        "target_group.go",
    ),
    (
        "aws:lb/listenerRule:ListenerRule",
        "listenerArn",
        "listener_arn",
        "arn:1",
        "arn:2",
        "elbv2/listener_rule.go",
    ),
    ("aws:route53/record:Record", "name", "name", "a.example", "b.example", "route53/record.go"),
    ("aws:route53/record:Record", "zoneId", "zone_id", "Z1", "Z2", "route53/record.go"),
    ("aws:cloudwatch/logGroup:LogGroup", "name", "name", "a", "b", "logs/group.go"),
    ("aws:cloudwatch/logGroup:LogGroup", "namePrefix", "name_prefix", "a", "b", "logs/group.go"),
    (
        "aws:cloudwatch/logGroup:LogGroup",
        "logGroupClass",
        "log_group_class",
        "INFREQUENT_ACCESS",
        "STANDARD",
        "group.go",
    ),
    ("aws:iam/role:Role", "name", "name", "a", "b", "iam/role.go"),
    ("aws:iam/role:Role", "namePrefix", "name_prefix", "a", "b", "iam/role.go"),
    ("aws:iam/role:Role", "path", "path", "/a/", "/", "iam/role.go"),
    ("aws:iam/rolePolicy:RolePolicy", "name", "name", "a", "b", "iam/role_policy.go"),
    ("aws:iam/rolePolicy:RolePolicy", "role", "role", "a", "b", "iam/role_policy.go"),
    (
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        "role",
        "role",
        "a",
        "b",
        "role_policy_attachment.go",
    ),
    (
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        "policyArn",
        "policy_arn",
        "arn:1",
        "arn:2",
        "iam/role_policy_attachment.go",
    ),
    ("aws:ecs/service:Service", "name", "name", "a", "b", "ecs/service.go name ForceNew"),
    ("aws:ecs/service:Service", "cluster", "cluster", "arn:c1", "arn:c2", "ecs/service.go cluster ForceNew"),
    ("aws:ecs/service:Service", "launchType", "launch_type", "EC2", "FARGATE", "ecs/service.go launch_type"),
    (
        "aws:ecs/service:Service",
        "schedulingStrategy",
        "scheduling_strategy",
        "DAEMON",
        "REPLICA",
        "ecs/service.go scheduling_strategy ForceNew",
    ),
    ("aws:ecs/service:Service", "iamRole", "iam_role", "r1", "r2", "ecs/service.go iam_role ForceNew"),
    ("aws:ssm/parameter:Parameter", "name", "name", "/a", "/b", "ssm/parameter.go"),
    ("aws:sns/topic:Topic", "name", "name", "a", "b", "sns/topic.go"),
    ("aws:sns/topic:Topic", "fifoTopic", "fifo_topic", True, False, "sns/topic.go"),
    (
        "aws:sns/topicSubscription:TopicSubscription",
        "topic",
        "topic_arn",
        "arn:1",
        "arn:2",
        "topic_subscription.go",
    ),
    (
        "aws:sns/topicSubscription:TopicSubscription",
        "protocol",
        "protocol",
        "sms",
        "email",
        "topic_subscription.go",
    ),
    (
        "aws:sns/topicSubscription:TopicSubscription",
        "endpoint",
        "endpoint",
        "a@x",
        "b@x",
        "topic_subscription.go",
    ),
    ("aws:cloudwatch/metricAlarm:MetricAlarm", "name", "alarm_name", "a", "b", "cloudwatch/metric_alarm.go"),
    ("aws:cloudwatch/logMetricFilter:LogMetricFilter", "name", "name", "a", "b", "logs/metric_filter.go"),
    (
        "aws:cloudwatch/logMetricFilter:LogMetricFilter",
        "logGroupName",
        "log_group_name",
        "a",
        "b",
        "logs/metric_filter.go",
    ),
]


def declared(pulumi_type: str, plain: dict[str, Any]) -> Any:
    return program.Declared(
        type=pulumi_type,
        name="x",
        urn="urn:x",
        parent_name=None,
        parent_type=None,
        physical_name="x",
        protect=False,
        custom=True,
        plain=plain,
        secret_inputs=frozenset(),
        mock_id="",
        mock_outputs={},
    )


@pytest.mark.parametrize(
    ("pulumi_type", "prop", "attribute", "program", "current", "evidence"),
    FORCE_NEW,
    ids=[f"{t.split(':')[-1]}.{p}" for t, p, *_ in FORCE_NEW],
)
def test_a_change_of_a_force_new_property_is_reported_as_replace(
    pulumi_type: str, prop: str, attribute: str, program: Any, current: Any, evidence: str
) -> None:
    kind = kinds.KIND_BY_PULUMI[pulumi_type]
    match = records.Match(declared(pulumi_type, {prop: program}), "tf", "id", {attribute: current}, kind)
    (difference,) = compare.differences(match, {})
    assert (difference.property, difference.effect) == (prop, records.Effect.REPLACE), evidence


def test_every_force_new_entry_has_its_test() -> None:
    tested = {(t, p) for t, p, *_ in FORCE_NEW}
    listed = {(k.pulumi_type, p) for k in kinds.KINDS for p in k.replace}
    assert listed == tested


def test_a_changed_task_definition_is_a_new_revision_never_a_replacement() -> None:
    kind = kinds.KIND_BY_PULUMI["aws:ecs/taskDefinition:TaskDefinition"]
    match = records.Match(declared(kind.pulumi_type, {"cpu": "512"}), "tf", "id", {"cpu": "256"}, kind)
    (difference,) = compare.differences(match, {})
    assert difference.effect == records.Effect.REVISION


# --- the account, and what AWS no longer has ------------------------------------------------------


def test_credentials_of_another_account_are_refused_before_anything_is_written(
    aws: boto3.session.Session, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # No MOTO_ACCOUNT_ID: moto answers as its default account, which armitage does not allow.
    assert aws.client("sts").get_caller_identity()["Account"] != ACCOUNT
    code, out, err, _ = run_adopt(capsys, tmp_path, "--stack", "armitage", "--terraform-state", str(STATE))
    assert code == 2
    assert f"account {aws.client('sts').get_caller_identity()['Account']}" in err
    assert f"aws:allowedAccountIds: {ACCOUNT}" in err
    assert err.count("\n") == 1 and out == ""
    assert not (tmp_path / "import.json").exists()


def test_an_empty_account_lists_every_recorded_resource_once_as_missing(
    aws: boto3.session.Session, account: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, _, report = run_adopt(capsys, tmp_path, "--stack", "armitage", "--terraform-state", str(STATE))
    assert report is not None
    assert code == 1
    assert report["ok"] is False and report["verdict"].startswith("NOT SAFE")
    missing = [m["address"] for m in report["missingInAws"]]
    assert len(missing) == len(set(missing))
    recorded = {
        r["address"]
        for r in state_resources(load_state())
        if r["mode"] == "managed" and r["type"] in kinds.KIND_BY_TF
    }
    assert recorded <= set(missing)
    rules = [m for m in report["missingInAws"] if m["type"] == "security group rule"]
    assert len(rules) == 7
    assert len({m["id"] for m in rules}) == 7
    # Listed once: neither matched, nor "will be created", nor "left alone".
    elsewhere = {m["source"] for m in report["matched"]} | {n["address"] for n in report["notDeclared"]}
    assert not elsewhere & set(missing)
    created = {c["logicalName"] for c in report["willBeCreated"]}
    assert not created & {m["logicalName"] for m in report["missingInAws"]}
    # The hand-made repository is not recorded by terraform, but its task definition pulls from it.
    (repository,) = [m for m in report["missingInAws"] if m["logicalName"] == "image-repository"]
    assert repository["address"] == f"{kinds.HAND_MADE}, pulled by aws_ecs_task_definition.dixie"
    assert "image-repository" not in created


def test_a_resource_deleted_by_hand_is_missing_not_matched_and_not_imported(
    armitage: Callable[..., Run],
    capsys: pytest.CaptureFixture[str],
    aws: boto3.session.Session,
    tmp_path: Path,
) -> None:
    aws.client("cloudwatch").delete_alarms(AlarmNames=[f"{SVC}-cpu-high"])
    code, _, _, report = armitage(capsys)
    assert report is not None
    assert code == 1
    assert report["missingInAws"] == [
        {
            "address": "aws_cloudwatch_metric_alarm.dixie_cpu_high",
            "type": "aws_cloudwatch_metric_alarm",
            "id": f"{SVC}-cpu-high",
            "logicalName": "alarms-cpu-high",
        }
    ]
    assert "alarms-cpu-high" not in by_name(report, "matched")
    assert "alarms-cpu-high" not in by_name(report, "willBeCreated")
    document = json.loads((tmp_path / "import.json").read_text())
    assert "alarms-cpu-high" not in {e["name"] for e in document["resources"]}


def test_a_rule_terraform_records_and_aws_lacks_is_missing_once(
    armitage: Callable[..., Run], capsys: pytest.CaptureFixture[str], aws: boto3.session.Session
) -> None:
    ec2 = aws.client("ec2")
    group = service_group(aws)
    rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [group]}])
    (otlp,) = [r for r in rules["SecurityGroupRules"] if r["IsEgress"] and r.get("FromPort") == 4317]
    ec2.revoke_security_group_egress(GroupId=group, SecurityGroupRuleIds=[otlp["SecurityGroupRuleId"]])
    code, _, _, report = armitage(capsys)
    assert report is not None
    assert code == 1
    (missing,) = report["missingInAws"]
    assert missing["type"] == "security group rule"
    assert missing["address"].startswith("aws_security_group.dixie egress[")
    assert "egress tcp 4317 to 10.0.0.0/8" in missing["id"]
    twin = missing["logicalName"]
    assert twin is not None and twin not in by_name(report, "willBeCreated")
    assert all("4317" not in n["id"] for n in report["notDeclared"])


@pytest.mark.parametrize(
    ("response", "exists"),
    [
        ({"CacheParameterGroups": [{"CacheParameterGroupName": "dixie-armitage-redis7"}]}, True),
        (None, False),
    ],
    ids=["found", "not-found"],
)
def test_the_parameter_group_lookup_asks_elasticache(response: dict[str, Any] | None, exists: bool) -> None:
    # moto cannot hold a parameter group, so this look-up is checked against botocore's Stubber.
    from botocore.stub import Stubber

    session = boto3.session.Session(
        region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    lookup = adopt_aws.AwsLookup(session)
    client = lookup.client("elasticache")
    with Stubber(client) as stub:
        params = {"CacheParameterGroupName": "dixie-armitage-redis7"}
        if response is None:
            stub.add_client_error(
                "describe_cache_parameter_groups", "CacheParameterGroupNotFound", expected_params=params
            )
        else:
            stub.add_response("describe_cache_parameter_groups", response, params)
        found = lookup.exists("aws:elasticache/parameterGroup:ParameterGroup", "dixie-armitage-redis7", {})
    assert found is exists


# --- hostile input ----------------------------------------------------------------------------------


def test_an_output_directory_that_does_not_exist_is_refused_before_the_work(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def never(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("the program was evaluated before --output was checked")

    monkeypatch.setattr(cli, "evaluate_program", never)
    monkeypatch.setattr(cli, "read_state", never)
    target = tmp_path / "no-such-dir" / "import.json"
    code = adopt.main(["--stack", "armitage", "--terraform-state", str(STATE), "--output", str(target)])
    _, err = capsys.readouterr()
    assert code == 2
    assert f"--output {target}: directory {target.parent} does not exist" in err
    code = adopt.main(["--stack", "armitage", "--terraform-state", str(STATE), "--output", str(tmp_path)])
    _, err = capsys.readouterr()
    assert code == 2
    assert "is a directory" in err


@pytest.mark.parametrize("from_stdin", [False, True], ids=["file", "stdin"])
def test_a_state_larger_than_the_bound_is_refused(
    from_stdin: bool, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    monkeypatch.setattr(cli, "MAX_STATE_BYTES", 1024)
    big = STATE.read_bytes()
    assert len(big) > 1024
    if from_stdin:
        monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(big), encoding="utf-8"))
        source = "-"
    else:
        source = str(STATE)
    code, out, err, _ = run_adopt(capsys, tmp_path, "--stack", "armitage", "--terraform-state", source)
    assert code == 2
    assert f"--terraform-state {source}: larger than" in err
    assert err.count("\n") == 1 and out == ""


def test_a_state_that_is_not_utf8_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_bytes(b'{"format_version": "1.0", "values": "\xff\xfe"}')
    code, out, err, _ = run_adopt(capsys, tmp_path, "--stack", "armitage", "--terraform-state", str(path))
    assert code == 2
    assert "is not UTF-8 (byte 0xff at offset 37)" in err
    assert err.count("\n") == 1 and "Traceback" not in err and out == ""


@pytest.mark.parametrize("depth", [65, 100_000], ids=["past-the-bound", "past-the-parser"])
def test_an_absurdly_nested_state_is_refused(
    depth: int, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "state.json"
    nested = "[" * depth + "]" * depth
    path.write_text('{"format_version": "1.0", "values": {"root_module": {"resources": ' + nested + "}}}")
    code, out, err, _ = run_adopt(capsys, tmp_path, "--stack", "armitage", "--terraform-state", str(path))
    assert code == 2
    assert "nests deeper than 64 levels" in err
    assert err.count("\n") == 1 and "Traceback" not in err and out == ""


def test_one_run_reads_the_stack_file_once(
    armitage: Callable[..., Run], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Path.read_text reads through Path.open, so counting opens counts every read.
    opened: list[Path] = []
    open_ = Path.open

    def counting_open(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self.name == "Pulumi.armitage.yaml":
            opened.append(self)
        return open_(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", counting_open)
    code, _, _, report = armitage(capsys)
    assert report is not None and code == 0
    assert len(opened) == 1


def test_a_hostile_environment_tag_is_echoed_bounded_and_escaped(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    doc = load_state()
    hostile = "\x1b[2J" + "x" * 10_000
    for resource in state_resources(doc):
        for key in ("tags", "tags_all"):
            if isinstance(resource["values"].get(key), dict) and "Environment" in resource["values"][key]:
                resource["values"][key]["Environment"] = hostile
    path = tmp_path / "state.json"
    path.write_text(json.dumps(doc))
    code, out, err, _ = run_adopt(capsys, tmp_path, "--stack", "armitage", "--terraform-state", str(path))
    assert code == 2
    assert "belongs to environment '\\x1b[2Jxxx" in err
    assert "\x1b" not in err and len(err) < 600
    assert err.count("\n") == 1 and out == ""


def test_terminal_controls_in_a_state_address_never_reach_the_terminal(
    armitage: Callable[..., Run], capsys: pytest.CaptureFixture[str]
) -> None:
    def hostile_address(doc: dict[str, Any]) -> None:
        alarm = next(
            r for r in state_resources(doc) if r["address"] == "aws_cloudwatch_metric_alarm.dixie_cpu_high"
        )
        alarm["address"] = "aws_cloudwatch_metric_alarm.dixie_cpu_high\x1b]0;owned\x07\x1b[2J"

    code, out, _, _ = armitage(capsys, edit=hostile_address, json_out=False)
    assert code == 0
    assert "terraform state rm" in out and "dixie_cpu_high" in out
    assert "\x1b" not in out and "\x07" not in out
