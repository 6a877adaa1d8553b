"""Wall time of each test tier (``make test-timing``): the suite's speed, measured, not asserted.

Runs ``pytest -n auto -m <tier>`` for each tier (as ``make test`` runs it: one worker per core),
then the whole suite, and prints the wall-clock seconds and the pytest summary line of each.
"""

from __future__ import annotations

import subprocess
import sys
import time

RUNS: tuple[tuple[str, list[str]], ...] = (
    ("fast (no servers, no installs)", ["-m", "fast"]),
    ("integration (real peers and installs)", ["-m", "integration"]),
    ("whole suite", []),
)


def main() -> int:
    failed = False
    for label, args in RUNS:
        started = time.perf_counter()
        done = subprocess.run(  # noqa: S603 - this interpreter's pytest, fixed arguments
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "auto", *args],
            capture_output=True,
            text=True,
            check=False,
        )
        seconds = time.perf_counter() - started
        summary = (done.stdout.strip().splitlines() or ["(no output)"])[-1]
        print(f"{label:40} {seconds:7.1f} s   {summary}", flush=True)
        failed |= done.returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
