"""Dixie's security group and the rules on other teams' groups (the NATS fix of Task 3.1)."""

from __future__ import annotations

from dixie_infra.offline import Evaluation
from tests.program.helpers import EGRESS, INGRESS, SG, rules, sg_id

NATS_SG = "sg-0df20023c098de62b"
ALB_SG = "sg-007cdd539bcc3360c"


def test_service_sg_admits_only_the_alb_on_the_app_port(armitage: Evaluation) -> None:
    service_sg = sg_id(armitage, "dixie-armitage-ecs")
    ingress = rules(armitage, INGRESS, service_sg)
    assert [
        (r["fromPort"], r["toPort"], r["ipProtocol"], r["referencedSecurityGroupId"]) for r in ingress
    ] == [(3001, 3001, "tcp", ALB_SG)]


def test_service_sg_egress_is_exactly_https_out_and_private_ports(armitage: Evaluation) -> None:
    service_sg = sg_id(armitage, "dixie-armitage-ecs")
    redis_sg = sg_id(armitage, "dixie-armitage-redis")
    data_sg = sg_id(armitage, "dixie-armitage-efs")
    egress = {
        (r["fromPort"], r.get("cidrIpv4") or r.get("referencedSecurityGroupId"))
        for r in rules(armitage, EGRESS, service_sg)
    }
    assert egress == {
        (443, "0.0.0.0/0"),
        (5432, "10.0.0.0/8"),
        (4222, "10.0.0.0/8"),
        (4317, "10.0.0.0/8"),
        (6379, redis_sg),
        (2049, data_sg),
    }
    assert all(r["ipProtocol"] == "tcp" for r in rules(armitage, EGRESS, service_sg))


def test_nats_ingress_rule_admits_dixies_sg_on_4222(armitage: Evaluation) -> None:
    (rule,) = rules(armitage, INGRESS, NATS_SG)
    assert rule == {
        "securityGroupId": NATS_SG,
        "referencedSecurityGroupId": sg_id(armitage, "dixie-armitage-ecs"),
        "ipProtocol": "tcp",
        "fromPort": 4222,
        "toPort": 4222,
        "description": "NATS client from Dixie",
    }


def test_other_teams_security_groups_are_never_managed(each_stack: Evaluation) -> None:
    managed = {r.plain["name"] for r in each_stack.of_type(SG)}
    service = each_stack.plain_outputs["serviceName"]
    assert managed == {f"{service}-ecs", f"{service}-redis", f"{service}-efs"}


def test_security_groups_carry_no_inline_rules(each_stack: Evaluation) -> None:
    # Inline rule lists and standalone rules on one group fight: each apply deletes the other's.
    for group in each_stack.of_type(SG):
        assert "ingress" not in group.plain and "egress" not in group.plain
        assert group.plain["tags"] == {"Name": group.plain["name"]}


def test_database_sg_ingress_only_when_the_database_sg_is_configured(
    armitage: Evaluation, production: Evaluation
) -> None:
    assert [r for r in armitage.of_type(INGRESS) if r.plain["fromPort"] == 5432] == []
    (rule,) = [r.plain for r in production.of_type(INGRESS) if r.plain["fromPort"] == 5432]
    assert rule["securityGroupId"] == "sg-0a0b0c0d0e0f01020"
    assert rule["referencedSecurityGroupId"] == sg_id(production, "dixie-bff-ecs")


def test_descriptions_that_force_replacement_keep_the_terraform_text(armitage: Evaluation) -> None:
    # Changing these descriptions replaces the resource in AWS: the adopted groups would be
    # destroyed and re-created (dropping the rules that reference them) and the parameter group
    # in use by Redis cannot be replaced at all.
    groups = {r.plain["name"]: r.plain["description"] for r in armitage.of_type(SG)}
    del groups["dixie-armitage-efs"]  # new: nothing to keep
    assert groups == {
        "dixie-armitage-ecs": "Dixie BFF ECS task security group",
        "dixie-armitage-redis": "Dixie dedicated ElastiCache Redis",
    }
    params = armitage.one("aws:elasticache/parameterGroup:ParameterGroup").plain
    assert params["description"] == "Managed by Terraform"
