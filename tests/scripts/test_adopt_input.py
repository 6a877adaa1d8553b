"""The command line and what it reads: bad or hostile input is refused with exit 2 and never echoed raw."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from scripts import adopt
from scripts.adopt import cli
from tests.scripts.adopt_account import (
    STATE,
    load_state,
    state_resources,
)
from tests.scripts.adopt_support import (
    Run,
    run_adopt,
)

# Fixtures: pytest finds them by these names (the `as` marks each import as meant).
from tests.scripts.adopt_support import account as account
from tests.scripts.adopt_support import armitage as armitage

# --- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param("{not json", "is not JSON", id="not-json"),
        pytest.param("[]", "expected a JSON object", id="array"),
        pytest.param('{"format_version": "1.0"}', "holds no resources", id="empty-state"),
        pytest.param('{"format_version": "1.2", "planned_values": {}}', "is a plan", id="plan"),
        pytest.param('{"values": {"root_module": {}}}', "no format_version", id="no-format"),
        pytest.param(
            '{"format_version": "1.0", "values": {"root_module": {"resources": [{"type": "x"}]}}}',
            "lacks address",
            id="bad-resource",
        ),
    ],
)
def test_a_malformed_state_is_refused_with_exit_2(
    content: str, message: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "state.json"
    path.write_text(content)
    code, out, err, _ = run_adopt(capsys, tmp_path, "--stack", "armitage", "--terraform-state", str(path))
    assert code == 2
    assert message in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert out == ""


def test_a_state_of_another_environment_is_refused_with_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    production = (
        STATE.read_text()
        .replace("dixie-armitage", "dixie-bff")
        .replace("/dixie/armitage/", "/dixie/production/")
    )
    production = production.replace('"Environment": "armitage"', '"Environment": "production"')
    path = tmp_path / "production.json"
    path.write_text(production)
    code, _, err, _ = run_adopt(capsys, tmp_path, "--stack", "armitage", "--terraform-state", str(path))
    assert code == 2
    assert "belongs to environment 'production'" in err
    assert "not to stack 'armitage'" in err
    assert not (tmp_path / "import.json").exists()


def test_an_unknown_stack_is_refused_with_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err, _ = run_adopt(capsys, tmp_path, "--stack", "nosuch", "--terraform-state", str(STATE))
    assert code == 2
    assert "no stack file Pulumi.nosuch.yaml" in err


def test_a_missing_state_file_is_refused_with_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err, _ = run_adopt(
        capsys, tmp_path, "--stack", "armitage", "--terraform-state", str(tmp_path / "absent.json")
    )
    assert code == 2
    assert "cannot be read" in err


def test_the_state_can_come_from_stdin(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("{not json"))
    code, _, err, _ = run_adopt(capsys, tmp_path, "--stack", "armitage", "--terraform-state", "-")
    assert code == 2
    assert "--terraform-state -: is not JSON" in err


def test_help_names_every_flag(capsys: pytest.CaptureFixture[str]) -> None:
    assert adopt.main(["--help"]) == 0
    out = capsys.readouterr().out
    for flag in ("--stack", "--terraform-state", "--output", "--region", "--json"):
        assert flag in out


# --- hostile input ----------------------------------------------------------------------------------


def test_an_output_directory_that_does_not_exist_is_refused_before_the_work(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def never(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("the program was evaluated before --output was checked")

    monkeypatch.setattr(cli, "evaluate_program", never)
    monkeypatch.setattr(cli, "read_state", never)
    target = tmp_path / "no-such-dir" / "import.json"
    code = adopt.main(["--stack", "armitage", "--terraform-state", str(STATE), "--output", str(target)])
    _, err = capsys.readouterr()
    assert code == 2
    assert f"--output {target}: directory {target.parent} does not exist" in err
    code = adopt.main(["--stack", "armitage", "--terraform-state", str(STATE), "--output", str(tmp_path)])
    _, err = capsys.readouterr()
    assert code == 2
    assert "is a directory" in err


@pytest.mark.parametrize("from_stdin", [False, True], ids=["file", "stdin"])
def test_a_state_larger_than_the_bound_is_refused(
    from_stdin: bool, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    monkeypatch.setattr(cli, "MAX_STATE_BYTES", 1024)
    big = STATE.read_bytes()
    assert len(big) > 1024
    if from_stdin:
        monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(big), encoding="utf-8"))
        source = "-"
    else:
        source = str(STATE)
    code, out, err, _ = run_adopt(capsys, tmp_path, "--stack", "armitage", "--terraform-state", source)
    assert code == 2
    assert f"--terraform-state {source}: larger than" in err
    assert err.count("\n") == 1 and out == ""


def test_a_state_that_is_not_utf8_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_bytes(b'{"format_version": "1.0", "values": "\xff\xfe"}')
    code, out, err, _ = run_adopt(capsys, tmp_path, "--stack", "armitage", "--terraform-state", str(path))
    assert code == 2
    assert "is not UTF-8 (byte 0xff at offset 37)" in err
    assert err.count("\n") == 1 and "Traceback" not in err and out == ""


@pytest.mark.parametrize("depth", [65, 100_000], ids=["past-the-bound", "past-the-parser"])
def test_an_absurdly_nested_state_is_refused(
    depth: int, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "state.json"
    nested = "[" * depth + "]" * depth
    path.write_text('{"format_version": "1.0", "values": {"root_module": {"resources": ' + nested + "}}}")
    code, out, err, _ = run_adopt(capsys, tmp_path, "--stack", "armitage", "--terraform-state", str(path))
    assert code == 2
    assert "nests deeper than 64 levels" in err
    assert err.count("\n") == 1 and "Traceback" not in err and out == ""


def test_one_run_reads_the_stack_file_once(
    armitage: Callable[..., Run], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Path.read_text reads through Path.open, so counting opens counts every read.
    opened: list[Path] = []
    open_ = Path.open

    def counting_open(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self.name == "Pulumi.armitage.yaml":
            opened.append(self)
        return open_(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", counting_open)
    code, _, _, report = armitage(capsys)
    assert report is not None and code == 0
    assert len(opened) == 1


def test_a_hostile_environment_tag_is_echoed_bounded_and_escaped(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    doc = load_state()
    hostile = "\x1b[2J" + "x" * 10_000
    for resource in state_resources(doc):
        for key in ("tags", "tags_all"):
            if isinstance(resource["values"].get(key), dict) and "Environment" in resource["values"][key]:
                resource["values"][key]["Environment"] = hostile
    path = tmp_path / "state.json"
    path.write_text(json.dumps(doc))
    code, out, err, _ = run_adopt(capsys, tmp_path, "--stack", "armitage", "--terraform-state", str(path))
    assert code == 2
    assert "belongs to environment '\\x1b[2Jxxx" in err
    assert "\x1b" not in err and len(err) < 600
    assert err.count("\n") == 1 and out == ""


def test_terminal_controls_in_a_state_address_never_reach_the_terminal(
    armitage: Callable[..., Run], capsys: pytest.CaptureFixture[str]
) -> None:
    def hostile_address(doc: dict[str, Any]) -> None:
        alarm = next(
            r for r in state_resources(doc) if r["address"] == "aws_cloudwatch_metric_alarm.dixie_cpu_high"
        )
        alarm["address"] = "aws_cloudwatch_metric_alarm.dixie_cpu_high\x1b]0;owned\x07\x1b[2J"

    code, out, _, _ = armitage(capsys, edit=hostile_address, json_out=False)
    assert code == 0
    assert "terraform state rm" in out and "dixie_cpu_high" in out
    assert "\x1b" not in out and "\x07" not in out
