"""scripts.discover_nats against a real moto server and a local DNS server.

The stack config names NATS by DNS (``tls://nats.arrakis-staging.local:4222``); the local DNS
server answers for it, and the seeded ``NATS_URL`` parameter holds the task's IP.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from scripts import _nats, discover_nats
from tests.scripts.peers_aws import SETTINGS, Deploy, client, seed_deploy
from tests.scripts.peers_http import LocalDns

NATS_URL = f"{SETTINGS.ssm_prefix}/NATS_URL"


@pytest.fixture
def deploy(aws: Any, moto_endpoint: str) -> Deploy:
    return seed_deploy(aws, moto_endpoint)


@pytest.fixture
def dns(deploy: Deploy) -> Iterator[LocalDns]:
    with LocalDns(deploy.dns_records) as server:
        yield server


def run(dns: LocalDns, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any]]:
    code = discover_nats.main(["--json", "--nameserver", dns.address, "--timeout", "1", *argv])
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    return code, json.loads(out.out)


def store(url: str) -> Callable[[Deploy, LocalDns], None]:
    def apply(_deploy: Deploy, _dns: LocalDns) -> None:
        client("ssm").put_parameter(Name=NATS_URL, Value=url, Type="String", Overwrite=True)

    return apply


def dns_answers(addresses: list[str] | None) -> Callable[[Deploy, LocalDns], None]:
    def apply(_deploy: Deploy, dns: LocalDns) -> None:
        if addresses is None:
            del dns.records[SETTINGS.nats.host]
        else:
            dns.records[SETTINGS.nats.host] = addresses

    return apply


def no_parameter(_deploy: Deploy, _dns: LocalDns) -> None:
    client("ssm").delete_parameter(Name=NATS_URL)


def nothing(_deploy: Deploy, _dns: LocalDns) -> None:
    return None


CONFIG = "stack config dixie:nats.url"
STORED = f"parameter {NATS_URL}"


@pytest.mark.parametrize(
    ("setup", "drifted"),
    [
        pytest.param(nothing, set(), id="no-drift"),
        pytest.param(store("nats://10.0.99.99:4222"), {STORED}, id="stale-stored-ip"),
        pytest.param(dns_answers(["10.0.42.42"]), {CONFIG}, id="stale-dns-record"),
        pytest.param(dns_answers(None), {CONFIG}, id="config-name-does-not-resolve"),
        pytest.param(
            lambda d, n: (store("tls://nats.arrakis-staging.local:4222")(d, n), dns_answers(["10.0.42.42"])(d, n)),
            {CONFIG, STORED},
            id="both-through-a-stale-record",
        ),
        pytest.param(no_parameter, {STORED}, id="parameter-missing"),
    ],
)  # fmt: skip
def test_drift_is_reported_per_source(
    deploy: Deploy,
    dns: LocalDns,
    capsys: pytest.CaptureFixture[str],
    setup: Callable[[Deploy, LocalDns], None],
    drifted: set[str],
) -> None:
    setup(deploy, dns)
    code, document = run(dns, capsys)
    assert {s["source"] for s in document["sources"] if s["status"] == "drift"} == drifted
    assert code == (1 if drifted else 0)
    assert document["drift"] is bool(drifted)
    assert document["natsUrls"] == [f"nats://{deploy.nats_ip}:4222"]


def test_only_the_nats_services_task_counts(
    deploy: Deploy, dns: LocalDns, capsys: pytest.CaptureFixture[str]
) -> None:
    # The seeded cluster also runs a Dixie task; its address must not pass for NATS.
    _, document = run(dns, capsys)
    assert document["taskIps"] == [deploy.nats_ip]


def test_a_stale_dns_name_is_fixed_at_its_cloud_map_registration_never_with_an_ip(
    deploy: Deploy, dns: LocalDns, capsys: pytest.CaptureFixture[str]
) -> None:
    # The stack names NATS tls://<name>: an IP there would fail TLS host verification.
    dns.records[SETTINGS.nats.host] = ["10.0.42.42"]
    code = discover_nats.main(["--nameserver", dns.address, "--timeout", "1"])
    out = capsys.readouterr().out
    assert code == 1
    assert out.splitlines()[0] == f"nats://{deploy.nats_ip}:4222"
    assert "Cloud Map registration" in out
    assert "pulumi config set" not in out
    assert f"tls://{deploy.nats_ip}" not in out
    assert "verdict: DRIFT (1 of 2 sources)" in out


def test_a_stale_ip_in_a_nats_url_is_fixed_through_the_stack_config() -> None:
    source = _nats.Source("stack config dixie:nats.url", "nats://10.0.99.99:4222", ("10.0.99.99",), "stale")
    assert _nats.fix_commands("armitage", [source], "10.0.1.5") == [
        "pulumi config set --path 'dixie:nats.url' 'nats://10.0.1.5:4222' --stack armitage "
        "&& pulumi up --refresh --stack armitage"
    ]


def test_a_tls_url_holding_an_ip_is_never_given_another_ip() -> None:
    source = _nats.Source("stack config dixie:nats.url", "tls://10.0.99.99:4222", ("10.0.99.99",), "stale")
    (fix,) = _nats.fix_commands("armitage", [source], "10.0.1.5")
    assert "10.0.1.5" not in fix
    assert "DNS name" in fix


@pytest.fixture
def mute_udp() -> Iterator[str]:
    """A UDP port that receives queries and never answers (a resolver we cannot reach)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    try:
        yield f"127.0.0.1:{sock.getsockname()[1]}"
    finally:
        sock.close()


