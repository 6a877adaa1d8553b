"""What scripts.bootstrap_db's tests share: a run of the tool that checks every output for passwords.

The tests run the tool against a real PostgreSQL (scram-sha-256) and, for SSM, a moto server.
Every run goes through :func:`run_bootstrap`, which asserts that no password (admin, app, or any
other the test knows) appears in stdout, stderr or log records, raw or percent-encoded. The rig
is a plain-TCP server on 127.0.0.1, which is what ``--insecure-local-server`` is for; the refusal
of unproven servers is tested against a fake server in test_bootstrap_db_transport.py.
"""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest

from scripts.bootstrap_db import INSECURE_FLAG, main
from tests.fixtures.postgres import PgCase


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


def prefixed_objects(case: PgCase) -> list[str]:
    pattern = case.prefix.replace("_", r"\_") + "%"
    with case.server.connect() as conn:
        rows = conn.execute(
            "SELECT rolname FROM pg_roles WHERE rolname LIKE %(p)s"
            " UNION ALL SELECT datname FROM pg_database WHERE datname LIKE %(p)s",
            {"p": pattern},
        ).fetchall()
    return [r[0] for r in rows]


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
