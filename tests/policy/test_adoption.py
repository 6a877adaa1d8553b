"""The adoption exception: the first, adopting ``pulumi up`` runs with ``dixie:redisAuth: false``
and passes the pack only through ``policy/adoption.json``, for the one replication group it names,
until its expiry. The same stack without the file, after the expiry, or for another group fails.

Also the config file itself, as ``make plan`` reads it (``DIXIE_POLICY_CONFIG``) and as the CLI
reads it (``--policy-pack-config``, validated against each policy's schema)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import dixie_policies
import jsonschema
import pytest
from dixie_policies import elasticache
from google.protobuf import struct_pb2
from pulumi.runtime import proto
from pulumi_policy import EnforcementLevel
from pulumi_policy.deserialize import serialize_properties
from pulumi_policy.policy import _PolicyAnalyzerServicer

from dixie_infra.offline import Evaluation, OfflineMocks
from dixie_infra.offline.policies import (
    POLICY_CONFIG_ENV,
    PackConfig,
    PolicyConfigError,
    check_policies,
    load_pack_config,
    parse_pack_config,
)
from tests.policy.support import POLICIES, messages, redis
from tests.program.conftest import armitage_config, run

ADOPTION_FILE = Path(__file__).resolve().parents[2] / "policy" / "adoption.json"
COMMITTED = json.loads(ADOPTION_FILE.read_text())
EXPIRES = date.fromisoformat(COMMITTED["elasticache-auth"]["adoptionWithoutAuth"]["expires"])
NO_AUTH = "authToken or userGroupIds must be set (Redis AUTH or RBAC)"


@pytest.fixture(scope="module")
def adopting() -> Evaluation:
    """Armitage as the adoption guide configures it for the first ``up``."""
    config, secret_keys = armitage_config()
    return run(
        "armitage", {**config, "dixie:redisAuth": False}, secret_keys, OfflineMocks(account="891376933289")
    )


@pytest.fixture
def on(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Set the pack's clock to a day."""

    def set_day(day: date) -> None:
        monkeypatch.setattr(elasticache, "today", lambda: day)

    return set_day


def mandatory(evaluation: Evaluation, pack_config: PackConfig | None) -> list[tuple[str, str]]:
    return [
        (f.policy, f.message)
        for f in check_policies(evaluation, pack_config=pack_config or PackConfig({}, {}))
        if f.level == "mandatory"
    ]


def test_adopting_run_passes_with_the_committed_exception_before_it_expires(adopting: Evaluation, on) -> None:  # type: ignore[no-untyped-def]
    on(EXPIRES)
    assert mandatory(adopting, load_pack_config(ADOPTION_FILE)) == []


def test_same_run_without_the_exception_fails(adopting: Evaluation, on) -> None:  # type: ignore[no-untyped-def]
    on(EXPIRES)
    assert mandatory(adopting, None) == [("elasticache-auth", f"ReplicationGroup 'redis-group': {NO_AUTH}")]


def test_the_exception_expires(adopting: Evaluation, on) -> None:  # type: ignore[no-untyped-def]
    on(date.fromordinal(EXPIRES.toordinal() + 1))
    assert mandatory(adopting, load_pack_config(ADOPTION_FILE)) == [
        (
            "elasticache-auth",
            f"ReplicationGroup 'redis-group': {NO_AUTH}; the adoption exception for 'dixie-armitage' "
            f"expired on {EXPIRES.isoformat()}",
        )
    ]


def exception(group: str = "dixie-armitage", expires: str = "2026-03-10") -> dict:
    return {"adoptionWithoutAuth": {"replicationGroupId": group, "expires": expires}}


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        (
            exception(group="dixie-production"),
            "names replication group 'dixie-production', not 'dixie-armitage'",
        ),
        (exception(expires="2026-03-25"), "must expire within 14 days"),
        (exception(expires="2026-03-02"), "expired on 2026-03-02"),
        (exception(expires="2026-02-30"), "adoptionWithoutAuth.expires is not a calendar date"),
        (exception(expires="10 March 2026"), "adoptionWithoutAuth needs replicationGroupId and expires"),
        (
            {"adoptionWithoutAuth": {"replicationGroupId": "dixie-armitage"}},
            "needs replicationGroupId and expires",
        ),
        ({"adoptionWithoutAuth": "dixie-armitage"}, "must be an object with replicationGroupId and expires"),
    ],
)
def test_the_exception_is_narrow(on, config: dict, expected: str) -> None:  # type: ignore[no-untyped-def]
    on(date(2026, 3, 3))
    unauthenticated = redis(authToken=None)
    found = messages("elasticache-auth", unauthenticated, config=config)
    assert len(found) == 1 and found[0].startswith(f"ReplicationGroup 'redis-group': {NO_AUTH}; "), found
    assert expected in found[0]


def test_the_exception_admits_exactly_its_group_on_its_last_day(on) -> None:  # type: ignore[no-untyped-def]
    on(date(2026, 3, 10))
    assert messages("elasticache-auth", redis(authToken=None), config=exception()) == []


def test_the_exception_changes_nothing_for_a_group_with_auth_or_for_other_rules(on) -> None:  # type: ignore[no-untyped-def]
    on(date(2026, 3, 3))
    assert messages("elasticache-auth", redis(), config=exception()) == []
    # Encryption is another policy: the adoption config does not reach it.
    assert messages("elasticache-encryption", redis(authToken=None, transitEncryptionEnabled=False))


def test_committed_file_is_what_the_cli_accepts() -> None:
    # The CLI validates each policy's entry against its config schema before running the pack.
    for name, entry in COMMITTED.items():
        schema = POLICIES[name].config_schema
        assert schema is not None
        jsonschema.validate(
            entry, {"type": "object", "properties": schema.properties, "additionalProperties": False}
        )
    assert set(COMMITTED) == {"elasticache-auth"}


