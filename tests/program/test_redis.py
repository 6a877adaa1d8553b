"""Dixie's Redis: reachable only from the service, encrypted, noeviction, sized by environment."""

from __future__ import annotations

from dixie_infra.offline import Evaluation, is_secret
from tests.program.conftest import armitage_config, run
from tests.program.helpers import INGRESS, REPLICATION_GROUP, parameter_value, rules, sg_id


def test_redis_admits_only_the_service_sg(armitage: Evaluation) -> None:
    redis_sg = sg_id(armitage, "dixie-armitage-redis")
    (rule,) = rules(armitage, INGRESS, redis_sg)
    assert (rule["fromPort"], rule["toPort"], rule["ipProtocol"]) == (6379, 6379, "tcp")
    assert rule["referencedSecurityGroupId"] == sg_id(armitage, "dixie-armitage-ecs")
    assert "cidrIpv4" not in rule
    group = armitage.one(REPLICATION_GROUP).plain
    assert group["securityGroupIds"] == [redis_sg]


def test_redis_is_encrypted_with_noeviction_and_an_ascii_description(each_stack: Evaluation) -> None:
    group = each_stack.one(REPLICATION_GROUP)
    p = group.plain
    assert (p["engine"], p["engineVersion"], p["port"]) == ("redis", "7.1", 6379)
    assert p["transitEncryptionEnabled"] is True
    assert p["atRestEncryptionEnabled"] is True
    assert p["description"].isascii() and p["description"]
    params = each_stack.one("aws:elasticache/parameterGroup:ParameterGroup").plain
    assert params["family"] == "redis7"
    assert params["parameters"] == [{"name": "maxmemory-policy", "value": "noeviction"}]
    assert p["parameterGroupName"] == params["name"]
    assert p["subnetGroupName"] == each_stack.one("aws:elasticache/subnetGroup:SubnetGroup").plain["name"]
    assert group.protect is True


def test_armitage_runs_one_node_without_failover(armitage: Evaluation) -> None:
    p = armitage.one(REPLICATION_GROUP).plain
    assert (p["replicationGroupId"], p["nodeType"], p["numCacheClusters"]) == (
        "dixie-armitage",
        "cache.t4g.micro",
        1,
    )
    assert p["automaticFailoverEnabled"] is False
    assert p["multiAzEnabled"] is False
    assert p["snapshotRetentionLimit"] == 1


def test_production_runs_two_nodes_with_failover_across_azs(production: Evaluation) -> None:
    p = production.one(REPLICATION_GROUP).plain
    assert (p["replicationGroupId"], p["nodeType"], p["numCacheClusters"]) == (
        "dixie-bff",
        "cache.t4g.small",
        2,
    )
    assert p["automaticFailoverEnabled"] is True
    assert p["multiAzEnabled"] is True
    assert p["snapshotRetentionLimit"] == 7


def test_auth_token_is_secret_and_part_of_redis_url(armitage: Evaluation) -> None:
    group = armitage.one(REPLICATION_GROUP)
    assert is_secret(group.inputs["authToken"])
    token = group.plain["authToken"]
    assert len(token) == 64 and token.isalnum()
    endpoint = group.outputs["primaryEndpointAddress"]
    assert parameter_value(armitage, "REDIS_URL") == f"rediss://:{token}@{endpoint}:6379"


def test_redis_auth_off_leaves_no_token_for_adoption() -> None:
    config, secret_keys = armitage_config()
    evaluation = run("armitage", {**config, "dixie:redisAuth": False}, secret_keys)
    group = evaluation.one(REPLICATION_GROUP)
    assert "authToken" not in group.plain
    assert [
        r for r in evaluation.of_type("random:index/randomPassword:RandomPassword") if "auth" in r.name
    ] == []
    assert (
        parameter_value(evaluation, "REDIS_URL") == f"rediss://{group.outputs['primaryEndpointAddress']}:6379"
    )


def test_the_auth_token_is_added_in_place_with_rotate(armitage: Evaluation) -> None:
    # ROTATE adds the token beside the group's current access, so the running task (which has no
    # token yet) keeps its connection until the new task definition rolls out; SET would lock it
    # out at once. With AUTH off there is no token, so no strategy either.
    assert armitage.one(REPLICATION_GROUP).plain["authTokenUpdateStrategy"] == "ROTATE"
    config, secret_keys = armitage_config()
    without_auth = run("armitage", {**config, "dixie:redisAuth": False}, secret_keys)
    assert "authTokenUpdateStrategy" not in without_auth.one(REPLICATION_GROUP).plain
