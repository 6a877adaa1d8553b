"""Wall time of one ``scripts.bootstrap_db`` run against a freshly started local PostgreSQL.

Starts the test rig's server (pgserver's binaries, scram-sha-256, dropped to ``nobody`` when run
as root), then times: a fresh bootstrap in-process, a repeat run (everything already present),
and a fresh bootstrap as a real ``python -m scripts.bootstrap_db`` process (interpreter start and
imports included, as an operator sees it).
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
import time
from pathlib import Path

from scripts.bootstrap_db import ADMIN_URL_ENV
from scripts.bootstrap_db import main as bootstrap
from tests.fixtures.postgres import running_server

ROOT = Path(__file__).resolve().parent.parent


def _timed_in_process(argv: list[str]) -> float:
    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        code = bootstrap(argv)
    elapsed = time.perf_counter() - started
    if code != 0:
        raise SystemExit(f"bootstrap_db exited {code}")
    return elapsed


def main() -> None:
    started = time.perf_counter()
    with running_server() as server:
        print(f"server start (initdb + pg_ctl): {time.perf_counter() - started:.2f} s")
        # the throw-away server is plain TCP on 127.0.0.1: what --insecure-local-server is for
        admin = ["--admin-url", server.url(dbname=None), "--insecure-local-server"]
        fresh = _timed_in_process(["--database-url", server.url("bench", "b3nch/pw", "bench"), *admin])
        again = _timed_in_process(["--database-url", server.url("bench", "b3nch/pw", "bench"), *admin])
        env = {**os.environ, ADMIN_URL_ENV: server.url(dbname=None)}
        argv = [sys.executable, "-m", "scripts.bootstrap_db", "--database-url"]
        argv += [server.url("bench2", "b3nch/pw2", "bench2"), "--insecure-local-server"]
        started = time.perf_counter()
        subprocess.run(argv, cwd=ROOT, env=env, check=True, capture_output=True, timeout=120)  # noqa: S603 - our own module
        process = time.perf_counter() - started
    print(f"bootstrap, fresh (in-process):          {fresh:.3f} s")
    print(f"bootstrap, repeat (in-process):         {again:.3f} s")
    print(f"bootstrap, fresh (python -m, a process): {process:.3f} s")