def test_schema_refuses_extra_settings_in_the_exception() -> None:
    schema = POLICIES["elasticache-auth"].config_schema
    assert schema is not None
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(
            {"adoptionWithoutAuth": {"replicationGroupId": "x", "expires": "2026-01-01", "stacks": "*"}},
            {"type": "object", "properties": schema.properties},
        )


# --- the config file as make plan reads it ------------------------------------------------------


def test_make_plan_reads_the_file_named_in_the_environment(
    adopting: Evaluation,
    on,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    on(EXPIRES)
    monkeypatch.setenv(POLICY_CONFIG_ENV, str(ADOPTION_FILE))
    assert [f for f in check_policies(adopting) if f.level == "mandatory"] == []
    monkeypatch.setenv(POLICY_CONFIG_ENV, "")
    assert [f.policy for f in check_policies(adopting) if f.level == "mandatory"] == ["elasticache-auth"]


def test_levels_in_the_file_apply_as_the_cli_applies_them(adopting: Evaluation) -> None:
    raised = parse_pack_config('{"elasticache-failover": "mandatory"}')
    assert ("elasticache-failover", "mandatory") in {
        (f.policy, f.level) for f in check_policies(adopting, pack_config=raised)
    }
    lowered = parse_pack_config('{"all": "advisory"}')
    assert {f.level for f in check_policies(adopting, pack_config=lowered)} == {"advisory"}
    disabled = parse_pack_config('{"all": "advisory", "elasticache-auth": "disabled"}')
    assert "elasticache-auth" not in {f.policy for f in check_policies(adopting, pack_config=disabled)}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{", "is not valid JSON (line 1, column 2)"),
        ('["elasticache-auth"]', "must be a JSON object keyed by policy name"),
        ('{"elasticache-auth": {}, "elasticache-auth": {}}', "key 'elasticache-auth' appears more than once"),
        ('{"redis-auth": {}}', "names no policy of the pack: 'redis-auth'"),
        (
            '{"elasticache-auth": {"adoption": {}}}',
            "elasticache-auth.adoption is not a setting of elasticache-auth",
        ),
        (
            '{"elasticache-auth": "off"}',
            "'elasticache-auth' must be one of advisory, mandatory, remediate, disabled",
        ),
        ('{"elasticache-auth": 3}', "'elasticache-auth' must be an enforcement level or an object"),
        ('{"all": true}', "'all' must be one of"),
    ],
)
def test_bad_config_files_are_refused_with_one_line(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "adoption.json"
    path.write_text(text)
    with pytest.raises(PolicyConfigError) as raised:
        load_pack_config(path)
    message = str(raised.value)
    assert message.startswith(f"policy config {path}: ") and expected in message
    assert "\n" not in message


def test_unreadable_or_huge_config_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(PolicyConfigError, match="cannot be read"):
        load_pack_config(tmp_path / "missing.json")
    huge = tmp_path / "huge.json"
    huge.write_text(" " * 70_000 + "{}")
    with pytest.raises(PolicyConfigError, match="larger than 65536 bytes"):
        load_pack_config(huge)
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe{}")
    with pytest.raises(PolicyConfigError, match="is not UTF-8"):
        load_pack_config(binary)


def test_config_errors_never_quote_the_file(tmp_path: Path) -> None:
    path = tmp_path / "leaky.json"
    path.write_text('{"elasticache-auth": {"adoptionWithoutAuth": "hunter2-secret-value"')
    with pytest.raises(PolicyConfigError) as raised:
        load_pack_config(path)
    assert "hunter2" not in str(raised.value)


# --- the exception through pulumi-policy's own analyzer service, as the CLI delivers it ----------


def test_the_analyzer_service_applies_the_committed_exception(adopting: Evaluation, on) -> None:  # type: ignore[no-untyped-def]
    # The CLI sends --policy-pack-config to the pack through Configure; the analyzer then hands each
    # policy its properties. Same verdicts as the in-process runner, with and without the file.
    on(EXPIRES)
    group = adopting.one("aws:elasticache/replicationGroup:ReplicationGroup")
    properties = struct_pb2.Struct()
    properties.update(serialize_properties(group.plain))

    def analyzer_messages(config: dict | None) -> list[str]:
        servicer = _PolicyAnalyzerServicer(
            name=dixie_policies.PACK_NAME,
            version="0.0.1",
            policies=[POLICIES["elasticache-auth"]],
            enforcement_level=EnforcementLevel.MANDATORY,
        )
        if config is not None:
            entry = proto.PolicyConfig(enforcementLevel=proto.MANDATORY)
            entry.properties.update(config)
            servicer.Configure(proto.ConfigureAnalyzerRequest(policyConfig={"elasticache-auth": entry}), None)
        response = servicer.Analyze(
            proto.AnalyzeRequest(type=group.type, properties=properties, urn=group.urn, name=group.name), None
        )
        # The analyzer prefixes each message with the policy's description.
        return [d.message.split("\n", 1)[-1] for d in response.diagnostics]

    assert analyzer_messages(COMMITTED["elasticache-auth"]) == []
    assert analyzer_messages(None) == [f"ReplicationGroup 'redis-group': {NO_AUTH}"]
    on(date.fromordinal(EXPIRES.toordinal() + 1))
    assert [m.split(";")[1].strip() for m in analyzer_messages(COMMITTED["elasticache-auth"])] == [
        f"the adoption exception for 'dixie-armitage' expired on {EXPIRES.isoformat()}"
    ]
