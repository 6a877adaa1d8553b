"""The migrations check reads a real PostgreSQL, and gives the app's password only to a server
that proves its identity.

The impostors are tests/scripts/fake_postgres.py: one refuses TLS, one offers a self-signed
certificate; both ask for the password in clear and record every byte they receive. The honest
server is a real PostgreSQL with TLS and SCRAM (tests/fixtures/postgres.py).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from dixie_infra.names import EXPECTED_MIGRATIONS
from scripts import verify_deploy
from scripts.verify_deploy.context import DATABASE_CA_FLAG, INSECURE_DATABASE_FLAG
from tests.fixtures.postgres import PgServer
from tests.scripts.fake_postgres import (
    FakePostgres,
    fixture_impostor,  # noqa: F401 - a fixture, asked for by name
    fixture_plain,  # noqa: F401 - a fixture, asked for by name
    self_signed_certificate,
)
from tests.scripts.peers import Peers
from tests.scripts.peers_aws import SETTINGS
from tests.scripts.verify_support import (
    failing,
    fixture_http_peers,  # noqa: F401 - a fixture, asked for by name
    fixture_peers,  # noqa: F401 - a fixture, asked for by name
    fixture_servers,  # noqa: F401 - a fixture, asked for by name
    run,
    status_of,
)

APP_PASSWORD = "app-secret-4"
#: The local plain-TCP PostgreSQL of these tests proves nothing; the operator lets it through.
LOCAL = INSECURE_DATABASE_FLAG


def create_migrations(url: str, applied: int) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE _migrations (id serial PRIMARY KEY, filename text UNIQUE NOT NULL,"
            " checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        for filename in EXPECTED_MIGRATIONS[:applied]:
            conn.execute("INSERT INTO _migrations (filename, checksum) VALUES (%s, 'x')", (filename,))


def migrations_detail(document: dict[str, Any]) -> str:
    return str(next(c["detail"] for c in document["checks"] if c["id"] == "migrations"))


# --- what the check reads ------------------------------------------------------------------------


@pytest.mark.parametrize(("applied", "expected"), [(13, set()), (12, {"migrations"})])
def test_migrations_check_reads_the_database(
    peers: Peers,
    pg_case: Any,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    applied: int,
    expected: set[str],
) -> None:
    with pg_case.server.connect() as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(pg_case.database)))
    url = pg_case.admin_url(dbname=pg_case.database)
    create_migrations(url, applied)
    monkeypatch.setenv(verify_deploy.DATABASE_URL_ENV, url)
    code, document = run(peers, "--only", "migrations", LOCAL, capsys=capsys)
    assert failing(document) == expected
    assert status_of(document, "migrations") == ("fail" if expected else "pass")
    assert code == (1 if expected else 0)
    if expected:
        assert EXPECTED_MIGRATIONS[-1] in migrations_detail(document)
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
    code, document = run(peers, "--only", "migrations", LOCAL, capsys=capsys)
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


# --- who gets the password -----------------------------------------------------------------------


def check_against(
    http_peers: Peers,
    url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    *extra: str,
) -> tuple[int, dict[str, Any]]:
    monkeypatch.setenv(verify_deploy.DATABASE_URL_ENV, url)
    return run(http_peers, "--only", "migrations", *extra, capsys=capsys)


def leaked(server: FakePostgres) -> bool:
    return APP_PASSWORD.encode() in bytes(server.received) or bool(server.passwords)


# The program's DATABASE_URL names no TLS settings; sslmode=require encrypts but accepts any
# certificate. Neither proves who answers.
@pytest.mark.parametrize(
    ("peer", "query"), [("plain", ""), ("plain", "sslmode=prefer"), ("impostor", "sslmode=require")]
)
def test_a_server_that_does_not_prove_its_identity_never_sees_the_password(
    http_peers: Peers,
    aws_env: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    request: pytest.FixtureRequest,
    peer: str,
    query: str,
) -> None:
    server: FakePostgres = request.getfixturevalue(peer)
    code, document = check_against(
        http_peers, server.url(APP_PASSWORD, user="dixie", query=query), monkeypatch, capsys
    )
    detail = migrations_detail(document)
    assert code == 1
    assert status_of(document, "migrations") == "fail"
    assert server.connections >= 1  # it was reached and asked for the password in clear
    assert not leaked(server)
    assert "did not prove its identity" in detail
    assert DATABASE_CA_FLAG in detail
    assert APP_PASSWORD not in json.dumps(document)


def test_the_local_opt_out_does_send_the_password_which_is_why_it_is_local_only(
    http_peers: Peers,
    aws_env: str,
    plain: FakePostgres,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The peer records a password when one is sent: the test above would notice a leak.
    code, document = check_against(
        http_peers, plain.url(APP_PASSWORD, user="dixie"), monkeypatch, capsys, LOCAL
    )
    assert code == 1
    assert plain.passwords == [APP_PASSWORD.encode()]
    assert APP_PASSWORD not in json.dumps(document)


@pytest.mark.parametrize("host", ["10.255.255.1", "db.example.com", "[2001:db8::1]"])
def test_the_local_opt_out_is_refused_for_a_database_elsewhere(
    http_peers: Peers,
    aws_env: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    host: str,
) -> None:
    url = f"postgresql://dixie:{APP_PASSWORD}@{host}:5432/dixie"
    code, document = check_against(http_peers, url, monkeypatch, capsys, LOCAL)
    assert code == 1
    assert status_of(document, "migrations") == "fail"
    assert "only for a database on this machine" in migrations_detail(document)


@pytest.fixture
def tls_database(pg_tls_server: PgServer) -> Iterator[str]:
    """A database on the TLS server with all migrations applied, owned by an app role with a
    SCRAM password; the app's URL as the program writes it (no TLS settings)."""
    prefix = f"t{secrets.token_hex(4)}_"
    role, database = f"{prefix}app", f"{prefix}db"
    with pg_tls_server.connect() as admin:
        admin.execute(
            sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                sql.Identifier(role), sql.Literal(APP_PASSWORD)
            )
        )
        admin.execute(
            sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(database), sql.Identifier(role))
        )
    url = pg_tls_server.url(role, APP_PASSWORD, database)
    create_migrations(url, len(EXPECTED_MIGRATIONS))
    try:
        yield url
    finally:
        with pg_tls_server.connect() as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))
            admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


