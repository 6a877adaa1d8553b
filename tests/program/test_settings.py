"""Configuration validation: every bad input is named with what is allowed, all at once, before
any resource is registered."""

from __future__ import annotations

from typing import Any

import pytest

from dixie_infra.offline import OfflineMocks
from dixie_infra.settings import SettingsError, load_stack_file, parse_settings, split_config
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
