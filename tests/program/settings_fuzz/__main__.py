"""``make fuzz``: many generated hostile stack files through the contract, with figures."""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings

from tests.program.settings_fuzz.contract import Verdict, check
from tests.program.settings_fuzz.generate import Case, hostile_files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.program.settings_fuzz")
    parser.add_argument("--examples", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=20261202)
    parser.add_argument("--limit", type=float, default=20.0, help="seconds per example before it is a hang")
    parser.add_argument(
        "--subprocess-every", type=int, default=50, help="also run every Nth file through a real interpreter"
    )
    parser.add_argument(
        "--memory-limit-mib",
        type=int,
        default=3072,
        help="address-space cap: a regression that expands an alias bomb fails here, not the machine",
    )
    args = parser.parse_args(argv)
    limit = args.memory_limit_mib * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, resource.getrlimit(resource.RLIMIT_AS)[1]))
    counts: dict[str, int] = {}
    kinds: dict[str, int] = {}
    failures: list[tuple[str, Case, Verdict]] = []
    seen = 0
    slowest = 0.0
    started = time.perf_counter()

    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)

        @settings(
            max_examples=args.examples,
            database=None,
            deadline=None,
            derandomize=False,
            suppress_health_check=list(HealthCheck),
        )
        @given(hostile_files())
        def run(case: Case) -> None:
            nonlocal seen, slowest
            seen += 1
            real = args.subprocess_every > 0 and seen % args.subprocess_every == 0
            t0 = time.perf_counter()
            for verdict in check(case, directory, limit=args.limit, real_process=real):
                counts[verdict.outcome] = counts.get(verdict.outcome, 0) + 1
                if verdict.outcome != "refused":
                    failures.append((verdict.outcome, case, verdict))
            counts["files"] = counts.get("files", 0) + 1
            for note in case.notes:
                kinds[note] = kinds.get(note, 0) + 1
            counts["real interpreter"] = counts.get("real interpreter", 0) + int(real)
            counts["also evaluated as CLI config"] = counts.get("also evaluated as CLI config", 0) + int(
                case.cli is not None
            )
            slowest = max(slowest, time.perf_counter() - t0)

        from hypothesis import seed as fixed_seed

        fixed_seed(args.seed)(run)()

    seconds = time.perf_counter() - started
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures = {
        "files": counts.get("files", 0),
        "real interpreter runs": counts.get("real interpreter", 0),
        "also evaluated as CLI config": counts.get("also evaluated as CLI config", 0),
        "crashes": counts.get("crash", 0),
        "hangs": counts.get("hang", 0),
        "wrongly accepted": counts.get("accepted", 0),
        "key not named": counts.get("unnamed", 0),
        "secret leaked": counts.get("leaked", 0),
        "seconds": round(seconds, 1),
        "slowest file, s": round(slowest, 2),
        "peak memory, MiB": round(peak_mib),
    }
    for name, value in figures.items():
        print(f"{name:>30}: {value}")
    print("mutations applied: " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))
    for outcome, case, verdict in failures[:10]:
        print(
            f"\n{outcome}: {verdict.detail}\n  mutations: {case.notes}\n  keys: {case.keys}\n{case.text[:1500]}"
        )
    bad = sum(figures[k] for k in ("crashes", "hangs", "wrongly accepted", "key not named", "secret leaked"))
    return 1 if bad or figures["files"] < args.examples else 0


if __name__ == "__main__":
    sys.exit(main())
