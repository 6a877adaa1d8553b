"""No password leaves the machine for a PostgreSQL server that has not proved its identity.

The peer is tests/scripts/fake_postgres.py: it refuses TLS or offers a self-signed certificate,
then asks for the password in clear, and records every byte it receives.
"""

from __future__ import annotations

import json
import secrets

import pytest
from psycopg import sql

from scripts.bootstrap_db import INSECURE_FLAG, main
from tests.fixtures.postgres import PgServer
from tests.scripts.fake_postgres import (
    FakePostgres,
    fixture_impostor,  # noqa: F401 - a fixture, asked for by name
    fixture_plain,  # noqa: F401 - a fixture, asked for by name
    self_signed_certificate,
)

ADMIN_PASSWORD = "admin-secret-1"
APP_PASSWORD = "app-secret-2"


def bootstrap(server: FakePostgres, query: str, *extra: str) -> int:
    app = f"postgresql://dixie:{APP_PASSWORD}@127.0.0.1:{server.port}/dixie"
    return main(
        ["--database-url", app, "--admin-url", server.url(password=ADMIN_PASSWORD, query=query),
         "--connect-timeout", "3", *extra]
    )  # fmt: skip


def leaked(server: FakePostgres) -> bool:
    seen = bytes(server.received)
    return ADMIN_PASSWORD.encode() in seen or APP_PASSWORD.encode() in seen or bool(server.passwords)


@pytest.mark.parametrize("query", ["", "sslmode=prefer", "sslmode=disable", "sslmode=allow"])
def test_a_server_refusing_tls_never_sees_a_password(
    plain: FakePostgres, capsys: pytest.CaptureFixture[str], query: str
) -> None:
    code = bootstrap(plain, query)
    err = capsys.readouterr().err
    assert code == 2
    assert "refusing to send a password" in err
    assert INSECURE_FLAG in err
    assert not leaked(plain)
    assert plain.connections == 0  # refused before any connection


def test_sslmode_require_to_a_self_signed_server_never_sends_a_password(
    impostor: FakePostgres, capsys: pytest.CaptureFixture[str]
) -> None:
    # require encrypts but verifies nothing: an impostor with any certificate would be told.
    code = bootstrap(impostor, "sslmode=require")
    assert code == 2
    assert "proves its identity" in capsys.readouterr().err
    assert not leaked(impostor)


def test_verify_full_against_another_ca_fails_the_handshake_and_sends_nothing(
    impostor: FakePostgres, capsys: pytest.CaptureFixture[str], tmp_path: object
) -> None:
    from pathlib import Path

    trusted, _ = self_signed_certificate(Path(str(tmp_path)), "our-ca")
    code = bootstrap(impostor, f"sslmode=verify-full&sslrootcert={trusted}")
    err = capsys.readouterr().err
    assert code == 1
    assert "SSL negotiation" in err or "certificate" in err
    assert impostor.connections >= 1  # it really tried, and the handshake stopped it
    assert not leaked(impostor)


def test_channel_binding_require_never_answers_a_cleartext_request(
    impostor: FakePostgres, capsys: pytest.CaptureFixture[str]
) -> None:
    code = bootstrap(impostor, "sslmode=require&channel_binding=require")
    assert code == 1
    assert impostor.connections >= 1  # it connected and was asked for the password in clear
    assert not leaked(impostor)
    assert ADMIN_PASSWORD not in capsys.readouterr().err


def test_the_opt_out_does_send_the_password_which_is_why_it_is_local_only(
    plain: FakePostgres, capsys: pytest.CaptureFixture[str]
) -> None:
    # The peer does record a password when one is sent: the tests above would notice a leak.
    code = bootstrap(plain, "", INSECURE_FLAG)
    assert code == 1
    assert plain.passwords == [ADMIN_PASSWORD.encode()]
    assert ADMIN_PASSWORD not in capsys.readouterr().err


@pytest.mark.parametrize("host", ["10.0.0.5", "db.example.com", "[2001:db8::1]"])
def test_the_opt_out_is_refused_for_a_server_elsewhere(capsys: pytest.CaptureFixture[str], host: str) -> None:
    code = main(
        ["--database-url", f"postgresql://dixie:{APP_PASSWORD}@{host}:5432/dixie",
         "--admin-url", f"postgresql://postgres:{ADMIN_PASSWORD}@{host}:5432", INSECURE_FLAG]
    )  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2
    assert "only for a server on this machine" in err
    assert ADMIN_PASSWORD not in err


def test_an_unknown_region_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--stack", "armitage", "--region", "bogus", "--admin-url", "postgresql://a:b@127.0.0.1"])
    err = capsys.readouterr().err
    assert code == 2
    assert "unknown region 'bogus'" in err
    assert "<html" not in err.lower()


@pytest.mark.parametrize(
    "transport",
    [
        pytest.param("sslmode=verify-full&sslrootcert={ca}", id="verify-full"),
        pytest.param("sslmode=verify-ca&sslrootcert={ca}", id="verify-ca"),
        pytest.param("sslmode=require&channel_binding=require", id="scram-channel-binding"),
    ],
)
def test_a_real_server_that_proves_its_identity_is_bootstrapped(
    pg_tls_server: PgServer, capsys: pytest.CaptureFixture[str], transport: str
) -> None:
    prefix = f"t{secrets.token_hex(4)}_"
    query = transport.format(ca=pg_tls_server.ca_file)
    app = pg_tls_server.url(f"{prefix}app", APP_PASSWORD, f"{prefix}db")
    admin = pg_tls_server.url(dbname=None) + f"?{query}"
    try:
        code = main(["--database-url", app, "--admin-url", admin, "--json"])
        out = capsys.readouterr()
        assert code == 0, out.err
        assert json.loads(out.out)["result"] == "ok"
        assert pg_tls_server.can_login(f"{prefix}app", APP_PASSWORD, f"{prefix}db")
    finally:
        with pg_tls_server.connect() as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(f"{prefix}db"))
            )
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(f"{prefix}app")))


@pytest.mark.parametrize(
    "query",
    [
        # prefer binds the channel only when the server offers SCRAM-PLUS, and otherwise answers a
        # cleartext request like any other mode.
        pytest.param("sslmode=require&channel_binding=prefer", id="channel-binding-prefer"),
        # without sslrootcert, the trust anchor is whatever ~/.postgresql/root.crt holds
        pytest.param("sslmode=verify-full", id="verify-full-without-a-ca-bundle"),
        pytest.param("sslmode=verify-ca", id="verify-ca-without-a-ca-bundle"),
    ],
)
def test_a_transport_short_of_proof_is_refused_before_connecting(
    impostor: FakePostgres, capsys: pytest.CaptureFixture[str], query: str
) -> None:
    code = bootstrap(impostor, query)
    assert code == 2
    assert "refusing to send a password" in capsys.readouterr().err
    assert impostor.connections == 0
    assert not leaked(impostor)
