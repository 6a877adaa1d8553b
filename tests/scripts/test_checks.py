"""The check engine of scripts._checks: concurrency proven with a barrier, backoff with a fake
clock, the per-check time limit with a check that never returns on its own. No wall clock."""

from __future__ import annotations

import threading
from typing import Any

from scripts._checks import Check, Status, fail, run_checks, run_until_passing, skip, verdict
from tests.scripts.clock import FakeClock


def test_every_check_runs_at_the_same_time() -> None:
    # Run one after another, the first check would wait at the barrier alone and break it.
    parties = 14
    barrier = threading.Barrier(parties, timeout=10)

    def meet(_ctx: Any) -> str:
        barrier.wait()
        return "met"

    checks = [Check(f"c{i}", "meets the others", meet, needs_aws=False) for i in range(parties)]
    results = run_checks(checks, None, limit=20)
    assert [r.status for r in results] == [Status.PASS] * parties
    assert [r.id for r in results] == [c.id for c in checks]


def test_a_check_that_never_ends_fails_at_its_limit_and_the_others_keep_their_verdict() -> None:
    release = threading.Event()

    def hang(_ctx: Any) -> str:
        release.wait(60)
        return "too late"

    checks = [
        Check("hangs", "never returns", hang, needs_aws=False),
        Check("quick", "returns", lambda _c: "fine", needs_aws=False),
    ]
    try:
        hung, quick = run_checks(checks, None, limit=0.2)
    finally:
        release.set()
    assert hung.status is Status.FAIL
    assert hung.detail == "did not finish within 0.2 s"
    assert quick.status is Status.PASS


def test_failing_checks_are_retried_with_doubling_backoff_until_they_pass() -> None:
    clock = FakeClock(start=1000.0)
    calls = {"flaky": 0, "steady": 0}

    def flaky(_ctx: Any) -> str:
        calls["flaky"] += 1
        if calls["flaky"] < 6:
            raise fail("not yet")
        return "now"

    def steady(_ctx: Any) -> str:
        calls["steady"] += 1
        return "always"

    checks = [Check("flaky", "", flaky, needs_aws=False), Check("steady", "", steady, needs_aws=False)]
    results = run_until_passing(
        checks, lambda: None, wait_seconds=600, limit=5, sleep=clock.sleep, clock=clock, max_delay=15
    )
    assert [r.status for r in results] == [Status.PASS, Status.PASS]
    assert clock.sleeps == [1, 2, 4, 8, 15]
    assert calls == {"flaky": 6, "steady": 1}  # a passing check is not re-run


def test_retries_stop_when_the_wait_is_used_up_and_never_sleep_past_it() -> None:
    clock = FakeClock(start=1000.0)
    checks: list[Check[None]] = [
        Check("broken", "", lambda _c: (_ for _ in ()).throw(fail("no")), needs_aws=False)
    ]
    results = run_until_passing(
        checks, lambda: None, wait_seconds=10, limit=5, sleep=clock.sleep, clock=clock
    )
    assert results[0].status is Status.FAIL
    assert clock.sleeps == [1, 2, 4, 3]
    assert sum(clock.sleeps) == 10


def test_a_pass_with_skips_names_what_was_not_verified() -> None:
    def skipped(_ctx: Any) -> str:
        raise skip("database not reachable from this network")

    results = run_checks(
        [
            Check("dns", "", lambda _c: "ok", needs_aws=False),
            Check("migrations", "", skipped, needs_aws=False),
        ],
        None,
        limit=5,
    )
    ok, line = verdict(results)
    assert ok
    assert line == (
        "PASS: 1 passed, 0 failed, 1 skipped; not verified: migrations "
        "(database not reachable from this network)"
    )


def test_aws_clients_are_made_after_the_other_checks_start_and_before_any_aws_check() -> None:
    # before_aws meets the HTTP check at a barrier: it can only pass if that check already runs.
    barrier = threading.Barrier(2, timeout=10)
    warmed = threading.Event()

    def http(_ctx: Any) -> str:
        barrier.wait()
        return "answered"

    def aws(_ctx: Any) -> str:
        if not warmed.is_set():
            raise fail("started before the clients were made")
        return "called"

    def before_aws() -> None:
        barrier.wait()
        warmed.set()

    checks = [Check("aws", "", aws, needs_aws=True), Check("http", "", http, needs_aws=False)]
    results = run_checks(checks, None, limit=20, before_aws=before_aws)
    assert [(r.id, r.status) for r in results] == [("aws", Status.PASS), ("http", Status.PASS)]
