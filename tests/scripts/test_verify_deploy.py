"""scripts.verify_deploy against a real moto server, real local HTTP servers and a local DNS server.

Every scenario starts from a healthy armitage deploy (tests/scripts/peers.py), breaks one thing
(or a few) and asserts the exact set of failing check ids and the exit code.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from dixie_infra.names import ALARM_ROLES, EXPECTED_MIGRATIONS
from scripts import _checks, verify_deploy
from tests.scripts import health_payloads as hp
from tests.scripts.clock import FakeClock
from tests.scripts.peers import (
    SECRET_VALUES,
    SETTINGS,
    Peers,
    StreamingPeer,
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
        code = verify_deploy.main(
            ["--json", "--dixie-url", url, "--finn-url", url, "--timeout", "0.5",
             "--only", "dixie-health,finn-circuit,finn-health"]
        )  # fmt: skip
    document = json.loads(capsys.readouterr().out)
    assert code == 1
    assert failing(document) == {"dixie-health", "finn-health"}
    # Each call gets a share of --timeout, so the check can still say which call timed out.
    assert "no answer from http://127.0.0.1" in document["checks"][0]["detail"]
    assert "within 0.3 s" in document["checks"][0]["detail"]


@pytest.fixture
def fake_clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    clock = FakeClock()
    monkeypatch.setattr(_checks, "_sleep", clock.sleep)
    monkeypatch.setattr(_checks, "_clock", clock)
    return clock


def test_wait_retries_until_the_service_turns_healthy(
    http_peers: Peers, capsys: pytest.CaptureFixture[str], fake_clock: FakeClock
) -> None:
    answers = iter([hp.degraded_nats_unreachable()] * 3)

    def respond() -> Response:
        return Response(json.dumps(next(answers, hp.healthy())), content_type="application/json")

    http_peers.dixie.clear()
    serve(http_peers.dixie, "/api/health", respond)
    code, document = run(http_peers, "--only", ",".join(HTTP_IDS), "--wait", "20", capsys=capsys)
    assert code == 0, document["checks"]
    assert failing(document) == set()
    assert fake_clock.sleeps == [1, 2, 4]


def test_wait_gives_up_when_time_runs_out(
    http_peers: Peers, capsys: pytest.CaptureFixture[str], fake_clock: FakeClock
) -> None:
    http_peers.serve_dixie(hp.degraded_nats_unreachable())
    code = verify_deploy.main(
        ["--dixie-url", http_peers.dixie_url, "--only", "dixie-health", "--timeout", "1", "--wait", "10"]
    )
    err = capsys.readouterr().err
    assert code == 1
    assert "waiting: 1 failing (dixie-health)" in err
    assert fake_clock.sleeps == [1, 2, 4, 3]


def test_checks_run_concurrently(http_peers: Peers, capsys: pytest.CaptureFixture[str]) -> None:
    # Dixie's and Finn's endpoints answer only once both requests are in: run one check after
    # the other and the first request breaks the barrier, failing its checks.
    barrier = threading.Barrier(2, timeout=10)

    def meet(document: Any) -> Callable[[], Response]:
        def respond() -> Response:
            try:
                barrier.wait()
            except threading.BrokenBarrierError:
                return Response("alone", status=503)
            return Response(json.dumps(document), content_type="application/json")

        return respond

    http_peers.dixie.clear()
    http_peers.finn.clear()
    serve(http_peers.dixie, "/api/health", meet(hp.healthy()))
    serve(http_peers.finn, "/health", meet(hp.finn_healthy()))
    code, document = run(http_peers, "--only", "dixie-health,finn-health", "--timeout", "30", capsys=capsys)
    assert code == 0, document["checks"]
    assert failing(document) == set()


def test_a_server_dribbling_its_body_cannot_hold_a_check_past_the_timeout(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # One byte every 50 ms of a 30 s body: the check must give up long before the body ends.
    with StreamingPeer(chunk=b" ", chunks=600, interval=0.05) as slow:
        code = verify_deploy.main(
            ["--json", "--dixie-url", slow.url, "--timeout", "2", "--only", "dixie-health"]
        )
        returned_before_the_body_ended = not slow.finished.is_set()
        assert slow.client_gone.wait(10), "the tool kept reading after its check ended"
    document = json.loads(capsys.readouterr().out)
    assert code == 1
    assert returned_before_the_body_ended
    # The body's own deadline (the call's share of --timeout) ends the read, not the engine's
    # last-resort limit: the check still says what went wrong.
    assert document["checks"][0]["detail"].endswith("sent a body not complete within 1.2 s")


def test_a_huge_health_body_is_refused_after_the_byte_limit(capsys: pytest.CaptureFixture[str]) -> None:
    chunk = b" " * 65536
    with StreamingPeer(chunk=chunk, chunks=4800) as huge:  # 300 MiB, sent as fast as it is read
        code = verify_deploy.main(
            ["--json", "--dixie-url", huge.url, "--timeout", "20", "--only", "dixie-health"]
        )
        assert huge.client_gone.wait(10)
        sent = huge.sent
    document = json.loads(capsys.readouterr().out)
    assert code == 1
    assert f"more than {1024 * 1024} bytes" in document["checks"][0]["detail"]
    assert sent < 4800 * len(chunk) // 10, sent  # stopped reading near the limit, not at the end


HOSTILE_STATUS = "\x1b]0;owned\x07\x1b[2J[link=https://evil.example]click[/link] [bold red]OK"


def test_terminal_escapes_and_rich_markup_from_a_body_are_shown_inert(
    http_peers: Peers, capsys: pytest.CaptureFixture[str]
) -> None:
    document = hp.degraded_nats_unreachable()
    document["infrastructure"]["nats"]["error"] = HOSTILE_STATUS  # quoted verbatim in the detail
    http_peers.serve_dixie(document)
    code = verify_deploy.main(
        ["--dixie-url", http_peers.dixie_url, "--only", "dixie-health,infrastructure", "--timeout", "5"]
    )
    captured = capsys.readouterr()
    out = " ".join((captured.out + captured.err).split())
    assert code == 1
    assert "\x1b" not in captured.out + captured.err  # no raw ESC reached the terminal
    assert "\\x1b]0;owned" in out  # shown, escaped
    assert "[link=https://evil.example]click[/link]" in out  # markup shown as text, not obeyed


def test_dixie_url_credentials_appear_in_no_output(
    http_peers: Peers, capsys: pytest.CaptureFixture[str]
) -> None:
    with_password = http_peers.dixie_url.replace("http://", "http://ops:hunter2-in-url@")
    with_token = http_peers.dixie_url.replace("http://", "http://tok3n-in-url@")
    outputs, documents = [], []
    for url in (with_password, with_token):
        for extra in (["--json"], []):
            verify_deploy.main([*extra, "--dixie-url", url, "--only", "dixie-health", "--timeout", "5"])
            captured = capsys.readouterr()
            outputs.append(captured.out + captured.err)
            if extra:
                documents.append(json.loads(captured.out))
    for text in outputs:
        assert "hunter2-in-url" not in text
        assert "tok3n-in-url" not in text
    assert "verify_deploy: 1 post checks of stack armitage (http://***@127.0.0.1" in outputs[0]
    assert [d["dixieUrl"][:20] for d in documents] == ["http://***@127.0.0.1"] * 2


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
    verdict_line = " ".join(out[out.index("verdict:") :].split())
    assert verdict_line.startswith(
        "verdict: FAIL: 13 passed, 1 failed, 1 skipped (finn-circuit); not verified: migrations "
        "(database not reachable from this network: 127.0.0.1:9 refused the connection"
    )


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


# --- bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        pytest.param(["--only", "dns,nope"], "unknown check id(s): nope", id="unknown-check-id"),
        pytest.param(["--phase", "preflight", "--only", "dns"], "unknown check id(s): dns", id="check-of-other-phase"),
        pytest.param(["--dixie-url", "ftp://dixie.example"], "is not an http(s) URL", id="malformed-dixie-url"),
        pytest.param(["--finn-url", "finn-armitage"], "is not an http(s) URL", id="malformed-finn-url"),
        pytest.param(["--stack", "nosuch"], "no stack file Pulumi.nosuch.yaml", id="unknown-stack"),
        pytest.param(["--region", "mars-1"], "unknown region", id="bad-region"),
        pytest.param(["--timeout", "0"], "--timeout must be a number > 0", id="zero-timeout"),
        pytest.param(["--timeout", "inf"], "--timeout must be a number > 0 and <= 300, got inf", id="infinite-timeout"),
        pytest.param(["--timeout", "nan"], "--timeout must be a number > 0 and <= 300, got nan", id="nan-timeout"),
        pytest.param(["--timeout", "1e9"], "--timeout must be a number > 0 and <= 300", id="absurd-timeout"),
        pytest.param(["--wait", "inf"], "--wait must be a number >= 0 and <= 3600, got inf", id="infinite-wait"),
        pytest.param(["--wait", "nan"], "--wait must be a number >= 0 and <= 3600, got nan", id="nan-wait"),
        pytest.param(["--wait", "-1"], "--wait must be a number >= 0", id="negative-wait"),
        pytest.param(["--latency-ms", "inf"], "--latency-ms must be a number > 0", id="infinite-latency"),
        pytest.param(["--region", "bogus"], "unknown region 'bogus'", id="unknown-region"),
        pytest.param(["--expected-task-definition", "dixie-armitage:3\n"], "is not a task definition", id="task-definition-newline"),
        pytest.param(["--dixie-url", "https://dixie.example\n"], "contains whitespace", id="url-newline"),
        pytest.param(["--dixie-url", "https://u:pw-in-url@dixie.example:99999"], "port outside", id="url-bad-port"),
        pytest.param(["--expected-task-definition", "latest"], "is not a task definition", id="bad-task-definition"),
        pytest.param(["--nameserver", "dns.example"], "is not IP or IP:PORT", id="bad-nameserver"),
        pytest.param(["--phase", "later"], "invalid choice", id="unknown-phase"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_and_exit_2(
    aws_env: str, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code = verify_deploy.main(argv)
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_missing_credentials_is_exit_2(
    aws_env: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
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
    aws_env: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
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
