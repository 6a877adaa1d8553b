"""Each preflight scenario fails exactly its checks, and Container Insights off never blocks."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from tests.scripts.peers import Peers
from tests.scripts.peers_aws import SETTINGS, backend
from tests.scripts.verify_support import (
    failing,
    fixture_peers,  # noqa: F401 - a fixture, asked for by name
    fixture_servers,  # noqa: F401 - a fixture, asked for by name
    nothing,
    run,
)


def take_priority(ours: bool) -> Callable[[Peers], None]:
    def apply(p: Peers) -> None:
        elbv2 = p.aws.client("elbv2")
        target_group = p.aws.target_group_arn
        if not ours:
            target_group = elbv2.create_target_group(
                Name="freeside-gateway",
                Protocol="HTTP",
                Port=80,
                VpcId=backend("ec2").default_vpc.id,
                TargetType="ip",
            )["TargetGroups"][0]["TargetGroupArn"]
        elbv2.create_rule(
            ListenerArn=SETTINGS.alb.listener_arn,
            Priority=SETTINGS.listener_priority,
            Conditions=[{"Field": "path-pattern", "Values": ["/x"]}],
            Actions=[{"Type": "forward", "TargetGroupArn": target_group}],
        )

    return apply


def delete_image(p: Peers) -> None:
    p.aws.client("ecr").batch_delete_image(
        repositoryName=SETTINGS.names.ecr_repository, imageIds=[{"imageTag": SETTINGS.image_tag}]
    )


def delete_cluster(p: Peers) -> None:
    backend("ecs").clusters[SETTINGS.cluster].status = "INACTIVE"


def delete_nats_group(p: Peers) -> None:
    p.aws.client("ec2").delete_security_group(GroupId=SETTINGS.nats.security_group_id)


def delete_database(p: Peers) -> None:
    p.aws.client("rds").delete_db_instance(
        DBInstanceIdentifier=SETTINGS.database.instance_identifier, SkipFinalSnapshot=True
    )


def insights(value: str) -> Callable[[Peers], None]:
    def apply(_p: Peers) -> None:
        # moto's UpdateClusterSettings answers 500; the backend object is what it serves from.
        backend("ecs").clusters[SETTINGS.cluster].settings = [{"name": "containerInsights", "value": value}]

    return apply


PREFLIGHT: list[tuple[str, Callable[[Peers], None], set[str]]] = [
    ("all-present", nothing, set()),
    ("container-insights-disabled", insights("disabled"), set()),
    ("container-insights-enhanced", insights("enhanced"), set()),
    ("priority-already-ours", take_priority(ours=True), set()),
    ("priority-taken-by-another-service", take_priority(ours=False), {"listener-priority"}),
    ("image-tag-missing", delete_image, {"image-tag"}),
    ("cluster-inactive", delete_cluster, {"cluster"}),
    ("nats-security-group-missing", delete_nats_group, {"nats-security-group"}),
    ("rds-instance-missing", delete_database, {"rds-instance"}),
]


@pytest.mark.parametrize(("setup", "expected"), [pytest.param(s, e, id=name) for name, s, e in PREFLIGHT])
def test_each_preflight_scenario_fails_exactly_its_checks(
    peers: Peers,
    capsys: pytest.CaptureFixture[str],
    setup: Callable[[Peers], None],
    expected: set[str],
) -> None:
    setup(peers)
    code, document = run(peers, "--phase", "preflight", capsys=capsys)
    assert failing(document) == expected, document["checks"]
    assert code == (1 if expected else 0)


def test_container_insights_off_is_reported_as_not_verified_without_blocking(
    peers: Peers, capsys: pytest.CaptureFixture[str]
) -> None:
    # Another team's cluster: the deploy may go ahead, but the verdict must say the two-writer
    # guard cannot work.
    insights("disabled")(peers)
    code, document = run(peers, "--phase", "preflight", capsys=capsys)
    assert code == 0
    (check,) = [c for c in document["checks"] if c["id"] == "container-insights"]
    assert check["status"] == "skip"
    assert "desired-count-drift" in check["detail"] and "disabled" in check["detail"]
    assert "container-insights" in json.dumps(document["notVerified"])
