"""Each post-deploy scenario fails exactly its checks; the migrations check reads a real PostgreSQL.

Every scenario starts from a healthy armitage deploy (tests/scripts/peers.py), breaks one thing
(or a few) and asserts the exact set of failing check ids and the exit code.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import psycopg
import pytest

from dixie_infra.names import ALARM_ROLES, EXPECTED_MIGRATIONS
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


# --- migrations against a real PostgreSQL --------------------------------------------------------


@pytest.mark.parametrize(("applied", "expected"), [(13, set()), (12, {"migrations"})])
def test_migrations_check_reads_the_database(
    peers: Peers,
    pg_case: Any,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    applied: int,
    expected: set[str],
) -> None:
    from psycopg import sql

    with pg_case.server.connect() as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(pg_case.database)))
    url = pg_case.admin_url(dbname=pg_case.database)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE _migrations (id serial PRIMARY KEY, filename text UNIQUE NOT NULL,"
            " checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        for filename in EXPECTED_MIGRATIONS[:applied]:
            conn.execute("INSERT INTO _migrations (filename, checksum) VALUES (%s, 'x')", (filename,))
    monkeypatch.setenv(verify_deploy.DATABASE_URL_ENV, url)
    code, document = run(peers, "--only", "migrations", capsys=capsys)
    assert failing(document) == expected
    assert status_of(document, "migrations") == ("fail" if expected else "pass")
    assert code == (1 if expected else 0)
    if expected:
        assert EXPECTED_MIGRATIONS[-1] in document["checks"][0]["detail"]
    assert pg_case.server.password not in json.dumps(document)


def test_migrations_skip_when_no_database_is_reachable_and_the_verdict_says_so(
    peers: Peers, capsys: pytest.CaptureFixture[str]
) -> None:
    code, document = run(peers, "--only", "migrations", capsys=capsys)
    check = document["checks"][0]
    assert code == 0
    assert check["status"] == "skip"
    assert "not reachable from this network" in check["detail"]
    assert document["notVerified"] == [{"id": "migrations", "reason": check["detail"]}]
    assert "not verified: migrations" in document["verdictLine"]


@pytest.mark.parametrize(
    ("make_url", "words"),
    [
        pytest.param(lambda c: c.server.url(password="wrong-password-1"), "authentication failed", id="wrong-password"),
        pytest.param(lambda c: c.server.url(dbname=c.database), "does not exist", id="missing-database"),
        pytest.param(lambda c: "postgresql://dixie@127.0.0.1:5432/dixie", "malformed", id="url-without-password"),
        pytest.param(lambda c: "mysql://u:p@127.0.0.1/x", "malformed", id="wrong-scheme"),
        pytest.param(lambda c: f"postgresql://u:p@127.0.0.1:{c.server.port}/x?host=evil", "malformed", id="unknown-parameter"),
    ],
)  # fmt: skip
def test_migrations_fail_for_anything_but_an_unreachable_database(
    peers: Peers,
    pg_case: Any,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    make_url: Callable[[Any], str],
    words: str,
) -> None:
    monkeypatch.setenv(verify_deploy.DATABASE_URL_ENV, make_url(pg_case))
    code, document = run(peers, "--only", "migrations", capsys=capsys)
    assert code == 1
    assert status_of(document, "migrations") == "fail"
    assert words in document["checks"][0]["detail"]
    assert document["notVerified"] == []
    assert pg_case.server.password not in json.dumps(document)
    assert "wrong-password-1" not in json.dumps(document)


def test_migrations_fail_when_there_is_no_database_url(
    peers: Peers, capsys: pytest.CaptureFixture[str]
) -> None:
    peers.aws.client("ssm").put_parameter(
        Name=f"{SETTINGS.ssm_prefix}/DATABASE_URL", Value="PLACEHOLDER", Type="SecureString", Overwrite=True
    )
    code, document = run(peers, "--only", "migrations", capsys=capsys)
    assert code == 1
    assert "no database URL" in document["checks"][0]["detail"]
