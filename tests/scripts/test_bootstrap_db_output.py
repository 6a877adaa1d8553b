"""bootstrap_db's output and usage: --help, --dry-run, JSON and table output, and a real process."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from scripts.bootstrap_db import ADMIN_URL_ENV, INSECURE_FLAG
from tests.fixtures.postgres import PgCase
from tests.scripts.bootstrap_support import (
    assert_no_password,
    closed_port,
    prefixed_objects,
    run_bootstrap,
    standard_args,
)

ROOT = Path(__file__).resolve().parents[2]


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
    admin = pg_case.admin_url(port=closed_port())

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
