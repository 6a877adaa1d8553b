"""verify_deploy's safety lines, each in a scenario where it is the only thing that can catch the
problem: every sign of a rollback on its own, two writers, a rollout still under way, SecureString
values in check details, and an untrusted certificate on the public hostname.

The healthy deploy is tests/scripts/peers.py's (moto, local HTTP and DNS servers); each test
breaks it in one way and runs the one check concerned.
"""

from __future__ import annotations

import gzip
import json
import ssl
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from scripts import verify_deploy
from tests.scripts import health_payloads
from tests.scripts.fake_postgres import self_signed_certificate
from tests.scripts.peers import Peers, healthy_peers
from tests.scripts.peers_aws import SETTINGS

TIMEOUT = "5"
ROLLBACK_EVENT = (
    f"(service {SETTINGS.service_name}) (deployment ecs-svc/9999) deployment failed: "
    "tasks failed to start. rolling back to deployment ecs-svc/1"
)


@pytest.fixture
def peers(aws: Any, moto_endpoint: str) -> Iterator[Peers]:
    with healthy_peers(aws, moto_endpoint) as running:
        yield running


def service(peers: Peers) -> Any:
    """moto's record of Dixie's ECS service, to edit its deployments, counts and events."""
    return peers.aws.service(SETTINGS.service_name)


def check(peers: Peers, capsys: pytest.CaptureFixture[str], check_id: str) -> tuple[int, dict[str, Any]]:
    code = verify_deploy.main(
        ["--json", "--only", check_id, "--dixie-url", peers.dixie_url, "--nameserver", peers.dns.address,
         "--timeout", TIMEOUT]
    )  # fmt: skip
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    (result,) = json.loads(captured.out)["checks"]
    return code, result


def test_the_healthy_deploy_passes_the_rollout_check(
    peers: Peers, capsys: pytest.CaptureFixture[str]
) -> None:
    # The control for the scenarios below: each fails only for what it breaks.
    code, result = check(peers, capsys, "ecs-rollout")
    assert (code, result["status"]) == (0, "pass"), result


def test_a_rollback_whose_traces_are_gone_is_caught_by_the_revision_running(
    peers: Peers, capsys: pytest.CaptureFixture[str]
) -> None:
    # The circuit breaker rolled back to the old revision; ECS has since dropped the FAILED
    # deployment and the event. `pulumi up` was green. Without --expected-task-definition the
    # expected revision is the family's newest.
    service(peers).deployments[0]["taskDefinition"] = peers.aws.task_definitions["old"]
    code, result = check(peers, capsys, "ecs-rollout")
    assert (code, result["status"]) == (1, "fail")
    family = SETTINGS.names.task_family
    assert f"PRIMARY runs {family}:1, expected {family}:2" in result["detail"]


def test_a_rollback_event_alone_fails_the_check(peers: Peers, capsys: pytest.CaptureFixture[str]) -> None:
    # A redeploy of the same revision failed and was rolled back: the PRIMARY runs the expected
    # revision, ECS no longer lists the failed deployment, only the service event tells.
    primary = service(peers).deployments[0]
    service(peers).events = [
        {"id": "e1", "createdAt": primary["createdAt"] + timedelta(minutes=5), "message": ROLLBACK_EVENT}
    ]
    code, result = check(peers, capsys, "ecs-rollout")
    assert (code, result["status"]) == (1, "fail")
    assert result["detail"] == f"circuit-breaker rollback: {ROLLBACK_EVENT}"


def test_a_failed_deployment_of_the_expected_revision_alone_fails_the_check(
    peers: Peers, capsys: pytest.CaptureFixture[str]
) -> None:
    # The same redeploy, with the event already gone: only the FAILED deployment tells.
    primary = service(peers).deployments[0]
    service(peers).deployments.append(
        {
            **primary,
            "id": "ecs-svc/9999",
            "status": "ACTIVE",
            "createdAt": primary["createdAt"] + timedelta(minutes=5),
            "rolloutState": "FAILED",
            "rolloutStateReason": "ECS deployment circuit breaker: tasks failed to start.",
            "runningCount": 0,
        }
    )
    code, result = check(peers, capsys, "ecs-rollout")
    assert (code, result["status"]) == (1, "fail")
    assert f"deployment ecs-svc/9999 of {SETTINGS.names.task_family}:2 FAILED" in result["detail"]


