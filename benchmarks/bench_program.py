"""How long one offline evaluation of the program takes, and how many resources it registers.

The first evaluation in a process pays for importing pulumi-aws; the figure that matters for
tests and `make plan` is the warm one.
"""

from __future__ import annotations

import statistics
import time
import tracemalloc

from dixie_infra.offline import evaluate, stack_config

RUNS = 10


def main() -> None:
    config, secret_keys = stack_config("armitage")
    started = time.perf_counter()
    first = evaluate("armitage", config, secret_keys=secret_keys)
    cold = time.perf_counter() - started
    warm: list[float] = []
    for _ in range(RUNS):
        started = time.perf_counter()
        evaluate("armitage", config, secret_keys=secret_keys)
        warm.append(time.perf_counter() - started)
    # Measured apart: tracing slows the evaluation several-fold.
    tracemalloc.start()
    evaluate("armitage", config, secret_keys=secret_keys)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    custom = [r for r in first.resources if r.custom]
    print(
        f"resources registered: {len(first.resources) - 1} ({len(custom)} custom incl. the provider, {len(first.resources) - 1 - len(custom)} components)"
    )
    print(f"first evaluation (imports included): {cold:.3f} s")
    print(
        f"warm evaluation over {RUNS} runs: median {statistics.median(warm):.3f} s, min {min(warm):.3f} s, max {max(warm):.3f} s"
    )
    print(f"peak traced memory of one warm evaluation: {peak / 1_048_576:.1f} MiB")
