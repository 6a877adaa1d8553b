"""Each health scenario fails exactly its checks, and no HTTP peer holds a check past its timeout.

These are the checks that need no AWS (health, HTTP, DNS): every scenario starts from a healthy
deploy's Dixie, Finn and DNS servers (tests/scripts/peers.py), breaks one thing and asserts the
exact set of failing check ids and the exit code.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

import pytest
from werkzeug import Response

from scripts import _checks, verify_deploy
from tests.scripts import health_payloads as hp
from tests.scripts.clock import FakeClock
from tests.scripts.peers import Peers
from tests.scripts.peers_http import StreamingPeer, serve, silent_server
from tests.scripts.verify_support import (
    HTTP_IDS,
    dixie_says,
    dns_points,
    failing,
    finn_says,
    fixture_http_peers,  # noqa: F401 - a fixture, asked for by name
    fixture_servers,  # noqa: F401 - a fixture, asked for by name
    nothing,
    run,
    status_of,
)

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
