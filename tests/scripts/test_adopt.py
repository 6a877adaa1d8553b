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
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest

from dixie_infra.names import SERVICE_PARAMETERS, ResourceNames
from dixie_infra.offline import evaluate, stack_config
from dixie_infra.settings import project_root
from scripts import adopt

DATA = Path(__file__).parent / "data"
STATE = DATA / "terraform-armitage.json"
SVC = "dixie-armitage"
#: The ids the state and the stack file use, and what each group is.
SERVICE_SG = "sg-0790b2636abe2498e"
REDIS_SG = "sg-0e4c1a7b9d2f35816"
ALB_SG = "sg-007cdd539bcc3360c"
NATS_SG = "sg-0df20023c098de62b"
KNOWN_STATE_RULE_ID = "sgr-0c5d2e8f1a3b4c6d7"


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


def seed_account(session: boto3.session.Session) -> dict[str, str]:
    """What exists in armitage besides the state; returns state id -> moto id."""
    ec2 = session.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]

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
    # Task 3.1, by hand: NATS admits Dixie's group.
    ec2.authorize_security_group_ingress(
        GroupId=nats, IpPermissions=[tcp(4222, source=service, description="NATS client from Dixie")]
    )

    ecr = session.client("ecr")
    # Task 2.1, by hand.
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
    return {SERVICE_SG: service, REDIS_SG: redis, ALB_SG: alb, NATS_SG: nats}


def rewrite(text: str, ids: dict[str, str]) -> str:
    for old, new in ids.items():
        text = text.replace(old, new)
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


def run_adopt(capsys: pytest.CaptureFixture[str], tmp_path: Path, *args: str, json_out: bool = True) -> Run:
    argv = [*args, "--output", str(tmp_path / "import.json")]
    if json_out:
        argv.append("--json")
    code = adopt.main(argv)
    out, err = capsys.readouterr()
    return code, out, err, json.loads(out) if json_out and out.strip() else None


@pytest.fixture
def armitage(aws: boto3.session.Session, tmp_path: Path) -> Callable[..., Run]:
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
        return run_adopt(
            capsys,
            tmp_path,
            "--stack",
            "armitage",
            "--project-dir",
            str(directory),
            "--terraform-state",
            str(state),
            json_out=json_out,
        )

    return run


def drop(address: str) -> Callable[[dict[str, Any]], None]:
    def edit(doc: dict[str, Any]) -> None:
        resources = state_resources(doc)
        resources[:] = [r for r in resources if r["address"] != address]

    return edit


def by_name(report: dict[str, Any], key: str) -> dict[str, dict[str, Any]]:
    return {item["logicalName"]: item for item in report[key]}


# --- the whole split ----------------------------------------------------------------------------


