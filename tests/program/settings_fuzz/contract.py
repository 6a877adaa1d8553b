"""The contract checked on each hostile file, through the real entry points.

A bad stack file makes ``python -m dixie_infra.offline`` (what ``make plan`` runs) exit 2 naming
the key, with no traceback and no secret or credential in its output; and the same configuration
handed over by the CLI registers nothing under the mock runtime.
"""

from __future__ import annotations

import contextlib
import io
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dixie_infra.offline import OfflineMocks, evaluate
from dixie_infra.offline import plan as offline_plan
from dixie_infra.settings import SettingsError, project_root
from tests.program.settings_fuzz.generate import FILE_NAME, STACK, Case


class Hang(BaseException):
    """Past the per-example limit. Not an Exception: the entry point's own handler must not
    turn it into an ordinary failure."""


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    def expired(signum: int, frame: Any) -> None:
        raise Hang(f"took longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@dataclass
class Verdict:
    outcome: str  # "refused" (as it must be) or crash / hang / accepted / unnamed / leaked
    detail: str = ""


def plan(case: Case, directory: Path) -> tuple[int, str]:
    """``python -m dixie_infra.offline`` on the case, in this process: (exit code, stderr+stdout)."""
    (directory / FILE_NAME).write_text(case.text)
    err, out = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        code = offline_plan.main(["--stack", STACK, "--project-dir", str(directory)])
    return code, err.getvalue() + out.getvalue()


def plan_subprocess(case: Case, directory: Path) -> tuple[int, str]:
    """The same through a real interpreter, as ``make plan`` runs it."""
    (directory / FILE_NAME).write_text(case.text)
    done = subprocess.run(
        [sys.executable, "-m", "dixie_infra.offline", "--stack", STACK, "--project-dir", str(directory)],
        capture_output=True,
        text=True,
        cwd=project_root(),
        timeout=120,
        check=False,
    )
    return done.returncode, done.stderr + done.stdout


def judge_output(case: Case, code: int, output: str) -> Verdict:
    if "Traceback" in output:
        return Verdict("crash", "traceback in the output")
    leaked = [s for s in case.secrets if s and s in output]
    if leaked:
        return Verdict("leaked", "a secret or credential was printed")
    if code == 0 or (code == 1 and "the program failed" not in output):
        return Verdict("accepted", f"exit {code}")
    if code != 2:
        return Verdict("crash", output.strip().splitlines()[-1][:300] if output.strip() else f"exit {code}")
    if not any(key in output for key in case.keys):
        return Verdict("unnamed", f"none of {case.keys} named in: {output[:300]}")
    return Verdict("refused")


def check_registered_nothing(case: Case) -> Verdict:
    """The config as the CLI would hand it over: refused before any resource is registered."""
    if case.cli is None:
        return Verdict("refused")
    mocks = OfflineMocks()
    try:
        evaluate(STACK, case.cli, mocks=mocks)
    except SettingsError as exc:
        text = str(exc)
        if any(s and s in text for s in case.secrets):
            return Verdict("leaked", "a secret or credential in the SettingsError text")
        registered = [t for t, _ in mocks.registered if not t.startswith("pulumi:")]
        if registered:
            return Verdict("accepted", f"registered {len(registered)} resources before refusing")
        return Verdict("refused")
    except Exception as exc:  # noqa: BLE001 - a crash is what is being counted
        return Verdict("crash", f"evaluate raised {type(exc).__name__}")
    return Verdict("accepted", "the CLI's config evaluated without a configuration problem")


def check(case: Case, directory: Path, *, limit: float = 20.0, real_process: bool = False) -> list[Verdict]:
    verdicts: list[Verdict] = []
    try:
        with time_limit(limit):
            code, output = (plan_subprocess if real_process else plan)(case, directory)
        verdicts.append(judge_output(case, code, output))
    except Hang as exc:
        verdicts.append(Verdict("hang", str(exc)))
    except BaseException as exc:  # noqa: BLE001 - a crash is what is being counted
        verdicts.append(Verdict("crash", f"{type(exc).__name__} escaped the entry point"))
    try:
        with time_limit(limit):
            verdicts.append(check_registered_nothing(case))
    except Hang as exc:
        verdicts.append(Verdict("hang", str(exc)))
    return verdicts
