"""bootstrap_db's input rules: what it can tell is wrong it refuses before connecting (exit 2)."""

from __future__ import annotations

import io
import socket
import sys
from typing import Any
from urllib.parse import quote

import pytest

from scripts.bootstrap_db import ADMIN_URL_ENV
from tests.fixtures.postgres import PgCase
from tests.scripts.bootstrap_support import (
    assert_no_password,
    prefixed_objects,
    run_bootstrap,
    standard_args,
)

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
