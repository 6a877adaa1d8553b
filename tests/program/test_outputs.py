"""The stack outputs contract: exactly these keys, none secret, right values."""

from __future__ import annotations

from dixie_infra.deployment import OUTPUT_KEYS
from dixie_infra.offline import Evaluation, is_secret, iter_secret_strings

CONTRACT = {
    "dixieBaseUrl",
    "healthUrl",
    "hostname",
    "clusterName",
    "serviceName",
    "serviceSecurityGroupId",
    "ssmPrefix",
    "ecrRepositoryUrl",
    "imageUri",
    "taskDefinitionArn",
    "targetGroupArn",
    "logGroupName",
    "alarmTopicArn",
    "redisEndpoint",
    "databaseUrlParameter",
}


def test_outputs_are_exactly_the_contract(each_stack: Evaluation) -> None:
    assert set(each_stack.outputs) == CONTRACT
    assert set(OUTPUT_KEYS) == CONTRACT


def test_no_output_is_secret_or_carries_a_secret(each_stack: Evaluation) -> None:
    assert not [k for k, v in each_stack.outputs.items() if is_secret(v)]
    secrets = set(iter_secret_strings(each_stack))
    assert secrets, "the program handles secrets; the leak check must see them"
    for key, value in each_stack.plain_outputs.items():
        assert not any(s in str(value) for s in secrets), key


def test_armitage_output_values(armitage: Evaluation) -> None:
    out = armitage.plain_outputs
    assert out["dixieBaseUrl"] == "https://dixie-armitage.arrakis.community"
    assert out["healthUrl"] == "https://dixie-armitage.arrakis.community/api/health"
    assert out["hostname"] == "dixie-armitage.arrakis.community"
    assert out["clusterName"] == "arrakis-staging-cluster"
    assert out["serviceName"] == "dixie-armitage"
    assert out["ssmPrefix"] == "/dixie/armitage"
    assert out["logGroupName"] == "/ecs/dixie-armitage"
    assert out["databaseUrlParameter"] == "/dixie/armitage/DATABASE_URL"
    assert out["ecrRepositoryUrl"] == "891376933289.dkr.ecr.us-east-1.amazonaws.com/dixie-armitage"
    assert (
        out["serviceSecurityGroupId"] == armitage.one("aws:ec2/securityGroup:SecurityGroup", "network-sg").id
    )
    assert out["targetGroupArn"] == armitage.one("aws:lb/targetGroup:TargetGroup").outputs["arn"]
    assert out["taskDefinitionArn"] == armitage.one("aws:ecs/taskDefinition:TaskDefinition").outputs["arn"]
    assert out["alarmTopicArn"] == armitage.one("aws:sns/topic:Topic").outputs["arn"]
    assert (
        out["redisEndpoint"]
        == armitage.one("aws:elasticache/replicationGroup:ReplicationGroup").outputs["primaryEndpointAddress"]
    )


def test_production_output_values(production: Evaluation) -> None:
    out = production.plain_outputs
    assert out["dixieBaseUrl"] == "https://dixie.thj.dev"
    assert out["serviceName"] == "dixie-bff"
    assert out["clusterName"] == "honeyjar-production"
    assert out["ssmPrefix"] == "/dixie/production"