def test_two_running_tasks_fail_the_check_even_after_a_completed_rollout(
    peers: Peers, capsys: pytest.CaptureFixture[str]
) -> None:
    # Dixie is a single writer: a second task corrupts its write-ahead log.
    service(peers).running_count = 2
    service(peers).deployments[0]["runningCount"] = 2
    code, result = check(peers, capsys, "ecs-rollout")
    assert (code, result["status"]) == (1, "fail")
    assert result["detail"] == "running 2/1 (want 1/1)"


def test_a_rollout_still_in_progress_fails_the_check_though_one_task_runs(
    peers: Peers, capsys: pytest.CaptureFixture[str]
) -> None:
    service(peers).deployments[0].update(
        rolloutState="IN_PROGRESS", rolloutStateReason="ECS deployment ecs-svc/2 in progress."
    )
    code, result = check(peers, capsys, "ecs-rollout")
    assert (code, result["status"]) == (1, "fail")
    assert result["detail"] == "rollout IN_PROGRESS (ECS deployment ecs-svc/2 in progress.)"


def test_a_secure_string_nats_url_is_masked_in_the_check_detail(
    peers: Peers, capsys: pytest.CaptureFixture[str]
) -> None:
    ssm = peers.aws.client("ssm")
    name = f"{SETTINGS.ssm_prefix}/NATS_URL"
    stale = "nats://10.0.99.99:4222"
    ssm.delete_parameter(Name=name)
    ssm.put_parameter(Name=name, Value=stale, Type="SecureString")
    code, result = check(peers, capsys, "nats-drift")
    assert (code, result["status"]) == (1, "fail")
    # Stored as a SecureString, the value is a secret to every output (the host it points at is
    # named by the finding itself).
    assert result["detail"].startswith(f"{name} ***: points at 10.0.99.99")
    assert stale not in result["detail"]


def test_finn_wired_elsewhere_is_reported_without_the_value(
    peers: Peers, capsys: pytest.CaptureFixture[str]
) -> None:
    # Finn's base-URL parameter is a SecureString: the check says it differs, not what it holds.
    elsewhere = "https://finn-old.example/hook-7f3c9e21"
    peers.aws.client("ssm").put_parameter(
        Name=SETTINGS.finn.base_url_parameter, Value=elsewhere, Type="SecureString", Overwrite=True
    )
    code, result = check(peers, capsys, "finn-wiring")
    assert (code, result["status"]) == (1, "fail")
    assert f"does not hold {SETTINGS.base_url}" in result["detail"]
    assert "finn-old.example" not in result["detail"] and "7f3c9e21" not in result["detail"]


# --- the public hostname's TLS ------------------------------------------------------------------


@pytest.fixture
def untrusted_https(tmp_path: Path) -> Iterator[tuple[HTTPServer, Path]]:
    """An HTTPS Dixie answering healthy, with a certificate for 127.0.0.1 that no CA signed."""
    cert, key = self_signed_certificate(tmp_path, "dixie")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = HTTPServer(host="127.0.0.1", port=0, ssl_context=context)
    server.expect_request("/api/health").respond_with_json(health_payloads.healthy())
    server.start()
    try:
        yield server, cert
    finally:
        server.clear()
        server.stop()


def health(url: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    code = verify_deploy.main(["--json", "--only", "dixie-health", "--dixie-url", url, "--timeout", TIMEOUT])
    (result,) = json.loads(capsys.readouterr().out)["checks"]
    return code, result


def test_an_untrusted_certificate_on_the_health_url_fails_the_check(
    untrusted_https: tuple[HTTPServer, Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server, cert = untrusted_https
    url = server.url_for("").rstrip("/")
    assert url.startswith("https://127.0.0.1:")
    code, result = health(url, capsys)
    assert (code, result["status"]) == (1, "fail")
    assert "CERTIFICATE_VERIFY_FAILED" in result["detail"]
    # The same server passes once its certificate is trusted: the failure was the verification.
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    code, result = health(url, capsys)
    assert (code, result["status"]) == (0, "pass"), result


def test_a_body_in_an_encoding_not_asked_for_is_refused_unread(capsys: pytest.CaptureFixture[str]) -> None:
    # identity was asked for; a gzip body would be inflated past the byte bound if read.
    body = gzip.compress(json.dumps(health_payloads.healthy()).encode())
    server = HTTPServer(host="127.0.0.1", port=0)
    server.expect_request("/api/health").respond_with_response(
        Response(body, status=200, headers={"content-encoding": "gzip", "content-type": "application/json"})
    )
    server.start()
    try:
        code, result = health(server.url_for("").rstrip("/"), capsys)
    finally:
        server.clear()
        server.stop()
    assert (code, result["status"]) == (1, "fail")
    assert result["detail"].endswith("sent a 'gzip'-encoded body, though identity was asked for")
