"""Configuration validation: every bad input is named with what is allowed, all at once, before
any resource is registered."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from dixie_infra.offline import OfflineMocks
from dixie_infra.offline.plan import main as offline_main
from dixie_infra.settings import SettingsError, load_stack_file, parse_settings, project_root, split_config
from dixie_infra.settings.validation import validate_config
from tests.program.conftest import armitage_config, run

_DROP = object()


def _config(**changes: Any) -> dict[str, Any]:
    config, _ = armitage_config()
    config = dict(config)
    for key, value in changes.items():
        full = key.replace("__", ":")
        if value is _DROP:
            config.pop(full, None)
        else:
            config[full] = value
    return config


def _with(obj_key: str, **fields: Any) -> dict[str, Any]:
    config, _ = armitage_config()
    merged = {**config[f"dixie:{obj_key}"]}
    for k, v in fields.items():
        if v is _DROP:
            merged.pop(k, None)
        else:
            merged[k] = v
    return {f"dixie__{obj_key}": merged}


BAD = [
    (
        "unknown-environment",
        _config(dixie__environment="staging"),
        "dixie:environment",
        "allowed: armitage, production",
    ),
    (
        "environment-not-stack",
        _config(dixie__environment="production"),
        "dixie:environment",
        "differs from the stack name",
    ),
    ("missing-environment", _config(dixie__environment=_DROP), "dixie:environment", "is required"),
    ("image-latest", _config(dixie__imageTag="latest"), "dixie:imageTag", "'latest' is refused"),
    ("image-empty", _config(dixie__imageTag=""), "dixie:imageTag", "is empty"),
    ("image-garbage", _config(dixie__imageTag="my tag!"), "dixie:imageTag", "git SHA"),
    ("image-uppercase-sha", _config(dixie__imageTag="B3EEF1A"), "dixie:imageTag", "lower-case hex"),
    ("image-semver-build", _config(dixie__imageTag="v1.2.3+build.1"), "dixie:imageTag", "semver tag"),
    ("image-and-app-source", _config(dixie__appSource="/src/loa-dixie"), "dixie:imageTag", "not both"),
    ("neither-image-nor-source", _config(dixie__imageTag=_DROP), "dixie:imageTag", "is required"),
    ("vpc-id", _config(dixie__vpcId="vpc-xyz"), "dixie:vpcId", "vpc-<8 or 17 hex>"),
    (
        "subnet-id",
        _config(dixie__privateSubnetIds=["subnet-0a08a8fce7004ee11", "sub-123"]),
        "dixie:privateSubnetIds",
        "is not a subnet id",
    ),
    (
        "single-subnet",
        _config(dixie__privateSubnetIds=["subnet-0a08a8fce7004ee11"]),
        "dixie:privateSubnetIds",
        "at least 2",
    ),
    (
        "duplicate-subnets",
        _config(dixie__privateSubnetIds=["subnet-0a08a8fce7004ee11"] * 2),
        "dixie:privateSubnetIds",
        "at least 2 distinct",
    ),
    (
        "subnets-not-list",
        _config(dixie__privateSubnetIds="subnet-0a08a8fce7004ee11"),
        "dixie:privateSubnetIds",
        "must be a list",
    ),
    (
        "alb-arn",
        _config(
            **_with(
                "alb",
                arn="arn:aws:elasticloadbalancing:us-east-1:891376933289:targetgroup/x/0d434b50265789c1",
            )
        ),
        "dixie:alb.arn",
        "load balancer ARN",
    ),
    (
        "alb-sg",
        _config(**_with("alb", securityGroupId="sg-12")),
        "dixie:alb.securityGroupId",
        "security group id",
    ),
    (
        "alb-listener-elsewhere",
        _config(
            **_with(
                "alb",
                listenerArn="arn:aws:elasticloadbalancing:us-east-1:891376933289:listener/app/other-alb/0d434b50265789c1/e6ff22557f66633c",
            )
        ),
        "dixie:alb.listenerArn",
        "listener of the load balancer",
    ),
    ("alb-missing-zone", _config(**_with("alb", zoneId=_DROP)), "dixie:alb.zoneId", "is required"),
    (
        "alb-typo",
        _config(**_with("alb", dnsname="x.example.com")),
        "dixie:alb.dnsname",
        "did you mean 'dnsName'",
    ),
    ("zone-id", _config(dixie__route53ZoneId="z0119"), "dixie:route53ZoneId", "hosted zone id"),
    (
        "finn-http",
        _config(**_with("finn", url="http://finn-armitage.arrakis.community")),
        "dixie:finn.url",
        "allowed: https://host",
    ),
    (
        "finn-ws-insecure",
        _config(**_with("finn", wsUrl="ws://finn-armitage.arrakis.community")),
        "dixie:finn.wsUrl",
        "allowed: wss://host",
    ),
    (
        "finn-path",
        _config(**_with("finn", url="https://finn-armitage.arrakis.community/api")),
        "dixie:finn.url",
        "without path",
    ),
    (
        "finn-ssm-prefix",
        _config(**_with("finn", ssmPrefix="loa-finn/armitage/")),
        "dixie:finn.ssmPrefix",
        "leading /",
    ),
    (
        "nats-scheme",
        _config(**_with("nats", url="http://nats.arrakis-staging.local:4222")),
        "dixie:nats.url",
        "nats://host or tls://host:port",
    ),
    ("nats-no-port", _config(**_with("nats", url="nats://10.0.1.7")), "dixie:nats.url", "has no port"),
    (
        "nats-sg",
        _config(**_with("nats", securityGroupId="sg-0df2")),
        "dixie:nats.securityGroupId",
        "security group id",
    ),
    (
        "fargate-pair",
        _config(dixie__task={"cpu": 256, "memory": 4096}),
        "dixie:task.memory",
        "not valid with cpu 256",
    ),
    (
        "fargate-cpu",
        _config(dixie__task={"cpu": 300, "memory": 512}),
        "dixie:task.cpu",
        "not a Fargate cpu size",
    ),
    ("desired-two", _config(dixie__desiredCount=2), "dixie:desiredCount", "never more than one task"),
    ("desired-text", _config(dixie__desiredCount="one"), "dixie:desiredCount", "must be a whole number"),
    ("priority-zero", _config(dixie__listenerPriority=0), "dixie:listenerPriority", "allowed: 1-50000"),
    ("priority-high", _config(dixie__listenerPriority=50001), "dixie:listenerPriority", "allowed: 1-50000"),
    (
        "db-both",
        _config(**_with("database", host="pgbouncer.internal")),
        "dixie:database",
        "exactly one of instanceIdentifier",
    ),
    (
        "db-neither",
        _config(**_with("database", instanceIdentifier=_DROP)),
        "dixie:database",
        "exactly one of instanceIdentifier",
    ),
    ("db-port", _config(**_with("database", port=70000)), "dixie:database.port", "1-65535"),
    (
        "db-user-quoted",
        _config(**_with("database", user="Dixie-App")),
        "dixie:database.user",
        "plain PostgreSQL identifier",
    ),
    (
        "db-sg",
        _config(**_with("database", securityGroupId="sg-nope")),
        "dixie:database.securityGroupId",
        "security group id",
    ),
    ("unknown-key", _config(dixie__imagetag="b3eef1a"), "dixie:imagetag", "did you mean 'imageTag'"),
    (
        "cors-http",
        _config(dixie__corsOrigins=["http://dixie-armitage.arrakis.community"]),
        "dixie:corsOrigins",
        "allowed: https://host",
    ),
    ("alarm-email", _config(dixie__alarmEmail="oncall"), "dixie:alarmEmail", "email address"),
    ("redis-auth-text", _config(dixie__redisAuth="maybe"), "dixie:redisAuth", "true or false"),
    ("region", _config(aws__region="useast1"), "aws:region", "AWS region"),
    ("account", _config(aws__allowedAccountIds=["89137693328"]), "aws:allowedAccountIds", "12-digit"),
    ("no-account-guard", _config(aws__allowedAccountIds=_DROP), "aws:allowedAccountIds", "is required"),
    ("cluster", _config(dixie__cluster="arrakis staging"), "dixie:cluster", "ECS cluster name"),
]


@pytest.mark.parametrize(("case", "config", "key", "allowed"), BAD, ids=[b[0] for b in BAD])
def test_bad_config_is_refused_naming_the_key_and_what_is_allowed(
    case: str, config: dict[str, Any], key: str, allowed: str
) -> None:
    mocks = OfflineMocks()
    with pytest.raises(SettingsError) as raised:
        run("armitage", config, (), mocks)
    messages = [str(p) for p in raised.value.problems if p.key == key]
    assert messages, f"no problem reported for {key}: {raised.value}"
    assert any(allowed in m for m in messages), messages
    assert [t for t, _ in mocks.registered if not t.startswith("pulumi:")] == [], "nothing may be registered"


def test_every_problem_is_reported_at_once() -> None:
    config = _config(
        dixie__imageTag="latest",
        dixie__desiredCount=2,
        dixie__listenerPriority=0,
        dixie__vpcId="vpc-1",
        **_with("finn", url="http://finn"),
    )
    with pytest.raises(SettingsError) as raised:
        run("armitage", config)
    keys = {p.key for p in raised.value.problems}
    assert {
        "dixie:imageTag",
        "dixie:desiredCount",
        "dixie:listenerPriority",
        "dixie:vpcId",
        "dixie:finn.url",
    } <= keys
    assert "5 configuration problem(s)" in str(raised.value) or len(raised.value.problems) >= 5


def test_secret_values_must_be_set_as_secrets_and_are_never_echoed() -> None:
    config = _config(dixie__adminKey="c" * 64, dixie__jwtPrivateKey="not-hex-secret-value")
    with pytest.raises(SettingsError) as raised:
        run("armitage", config, ["dixie:jwtPrivateKey"])
    text = str(raised.value)
    assert "dixie:adminKey: must be set as a secret" in text
    assert "dixie:jwtPrivateKey: is not valid; allowed: 64 lower-case hex" in text
    assert "c" * 64 not in text and "not-hex-secret-value" not in text


def test_cli_strings_and_yaml_values_validate_alike() -> None:
    config, _ = armitage_config()
    values, aws = split_config(config)
    as_cli = {k: (v if isinstance(v, str) else __import__("json").dumps(v)) for k, v in values.items()}
    aws_cli = {k: (v if isinstance(v, str) else __import__("json").dumps(v)) for k, v in aws.items()}
    assert parse_settings("armitage", as_cli, aws_cli) == parse_settings("armitage", values, aws)


def test_defaults_follow_the_environment() -> None:
    s = load_stack_file("armitage")
    assert (s.task.cpu, s.task.memory, s.listener_priority, s.desired_count) == (256, 512, 220, 1)
    assert s.redis_auth is True
    assert s.cors_origins == ("https://dixie-armitage.arrakis.community",)
    config = _config(dixie__desiredCount=0, dixie__listenerPriority=_DROP)
    values, aws = split_config(config)
    parked = parse_settings("armitage", values, aws)
    assert parked.desired_count == 0 and parked.listener_priority == 220


def test_parked_first_deploy_registers_a_service_with_no_tasks() -> None:
    evaluation = run("armitage", _config(dixie__desiredCount=0))
    assert evaluation.one("aws:ecs/service:Service").plain["desiredCount"] == 0


def test_unknown_stack_file_lists_the_available_stacks() -> None:
    with pytest.raises(SettingsError, match="available stacks: armitage"):
        load_stack_file("staging")


def test_an_all_digit_tag_read_as_a_yaml_number_says_to_quote_it() -> None:
    # The tools read Pulumi.<stack>.yaml directly, where an unquoted 1234567 is a number.
    values, aws = split_config(_config())
    with pytest.raises(SettingsError, match=r"dixie:imageTag: must be a string, got int \(quote it in YAML"):
        parse_settings("armitage", {**values, "imageTag": 1234567}, aws)


# --- hostile input (issue: the configuration refuses what it must, and never leaks a secret) ----

_ARMITAGE_TEXT = (project_root() / "Pulumi.armitage.yaml").read_text()
_SECRET = "Sx7hunter2CorrectHorse"


def _file(old: str, new: str) -> str:
    assert old in _ARMITAGE_TEXT, old
    return _ARMITAGE_TEXT.replace(old, new, 1)


def _bomb(width: int = 9, levels: int = 9) -> str:
    items = ["&l0 [" + ", ".join(["lol"] * width) + "]"]
    items += [f"&l{i} [" + ", ".join([f"*l{i - 1}"] * width) + "]" for i in range(1, levels + 1)]
    return "[" + ", ".join(items) + "]"


# (case, stack file text, key named, what the message says). Each was accepted, or crashed, or
# hung, before the stack file had its own reader.
HOSTILE_FILES = [
    (
        "cluster-left-empty",
        _file("dixie:cluster: arrakis-staging-cluster", "dixie:cluster:"),
        "dixie:cluster",
        "is empty",
    ),
    (
        "cluster-yaml-boolean",
        _file("dixie:cluster: arrakis-staging-cluster", "dixie:cluster: true"),
        "dixie:cluster",
        "must be a string, got a boolean",
    ),
    (
        "region-twice",
        _ARMITAGE_TEXT + "  aws:region: eu-west-1\n",
        "aws:region",
        "appears 2 times",
    ),
    (
        "nested-key-twice",
        _file("    zoneId: Z35SXDOTRQ7X7K", "    zoneId: Z35SXDOTRQ7X7K\n    zoneId: Z35SXDOTRQ7X7K"),
        "dixie:alb.zoneId",
        "appears 2 times",
    ),
    (
        "5000-digit-integer",
        _file("dixie:desiredCount: 1", "dixie:desiredCount: " + "9" * 5000),
        "dixie:desiredCount",
        "plain whole number",
    ),
    (
        "secure-on-aws-key",
        _file("aws:region: us-east-1", "aws:region:\n    secure: v1:c2VjcmV0"),
        "aws:region",
        "is set as a secret",
    ),
    (
        "yaml-date",
        _file('dixie:imageTag: "b3eef1a"', "dixie:imageTag: 2024-01-01"),
        "dixie:imageTag",
        "as a date",
    ),
    (
        "binary-tag",
        _file('dixie:imageTag: "b3eef1a"', "dixie:imageTag: !!binary YjNlZWYxYQ=="),
        "dixie:imageTag",
        "'!!binary'",
    ),
    (
        "deep-nesting",
        _file("dixie:desiredCount: 1", "dixie:desiredCount: " + "[" * 5000 + "]" * 5000),
        "dixie:desiredCount",
        "nested deeper than",
    ),
    ("alias-bomb", _ARMITAGE_TEXT + f"  dixie:corsOrigins: {_bomb()}\n", "dixie:corsOrigins", "YAML aliases"),
    (
        "aliases-past-5000-values",
        _ARMITAGE_TEXT + "  dixie:corsOrigins: [&a [" + "x, " * 1300 + "x], *a, *a, *a, *a]\n",
        "dixie:corsOrigins",
        "expands to more than 5000 values",
    ),
    (
        "recursive-alias",
        _file("dixie:desiredCount: 1", "dixie:desiredCount: &loop [*loop]"),
        "dixie:desiredCount",
        "nested deeper than",
    ),
    (
        "yaml-1.1-boolean",
        _ARMITAGE_TEXT + "  dixie:redisAuth: off\n",
        "dixie:redisAuth",
        "write true or false",
    ),
    (
        "octal-integer",
        _file("dixie:listenerPriority: 220", "dixie:listenerPriority: 0334"),
        "dixie:listenerPriority",
        "no leading zeros",
    ),
    (
        "huge-file",
        _ARMITAGE_TEXT + "# " + "x" * 70_000 + "\n",
        "Pulumi.armitage.yaml",
        "larger than 64 KiB",
    ),
    (
        "esc-environment",
        "environment:\n  - dixie-armitage\n" + _ARMITAGE_TEXT,
        "environment",
        "not allowed at the top of a stack file",
    ),
    (
        "unquoted-account-id",
        _file('- "891376933289"', "- 891376933289"),
        "aws:allowedAccountIds",
        "must be a string, got int (quote it",
    ),
    (
        "misspelt-namespace",
        _ARMITAGE_TEXT + f"  dixi:databasePassword: {_SECRET}\n",
        "dixi:databasePassword",
        "did you mean dixie:databasePassword?",
    ),
    (
        "plain-secret",
        _ARMITAGE_TEXT + f"  dixie:databasePassword: {_SECRET}\n",
        "dixie:databasePassword",
        "must be set as a secret",
    ),
]


@pytest.mark.parametrize(("case", "text", "key", "says"), HOSTILE_FILES, ids=[h[0] for h in HOSTILE_FILES])
def test_hostile_stack_file_is_refused_by_plan_naming_the_key(
    case: str, text: str, key: str, says: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "Pulumi.armitage.yaml").write_text(text)
    assert offline_main(["--stack", "armitage", "--project-dir", str(tmp_path)]) == 2
    captured = capsys.readouterr()
    lines = [line for line in captured.err.splitlines() if line.startswith(f"  - {key}: ")]
    assert any(says in line for line in lines), captured.err
    # One fault, one problem: a refused value is not also reported as missing.
    assert captured.err.count("\n  - ") == 1, captured.err
    assert "Traceback" not in captured.err and captured.out == ""
    assert _SECRET not in captured.err
    assert all(len(line) < 600 for line in captured.err.splitlines())
    with pytest.raises(SettingsError):
        load_stack_file("armitage", tmp_path)


def test_a_yaml_syntax_error_is_located_without_quoting_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # PyYAML's own message quotes the offending line, and the line here holds a secret.
    text = _ARMITAGE_TEXT + f"  dixie:databasePassword: {_SECRET}: oops\n"
    (tmp_path / "Pulumi.armitage.yaml").write_text(text)
    assert offline_main(["--stack", "armitage", "--project-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    line = len(text.splitlines())
    assert f"  - Pulumi.armitage.yaml: is not valid YAML (line {line}, column " in err
    assert "mapping values are not allowed here" in err
    assert not [_SECRET[i : i + 6] for i in range(len(_SECRET) - 5) if _SECRET[i : i + 6] in err]


def test_hostile_files_are_refused_by_a_real_interpreter_fast_and_small(tmp_path: Path) -> None:
    # What `make plan` runs. The bomb expands to 9**10 strings if anything walks it; the cap on
    # memory makes an expansion fail the run instead of the machine.
    text = _ARMITAGE_TEXT + f"  dixie:corsOrigins: {_bomb()}\n  dixi:databasePassword: {_SECRET}\n"
    (tmp_path / "Pulumi.armitage.yaml").write_text(text)
    done = subprocess.run(
        [
            "bash",
            "-c",
            'ulimit -v 1500000; exec "$0" -m dixie_infra.offline --stack armitage --project-dir "$1"',
            sys.executable,
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        cwd=project_root(),
        timeout=120,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "dixie:corsOrigins: uses more than 4 YAML aliases" in done.stderr
    # Past the budget the file is not composed further: the other key is not reached.
    assert "1 configuration problem(s)" in done.stderr
    assert _SECRET not in done.stderr + done.stdout and "Traceback" not in done.stderr


# (case, CLI config, secret keys, key named, what the message says). Handed over as the CLI does
# (every value text); refused before any resource is registered.
HOSTILE_CLI = [
    ("listener-empty", _config(**_with("alb", listenerArn="")), (), "dixie:alb.listenerArn", "is empty"),
    (
        "nats-sg-empty",
        _config(**_with("nats", securityGroupId="")),
        (),
        "dixie:nats.securityGroupId",
        "is empty",
    ),
    ("finn-empty-object", _config(dixie__finn={}), (), "dixie:finn.url", "is required"),
    ("alb-empty-object", _config(dixie__alb={}), (), "dixie:alb.arn", "is required"),
    ("database-empty-object", _config(dixie__database={}), (), "dixie:database", "exactly one of"),
    (
        "task-cpu-zero",
        _config(dixie__task={"cpu": 0, "memory": 512}),
        (),
        "dixie:task.cpu",
        "0 is not a Fargate cpu size",
    ),
    ("task-half", _config(dixie__task={"cpu": 256}), (), "dixie:task.memory", "is required"),
    ("cluster-empty-text", _config(dixie__cluster=""), (), "dixie:cluster", "is empty"),
    (
        "vpc-trailing-newline",
        _config(dixie__vpcId="vpc-0d08ce69dba7485da\n"),
        (),
        "dixie:vpcId",
        "whitespace or control characters",
    ),
    (
        "image-trailing-newline",
        _config(dixie__imageTag="b3eef1a\n"),
        (),
        "dixie:imageTag",
        "whitespace or control characters",
    ),
    (
        "url-with-tab",
        _config(**_with("finn", url="https://finn-armitage.arr\takis.community")),
        (),
        "dixie:finn.url",
        "whitespace or control characters",
    ),
    (
        "nats-trailing-newline",
        _config(**_with("nats", url="tls://nats.arrakis-staging.local:4222\n")),
        (),
        "dixie:nats.url",
        "whitespace or control characters",
    ),
    (
        "full-width-account",
        _config(aws__allowedAccountIds=["".join(chr(0xFF10 + int(d)) for d in "891376933289")]),
        (),
        "aws:allowedAccountIds",
        "non-ASCII",
    ),
    ("arabic-digit-region", _config(aws__region="us-east-\u0661"), (), "aws:region", "non-ASCII"),
    (
        "misspelt-namespace",
        _config(dixi__databasePassword=_SECRET),
        ("dixi:databasePassword",),
        "dixi:databasePassword",
        "did you mean dixie:databasePassword?",
    ),
    ("aws-key-nobody-reads", _config(aws__profile="prod"), (), "aws:profile", "any other would be ignored"),
    ("pulumi-key-nobody-reads", _config(pulumi__tags='{"a": "b"}'), (), "pulumi:tags", "unknown key"),
    (
        "secret-aws-key",
        _config(),
        ("aws:region",),
        "aws:region",
        "is set as a secret",
    ),
    (
        "shell-in-email",
        _config(dixie__alarmEmail="$(id)@evil.example"),
        (),
        "dixie:alarmEmail",
        "plain email address",
    ),
    (
        "credentials-in-url",
        _config(**_with("finn", url=f"https://operator:{_SECRET}@finn-armitage.arrakis.community")),
        (),
        "dixie:finn.url",
        "must not carry credentials",
    ),
    (
        "token-in-url-with-bad-host",
        _config(**_with("nats", url=f"tls://{_SECRET}@nats bad:4222")),
        (),
        "dixie:nats.url",
        "must not carry credentials",
    ),
    (
        "json-nan",
        _config(dixie__desiredCount=float("nan")),
        (),
        "dixie:desiredCount",
        "must be a whole number",
    ),
    ("float-count", _config(dixie__desiredCount=1.0), (), "dixie:desiredCount", "must be a whole number"),
    (
        "big-json-integer",
        _config(dixie__task='{"cpu": ' + "9" * 5000 + ', "memory": 512}'),
        (),
        "dixie:task",
        "must be an object",
    ),
]


@pytest.mark.parametrize(
    ("case", "config", "secret_keys", "key", "says"), HOSTILE_CLI, ids=[h[0] for h in HOSTILE_CLI]
)
def test_hostile_cli_config_is_refused_before_anything_is_registered(
    case: str, config: dict[str, Any], secret_keys: tuple[str, ...], key: str, says: str
) -> None:
    mocks = OfflineMocks()
    with pytest.raises(SettingsError) as raised:
        run("armitage", config, secret_keys, mocks)
    messages = [p.message for p in raised.value.problems if p.key == key]
    assert any(says in m for m in messages), str(raised.value)
    assert _SECRET not in str(raised.value)
    assert [t for t, _ in mocks.registered if not t.startswith("pulumi:")] == []


def test_a_long_bad_value_is_echoed_shortened() -> None:
    values, aws = split_config(_config(dixie__cluster="x" * 400 + "!"))
    with pytest.raises(SettingsError) as raised:
        parse_settings("armitage", values, aws)
    (problem,) = raised.value.problems
    assert problem.key == "dixie:cluster" and "more characters" in problem.message
    assert len(problem.message) < 250


def test_what_pulumi_config_set_writes_is_accepted(tmp_path: Path) -> None:
    # `pulumi config set dixie:desiredCount 0` writes the text "0"; the CLI hands it over as text.
    text = _file("dixie:desiredCount: 1", 'dixie:desiredCount: "0"') + '  dixie:redisAuth: "false"\n'
    (tmp_path / "Pulumi.armitage.yaml").write_text(text)
    settings = load_stack_file("armitage", tmp_path)
    assert settings.desired_count == 0 and settings.redis_auth is False


def test_engine_key_and_its_type_are_checked() -> None:
    assert load_stack_file("armitage").region == "us-east-1"  # holds pulumi:disable-default-providers
    # As the CLI hands it over: JSON text.
    settings, problems = validate_config(
        "armitage", {**_config(), "pulumi:disable-default-providers": '["*"]'}
    )
    assert problems == [] and settings is not None
    with pytest.raises(SettingsError, match="pulumi:disable-default-providers: must be a list"):
        run("armitage", _config(**{"pulumi__disable-default-providers": "aws"}))
