"""What differs between the terraform state and the program is reported, and left alone where due."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest

from dixie_infra.names import ResourceNames
from scripts.adopt import records
from tests.scripts.adopt_account import (
    NEW_NAMES,
    SVC,
    state_resources,
)
from tests.scripts.adopt_support import (
    Run,
    by_name,
    drop,
    service_group,
)

# Fixtures: pytest finds them by these names (the `as` marks each import as meant).
from tests.scripts.adopt_support import account as account
from tests.scripts.adopt_support import armitage as armitage

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
