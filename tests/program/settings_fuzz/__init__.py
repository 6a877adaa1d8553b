"""Hostile stack files, generated: mutations of the committed armitage stack that must each be
refused, and the check of the contract on each through the real entry points.

The contract: a bad stack file makes ``python -m dixie_infra.offline`` (what ``make plan``
runs) exit 2 naming the key, with no traceback and no secret or credential in its output; and the
same configuration handed over by the CLI registers nothing under the mock runtime.

Used by ``test_settings_fuzz.py`` (a fixed seed, a few dozen files) and by ``make fuzz``
(``python -m tests.program.settings_fuzz --examples N``: many more, with figures).

The package: :mod:`.generate` (the files), :mod:`.contract` (the checks), ``__main__`` (``make fuzz``).
"""

from tests.program.settings_fuzz.contract import (
    Hang,
    Verdict,
    check,
    check_registered_nothing,
    judge_output,
    plan,
    plan_subprocess,
    time_limit,
)
from tests.program.settings_fuzz.generate import FILE_NAME, STACK, Builder, Case, hostile_files

__all__ = [
    "FILE_NAME",
    "STACK",
    "Builder",
    "Case",
    "Hang",
    "Verdict",
    "check",
    "check_registered_nothing",
    "hostile_files",
    "judge_output",
    "plan",
    "plan_subprocess",
    "time_limit",
]
