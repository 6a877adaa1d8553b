"""Concurrency of ``verify_deploy --phase post``: with every HTTP endpoint answering after 1 s, the
full run must take under 1.25x the slowest single check.

This process hosts the peers (a seeded moto server, Dixie's and Finn's health endpoints delayed by
1 s, a local DNS server); each measurement runs the tool's ``main()`` in a fresh interpreter, so the
tool does not share a GIL with the servers, and times ``main()`` itself (imports excluded: they
are a constant that has nothing to do with concurrency). A single check is ``--only <id>``; the
slowest of those is compared with the median of three full runs.
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
import requests
from moto.server import ThreadedMotoServer

from scripts import verify_deploy

DELAY_SECONDS = 1.0
LIMIT = 1.25
ROOT = Path(__file__).resolve().parent.parent
_DRIVER = """
import json, sys, time
from scripts import verify_deploy
started = time.monotonic()
code = verify_deploy.main(sys.argv[1:])
print(json.dumps({"code": code, "seconds": time.monotonic() - started}), file=sys.stderr)
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _timed_run(argv: list[str], env: dict[str, str]) -> tuple[float, dict[str, Any]]:
    done = subprocess.run(  # noqa: S603 - this interpreter, a fixed driver, our own arguments
        [sys.executable, "-c", _DRIVER, *argv],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    timing = json.loads(done.stderr.strip().splitlines()[-1])
    return float(timing["seconds"]), json.loads(done.stdout)


def main() -> None:
    from tests.scripts.peers import healthy_peers

    port = _free_port()
    endpoint = f"http://127.0.0.1:{port}"
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    moto.start()
    env = {
        **os.environ,
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_SESSION_TOKEN": "bench",
        "AWS_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    env.pop("AWS_PROFILE", None)
    saved = {k: os.environ.get(k) for k in env if k.startswith("AWS_")}
    os.environ.update({k: v for k, v in env.items() if k.startswith("AWS_")})
    try:
        requests.post(f"{endpoint}/moto-api/reset", timeout=10).raise_for_status()
        session = boto3.session.Session(region_name="us-east-1")
        with healthy_peers(session, endpoint, delay=DELAY_SECONDS) as peers:
            base = [
                "--json",
                "--dixie-url", peers.dixie_url,
                "--finn-url", peers.finn_url,
                "--nameserver", peers.dns.address,
                "--timeout", "5",
            ]  # fmt: skip
            singles: dict[str, float] = {}
            for check in verify_deploy.POST_CHECKS:
                singles[check.id], _ = _timed_run([*base, "--only", check.id], env)
            fulls = []
            document: dict[str, Any] = {}
            for _ in range(3):
                seconds, document = _timed_run(base, env)
                fulls.append(seconds)
    finally:
        moto.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value

    slowest_id = max(singles, key=lambda k: singles[k])
    slowest = singles[slowest_id]
    full = statistics.median(fulls)
    serial = sum(singles.values())
    ratio = full / slowest
    print(f"every HTTP endpoint delayed by {DELAY_SECONDS:g} s; {len(singles)} post checks")
    for check_id, seconds in sorted(singles.items(), key=lambda kv: -kv[1]):
        print(f"  --only {check_id:<15} {seconds:6.3f} s")
    print(f"slowest single check: {slowest_id} {slowest:.3f} s")
    print(f"full --phase post run (median of 3: {', '.join(f'{s:.3f}' for s in fulls)}): {full:.3f} s")
    print(f"sum of single checks (a serial run would take about): {serial:.3f} s")
    print(f"full / slowest single = {ratio:.2f} (limit {LIMIT}); verdict {document.get('verdict')}")
    print("PASS" if ratio < LIMIT and document.get("verdict") == "pass" else "FAIL")