def test_a_resolver_that_never_answers_is_unresolvable_from_here_exit_3(
    deploy: Deploy, mute_udp: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = discover_nats.main(["--json", "--nameserver", mute_udp, "--timeout", "0.3"])
    out = capsys.readouterr()
    document = json.loads(out.out)
    config = next(s for s in document["sources"] if s["source"] == CONFIG)
    assert code == discover_nats.EXIT_UNRESOLVABLE == 3
    assert document["verdict"] == "unresolvable"
    assert config["status"] == "unresolvable"
    assert "--nameserver" in config["detail"]
    assert document["fix"] == []
    assert document["drift"] is False


def test_nxdomain_from_the_system_resolver_is_unresolvable_not_drift(dns: LocalDns) -> None:
    del dns.records[SETTINGS.nats.host]
    resolver = _nats.make_resolver(dns.address, 1.0)
    here = _nats.judge_source("x", SETTINGS.nats.url, ["10.0.1.5"], resolver, 1.0)
    named = _nats.judge_source("x", SETTINGS.nats.url, ["10.0.1.5"], resolver, 1.0, own_nameserver=True)
    assert here.unresolvable and not here.drifted
    assert "--nameserver" in (here.problem or "")
    assert named.drifted and not named.unresolvable


def test_the_help_documents_exit_3(capsys: pytest.CaptureFixture[str]) -> None:
    assert discover_nats.main(["--help"]) == 0
    assert "3 a source's name cannot be resolved from here" in " ".join(capsys.readouterr().out.split())


def test_stored_drift_alone_is_fixed_by_a_refreshing_up(
    deploy: Deploy, dns: LocalDns, capsys: pytest.CaptureFixture[str]
) -> None:
    store("nats://10.0.99.99:4222")(deploy, dns)
    code, document = run(dns, capsys)
    assert code == 1
    assert document["fix"] == ["pulumi up --refresh --stack armitage"]


def test_no_running_nats_task_is_exit_1(
    deploy: Deploy, dns: LocalDns, capsys: pytest.CaptureFixture[str]
) -> None:
    ecs = client("ecs")
    for arn in ecs.list_tasks(cluster=SETTINGS.cluster)["taskArns"]:
        ecs.stop_task(cluster=SETTINGS.cluster, task=arn, reason="test")
    code = discover_nats.main(["--nameserver", dns.address, "--timeout", "1"])
    err = capsys.readouterr().err
    assert code == 1
    assert err.strip() == (
        "python -m scripts.discover_nats: error: no RUNNING task of ECS service "
        f"{SETTINGS.nats.service_name} in cluster {SETTINGS.cluster}"
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        pytest.param(["--stack", "nosuch"], "no stack file Pulumi.nosuch.yaml", id="unknown-stack"),
        pytest.param(["--nameserver", "resolver.example"], "is not IP or IP:PORT", id="bad-nameserver"),
        pytest.param(["--timeout", "0"], "--timeout must be a number > 0", id="zero-timeout"),
        pytest.param(
            ["--timeout", "inf"], "--timeout must be a number > 0 and <= 300", id="infinite-timeout"
        ),
        pytest.param(["--timeout", "nan"], "--timeout must be a number > 0 and <= 300", id="nan-timeout"),
        pytest.param(["--region", "bogus"], "unknown region 'bogus'", id="unknown-region"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    aws_env: str, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code = discover_nats.main(argv)
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_missing_credentials_is_exit_2(
    aws_env: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    assert discover_nats.main([]) == 2
    assert "no AWS credentials found" in capsys.readouterr().err
