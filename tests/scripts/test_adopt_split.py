"""The whole armitage split: what is matched, the import file, protection, secrets, the report."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from dixie_infra.names import SERVICE_PARAMETERS, ResourceNames
from dixie_infra.offline import evaluate, stack_config
from dixie_infra.settings import project_root
from scripts.adopt import kinds, program, records, report
from tests.scripts.adopt_account import (
    NEW_IN_THE_PROGRAM,
    NEW_NAMES,
    STATE,
    SVC,
    load_state,
    state_resources,
    state_secrets,
)
from tests.scripts.adopt_support import (
    Run,
    Untouched,
    by_name,
    drop,
)

# Fixtures: pytest finds them by these names (the `as` marks each import as meant).
from tests.scripts.adopt_support import account as account
from tests.scripts.adopt_support import armitage as armitage
from tests.scripts.adopt_support import untouched as untouched

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


# --- the human report ---------------------------------------------------------------------------


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