def test_a_real_server_proves_itself_by_scram_channel_binding_with_no_flag(
    http_peers: Peers,
    aws_env: str,
    tls_database: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, document = check_against(http_peers, tls_database, monkeypatch, capsys)
    assert (code, status_of(document, "migrations")) == (0, "pass"), migrations_detail(document)


def test_the_database_ca_flag_checks_the_servers_certificate(
    http_peers: Peers,
    aws_env: str,
    pg_tls_server: PgServer,
    tls_database: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    assert pg_tls_server.ca_file is not None
    code, document = check_against(
        http_peers, tls_database, monkeypatch, capsys, DATABASE_CA_FLAG, str(pg_tls_server.ca_file)
    )
    assert (code, status_of(document, "migrations")) == (0, "pass"), migrations_detail(document)
    # Against a CA that did not sign the server's certificate, the handshake stops it.
    other_ca, _ = self_signed_certificate(tmp_path, "another-ca")
    code, document = check_against(
        http_peers, tls_database, monkeypatch, capsys, DATABASE_CA_FLAG, str(other_ca)
    )
    assert code == 1
    assert "SSL negotiation" in migrations_detail(document)
    assert APP_PASSWORD not in json.dumps(document)


def test_a_database_ca_that_is_not_a_file_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code = verify_deploy.main(["--only", "migrations", DATABASE_CA_FLAG, str(tmp_path / "missing.pem")])
    err = capsys.readouterr().err
    assert code == 2
    assert DATABASE_CA_FLAG in err and "not a readable file" in err
