"""The deploy job's summary renderer (.github/scripts/verification_summary.py): whatever a remote
peer put into a check's detail reaches the GitHub job summary as inert text."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / ".github" / "scripts" / "verification_summary.py"


@pytest.fixture(scope="module")
def summary() -> ModuleType:
    spec = importlib.util.spec_from_file_location("verification_summary", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def report(detail: str) -> dict[str, object]:
    return {
        "verdict": "fail",
        "summary": {"pass": 0, "fail": 1, "skip": 0},
        "dixieUrl": "https://dixie.example",
        "checks": [{"id": "dixie-health", "status": "fail", "detail": detail, "seconds": 0.1}],
    }


@pytest.mark.parametrize(
    ("hostile", "absent"),
    [
        pytest.param("<img src=x onerror=alert(1)>", "<img", id="html-tag"),
        pytest.param("<script>x</script>", "<script", id="script-tag"),
        pytest.param("[click](https://evil.example)", "](", id="markdown-link"),
        pytest.param("![x](https://evil.example/p.png)", "![", id="markdown-image"),
        pytest.param("**loud**", "**", id="emphasis"),
        pytest.param("see https://evil.example", "https://evil", id="autolink"),
        pytest.param("ping @org/security", " @org", id="mention"),
        pytest.param("a | b", "a | b", id="pipe-splits-the-row"),
        pytest.param("\x1b]8;;https://evil\x07x", "\x1b", id="terminal-escape"),
    ],
)
def test_hostile_detail_is_rendered_inert(summary: ModuleType, hostile: str, absent: str) -> None:
    markdown = summary.render(report(f"status {hostile}"), 1, "verify_deploy (armitage)")
    row = next(line for line in markdown.splitlines() if line.startswith("| dixie-health"))
    assert absent not in row
    assert row.count(" | ") == 3  # still one row of four cells


def test_a_newline_folds_into_the_same_row(summary: ModuleType) -> None:
    markdown = summary.render(report("one\ntwo"), 1, "t")
    assert "one<br>two" in markdown
