"""What verify_deploy shows: table and verdict, peer text inert, no secret, one-line usage errors."""

from __future__ import annotations

import json

import pytest

from scripts import verify_deploy
from tests.scripts import health_payloads as hp
from tests.scripts.peers import Peers
from tests.scripts.peers_aws import SECRET_VALUES
from tests.scripts.verify_support import (
    failing,
    fixture_http_peers,  # noqa: F401 - a fixture, asked for by name
    fixture_peers,  # noqa: F401 - a fixture, asked for by name
    fixture_servers,  # noqa: F401 - a fixture, asked for by name
    put,
    run,
)

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
    from tests.scripts.peers_http import denying_aws

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
