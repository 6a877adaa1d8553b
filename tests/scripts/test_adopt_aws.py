"""What AWS holds: another account, resources and rules gone or made by hand, the parameter group."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest

from scripts.adopt import aws as adopt_aws
from scripts.adopt import kinds
from tests.scripts.adopt_account import (
    ACCOUNT,
    NEW_NAMES,
    STATE,
    SVC,
    load_state,
    state_resources,
)
from tests.scripts.adopt_support import (
    Run,
    by_name,
    run_adopt,
    service_group,
)

# Fixtures: pytest finds them by these names (the `as` marks each import as meant).
from tests.scripts.adopt_support import account as account
from tests.scripts.adopt_support import armitage as armitage

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
