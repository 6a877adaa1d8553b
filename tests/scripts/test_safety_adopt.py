"""adopt's guards that the shared run on the armitage split cannot show: secrets in a state that
flags none of them, and a deleted ECS service that AWS still lists.

tests/scripts/test_adopt_*.py hold the rest; these use the same fixture state and moto.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from scripts.adopt.aws import AwsLookup
from scripts.adopt.terraform import parse_state

STATE = Path(__file__).parent / "data" / "terraform-armitage.json"
CLUSTER = "arrakis-staging-cluster"
SERVICE = "dixie-armitage"
AUTH_TOKEN = "Fixture-auth-token-0f9e8d7c6b5a"


def test_secrets_are_dropped_from_a_state_that_flags_none_of_them() -> None:
    # Older terraform versions and hand-edited documents have no sensitive_values: the known
    # secret attributes are dropped all the same.
    doc = json.loads(STATE.read_text())
    resources = doc["values"]["root_module"]["resources"]
    for resource in resources:
        resource.pop("sensitive_values", None)
        if resource["type"] == "aws_elasticache_replication_group":
            resource["values"]["auth_token"] = AUTH_TOKEN  # as a group with AUTH on records it
    secrets = [
        r["values"]["value"]
        for r in resources
        if r["type"] == "aws_ssm_parameter" and r["values"]["type"] == "SecureString"
    ]
    assert len(secrets) == 6

    loaded = json.dumps([r.values for r in parse_state(json.dumps(doc))])

    for secret in [*secrets, AUTH_TOKEN]:
        assert secret not in loaded


def test_a_deleted_ecs_service_is_not_counted_as_existing(aws: Any) -> None:
    ecs = aws.client("ecs")
    ecs.create_cluster(clusterName=CLUSTER)
    task_definition = ecs.register_task_definition(
        family=SERVICE, containerDefinitions=[{"name": "dixie-bff", "image": "dixie:1", "memory": 512}]
    )["taskDefinition"]["taskDefinitionArn"]
    ecs.create_service(cluster=CLUSTER, serviceName=SERVICE, taskDefinition=task_definition, desiredCount=0)
    lookup = AwsLookup(aws)
    import_id = f"{CLUSTER}/{SERVICE}"
    assert lookup.exists("aws:ecs/service:Service", import_id, {})

    ecs.delete_service(cluster=CLUSTER, service=SERVICE, force=True)

    # ECS goes on listing a deleted service, INACTIVE, for a while; it cannot be imported.
    (listed,) = ecs.describe_services(cluster=CLUSTER, services=[SERVICE])["services"]
    assert listed["status"] == "INACTIVE"
    assert not lookup.exists("aws:ecs/service:Service", import_id, {})
