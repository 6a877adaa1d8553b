"""scripts.wire_finn against a real moto server seeded with a healthy deploy (Finn's service too)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from scripts import wire_finn
from tests.scripts.clock import FakeClock
from tests.scripts.peers_aws import SETTINGS, Deploy, client, seed_deploy
from tests.scripts.peers_http import denying_aws

PARAMETER = SETTINGS.finn.base_url_parameter
FINN = SETTINGS.finn.service_name


@pytest.fixture
def deploy(aws: Any, moto_endpoint: str) -> Deploy:
    return seed_deploy(aws, moto_endpoint)


def finn_deployment_id() -> str:
    service = client("ecs").describe_services(cluster=SETTINGS.cluster, services=[FINN])["services"][0]
    return str(service["deployments"][0]["id"])


def stored() -> str | None:
    try:
        return client("ssm").get_parameter(Name=PARAMETER, WithDecryption=True)["Parameter"]["Value"]
    except client("ssm").exceptions.ParameterNotFound:
        return None


def unwire() -> None:
    client("ssm").delete_parameter(Name=PARAMETER)


def wire_elsewhere() -> None:
    client("ssm").put_parameter(
        Name=PARAMETER, Value="https://old-dixie.example", Type="SecureString", Overwrite=True
    )


def run(*argv: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any] | None, str]:
    code = wire_finn.main(["--json", "--timeout", "3", *argv])
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    return code, (json.loads(out.out) if out.out.strip() else None), out.err


@pytest.mark.parametrize(
    ("setup", "argv", "changed", "redeployed"),
    [
        pytest.param(unwire, (), True, True, id="unwired-sets-and-redeploys"),
        pytest.param(wire_elsewhere, (), True, True, id="wired-elsewhere-overwrites-and-redeploys"),
        pytest.param(lambda: None, (), False, False, id="already-wired-changes-nothing"),
        pytest.param(lambda: None, ("--force",), False, True, id="already-wired-force-redeploys"),
        pytest.param(unwire, ("--no-wait",), True, True, id="no-wait-still-redeploys"),
    ],
)
def test_wiring_writes_and_redeploys_only_when_needed(
    deploy: Deploy,
    capsys: pytest.CaptureFixture[str],
    setup: Any,
    argv: tuple[str, ...],
    changed: bool,
    redeployed: bool,
) -> None:
    setup()
    before = finn_deployment_id()
    code, document, _ = run(*argv, capsys=capsys)
    assert code == 0
    assert document is not None
    assert (document["changed"], document["redeployed"]) == (changed, redeployed)
    assert stored() == SETTINGS.base_url
    assert (finn_deployment_id() != before) == redeployed
    assert document["stable"] is (True if redeployed and "--no-wait" not in argv else None)


def test_running_twice_redeploys_once(deploy: Deploy, capsys: pytest.CaptureFixture[str]) -> None:
    unwire()
    original = finn_deployment_id()
    first, _, _ = run(capsys=capsys)
    after_first = finn_deployment_id()
    second, document, err = run(capsys=capsys)
    assert (first, second) == (0, 0)
    assert after_first != original
    assert finn_deployment_id() == after_first
    assert document is not None
    assert not document["redeployed"]
    assert "not redeployed" in err


def test_dry_run_changes_nothing(deploy: Deploy, capsys: pytest.CaptureFixture[str]) -> None:
    unwire()
    before = finn_deployment_id()
    code, document, err = run("--dry-run", capsys=capsys)
    assert code == 0
    assert stored() is None
    assert finn_deployment_id() == before
    assert document is not None
    assert document["dryRun"] is True
    assert (document["changed"], document["redeployed"]) == (False, False)
    assert f"would set {PARAMETER} to {SETTINGS.base_url}" in err


def test_previous_secure_value_is_never_printed(deploy: Deploy, capsys: pytest.CaptureFixture[str]) -> None:
    wire_elsewhere()
    for argv in (["--json"], [], ["--dry-run"]):
        wire_elsewhere()
        wire_finn.main([*argv, "--timeout", "3"])
        out = capsys.readouterr()
        assert "old-dixie" not in out.out + out.err


@pytest.fixture
def fake_clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    clock = FakeClock()
    monkeypatch.setattr(wire_finn, "_sleep", clock.sleep)
    monkeypatch.setattr(wire_finn, "_clock", clock)
    return clock


def test_finn_that_never_stabilises_fails_after_the_timeout_saying_where_it_stood(
    deploy: Deploy, capsys: pytest.CaptureFixture[str], fake_clock: FakeClock
) -> None:
    unwire()
    deploy.stop_running(FINN)
    code = wire_finn.main(["--timeout", "100"])
    err = capsys.readouterr().err
    assert code == 1
    assert f"{FINN} did not become stable within 100 s (running 0/1" in err
    assert "Traceback" not in err
    # progress at every poll, never sleeping past the timeout
    assert fake_clock.sleeps == [10.0] * 10
    waiting = [line for line in err.splitlines() if line.startswith(f"waiting for {FINN} to become stable")]
    assert len(waiting) == 10
    assert "running 0/1" in waiting[0]
    assert waiting[0].endswith("100 s left")


def test_a_failure_under_json_is_still_one_json_document(
    deploy: Deploy, capsys: pytest.CaptureFixture[str], fake_clock: FakeClock
) -> None:
    unwire()
    deploy.stop_running(FINN)
    code = wire_finn.main(["--json", "--timeout", "20"])
    out = capsys.readouterr()
    document = json.loads(out.out)
    assert code == 1
    assert document["result"] == "failed"
    assert document["error"].startswith(f"{FINN} did not become stable within 20 s")
    assert document["changed"] is True  # what had been done before the failure
    assert document["redeployed"] is True
    assert document["stable"] is False


def test_a_failure_before_any_change_under_json_is_a_json_document(
    deploy: Deploy, capsys: pytest.CaptureFixture[str]
) -> None:
    client("ecs").delete_service(cluster=SETTINGS.cluster, service=FINN, force=True)
    code = wire_finn.main(["--json"])
    document = json.loads(capsys.readouterr().out)
    assert code == 1
    assert document["result"] == "failed"
    assert f"no ACTIVE ECS service {FINN}" in document["error"]


def test_missing_finn_service_changes_nothing(deploy: Deploy, capsys: pytest.CaptureFixture[str]) -> None:
    unwire()
    client("ecs").delete_service(cluster=SETTINGS.cluster, service=FINN, force=True)
    code = wire_finn.main([])
    err = capsys.readouterr().err
    assert code == 1
    assert f"no ACTIVE ECS service {FINN}" in err
    assert stored() is None


def test_human_output_is_a_table_with_a_verdict(deploy: Deploy, capsys: pytest.CaptureFixture[str]) -> None:
    unwire()
    assert wire_finn.main(["--timeout", "3"]) == 0
    out = capsys.readouterr().out
    assert PARAMETER in out
    assert "redeployed (ecs-svc/" in out
    assert "verdict: wired" in out


def test_access_denied_is_one_line_and_exit_1(
    aws_env: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with denying_aws() as endpoint:
        monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
        code = wire_finn.main([])
    err = capsys.readouterr().err
    assert code == 1
    assert err.strip().splitlines() == [
        "python -m scripts.wire_finn: error: AWS denied DescribeServices (AccessDeniedException): "
        "check the credentials' permissions"
    ]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        pytest.param(["--stack", "nosuch"], "no stack file Pulumi.nosuch.yaml", id="unknown-stack"),
        pytest.param(["--timeout", "-1"], "--timeout must be a number > 0", id="negative-timeout"),
        pytest.param(
            ["--timeout", "inf"], "--timeout must be a number > 0 and <= 3600, got inf", id="inf-timeout"
        ),
        pytest.param(
            ["--timeout", "nan"], "--timeout must be a number > 0 and <= 3600, got nan", id="nan-timeout"
        ),
        pytest.param(
            ["--timeout", "1e12"], "--timeout must be a number > 0 and <= 3600", id="absurd-timeout"
        ),
        pytest.param(["--region", "moon"], "unknown region", id="bad-region"),
        pytest.param(["--frobnicate"], "unrecognized arguments", id="unknown-option"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    aws_env: str, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code = wire_finn.main(argv)
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_help_names_every_option_and_default(capsys: pytest.CaptureFixture[str]) -> None:
    assert wire_finn.main(["--help"]) == 0
    out = capsys.readouterr().out
    for option in ("--force", "--dry-run", "--no-wait", "--timeout", "(default: 600)"):
        assert option in out
