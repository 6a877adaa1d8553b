"""A small engine for named checks: run them concurrently, retry failures, report a verdict.

A check is a function of one context object returning a :class:`CheckResult`. Checks live in a
single registry table (a tuple of :class:`Check`) whose ids are stable: they appear in ``--only``,
in JSON and in tests. An exception escaping a check becomes a failed result with a one-line,
redacted reason, so one broken peer never hides the verdict of the others.

Every check runs in its own daemon thread and gets ``limit`` seconds in all: a peer that answers
one byte at a time, or an AWS call that retries, cannot hold the verdict past that. A check still
running at its limit fails ("did not finish"); its thread is abandoned, its late answer ignored.
A skipped check is not a pass: the verdict names every check that was not verified, and why.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Generic, TypeVar

from scripts._cli import print_json, print_line, print_table, progress, redact

#: The waiting and the clock the backoff uses unless given others (a test's fake clock).
_sleep = time.sleep
_clock = time.monotonic

C = TypeVar("C")
T = TypeVar("T")


class Status(StrEnum):
    PASS = "pass"  # noqa: S105 - a check status, not a password
    FAIL = "fail"
    SKIP = "skip"


@dataclass(frozen=True)
class CheckResult:
    id: str
    status: Status
    detail: str
    seconds: float = 0.0


class Outcome(Exception):
    """Raised inside a check to end it with a status (keeps check bodies flat)."""

    def __init__(self, status: Status, detail: str):
        super().__init__(detail)
        self.status = status
        self.detail = detail


def fail(detail: str) -> Outcome:
    return Outcome(Status.FAIL, detail)


def skip(detail: str) -> Outcome:
    return Outcome(Status.SKIP, detail)


@dataclass(frozen=True)
class Check(Generic[C]):
    """One registry row: a stable id, what it proves, and the function that proves it.

    ``run`` returns the pass detail, or raises :class:`Outcome` (via :func:`fail`/:func:`skip`).
    """

    id: str
    summary: str
    run: Callable[[C], str]
    needs_aws: bool = True


def parse_only(value: str | None, registry: Sequence[Check[Any]]) -> list[Check[Any]]:
    """The checks named in ``--only a,b`` (all when ``None``); ValueError naming unknown ids."""
    if value is None:
        return list(registry)
    wanted = [part.strip() for part in value.split(",") if part.strip()]
    known = {check.id: check for check in registry}
    unknown = [name for name in wanted if name not in known]
    if unknown or not wanted:
        raise ValueError(
            f"unknown check id(s): {', '.join(unknown) or '(none given)'}; known: {', '.join(known)}"
        )
    return [check for check in registry if check.id in wanted]


def describe_errors(exc: BaseException) -> str:
    """A one-line reason for an unexpected exception (AWS errors keep their code)."""
    try:
        from botocore import exceptions as bx
    except ImportError:  # pragma: no cover - boto3 is a dependency
        bx = None
    if bx is not None and isinstance(exc, bx.ClientError):
        error = exc.response.get("Error", {})
        code = error.get("Code", "Unknown")
        op = getattr(exc, "operation_name", "AWS call")
        if "AccessDenied" in code or code in {
            "UnauthorizedOperation",
            "UnrecognizedClientException",
        }:
            return f"AWS denied {op} ({code})"
        return f"AWS {op} failed ({code}): {error.get('Message', '')}".strip()
    if bx is not None and isinstance(exc, bx.NoCredentialsError):
        return "no AWS credentials found"
    if bx is not None and isinstance(exc, bx.BotoCoreError):
        return f"AWS client error: {exc}"
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def run_one(check: Check[C], context: C, secrets: Callable[[], Iterable[str]] = tuple) -> CheckResult:
    started = time.monotonic()
    try:
        status, detail = Status.PASS, check.run(context)
    except Outcome as outcome:
        status, detail = outcome.status, outcome.detail
    except Exception as exc:  # noqa: BLE001 - a crashing check is a failed check, not a crashed tool
        status, detail = Status.FAIL, describe_errors(exc)
    # Secrets read by a check are known only after it ran, hence a callable.
    detail = " ".join(redact(detail, secrets()).split())
    return CheckResult(check.id, status, detail, round(time.monotonic() - started, 3))


def run_checks(
    checks: Sequence[Check[C]],
    context: C,
    *,
    limit: float,
    secrets: Callable[[], Iterable[str]] = tuple,
    before_aws: Callable[[], None] | None = None,
) -> list[CheckResult]:
    """Run every check at once, each for at most ``limit`` seconds; results in registry order.

    ``before_aws`` runs (in this thread) after the checks that need no AWS have started and before
    the others start: AWS clients are made there, once, so that loading service models (seconds
    on a busy machine) neither eats into an AWS check's limit nor delays the HTTP and DNS checks.
    """
    results: dict[str, CheckResult] = {}
    lock = threading.Lock()

    def work(check: Check[C]) -> None:
        result = run_one(check, context, secrets)
        with lock:
            results.setdefault(check.id, result)

    # One daemon thread per check: they are I/O-bound, so a round takes as long as the slowest
    # one, and a thread stuck past its limit neither blocks the verdict nor the process's exit
    # (a ThreadPoolExecutor joins its workers at exit).
    threads = {
        c.id: threading.Thread(target=work, args=(c,), name=f"check-{c.id}", daemon=True) for c in checks
    }
    deadlines: dict[str, float] = {}
    ordered = [c for c in checks if not c.needs_aws] + [c for c in checks if c.needs_aws]
    for index, check in enumerate(ordered):
        if before_aws is not None and check.needs_aws and (index == 0 or not ordered[index - 1].needs_aws):
            before_aws()
        deadlines[check.id] = time.monotonic() + limit
        threads[check.id].start()
    for check in checks:
        threads[check.id].join(max(0.0, deadlines[check.id] - time.monotonic()))
        with lock:
            results.setdefault(
                check.id,
                CheckResult(check.id, Status.FAIL, f"did not finish within {limit:g} s", round(limit, 3)),
            )
    return [results[c.id] for c in checks]


def run_until_passing(
    checks: Sequence[Check[C]],
    new_context: Callable[[], C],
    *,
    wait_seconds: float,
    limit: float,
    secrets: Callable[[], Iterable[str]] = tuple,
    before_aws: Callable[[], None] | None = None,
    sleep: Callable[[float], None] | None = None,
    clock: Callable[[], float] | None = None,
    first_delay: float = 1.0,
    max_delay: float = 15.0,
) -> list[CheckResult]:
    """Run the checks; while some fail and time remains, re-run only those, with backoff.

    Every round gets a fresh context (``new_context``) so cached peer answers are re-fetched.
    ``sleep`` and ``clock`` are the waiting and the time the backoff reads (a test's fake clock).
    """
    sleep = sleep or _sleep
    clock = clock or _clock
    deadline = clock() + wait_seconds
    results = {
        r.id: r
        for r in run_checks(checks, new_context(), limit=limit, secrets=secrets, before_aws=before_aws)
    }
    delay = first_delay
    attempt = 1
    while True:
        failing = [c for c in checks if results[c.id].status is Status.FAIL]
        left = deadline - clock()
        if not failing or left <= 0:
            break
        pause = min(delay, left)
        progress(
            f"waiting: {len(failing)} failing ({', '.join(c.id for c in failing)}); "
            f"retry {attempt} in {pause:.0f} s, {left:.0f} s left"
        )
        sleep(pause)
        for result in run_checks(failing, new_context(), limit=limit, secrets=secrets, before_aws=before_aws):
            results[result.id] = result
            if result.status is Status.PASS:
                progress(f"  {result.id}: now passing")
        delay = min(delay * 2, max_delay)
        attempt += 1
    return [results[c.id] for c in checks]


def not_verified(results: Sequence[CheckResult]) -> list[CheckResult]:
    return [r for r in results if r.status is Status.SKIP]


def verdict(results: Sequence[CheckResult]) -> tuple[bool, str]:
    counts = {status: sum(r.status is status for r in results) for status in Status}
    failed = [r.id for r in results if r.status is Status.FAIL]
    tally = f"{counts[Status.PASS]} passed, {counts[Status.FAIL]} failed, {counts[Status.SKIP]} skipped"
    skipped = not_verified(results)
    # A PASS with skips must not read as "everything verified".
    unverified = f"; not verified: {'; '.join(f'{r.id} ({r.detail})' for r in skipped)}" if skipped else ""
    if failed:
        return False, f"FAIL: {tally} ({', '.join(failed)}){unverified}"
    return True, f"PASS: {tally}{unverified}"


def report(results: Sequence[CheckResult], *, title: str, as_json: bool, extra: dict[str, Any]) -> bool:
    """Print the table (or the JSON document) with its verdict; True when nothing failed."""
    ok, line = verdict(results)
    if as_json:
        print_json(
            {
                **extra,
                "verdict": "pass" if ok else "fail",
                "verdictLine": line,
                "summary": {s.value: sum(r.status is s for r in results) for s in Status},
                "notVerified": [{"id": r.id, "reason": r.detail} for r in not_verified(results)],
                "checks": [
                    {"id": r.id, "status": r.status.value, "detail": r.detail, "seconds": r.seconds}
                    for r in results
                ],
            }
        )
    else:
        print_table(
            title,
            ("check", "status", "detail", "s"),
            ((r.id, r.status.value.upper(), r.detail, f"{r.seconds:.2f}") for r in results),
        )
        print_line(f"verdict: {line}")
    return ok


class SecretBag:
    """Secret values read during a run, so every output can be scrubbed of them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: set[str] = set()

    def add(self, value: str | None) -> None:
        if value:
            with self._lock:
                self._values.add(value)

    def values(self) -> list[str]:
        with self._lock:
            return list(self._values)


class Once(Generic[T]):
    """A value computed at most once, by whichever thread asks first; the others wait for it.

    Several checks read the same health document; one request keeps them consistent and keeps a
    slow endpoint from being hit once per check.
    """

    def __init__(self, compute: Callable[[], T]):
        self._compute = compute
        self._lock = threading.Lock()
        self._done = False
        self._value: T | None = None

    def get(self) -> T:
        with self._lock:
            if not self._done:
                self._value = self._compute()
                self._done = True
        return self._value  # type: ignore[return-value]