def test_every_terraform_resource_and_both_hand_made_ones_are_matched(
    armitage: Callable[..., Run], capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err, report = armitage(capsys)
    assert report is not None, err
    sources = {m["source"].split(" ")[0] for m in report["matched"]}
    addresses = {r["address"] for r in state_resources(load_state()) if r["mode"] == "managed"}
    assert addresses <= sources
    assert report["notDeclared"] == []
    assert report["willBeCreated"] == []
    matched = by_name(report, "matched")
    assert matched["image-repository"]["source"] == adopt.HAND_MADE
    assert matched["image-repository"]["importId"] == SVC
    assert matched["image-lifecycle"]["source"] == adopt.HAND_MADE
    nats = matched["network-nats-ingress"]
    assert nats["source"] == adopt.HAND_MADE
    assert nats["importId"].startswith("sgr-")
    assert code in (0, 1)


def test_every_import_entry_names_a_resource_the_program_declares(
    armitage: Callable[..., Run], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    armitage(capsys)
    document = json.loads((tmp_path / "import.json").read_text())
    config, secret_keys = stack_config("armitage")
    config["dixie:redisAuth"] = False
    declared = adopt.declared_resources(evaluate("armitage", config, secret_keys=secret_keys))
    by_key = {(d.type, d.name): d for d in declared}
    components = {e["name"]: e for e in document["resources"] if e.get("component")}
    assert document["nameTable"] == {"aws": "urn:pulumi:armitage::dixie::pulumi:providers:aws::aws"}
    assert {e["type"] for e in components.values()} == {
        d.type for d in declared if d.type.startswith("dixie:infra:")
    }
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


def test_import_ids_have_the_form_each_type_imports_by(
    armitage: Callable[..., Run], capsys: pytest.CaptureFixture[str]
) -> None:
    _, _, _, report = armitage(capsys)
    assert report is not None
    ids = {m["logicalName"]: m["importId"] for m in report["matched"]}
    n = ResourceNames(SVC)
    assert ids["parameters-database-url"] == "/dixie/armitage/DATABASE_URL"
    assert ids["service-service"] == f"arrakis-staging-cluster/{SVC}"
    assert ids["redis-group"] == n.redis_replication_group
    assert (
        ids["route-rule"].startswith("arn:aws:elasticloadbalancing:")
        and ":listener-rule/" in ids["route-rule"]
    )
    assert ids["route-targets"].endswith(f":targetgroup/{SVC}/6d0ecf831eec9f09")
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


def test_stateful_resources_are_reported_protected(
    armitage: Callable[..., Run], capsys: pytest.CaptureFixture[str]
) -> None:
    _, _, _, report = armitage(capsys)
    assert report is not None
    protected = {m["logicalName"] for m in report["matched"] if m["protect"]}
    assert protected == {"image-repository", "redis-group", "service-service"}


def test_task_definition_changes_are_a_normal_new_revision(
    armitage: Callable[..., Run], capsys: pytest.CaptureFixture[str]
) -> None:
    _, _, _, report = armitage(capsys)
    assert report is not None
    task = [d for d in report["differences"] if d["logicalName"] == "service-task"]
    assert task
    assert {d["effect"] for d in task} == {adopt.Effect.REVISION}


def test_nothing_in_the_split_is_replaced(
    armitage: Callable[..., Run], capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, _, report = armitage(capsys)
    assert report is not None
    assert [d for d in report["differences"] if d["effect"] == adopt.Effect.REPLACE] == []
    assert code == 0


# --- secrets ------------------------------------------------------------------------------------


def test_no_secret_reaches_the_output_or_the_import_file(
    armitage: Callable[..., Run], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    secrets = state_secrets()
    assert len(secrets) == 6
    for json_out in (True, False):
        _, out, err, _ = armitage(capsys, json_out=json_out)
        written = (tmp_path / "import.json").read_text()
        for secret in secrets:
            for text in (out, err, written):
                assert secret not in text
    assert "Fixture%21Only" not in out and "Fixture!Only" not in out


def test_secret_commands_read_ssm_themselves_and_print_no_value(
    armitage: Callable[..., Run], capsys: pytest.CaptureFixture[str]
) -> None:
    _, _, _, report = armitage(capsys)
    assert report is not None
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
        [sys.executable, "-c", adopt._DECODE_URL_USERINFO],
        input=url,
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout == "p@ss/w0rd!"


def test_terraform_state_secrets_are_dropped_while_loading() -> None:
    from scripts._terraform import parse_state

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
            "effect": adopt.Effect.REPLACE,
        }
    ]
    assert "redis-params" in report["verdict"]


def test_a_resource_missing_from_the_state_is_reported_as_will_be_created(
    armitage: Callable[..., Run], capsys: pytest.CaptureFixture[str]
) -> None:
    _, _, _, report = armitage(capsys, edit=drop("aws_cloudwatch_metric_alarm.dixie_cpu_high"))
    assert report is not None
    created = by_name(report, "willBeCreated")
    assert set(created) == {"alarms-cpu-high"}
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


def test_an_inline_rule_the_program_does_not_declare_is_reported_and_left_alone(
    armitage: Callable[..., Run], capsys: pytest.CaptureFixture[str]
) -> None:
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
    assert set(by_name(report, "willBeCreated")) == {"network-nats-ingress"}


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
        d.name: d for d in adopt.declared_resources(evaluate("armitage", config, secret_keys=secret_keys))
    }
    for address, logical in adopt.TERRAFORM_ADDRESSES.items():
        kind = adopt.KIND_BY_TF[address.split(".")[0]]
        assert declared[logical].type == kind.pulumi_type, address


def test_every_parameter_of_the_program_is_in_the_split() -> None:
    hinted = {v for v in adopt.TERRAFORM_ADDRESSES.values() if v.startswith("parameters-")}
    assert hinted == {f"parameters-{k.lower().replace('_', '-')}" for k in SERVICE_PARAMETERS}


def test_a_string_parameter_value_the_program_changes_is_reported(
    armitage: Callable[..., Run], capsys: pytest.CaptureFixture[str]
) -> None:
    _, _, _, report = armitage(capsys)
    assert report is not None
    values = {d["logicalName"]: d for d in report["differences"] if d["property"] == "value"}
    # SSM holds the NATS task IP from the sprint; the stack config names the service DNS name.
    assert values["parameters-nats-url"]["current"] == "nats://10.0.12.41:4222"
    assert values["parameters-nats-url"]["program"] == "tls://nats.arrakis-staging.local:4222"
    assert values["parameters-nats-url"]["effect"] == adopt.Effect.UPDATE
    assert set(values) == {"parameters-nats-url"}


def test_the_docs_show_the_secret_commands_the_tool_prints(
    armitage: Callable[..., Run], capsys: pytest.CaptureFixture[str]
) -> None:
    _, _, _, report = armitage(capsys)
    assert report is not None
    docs = (project_root() / "README.md").read_text()
    for item in report["secretCommands"]:
        assert item["command"] in docs
