"""bootstrap_db fails cleanly (exit 1) on what it can only see by connecting: a bad login, no server."""

from __future__ import annotations

import socket

import pytest

from tests.fixtures.postgres import PgCase
from tests.scripts.bootstrap_support import (
    closed_port,
    prefixed_objects,
    run_bootstrap,
)


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


def test_closed_port_fails_within_the_connect_timeout(
    pg_case: PgCase, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    port = closed_port()
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
