"""scripts.verify_deploy against a real moto server, real local HTTP servers and a local DNS server.

Every scenario starts from a healthy armitage deploy (tests/scripts/peers.py), breaks one thing
(or a few) and asserts the exact set of failing check ids and the exit code.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from dixie_infra.names import EXPECTED_MIGRATIONS
from scripts import verify_deploy
from tests.scripts import health_payloads as hp
from tests.scripts.peers import (
    SECRET_VALUES,
    SETTINGS,
    Peers,
    backend,
    healthy_peers,
    http_server,
    serve,
    silent_server,
)

# Generous: peers answer at once; only the never-answers test relies on a timeout (its own).
TIMEOUT = 5.0
POST_IDS = [c.id for c in verify_deploy.POST_CHECKS]
HTTP_IDS = [c.id for c in verify_deploy.POST_CHECKS if not c.needs_aws]


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[HTTPServer, HTTPServer]]:
    with http_server() as dixie, http_server() as finn:
        yield dixie, finn


@pytest.fixture
def peers(aws: Any, moto_endpoint: str, servers: tuple[HTTPServer, HTTPServer]) -> Iterator[Peers]:
    with healthy_peers(aws, moto_endpoint, servers=servers) as running:
        yield running


@pytest.fixture
def http_peers(servers: tuple[HTTPServer, HTTPServer]) -> Iterator[Peers]:
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


HTTP_SCENARIOS: list[tuple[str, Callable[[Peers], None], tuple[str, ...], set[str]]] = [
    ("healthy", nothing, (), set()),
    ("degraded-nats-unreachable", dixie_says(hp.degraded_nats_unreachable()), (), {"dixie-health", "infrastructure"}),
    ("unhealthy-finn-unreachable", dixie_says(hp.unhealthy_finn_unreachable()), (), {"dixie-health", "finn-circuit"}),
    ("circuit-open", dixie_says(hp.circuit_open()), (), {"dixie-health", "finn-circuit"}),
    ("finn-latency-80ms", dixie_says(hp.finn_latency(80)), (), {"finn-circuit"}),
    ("finn-latency-80ms-under-raised-limit", dixie_says(hp.finn_latency(80)), ("--latency-ms", "100"), set()),
    ("governance-degraded", dixie_says(hp.governance_degraded()), (), {"governance"}),
    ("governance-absent-skips", dixie_says(hp.governance_absent()), (), set()),
    ("infrastructure-without-redis", dixie_says(hp.without_redis()), (), {"infrastructure"}),
    ("no-infrastructure-section", dixie_says(hp.without_infrastructure()), (), {"infrastructure"}),
    ("http-500", dixie_says("Internal Server Error", status=500), (), {"dixie-health"}),
    ("invalid-json", dixie_says("{'status': healthy", status=200), (), {"dixie-health"}),
    ("finn-health-503", finn_says({"status": "starting"}, status=503), (), {"finn-health"}),
    ("finn-reports-dixie-disconnected", finn_says(hp.finn_dixie_disconnected()), (), {"finn-health"}),
    ("dns-not-the-alb", dns_points(["10.9.8.7"]), (), {"dns"}),
    ("dns-nxdomain", dns_points(None), (), {"dns"}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("setup", "extra", "expected"),
    [pytest.param(setup, extra, expected, id=name) for name, setup, extra, expected in HTTP_SCENARIOS],
)
def test_each_health_scenario_fails_exactly_its_checks(
    http_peers: Peers,
    capsys: pytest.CaptureFixture[str],
    setup: Callable[[Peers], None],
    extra: tuple[str, ...],
    expected: set[str],
) -> None:
    setup(http_peers)
    code, document = run(http_peers, "--only", ",".join(HTTP_IDS), *extra, capsys=capsys)
    assert failing(document) == expected, document["checks"]
    assert code == (1 if expected else 0)
    assert [c["id"] for c in document["checks"]] == HTTP_IDS


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


def test_checks_that_need_the_health_document_skip_when_there_is_none(
    http_peers: Peers, capsys: pytest.CaptureFixture[str]
) -> None:
    http_peers.serve_dixie("Internal Server Error", status=500)
    _, document = run(http_peers, "--only", ",".join(HTTP_IDS), capsys=capsys)
    for check_id in ("finn-circuit", "infrastructure", "governance"):
        assert status_of(document, check_id) == "skip"


def test_degraded_health_names_the_reason_from_the_body(
    http_peers: Peers, capsys: pytest.CaptureFixture[str]
) -> None:
    http_peers.serve_dixie(hp.degraded_nats_unreachable())
    _, document = run(http_peers, "--only", "dixie-health", capsys=capsys)
    detail = document["checks"][0]["detail"]
    assert "degraded" in detail
    assert "infrastructure.nats unreachable" in detail
    assert "ETIMEDOUT" in detail


def test_a_server_that_never_answers_fails_within_the_timeout(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with silent_server() as url:
        started = time.monotonic()
        code = verify_deploy.main(
            ["--json", "--dixie-url", url, "--finn-url", url, "--timeout", "0.5",
             "--only", "dixie-health,finn-circuit,finn-health"]
        )  # fmt: skip
        elapsed = time.monotonic() - started
    document = json.loads(capsys.readouterr().out)
    assert code == 1
    assert failing(document) == {"dixie-health", "finn-health"}
    assert "within 0.5 s" in document["checks"][0]["detail"]
    assert elapsed < 1.5


def test_wait_retries_until_the_service_turns_healthy(
    http_peers: Peers, capsys: pytest.CaptureFixture[str]
) -> None:
    healthy_from = time.monotonic() + 2.0

    def respond() -> Response:
        document = hp.healthy() if time.monotonic() >= healthy_from else hp.degraded_nats_unreachable()
        return Response(json.dumps(document), content_type="application/json")

    http_peers.dixie.clear()
    serve(http_peers.dixie, "/api/health", respond)
    started = time.monotonic()
    code, document = run(http_peers, "--only", ",".join(HTTP_IDS), "--wait", "20", capsys=capsys)
    assert code == 0, document["checks"]
    assert failing(document) == set()
    assert 2.0 <= time.monotonic() - started < 12


def test_wait_gives_up_when_time_runs_out(http_peers: Peers, capsys: pytest.CaptureFixture[str]) -> None:
    http_peers.serve_dixie(hp.degraded_nats_unreachable())
    started = time.monotonic()
    code = verify_deploy.main(
        [
            "--dixie-url",
            http_peers.dixie_url,
            "--only",
            "dixie-health",
            "--timeout",
            "1",
            "--wait",
            "1.5",
        ]
    )
    elapsed = time.monotonic() - started
    err = capsys.readouterr().err
    assert code == 1
    assert "waiting: 1 failing (dixie-health)" in err
    assert 1.5 <= elapsed < 4


def test_checks_run_concurrently(
    aws: Any,
    moto_endpoint: str,
    servers: tuple[HTTPServer, HTTPServer],
    capsys: pytest.CaptureFixture[str],
) -> None:
    with healthy_peers(aws, moto_endpoint, delay=1.0, servers=servers) as slow:
        started = time.monotonic()
        run(slow, "--only", "dixie-health", "--timeout", "3", capsys=capsys)
        single = time.monotonic() - started
        started = time.monotonic()
        code, _ = run(slow, "--timeout", "3", capsys=capsys)
        full = time.monotonic() - started
    assert code == 0
    assert single >= 1.0
    # Serially the two delayed HTTP requests alone would take 2 s. The 1.25x bound is measured by
    # `make bench`, where moto runs in its own process and does not compete with the tool here.
    assert full < 1.9, (full, single)


def test_human_output_is_a_table_with_a_verdict(peers: Peers, capsys: pytest.CaptureFixture[str]) -> None:
    peers.serve_dixie(hp.finn_latency(80))
    code = verify_deploy.main(
        ["--dixie-url", peers.dixie_url, "--finn-url", peers.finn_url,
         "--nameserver", peers.dns.address, "--timeout", "5"]
    )  # fmt: skip
    out = capsys.readouterr().out
    assert code == 1
    assert "finn-circuit" in out
    assert "FAIL" in out
    assert "verdict: FAIL: 12 passed, 1 failed, 1 skipped (finn-circuit)" in out


def test_no_seeded_secret_reaches_any_output(peers: Peers, capsys: pytest.CaptureFixture[str]) -> None:
    put("DIXIE_JWT_PRIVATE_KEY", "PLACEHOLDER", "SecureString")(peers)
    outputs = []
    for extra in (["--json"], []):
        verify_deploy.main(
            [*extra, "--dixie-url", peers.dixie_url, "--finn-url", peers.finn_url,
             "--nameserver", peers.dns.address, "--timeout", "5"]
        )  # fmt: skip
        captured = capsys.readouterr()
        outputs.append(captured.out + captured.err)
    for secret in SECRET_VALUES.values():
        for text in outputs:
            assert secret not in text
            assert "s3cr3t-Pa55w0rd" not in text
    assert "DIXIE_JWT_PRIVATE_KEY is still PLACEHOLDER" in outputs[0]


def test_only_runs_the_named_checks(peers: Peers, capsys: pytest.CaptureFixture[str]) -> None:
    code, document = run(peers, "--only", "dns,alarms", capsys=capsys)
    assert code == 0
    assert [c["id"] for c in document["checks"]] == ["dns", "alarms"]


def test_http_checks_need_no_aws_credentials(
    http_peers: Peers, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    code, document = run(http_peers, "--only", ",".join(HTTP_IDS), capsys=capsys)
    assert code == 0
    assert failing(document) == set()


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


def test_migrations_skip_when_no_database_is_reachable(
    peers: Peers, capsys: pytest.CaptureFixture[str]
) -> None:
    _, document = run(peers, "--only", "migrations", capsys=capsys)
    check = document["checks"][0]
    assert check["status"] == "skip"
    assert "not reachable" in check["detail"]


# --- preflight ------------------------------------------------------------------------------------


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


PREFLIGHT: list[tuple[str, Callable[[Peers], None], set[str]]] = [
    ("all-present", nothing, set()),
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


# --- bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        pytest.param(["--only", "dns,nope"], "unknown check id(s): nope", id="unknown-check-id"),
        pytest.param(["--phase", "preflight", "--only", "dns"], "unknown check id(s): dns", id="check-of-other-phase"),
        pytest.param(["--dixie-url", "ftp://dixie.example"], "is not an http(s) URL", id="malformed-dixie-url"),
        pytest.param(["--finn-url", "finn-armitage"], "is not an http(s) URL", id="malformed-finn-url"),
        pytest.param(["--stack", "nosuch"], "no stack file Pulumi.nosuch.yaml", id="unknown-stack"),
        pytest.param(["--region", "mars-1"], "is not an AWS region", id="bad-region"),
        pytest.param(["--timeout", "0"], "--timeout must be > 0", id="zero-timeout"),
        pytest.param(["--expected-task-definition", "latest"], "is not a task definition", id="bad-task-definition"),
        pytest.param(["--nameserver", "dns.example"], "is not IP or IP:PORT", id="bad-nameserver"),
        pytest.param(["--phase", "later"], "invalid choice", id="unknown-phase"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_and_exit_2(
    aws: Any, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code = verify_deploy.main(argv)
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_missing_credentials_is_exit_2(
    aws: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    code = verify_deploy.main(["--only", "alarms"])
    err = capsys.readouterr().err
    assert code == 2
    assert (
        err.strip() == "python -m scripts.verify_deploy: error: no AWS credentials found: "
        "set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"
    )


def test_access_denied_fails_each_aws_check_without_a_traceback(
    aws: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.scripts.peers import denying_aws

    with denying_aws() as endpoint:
        monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
        code = verify_deploy.main(
            [
                "--json",
                "--timeout",
                "5",
                "--only",
                "ecs-rollout,ssm-parameters,alarms,target-health",
            ]
        )
    out = capsys.readouterr()
    document = json.loads(out.out)
    assert code == 1
    assert failing(document) == {"ecs-rollout", "ssm-parameters", "alarms", "target-health"}
    for check in document["checks"]:
        assert "AWS denied" in check["detail"], check
    assert "Traceback" not in out.err


def test_help_lists_every_check_and_the_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    code = verify_deploy.main(["--help"])
    out = capsys.readouterr().out
    assert code == 0
    for check in (*verify_deploy.POST_CHECKS, *verify_deploy.PREFLIGHT_CHECKS):
        assert check.id in out
    assert "(default: 50)" in out
    assert "(default: post)" in out
