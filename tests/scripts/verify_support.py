"""What scripts.verify_deploy's tests share: the fixtures that start the peers, the helpers that
run the tool and read its JSON, and the ways to break a healthy deploy.

The tests run the tool against a real moto server, real local HTTP servers and a local DNS
server (tests/scripts/peers.py). Every scenario starts from a healthy armitage deploy, breaks one
thing (or a few) and asserts the exact set of failing check ids and the exit code.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from scripts import verify_deploy
from tests.scripts.peers import Peers, healthy_peers
from tests.scripts.peers_aws import SETTINGS
from tests.scripts.peers_http import http_server

# Generous: peers answer at once; only the never-answers test relies on a timeout (its own).
TIMEOUT = 5.0
POST_IDS = [c.id for c in verify_deploy.POST_CHECKS]
HTTP_IDS = [c.id for c in verify_deploy.POST_CHECKS if not c.needs_aws]


# The fixtures take their names from ``name=``: a test module imports ``fixture_servers`` and its
# tests ask for ``servers``, so no parameter redefines an imported name.


@pytest.fixture(name="servers", scope="session")
def fixture_servers() -> Iterator[tuple[HTTPServer, HTTPServer]]:
    """Dixie's and Finn's servers, one pair per test process for all four verify modules:
    stopping a server costs up to its half-second poll, and every test serves its own answers
    (``Peers.serve_dixie`` / ``serve_finn`` clear what the last test left)."""
    with http_server() as dixie, http_server() as finn:
        yield dixie, finn


@pytest.fixture(name="peers")
def fixture_peers(aws: Any, moto_endpoint: str, servers: tuple[HTTPServer, HTTPServer]) -> Iterator[Peers]:
    with healthy_peers(aws, moto_endpoint, servers=servers) as running:
        yield running


@pytest.fixture(name="http_peers")
def fixture_http_peers(servers: tuple[HTTPServer, HTTPServer]) -> Iterator[Peers]:
    """Dixie, Finn and DNS only: for the checks that need no AWS (no seeding, much faster)."""
    with healthy_peers(None, None, servers=servers) as running:
        yield running


def run(peers: Peers, *extra: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    code = verify_deploy.main(
        [
            "--json",
            "--dixie-url", peers.dixie_url,
            "--finn-url", peers.finn_url,
            "--nameserver", peers.dns.address,
            "--timeout", str(TIMEOUT),
            *extra,
        ]
    )  # fmt: skip
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    return code, json.loads(out.out)


def failing(document: dict[str, Any]) -> set[str]:
    return {c["id"] for c in document["checks"] if c["status"] == "fail"}


def status_of(document: dict[str, Any], check_id: str) -> str:
    return next(c["status"] for c in document["checks"] if c["id"] == check_id)


# --- ways to break a healthy deploy -------------------------------------------------------------


def dixie_says(document: Any, **kwargs: Any) -> Callable[[Peers], None]:
    return lambda p: p.serve_dixie(document, **kwargs)


def finn_says(document: Any, **kwargs: Any) -> Callable[[Peers], None]:
    return lambda p: p.serve_finn(document, **kwargs)


def put(key: str, value: str, kind: str = "String") -> Callable[[Peers], None]:
    def apply(p: Peers) -> None:
        p.aws.client("ssm").put_parameter(
            Name=f"{SETTINGS.ssm_prefix}/{key}", Value=value, Type=kind, Overwrite=True
        )

    return apply


def delete_parameter(name: str) -> Callable[[Peers], None]:
    return lambda p: p.aws.client("ssm").delete_parameter(Name=name)


def retype(key: str, kind: str) -> Callable[[Peers], None]:
    def apply(p: Peers) -> None:
        ssm = p.aws.client("ssm")
        name = f"{SETTINGS.ssm_prefix}/{key}"
        value = ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]
        ssm.delete_parameter(Name=name)
        ssm.put_parameter(Name=name, Value=value, Type=kind)

    return apply


def alarm_firing(p: Peers) -> None:
    p.aws.client("cloudwatch").set_alarm_state(
        AlarmName=SETTINGS.names.alarm("cpu-high"), StateValue="ALARM", StateReason="CPU 97 %"
    )


def delete_alarms(*roles: str) -> Callable[[Peers], None]:
    def apply(p: Peers) -> None:
        p.aws.client("cloudwatch").delete_alarms(AlarmNames=[SETTINGS.names.alarm(r) for r in roles])

    return apply


def alarm_without_data(p: Peers) -> None:
    p.aws.client("cloudwatch").set_alarm_state(
        AlarmName=SETTINGS.names.alarm("desired-count-drift"),
        StateValue="INSUFFICIENT_DATA",
        StateReason="no datapoints",
    )


def unsubscribe_all(p: Peers) -> None:
    sns = p.aws.client("sns")
    for subscription in sns.list_subscriptions_by_topic(TopicArn=p.aws.topic_arn)["Subscriptions"]:
        sns.unsubscribe(SubscriptionArn=subscription["SubscriptionArn"])


def mount_target_state(state: str) -> Callable[[Peers], None]:
    def apply(p: Peers) -> None:
        p.aws.mount_targets()[0].life_cycle_state = state

    return apply


def drop_mount_target(p: Peers) -> None:
    efs = p.aws.client("efs")
    efs.delete_mount_target(MountTargetId=p.aws.mount_targets()[-1].mount_target_id)


def drop_file_system(p: Peers) -> None:
    efs = p.aws.client("efs")
    for target in p.aws.mount_targets():
        efs.delete_mount_target(MountTargetId=target.mount_target_id)
    efs.delete_file_system(FileSystemId=p.aws.file_system_id)


def no_targets(p: Peers) -> None:
    p.aws.client("elbv2").deregister_targets(
        TargetGroupArn=p.aws.target_group_arn, Targets=[{"Id": p.aws.dixie_ip, "Port": 3001}]
    )


def nats_task_stopped(p: Peers) -> None:
    ecs = p.aws.client("ecs")
    for arn in ecs.list_tasks(cluster=SETTINGS.cluster)["taskArns"]:
        task = ecs.describe_tasks(cluster=SETTINGS.cluster, tasks=[arn])["tasks"][0]
        if task["group"] == f"service:{SETTINGS.nats.service_name}":
            ecs.stop_task(cluster=SETTINGS.cluster, task=arn, reason="test")


def dns_points(addresses: list[str] | None) -> Callable[[Peers], None]:
    def apply(p: Peers) -> None:
        if addresses is None:
            del p.dns.records[SETTINGS.hostname]
        else:
            p.dns.records[SETTINGS.hostname] = addresses

    return apply


def both(*steps: Callable[[Peers], None]) -> Callable[[Peers], None]:
    def apply(p: Peers) -> None:
        for step in steps:
            step(p)

    return apply


def nothing(_p: Peers) -> None:
    return None
