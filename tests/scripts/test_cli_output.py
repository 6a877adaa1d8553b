"""Every way a tool prints (scripts._cli) goes through the one redactor and neutraliser."""

from __future__ import annotations

import json

import pytest

from scripts import _cli

HOSTILE = "\x1b]0;owned\x07\x1b[2J[link=https://evil.example]click[/link] postgresql://u:pw-1@h/d"


@pytest.fixture(autouse=True)
def a_registered_secret() -> None:
    _cli.register_secret("registered-secret-9")


def test_progress_shows_escapes_and_masks_credentials(capsys: pytest.CaptureFixture[str]) -> None:
    _cli.progress(f"{HOSTILE} registered-secret-9")
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\x07" not in err
    assert "\\x1b]0;owned\\x07" in err
    assert "pw-1" not in err and "registered-secret-9" not in err


def test_print_line_is_made_safe_too(capsys: pytest.CaptureFixture[str]) -> None:
    _cli.print_line(f"verdict: {HOSTILE}")
    out = capsys.readouterr().out
    assert "\x1b" not in out
    assert "pw-1" not in out


def test_table_cells_keep_markup_as_text(capsys: pytest.CaptureFixture[str]) -> None:
    _cli.print_table("t [bold]x[/bold]", ("a",), [(HOSTILE,)])
    out = " ".join(capsys.readouterr().out.split())
    assert "[link=https://evil.example]click[/link]" in out
    assert "t [bold]x[/bold]" in out
    assert "\x1b" not in out
    assert "pw-1" not in out


def test_json_strings_are_redacted_keys_and_values(capsys: pytest.CaptureFixture[str]) -> None:
    _cli.print_json({"url": HOSTILE, "nested": [{"registered-secret-9": "registered-secret-9"}], "n": 1})
    document = json.loads(capsys.readouterr().out)
    text = json.dumps(document)
    assert "pw-1" not in text and "registered-secret-9" not in text
    assert document["n"] == 1
    assert "\x1b" not in document["url"]


def test_an_error_line_is_one_line_redacted_and_neutralised(capsys: pytest.CaptureFixture[str]) -> None:
    def body() -> int:
        raise _cli.OperationFailed(f"boom {HOSTILE}\nsecond line")

    assert _cli.run_tool("tool", body) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "\x1b" not in err and "pw-1" not in err and "second line" not in err


def test_an_error_line_masks_the_secrets_registered_so_far(capsys: pytest.CaptureFixture[str]) -> None:
    # A tool's own list of secrets (run_tool's third argument) need not name those registered
    # by the process, such as the password of a --dixie-url.
    def body() -> int:
        raise RuntimeError("lost the connection holding registered-secret-9")

    assert _cli.run_tool("tool", body, lambda: ["another-secret"]) == 1
    err = capsys.readouterr().err
    assert err == "tool: error: RuntimeError: lost the connection holding ***\n"
