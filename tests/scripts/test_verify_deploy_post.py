"""Each post-deploy scenario fails exactly its checks (the migrations check: test_verify_deploy_database.py).

Every scenario starts from a healthy armitage deploy (tests/scripts/peers.py), breaks one thing
(or a few) and asserts the exact set of failing check ids and the exit code.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from dixie_infra.names import ALARM_ROLES
from scripts import verify_deploy
from tests.scripts import health_payloads as hp
from tests.scripts.peers import Peers
from tests.scripts.peers_aws import SETTINGS
from tests.scripts.verify_support import (
    POST_IDS,
    alarm_firing,
    alarm_without_data,
    both,
    delete_alarms,
    delete_parameter,
    dixie_says,
    drop_file_system,
    drop_mount_target,
    failing,
    fixture_peers,  # noqa: F401 - a fixture, asked for by name
    fixture_servers,  # noqa: F401 - a fixture, asked for by name
    mount_target_state,
    nats_task_stopped,
    no_targets,
    nothing,
    put,
    retype,
    run,
    status_of,
    unsubscribe_all,
)

SCENARIOS: list[tuple[str, Callable[[Peers], None], tuple[str, ...], set[str]]] = [
    ("healthy", nothing, (), set()),
    ("rolled-back-deployment", lambda p: p.aws.roll_back(), (), {"ecs-rollout"}),
    ("running-0-of-1", lambda p: p.aws.stop_running(SETTINGS.service_name), (), {"ecs-rollout"}),
    (
        "expected-task-definition-not-primary",
        nothing,
        ("--expected-task-definition", f"{SETTINGS.names.task_family}:1"),
        {"ecs-rollout"},
    ),
    ("target-unhealthy", lambda p: p.aws.mark_target_unhealthy(), (), {"target-health"}),
    ("no-registered-targets", no_targets, (), {"target-health"}),
    ("critical-finding", lambda p: p.aws.critical_finding({"CRITICAL": 2, "HIGH": 5}), (), {"image-scan"}),
    ("high-finding-under-high-threshold", nothing, ("--severity-threshold", "HIGH"), {"image-scan"}),
    ("alarm-in-alarm", alarm_firing, (), {"alarms"}),
    ("one-alarm-missing", delete_alarms("cpu-high"), (), {"alarms"}),
    ("no-alarm-at-all", delete_alarms(*ALARM_ROLES), (), {"alarms"}),
    ("alarm-without-data", alarm_without_data, (), {"alarms"}),
    ("subscription-pending-confirmation", lambda p: p.aws.unconfirm_subscriptions(), (), {"alarms"}),
    ("topic-without-subscription", unsubscribe_all, (), {"alarms"}),
    ("efs-mount-target-creating", mount_target_state("creating"), (), {"data-volume"}),
    ("efs-mount-target-missing-in-a-subnet", drop_mount_target, (), {"data-volume"}),
    ("efs-file-system-missing", drop_file_system, (), {"data-volume"}),
    ("seven-parameters", delete_parameter(f"{SETTINGS.ssm_prefix}/REDIS_URL"), (), {"ssm-parameters"}),
    ("placeholder-value", put("DIXIE_ADMIN_KEY", "PLACEHOLDER", "SecureString"), (), {"ssm-parameters"}),
    ("empty-looking-value", put("DIXIE_CORS_ORIGINS", " "), (), {"ssm-parameters"}),
    ("wrong-parameter-type", retype("NATS_URL", "SecureString"), (), {"ssm-parameters"}),
    ("extra-parameter", put("LEGACY_FLAG", "1"), (), {"ssm-parameters"}),
    ("stale-nats-ip", put("NATS_URL", "nats://10.0.99.99:4222"), (), {"nats-drift"}),
    ("nats-task-not-running", nats_task_stopped, (), {"nats-drift"}),
    ("finn-unwired", delete_parameter(SETTINGS.finn.base_url_parameter), (), {"finn-wiring"}),
    (
        "finn-wired-elsewhere",
        lambda p: p.aws.client("ssm").put_parameter(
            Name=SETTINGS.finn.base_url_parameter, Value="https://old.example", Type="SecureString", Overwrite=True
        ),
        (),
        {"finn-wiring"},
    ),
    (
        "several-broken-at-once",
        both(
            dixie_says(hp.degraded_nats_unreachable()),
            put("NATS_URL", "nats://10.0.99.99:4222"),
            alarm_firing,
            lambda p: p.aws.roll_back(),
        ),
        (),
        {"dixie-health", "infrastructure", "nats-drift", "alarms", "ecs-rollout"},
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("setup", "extra", "expected"),
    [pytest.param(setup, extra, expected, id=name) for name, setup, extra, expected in SCENARIOS],
)
def test_each_scenario_fails_exactly_its_checks(
    peers: Peers,
    capsys: pytest.CaptureFixture[str],
    setup: Callable[[Peers], None],
    extra: tuple[str, ...],
    expected: set[str],
) -> None:
    setup(peers)
    code, document = run(peers, *extra, capsys=capsys)
    assert failing(document) == expected, document["checks"]
    assert code == (1 if expected else 0)
    assert document["verdict"] == ("fail" if expected else "pass")
    assert [c["id"] for c in document["checks"]] == POST_IDS


def test_nats_drift_skips_when_the_name_does_not_resolve_here_and_fails_with_the_vpc_resolver(
    peers: Peers, capsys: pytest.CaptureFixture[str]
) -> None:
    put("NATS_URL", "tls://nats.unknown-to-this-resolver.local:4222")(peers)
    # without --nameserver: the system resolver cannot see a private name; nothing is known
    code = verify_deploy.main(["--json", "--only", "nats-drift", "--timeout", "2"])
    here = json.loads(capsys.readouterr().out)
    assert code == 0
    assert status_of(here, "nats-drift") == "skip"
    assert "--nameserver" in here["checks"][0]["detail"]
    assert [n["id"] for n in here["notVerified"]] == ["nats-drift"]
    # with the resolver named, NXDOMAIN is an answer: the stored name does not exist
    code, named = run(peers, "--only", "nats-drift", capsys=capsys)
    assert code == 1
    assert status_of(named, "nats-drift") == "fail"
