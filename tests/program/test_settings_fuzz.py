"""Generated hostile stack files (see the settings_fuzz package), a fixed seed and a few dozen of them:
`make plan` refuses each with exit 2 naming the key, no traceback, no secret printed; the same
config handed over by the CLI registers nothing. `make fuzz` runs many more."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from tests.program.settings_fuzz import (
    FILE_NAME,
    Builder,
    Case,
    check,
    check_registered_nothing,
    hostile_files,
    judge_output,
)


@pytest.fixture(scope="module")
def directory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("hostile")


@settings(
    max_examples=40,
    derandomize=True,  # a fixed seed: the same files on every run
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)
@given(case=hostile_files())
def test_generated_hostile_stack_files_are_refused(case: Case, directory: Path) -> None:
    verdicts = check(case, directory)
    assert [v.outcome for v in verdicts] == ["refused", "refused"], (case.notes, verdicts, case.text[:2000])


def test_the_judge_catches_an_accepted_file_a_leak_and_an_unnamed_key() -> None:
    # The property above is only as good as its judge: a valid file must count as accepted.
    valid = Builder().case()
    assert check_registered_nothing(valid).outcome == "accepted"
    refused = "stack armitage: 1 configuration problem(s):\n  - dixie:vpcId: is empty\n"
    assert judge_output(Case("", ["dixie:vpcId"], [], None), 2, refused).outcome == "refused"
    assert judge_output(Case("", ["dixie:cluster"], [], None), 2, refused).outcome == "unnamed"
    assert judge_output(Case("", ["dixie:vpcId"], [], None, ["is empty"]), 2, refused).outcome == "leaked"
    assert judge_output(Case("", [FILE_NAME], [], None), 1, "the program failed: X").outcome == "crash"
