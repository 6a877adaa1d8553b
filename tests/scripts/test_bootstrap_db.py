"""bootstrap_db creates the role, database and grants, converges what exists, and is idempotent."""

from __future__ import annotations

from typing import Any

import pytest
from psycopg import sql

from scripts.bootstrap_db import ADMIN_URL_ENV
from tests.fixtures.postgres import PgCase, PgServer
from tests.scripts.bootstrap_support import (
    prefixed_objects,
    run_bootstrap,
    standard_args,
)


def role_row(server: PgServer, role: str) -> tuple[Any, ...] | None:
    with server.connect() as conn:
        return conn.execute(
            "SELECT rolcanlogin, rolsuper FROM pg_roles WHERE rolname = %s", (role,)
        ).fetchone()


def database_owner(server: PgServer, database: str) -> str | None:
    with server.connect() as conn:
        row = conn.execute(
            "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s", (database,)
        ).fetchone()
    return row[0] if row else None


def test_fresh_bootstrap_creates_role_database_grants_and_proves_app_can_write(
    pg_case: PgCase, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    run = run_bootstrap(pg_case, capsys, caplog, *standard_args(pg_case, "--json"))

    assert run.code == 0, run.err
    assert run.statuses == {
        "admin login": "verified",
        "role": "created",
        "admin membership": "not needed",
        "database": "created",
        "database privileges": "created",
        "schema privileges": "created",
        "app login": "verified",
    }
    assert run.doc["result"] == "ok"
    assert role_row(pg_case.server, pg_case.role) == (True, False)
    assert database_owner(pg_case.server, pg_case.database) == pg_case.role
    with pg_case.server.connect(pg_case.database) as conn:
        granted = conn.execute(
            "SELECT has_database_privilege(%(r)s, %(d)s, 'CONNECT'),"
            " has_database_privilege(%(r)s, %(d)s, 'CREATE'),"
            " has_database_privilege(%(r)s, %(d)s, 'TEMPORARY'),"
            " has_schema_privilege(%(r)s, 'public', 'CREATE'),"
            " has_schema_privilege(%(r)s, 'public', 'USAGE')",
            {"r": pg_case.role, "d": pg_case.database},
        ).fetchone()
    assert granted == (True, True, True, True, True)
    with pg_case.server.connect(pg_case.database, pg_case.role, pg_case.password) as app:
        app.execute("CREATE TABLE dixie_writes (id int)")
        app.execute("INSERT INTO dixie_writes VALUES (1)")
        assert app.execute("SELECT count(*) FROM dixie_writes").fetchone() == (1,)
        # the probe table was dropped again
        leftovers = app.execute(
            "SELECT count(*) FROM pg_tables WHERE tablename LIKE '\\_dixie\\_bootstrap%%'"
        ).fetchone()
    assert leftovers == (0,)


def test_three_runs_in_a_row_are_idempotent(
    pg_case: PgCase, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    runs = [run_bootstrap(pg_case, capsys, caplog, *standard_args(pg_case, "--json")) for _ in "123"]

    assert [r.code for r in runs] == [0, 0, 0]
    for later in runs[1:]:
        assert later.statuses == {
            "admin login": "verified",
            "role": "already present",
            "admin membership": "not needed",
            "database": "already present",
            "database privileges": "already present",
            "schema privileges": "already present",
            "app login": "verified",
        }
        changed = [s for s in later.doc["steps"] if s["step"] != "app login" and s["statements"]]
        assert changed == []
    assert pg_case.server.can_login(pg_case.role, pg_case.password, pg_case.database)


def test_existing_role_with_another_password_is_synced_to_database_url(
    pg_case: PgCase, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    old = "old-password-" + pg_case.prefix
    with pg_case.server.connect() as conn:
        conn.execute(
            sql.SQL("CREATE ROLE {} NOLOGIN PASSWORD {}").format(
                sql.Identifier(pg_case.role), sql.Literal(old)
            )
        )

    run = run_bootstrap(pg_case, capsys, caplog, *standard_args(pg_case, "--json"), also_secret=[old])

    assert run.code == 0, run.err
    assert run.statuses["role"] == "updated"
    role_step = next(s for s in run.doc["steps"] if s["step"] == "role")
    assert role_step["statements"] == [f"ALTER ROLE \"{pg_case.role}\" WITH LOGIN PASSWORD '***'"]
    assert not pg_case.server.can_login(pg_case.role, old)
    assert pg_case.server.can_login(pg_case.role, pg_case.password)
    # the password is stored as a SCRAM verifier computed client-side, never as plaintext
    with pg_case.server.connect() as conn:
        stored = conn.execute(
            "SELECT rolpassword FROM pg_authid WHERE rolname = %s", (pg_case.role,)
        ).fetchone()
    assert stored is not None
    assert stored[0].startswith("SCRAM-SHA-256$")


def test_database_url_is_read_from_ssm_secure_string(
    pg_case: PgCase,
    aws: Any,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    aws.client("ssm").put_parameter(
        Name="/dixie/armitage/DATABASE_URL", Value=pg_case.app_url(), Type="SecureString"
    )
    monkeypatch.setenv(ADMIN_URL_ENV, pg_case.admin_url(dbname=None))

    run = run_bootstrap(pg_case, capsys, caplog, "--stack", "armitage", "--json")

    assert run.code == 0, run.err
    assert run.doc["databaseUrlSource"] == "SSM /dixie/armitage/DATABASE_URL"
    assert run.statuses["role"] == "created"
    assert pg_case.server.can_login(pg_case.role, pg_case.password, pg_case.database)


def test_missing_ssm_parameter_fails_and_says_how_to_fix(
    pg_case: PgCase,
    aws: Any,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    run = run_bootstrap(pg_case, capsys, caplog, "--admin-url", pg_case.admin_url())

    assert run.code == 1
    assert "/dixie/armitage/DATABASE_URL does not exist" in run.err
    assert prefixed_objects(pg_case) == []


def test_rds_style_admin_is_made_member_of_app_role_before_create_database(
    pg_case: PgCase, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    # RDS's master user: CREATEROLE and CREATEDB but no superuser
    admin, admin_password = pg_case.name("master"), "master-" + pg_case.prefix + "#1"
    with pg_case.server.connect() as conn:
        conn.execute(
            sql.SQL("CREATE ROLE {} LOGIN CREATEROLE CREATEDB PASSWORD {}").format(
                sql.Identifier(admin), sql.Literal(admin_password)
            )
        )
    admin_url = pg_case.server.url(admin, admin_password, dbname=None)
    args = ["--database-url", pg_case.app_url(), "--admin-url", admin_url, "--json"]

    first = run_bootstrap(pg_case, capsys, caplog, *args, also_secret=[admin_password])
    second = run_bootstrap(pg_case, capsys, caplog, *args, also_secret=[admin_password])

    assert first.code == 0, first.err
    assert first.statuses["admin membership"] == "created"
    assert first.statuses["database"] == "created"
    assert second.code == 0, second.err
    assert second.statuses["admin membership"] == "already present"
    assert database_owner(pg_case.server, pg_case.database) == pg_case.role


def test_admin_without_createdb_fails_with_permission_denied(
    pg_case: PgCase, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    admin, admin_password = pg_case.name("weak"), "weak-" + pg_case.prefix
    with pg_case.server.connect() as conn:
        conn.execute(
            sql.SQL("CREATE ROLE {} LOGIN CREATEROLE PASSWORD {}").format(
                sql.Identifier(admin), sql.Literal(admin_password)
            )
        )
    admin_url = pg_case.server.url(admin, admin_password)
    args = ["--database-url", pg_case.app_url(), "--admin-url", admin_url, "--json"]

    run = run_bootstrap(pg_case, capsys, caplog, *args, also_secret=[admin_password])

    assert run.code == 1
    assert run.statuses["database"] == "failed"
    assert "permission denied to create database" in run.err
    assert database_owner(pg_case.server, pg_case.database) is None


def test_database_owned_by_another_role_is_handed_to_the_app(
    pg_case: PgCase, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    with pg_case.server.connect() as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(pg_case.database)))

    run = run_bootstrap(pg_case, capsys, caplog, *standard_args(pg_case, "--json"))

    assert run.code == 0, run.err
    assert run.statuses["database"] == "updated"
    assert database_owner(pg_case.server, pg_case.database) == pg_case.role
