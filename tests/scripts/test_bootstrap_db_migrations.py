"""bootstrap_db --check-migrations and the migrations API report missing, extra and unreadable migrations."""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from dixie_infra.names import EXPECTED_MIGRATIONS
from scripts.bootstrap_db import ADMIN_URL_ENV, INSECURE_FLAG, main
from scripts.migrations import check_migrations, connect
from tests.fixtures.postgres import PgCase
from tests.scripts.bootstrap_support import (
    assert_no_password,
    run_bootstrap,
    standard_args,
)


def make_migrations(case: PgCase, filenames: Iterable[str]) -> None:
    with case.server.connect(case.database, case.role, case.password) as conn:
        conn.execute(
            "CREATE TABLE _migrations (id serial PRIMARY KEY, filename text UNIQUE NOT NULL,"
            " checksum text, applied_at timestamptz DEFAULT now())"
        )
        for name in filenames:
            conn.execute("INSERT INTO _migrations (filename, checksum) VALUES (%s, md5(%s))", (name, name))


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
