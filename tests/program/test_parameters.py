"""The eight SSM parameters: names, types, real values, secrets, and the config revision."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

import pytest

from dixie_infra.offline import Evaluation, OfflineMocks, is_secret, unwrap
from tests.program.conftest import armitage_config, run
from tests.program.helpers import environment, parameter_value, parameters

EXPECTED_TYPES = {
    "FINN_URL": "SecureString",
    "FINN_WS_URL": "SecureString",
    "DATABASE_URL": "SecureString",
    "REDIS_URL": "SecureString",
    "DIXIE_JWT_PRIVATE_KEY": "SecureString",
    "DIXIE_ADMIN_KEY": "SecureString",
    "NATS_URL": "String",
    "DIXIE_CORS_ORIGINS": "String",
}


def test_exactly_eight_parameters_with_the_facts_sheet_names_and_types(armitage: Evaluation) -> None:
    found = {r.plain["name"]: r.plain["type"] for r in parameters(armitage).values()}
    assert found == {f"/dixie/armitage/{k}": t for k, t in EXPECTED_TYPES.items()}


def test_parameter_values_are_real_not_placeholders(armitage: Evaluation) -> None:
    assert parameter_value(armitage, "FINN_URL") == "https://finn-armitage.arrakis.community"
    assert parameter_value(armitage, "FINN_WS_URL") == "wss://finn-armitage.arrakis.community"
    assert parameter_value(armitage, "DIXIE_CORS_ORIGINS") == "https://dixie-armitage.arrakis.community"
    assert parameter_value(armitage, "NATS_URL") == "tls://nats.arrakis-staging.local:4222"
    for key in ("DIXIE_JWT_PRIVATE_KEY", "DIXIE_ADMIN_KEY"):
        value = parameter_value(armitage, key)
        assert len(value) == 64 and all(c in "0123456789abcdef" for c in value)
    assert parameter_value(armitage, "DIXIE_JWT_PRIVATE_KEY") != parameter_value(armitage, "DIXIE_ADMIN_KEY")
    assert not any("PLACEHOLDER" in parameter_value(armitage, k) for k in EXPECTED_TYPES)


def test_database_url_points_at_the_rds_lookup_with_the_generated_password(armitage: Evaluation) -> None:
    (lookup,) = [a for t, a in armitage.invokes if t == "aws:rds/getInstance:getInstance"]
    assert lookup["dbInstanceIdentifier"] == "arrakis-staging-postgres"
    url = urlsplit(parameter_value(armitage, "DATABASE_URL"))
    assert url.scheme == "postgresql"
    host = url.hostname or ""
    assert host == "arrakis-staging-postgres.c" + host.split(".c", 1)[1]
    assert host.endswith(".us-east-1.rds.amazonaws.com")
    assert (url.username, url.port, url.path) == ("dixie", 5432, "/dixie")
    generated = armitage.one("random:index/randomPassword:RandomPassword", "parameters-database-password")
    assert is_secret(generated.outputs["result"])
    password = unwrap(generated.outputs["result"])
    assert unquote(url.password or "") == password
    assert url.password != password, "special characters in the password must be URL-encoded"


def test_database_by_host_skips_the_rds_lookup(production: Evaluation) -> None:
    assert [t for t, _ in production.invokes if t == "aws:rds/getInstance:getInstance"] == []
    url = urlsplit(parameter_value(production, "DATABASE_URL"))
    assert (url.hostname, url.port) == ("pgbouncer.honeyjar-production.local", 6432)


def test_every_secure_string_value_is_a_pulumi_secret(each_stack: Evaluation) -> None:
    for key, resource in parameters(each_stack).items():
        if resource.plain["type"] == "SecureString":
            assert is_secret(resource.inputs["value"]), key


def test_secret_overrides_adopt_existing_values() -> None:
    config, _ = armitage_config()
    jwt, admin, password = "a" * 64, "b" * 64, "p@ss/w:rd?#%-existing"
    config = {
        **config,
        "dixie:jwtPrivateKey": jwt,
        "dixie:adminKey": admin,
        "dixie:databasePassword": password,
    }
    keys = ["dixie:jwtPrivateKey", "dixie:adminKey", "dixie:databasePassword"]
    evaluation = run("armitage", config, keys)
    assert parameter_value(evaluation, "DIXIE_JWT_PRIVATE_KEY") == jwt
    assert parameter_value(evaluation, "DIXIE_ADMIN_KEY") == admin
    url = urlsplit(parameter_value(evaluation, "DATABASE_URL"))
    assert unquote(url.password or "") == password
    assert url.hostname and url.hostname.endswith(".rds.amazonaws.com")
    generated = [
        r.name for r in evaluation.resources if r.type.startswith("random:") and "parameters-" in r.name
    ]
    assert generated == []


@pytest.mark.parametrize("key", ["DIXIE_ADMIN_KEY", "NATS_URL", "DATABASE_URL"])
def test_changing_one_parameter_version_changes_the_task_definition(armitage: Evaluation, key: str) -> None:
    config, secret_keys = armitage_config()
    bumped = run(
        "armitage",
        config,
        secret_keys,
        OfflineMocks(account="891376933289", parameter_versions={f"/dixie/armitage/{key}": 2}),
    )
    before, after = (
        environment(armitage)["DIXIE_CONFIG_REVISION"],
        environment(bumped)["DIXIE_CONFIG_REVISION"],
    )
    assert len(before) == 12 and before != after
    task = "aws:ecs/taskDefinition:TaskDefinition"
    assert armitage.one(task).plain["containerDefinitions"] != bumped.one(task).plain["containerDefinitions"]


def test_unchanged_parameters_keep_the_revision(armitage: Evaluation) -> None:
    config, secret_keys = armitage_config()
    again = run("armitage", config, secret_keys, OfflineMocks(account="891376933289"))
    assert environment(again)["DIXIE_CONFIG_REVISION"] == environment(armitage)["DIXIE_CONFIG_REVISION"]
