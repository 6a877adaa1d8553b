"""bootstrap_db against a real PostgreSQL: the server is given the app role's SCRAM verifier,
computed on this machine, never the password itself.

tests/scripts/test_bootstrap_db*.py hold the rest of the tool's tests; this one needs an admin of
its own.
"""

from __future__ import annotations

import json

import pytest
from psycopg import sql

from scripts.bootstrap_db import INSECURE_FLAG, main
from tests.fixtures.postgres import PgCase


def test_the_server_is_given_a_verifier_never_the_password(
    pg_case: PgCase, capsys: pytest.CaptureFixture[str]
) -> None:
    # The admin's sessions hash any plaintext PASSWORD they are given as md5. A verifier computed
    # client-side is stored as it is, SCRAM, whatever the session would have chosen.
    admin, admin_password = pg_case.name("admin"), "admin-" + pg_case.prefix + "#2"
    with pg_case.server.connect() as conn:
        conn.execute(
            sql.SQL("CREATE ROLE {} LOGIN CREATEROLE CREATEDB PASSWORD {}").format(
                sql.Identifier(admin), sql.Literal(admin_password)
            )
        )
        conn.execute(sql.SQL("ALTER ROLE {} SET password_encryption = 'md5'").format(sql.Identifier(admin)))
    admin_url = pg_case.server.url(admin, admin_password, dbname=None)

    code = main(["--database-url", pg_case.app_url(), "--admin-url", admin_url, "--json", INSECURE_FLAG])

    out = capsys.readouterr()
    assert code == 0, out.err
    assert json.loads(out.out)["result"] == "ok"
    with pg_case.server.connect() as conn:
        row = conn.execute("SELECT rolpassword FROM pg_authid WHERE rolname = %s", (pg_case.role,)).fetchone()
    assert row is not None and row[0].startswith("SCRAM-SHA-256$")
    assert pg_case.server.can_login(pg_case.role, pg_case.password, pg_case.database)
