"""scripts.bootstrap_db against a real PostgreSQL (scram-sha-256) and, for SSM, a moto server.

Every run goes through :func:`run_bootstrap`, which asserts that no password (admin, app, or any
other the test knows) appears in stdout, stderr or log records, raw or percent-encoded. The rig
is a plain-TCP server on 127.0.0.1, which is what ``--insecure-local-server`` is for; the refusal
of unproven servers is tested against a fake server in test_bootstrap_db_transport.py.
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from psycopg import sql

from dixie_infra.names import EXPECTED_MIGRATIONS
from scripts.bootstrap_db import ADMIN_URL_ENV, INSECURE_FLAG, main
from scripts.migrations import check_migrations, connect
from tests.fixtures.postgres import PgCase, PgServer

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def doc(self) -> dict[str, Any]:
        return json.loads(self.out)

    @property
    def statuses(self) -> dict[str, str]:
        return {s["step"]: s["status"] for s in self.doc["steps"]}


def assert_no_password(text: str, passwords: Iterable[str]) -> None:
    for password in passwords:
        for form in {password, quote(password, safe=""), quote(password)}:
            assert form not in text, "a password leaked into the output"


def run_bootstrap(
    case: PgCase,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    *argv: str,
    also_secret: Iterable[str] = (),
    insecure_local: bool = True,
) -> Run:
    # everything any logger (psycopg's, botocore's) says, however quiet, is checked for leaks
    caplog.set_level(logging.DEBUG)
    code = main([*argv, *([INSECURE_FLAG] if insecure_local else [])])
    out, err = capsys.readouterr()
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert_no_password(out + err + logged, [*case.passwords, *also_secret])
    assert "Traceback" not in err
    return Run(code, out, err)


def standard_args(case: PgCase, *extra: str) -> list[str]:
    return ["--database-url", case.app_url(), "--admin-url", case.admin_url(), *extra]


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


def prefixed_objects(case: PgCase) -> list[str]:
    pattern = case.prefix.replace("_", r"\_") + "%"
    with case.server.connect() as conn:
        rows = conn.execute(
            "SELECT rolname FROM pg_roles WHERE rolname LIKE %(p)s"
            " UNION ALL SELECT datname FROM pg_database WHERE datname LIKE %(p)s",
            {"p": pattern},
        ).fetchall()
    return [r[0] for r in rows]


def make_migrations(case: PgCase, filenames: Iterable[str]) -> None:
    with case.server.connect(case.database, case.role, case.password) as conn:
        conn.execute(
            "CREATE TABLE _migrations (id serial PRIMARY KEY, filename text UNIQUE NOT NULL,"
            " checksum text, applied_at timestamptz DEFAULT now())"
        )
        for name in filenames:
            conn.execute("INSERT INTO _migrations (filename, checksum) VALUES (%s, md5(%s))", (name, name))


# --- the bootstrap ------------------------------------------------------------------------------


def test_help_documents_every_flag_in_a_real_process() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "scripts.bootstrap_db", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    for flag in (
        "--stack",
        "--database-url",
        "--admin-url",
        ADMIN_URL_ENV,
        "--connect-timeout",
        "--check-migrations",
        "--dry-run",
        "--json",
        "exit codes",
    ):
        assert flag in done.stdout


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


# --- failures we can only see by connecting (exit 1) ---------------------------------------------


def test_wrong_admin_password_fails_without_leaking_either_password(
    pg_case: PgCase, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    wrong = "wrong-" + pg_case.prefix + "@x"
    args = ["--database-url", pg_case.app_url(), "--admin-url", pg_case.admin_url(password=wrong)]

    run = run_bootstrap(pg_case, capsys, caplog, *args, also_secret=[wrong])

    assert run.code == 1
    assert f"authentication failed for user postgres at 127.0.0.1:{pg_case.server.port}" in run.err
    assert len(run.err.strip().splitlines()) == 1
    assert prefixed_objects(pg_case) == []


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_closed_port_fails_within_the_connect_timeout(
    pg_case: PgCase, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    port = _closed_port()
    admin = pg_case.admin_url(port=port)
    run = run_bootstrap(
        pg_case, capsys, caplog, "--database-url", pg_case.app_url(), "--admin-url", admin,
        "--connect-timeout", "2",
    )  # fmt: skip

    assert run.code == 1
    assert f"cannot connect to 127.0.0.1:{port} within 2s (connection refused)" in run.err


def test_silent_server_times_out_at_the_connect_timeout(
    pg_case: PgCase, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    # a listener that never answers: the TCP handshake succeeds, the startup reply never comes
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = int(silent.getsockname()[1])
        run = run_bootstrap(
            pg_case, capsys, caplog, "--database-url", pg_case.app_url(),
            "--admin-url", pg_case.admin_url(port=port), "--connect-timeout", "2",
        )  # fmt: skip

    # libpq's own "timeout expired" is the reason (not a refusal, not our own deadline)
    assert run.code == 1
    assert f"cannot connect to 127.0.0.1:{port} within 2s (timed out)" in run.err


# --- input we can tell is wrong before connecting (exit 2) ---------------------------------------


@pytest.mark.parametrize(
    ("make_url", "message"),
    [
        (lambda c: c.app_url().replace(quote(c.password, safe=""), ""), "has no password"),
        (lambda c: c.app_url().replace(":" + quote(c.password, safe=""), ""), "has no password"),
        (lambda c: c.app_url().replace("postgresql://", "mysql://"), "has scheme 'mysql'"),
        (lambda c: c.app_url().replace("postgresql://", "http://"), "has scheme 'http'"),
        (lambda c: c.app_url(dbname=None), "names no database"),
        (lambda c: c.app_url() + "?sslmode=sometimes", "sslmode='sometimes'"),
        (lambda c: c.app_url() + "?password=other", "query parameter 'password'"),
        (lambda c: "postgresql://x:y@127.0.0.1:99999/d", "bad host or port"),
    ],
    ids=[
        "empty-password",
        "no-password",
        "mysql",
        "http",
        "no-database",
        "bad-sslmode",
        "password-param",
        "bad-port",
    ],
)
def test_malformed_database_url_is_refused_before_connecting(
    pg_case: PgCase,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    make_url: Any,
    message: str,
) -> None:
    run = run_bootstrap(
        pg_case, capsys, caplog, "--database-url", make_url(pg_case),
        "--admin-url", pg_case.admin_url(),
    )  # fmt: skip

    assert run.code == 2
    assert message in run.err
    assert len(run.err.strip().splitlines()) == 1
    assert prefixed_objects(pg_case) == []


def test_percent_encoded_characters_in_the_password_are_decoded_once(
    pg_case: PgCase, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    # "%41" must stay the three characters %41 (decoded once), not become "A"
    tricky = f"p%41ss w:rd/@#?&={pg_case.prefix}é"
    pg_case.password = tricky

    run = run_bootstrap(pg_case, capsys, caplog, *standard_args(pg_case))

    assert run.code == 0, run.err
    assert pg_case.server.can_login(pg_case.role, tricky, pg_case.database)
    assert not pg_case.server.can_login(pg_case.role, tricky.replace("%41", "A"))


def test_missing_admin_url_is_a_usage_error(
    pg_case: PgCase,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(ADMIN_URL_ENV, raising=False)

    run = run_bootstrap(pg_case, capsys, caplog, "--database-url", pg_case.app_url())

    assert run.code == 2
    assert f"no admin URL: set {ADMIN_URL_ENV}" in run.err


def test_admin_url_without_password_is_a_usage_error(
    pg_case: PgCase, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    admin = f"postgresql://postgres@127.0.0.1:{pg_case.server.port}"

    run = run_bootstrap(pg_case, capsys, caplog, "--database-url", pg_case.app_url(), "--admin-url", admin)

    assert run.code == 2
    assert "--admin-url has no password for user 'postgres'" in run.err


@pytest.mark.parametrize(
    ("user", "database", "message"),
    [
        ('dixie"; DROP ROLE postgres; --', None, "would need quoting"),
        ("dixie';select 1", None, "would need quoting"),
        (None, "dixie; DROP DATABASE postgres", "would need quoting"),
        (None, 'db"name', "would need quoting"),
        ("x" * 64, None, "is 64 bytes; PostgreSQL would truncate it"),
        (None, "é" * 32, "is 64 bytes; PostgreSQL would truncate it"),
        ("Dixie", None, "would need quoting"),
        ("user", None, "reserved SQL keyword"),
        ("pg_dixie", None, "reserved by PostgreSQL"),
        ("dixie\n", None, "would need quoting"),
        (None, "dixie\n", "would need quoting"),
    ],
    ids=[
        "role-quote",
        "role-semicolon",
        "db-semicolon",
        "db-quote",
        "role-64",
        "db-64-bytes",
        "upper",
        "keyword",
        "pg-prefix",
        "role-trailing-newline",
        "db-trailing-newline",
    ],
)
def test_hostile_names_are_refused_without_any_statement(
    pg_case: PgCase,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    user: str | None,
    database: str | None,
    message: str,
) -> None:
    url = pg_case.app_url(user=user or pg_case.role, dbname=database or pg_case.database)
    # the admin URL points at a listener that records any connection attempt
    with socket.socket() as sentinel:
        sentinel.bind(("127.0.0.1", 0))
        sentinel.listen(8)
        sentinel.setblocking(False)
        admin = pg_case.admin_url(port=int(sentinel.getsockname()[1]))

        run = run_bootstrap(pg_case, capsys, caplog, "--database-url", url, "--admin-url", admin)

        with pytest.raises(BlockingIOError):
            sentinel.accept()
    assert run.code == 2
    assert message in run.err
    assert prefixed_objects(pg_case) == []


def test_dry_run_prints_masked_statements_and_executes_nothing(
    pg_case: PgCase, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    run = run_bootstrap(pg_case, capsys, caplog, *standard_args(pg_case, "--dry-run", "--json"))

    assert run.code == 0
    assert run.doc["result"] == "planned"
    assert set(run.statuses.values()) == {"would run"}
    statements = [s for step in run.doc["steps"] for s in step["statements"]]
    assert f"CREATE ROLE \"{pg_case.role}\" WITH LOGIN PASSWORD '***'" in statements
    assert f'CREATE DATABASE "{pg_case.database}" OWNER "{pg_case.role}"' in statements
    assert f'GRANT ALL ON SCHEMA public TO "{pg_case.role}"' in statements
    assert prefixed_objects(pg_case) == []


def test_dry_run_needs_no_reachable_server(
    pg_case: PgCase, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    admin = pg_case.admin_url(port=_closed_port())

    run = run_bootstrap(
        pg_case, capsys, caplog, "--database-url", pg_case.app_url(), "--admin-url", admin,
        "--dry-run",
    )  # fmt: skip

    assert run.code == 0
    assert "CREATE ROLE" in run.out
    assert "'***'" in run.out


def test_json_has_one_object_per_step_and_an_overall_result(
    pg_case: PgCase, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    run = run_bootstrap(pg_case, capsys, caplog, *standard_args(pg_case, "--json"))

    doc = run.doc
    assert doc["result"] == "ok"
    assert doc["error"] is None
    assert [s["step"] for s in doc["steps"]] == [
        "admin login",
        "role",
        "admin membership",
        "database",
        "database privileges",
        "schema privileges",
        "app login",
    ]
    for step in doc["steps"]:
        assert set(step) == {"step", "status", "detail", "statements"}
    # one key style across the tools (verify_deploy, discover_nats, wire_finn): camelCase
    assert set(doc) >= {"tool", "databaseUrlSource", "dryRun", "elapsedSeconds"}
    assert all(re.fullmatch(r"[a-z][a-zA-Z0-9]*", key) for key in doc), sorted(doc)


def test_table_output_names_every_step(
    pg_case: PgCase, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    run = run_bootstrap(pg_case, capsys, caplog, *standard_args(pg_case))

    assert run.code == 0
    for text in ("role", "created", "database privileges", "app login", "result: ok"):
        assert text in run.out


def test_runs_as_a_process_with_the_admin_url_only_in_the_environment(pg_case: PgCase) -> None:
    env = {**os.environ, ADMIN_URL_ENV: pg_case.admin_url(dbname=None)}
    done = subprocess.run(
        [sys.executable, "-m", "scripts.bootstrap_db", "--database-url", pg_case.app_url(),
         "--json", INSECURE_FLAG],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip

    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["result"] == "ok"
    assert_no_password(done.stdout + done.stderr, pg_case.passwords)


# --- --check-migrations -----------------------------------------------------------------------


def _bootstrapped(case: PgCase, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(standard_args(case, INSECURE_FLAG)) == 0
    capsys.readouterr()


def test_check_migrations_passes_with_all_13(
    pg_case: PgCase, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    _bootstrapped(pg_case, capsys)
    make_migrations(pg_case, EXPECTED_MIGRATIONS)

    run = run_bootstrap(pg_case, capsys, caplog, *standard_args(pg_case, "--check-migrations",
                                                                "--json"))  # fmt: skip

    assert run.code == 0, run.err
    assert run.statuses["migrations"] == "verified"
    assert run.doc["migrations"]["applied"] == list(EXPECTED_MIGRATIONS)
    assert run.doc["migrations"]["missing"] == []


def test_check_migrations_with_12_lists_the_missing_one_and_fails(
    pg_case: PgCase, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    _bootstrapped(pg_case, capsys)
    make_migrations(pg_case, [m for m in EXPECTED_MIGRATIONS if m != "014_outbox.sql"])

    run = run_bootstrap(pg_case, capsys, caplog, *standard_args(pg_case, "--check-migrations",
                                                                "--json"))  # fmt: skip

    assert run.code == 1
    assert run.statuses["migrations"] == "failed"
    assert run.doc["migrations"]["missing"] == ["014_outbox.sql"]
    assert "missing: 014_outbox.sql" in run.err


def test_check_migrations_reports_an_unknown_extra_but_passes(
    pg_case: PgCase,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _bootstrapped(pg_case, capsys)
    make_migrations(pg_case, [*EXPECTED_MIGRATIONS, "016_future_feature.sql"])
    # no admin URL: only the check runs, as the app user
    monkeypatch.delenv(ADMIN_URL_ENV, raising=False)

    run = run_bootstrap(pg_case, capsys, caplog, "--database-url", pg_case.app_url(),
                        "--check-migrations", "--json")  # fmt: skip

    assert run.code == 0, run.err
    assert list(run.statuses) == ["migrations"]
    assert run.doc["migrations"]["extra"] == ["016_future_feature.sql"]
    assert "unexpected extra: 016_future_feature.sql" in run.doc["steps"][0]["detail"]


def test_check_migrations_without_a_migrations_table_fails(
    pg_case: PgCase, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    _bootstrapped(pg_case, capsys)

    run = run_bootstrap(pg_case, capsys, caplog, *standard_args(pg_case, "--check-migrations",
                                                                "--json"))  # fmt: skip

    assert run.code == 1
    assert run.doc["migrations"]["tableMissing"] is True
    assert "no _migrations table" in run.err


def test_migration_api_reads_in_id_order_through_connect(
    pg_case: PgCase, capsys: pytest.CaptureFixture[str]
) -> None:
    _bootstrapped(pg_case, capsys)
    shuffled = [EXPECTED_MIGRATIONS[1], EXPECTED_MIGRATIONS[0], "999_extra.sql"]
    make_migrations(pg_case, shuffled)

    with connect(pg_case.app_url(), connect_timeout=5) as conn:
        report = check_migrations(conn)

    assert report.applied == tuple(shuffled)
    assert report.extra == ("999_extra.sql",)
    assert report.missing == EXPECTED_MIGRATIONS[2:]
    assert not report.table_missing
    assert not report.ok
    with pytest.raises(Exception, match="authentication failed") as failure:
        connect(pg_case.app_url(password="nope-" + pg_case.prefix), connect_timeout=5)
    assert_no_password(str(failure.value), [*pg_case.passwords, "nope-" + pg_case.prefix])


def test_check_migrations_as_an_app_user_that_cannot_read_the_table_fails_cleanly(
    pg_case: PgCase, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    _bootstrapped(pg_case, capsys)
    with pg_case.server.connect(pg_case.database) as conn:
        conn.execute("CREATE TABLE public._migrations (id serial, filename text)")
        conn.execute("REVOKE ALL ON public._migrations FROM PUBLIC")

    run = run_bootstrap(pg_case, capsys, caplog, *standard_args(pg_case, "--check-migrations"))

    assert run.code == 1
    assert "cannot read _migrations: permission denied" in run.err


# --- smaller input rules ------------------------------------------------------------------------


def test_admin_url_can_come_from_stdin(
    pg_case: PgCase,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(ADMIN_URL_ENV, raising=False)
    monkeypatch.setattr(sys, "stdin", io.StringIO(pg_case.admin_url(dbname=None) + "\n"))

    run = run_bootstrap(pg_case, capsys, caplog, "--database-url", pg_case.app_url(), "--admin-url", "-")

    assert run.code == 0, run.err
    assert pg_case.server.can_login(pg_case.role, pg_case.password, pg_case.database)


def test_admin_url_that_is_the_app_role_is_refused(
    pg_case: PgCase, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    admin = pg_case.server.url(pg_case.role, pg_case.password)

    run = run_bootstrap(pg_case, capsys, caplog, "--database-url", pg_case.app_url(), "--admin-url", admin)

    assert run.code == 2
    assert f"logs in as the app role {pg_case.role!r}" in run.err


@pytest.mark.parametrize("value", ["0", "-1", "soon", "601"])
def test_connect_timeout_out_of_range_is_a_usage_error(
    pg_case: PgCase,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    value: str,
) -> None:
    with pytest.raises(SystemExit) as exit_:
        run_bootstrap(pg_case, capsys, caplog, *standard_args(pg_case), f"--connect-timeout={value}")
    _, err = capsys.readouterr()

    assert exit_.value.code == 2
    assert "--connect-timeout" in err
    assert_no_password(err, pg_case.passwords)
