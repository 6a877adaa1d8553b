"""The delivery workflows (.github/) are shaped as the project's users work: ci and the offline plan
on every change, an approved preview on pull requests, a deploy whose reviewer approves a diff, a
daily drift check (their lint is in test_workflow_lint.py).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
GITHUB = ROOT / ".github"
WORKFLOWS = ("ci.yml", "preview.yml", "deploy.yml", "drift.yml")


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


# --- what the workflows do ---------------------------------------------------------------------

#: `uses: owner/repo@<40 hex> # vX.Y.Z`: the SHA of a release, with the release beside it.
PINNED_USES = re.compile(r"^\s*(?:- )?uses: ([\w.-]+/[\w.-]+)@([0-9a-f]{40}) # v\d+\.\d+\.\d+$")
LOCAL_USES = re.compile(r"^\s*(?:- )?uses: \$/\.github/workflows/[\w.-]+\.yml$")


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


def test_every_checkout_drops_its_credentials_and_every_action_is_pinned_to_a_release_sha() -> None:
    for name in WORKFLOWS:
        for job_name, job in load(name)["jobs"].items():
            for step in job.get("steps", []):
                if str(step.get("uses", "")).startswith("actions/checkout@"):
                    assert step["with"]["persist-credentials"] is False, f"{name}/{job_name}"
        for line in (GITHUB / "workflows" / name).read_text().splitlines():
            if re.match(r"^\s*(- )?uses:", line):
                assert PINNED_USES.match(line) or LOCAL_USES.match(line), f"{name}: {line.strip()}"


def versions_step(workflow: dict[Any, Any], job: str) -> dict[str, Any]:
    (step,) = [s for s in steps(workflow, job) if s.get("id") == "versions"]
    assert step["run"] == '.github/scripts/lock-versions.sh uv.lock >> "$GITHUB_OUTPUT"'
    return step


def test_every_job_installs_python_and_the_pulumi_cli_at_the_locks_versions() -> None:
    pulumi_steps = 0
    for name in WORKFLOWS:
        workflow = load(name)
        for job_name, job in workflow["jobs"].items():
            if "steps" not in job:
                continue
            all_steps = steps(workflow, job_name)
            ids = [s.get("id") for s in all_steps]
            for index, step in enumerate(all_steps):
                action = str(step.get("uses", "")).split("@")[0]
                if action in ("actions/setup-python", "pulumi/actions"):
                    versions_step(workflow, job_name)
                    assert ids.index("versions") < index, f"{name}/{job_name}: versions read after use"
                if action == "actions/setup-python":
                    assert step["with"] == {"python-version": "${{ steps.versions.outputs.python }}"}
                if action == "pulumi/actions":
                    pulumi_steps += 1
                    assert step["with"]["pulumi-version"] == "${{ steps.versions.outputs.pulumi }}", (
                        f"{name}/{job_name}: the Pulumi CLI must be pinned"
                    )
                    assert "pulumi-version-file" not in step["with"]
    assert pulumi_steps == 4  # preview, deploy's preview and up, drift's install


def test_ci_plans_offline_into_the_summary_and_lints_and_tests() -> None:
    ci = load("ci.yml")
    on = triggers(ci)
    assert "pull_request" in on and "workflow_call" in on
    assert on["push"]["branches"] == ["main"]
    assert set(ci["jobs"]) == {"plan", "test"}
    for job in ci["jobs"].values():
        assert job["permissions"] == {"contents": "read"}, "the credential-free check holds no token"
    plan = run_text(ci, "plan")
    assert "make plan STACK=armitage" in plan and "GITHUB_STEP_SUMMARY" in plan
    assert 'exit "$status"' in plan, "a failing plan or policy pack fails the check"
    assert "make setup" not in plan, "make plan installs only what it needs (setup-plan)"
    test = run_text(ci, "test")
    order = [test.index(command) for command in ("make setup", "make lint", "make test")]
    assert order == sorted(order)
    assert "--junitxml=reports/" in test
    for job in ("plan", "test"):
        upload = step_using(ci, job, "actions/upload-artifact")
        assert upload["with"]["path"] == "reports/"
        assert upload["if"] == "${{ !cancelled() }}", "failed runs are the reports that matter"
    # Only pull requests cancel: a run on main is what a deploy waits for.
    assert ci["concurrency"]["cancel-in-progress"] == "${{ github.event_name == 'pull_request' }}"
    assert "github.workflow" in ci["concurrency"]["group"]


def test_the_credentialed_preview_waits_for_approval_and_comments_once() -> None:
    preview = load("preview.yml")
    assert set(triggers(preview)) == {"pull_request"}
    gate, job = preview["jobs"]["gate"], preview["jobs"]["preview"]
    assert gate["permissions"] == {}
    assert "github.event.pull_request.head.repo.full_name" in json.dumps(gate)
    assert job["needs"] == "gate"
    assert job["if"] == "needs.gate.outputs.same-repository == 'true'"
    assert job["environment"] == {"name": "armitage-preview"}
    assert job["permissions"] == {"contents": "read", "id-token": "write", "pull-requests": "write"}
    assert "make setup-runtime" in run_text(preview, "preview")
    aws = step_using(preview, "preview", "aws-actions/configure-aws-credentials")
    assert aws["with"]["role-to-assume"] == "${{ vars.AWS_PREVIEW_ROLE_ARN }}"
    pulumi = step_using(preview, "preview", "pulumi/actions")
    assert pulumi["with"]["command"] == "preview"
    assert pulumi["with"]["stack-name"] == "${{ env.STACK }}" and preview["env"]["STACK"] == "armitage"
    assert pulumi["with"]["policyPacks"] == "policy"
    for flag in (
        "refresh",
        "comment-on-pr",
        "edit-pr-comment",
        "comment-on-summary",
        "diff",
        "suppress-outputs",
    ):
        assert pulumi["with"][flag] is True, flag


def test_deploy_runs_ci_then_a_preview_then_an_approved_up_of_the_same_commit() -> None:
    deploy = load("deploy.yml")
    on = triggers(deploy)
    assert on["workflow_dispatch"]["inputs"]["stack"]["options"] == ["armitage"]
    assert deploy["concurrency"] == {
        "group": "deploy-${{ inputs.stack || 'armitage' }}",
        "cancel-in-progress": False,
    }
    jobs = deploy["jobs"]
    assert set(jobs) == {"ci", "preview", "up"}
    assert jobs["ci"]["uses"] == "$/.github/workflows/ci.yml", "the deploy waits for ci on this commit"
    assert jobs["preview"]["needs"] == "ci"
    assert jobs["up"]["needs"] == "preview", "up runs only after a preview of the same commit"
    # The preview runs before anyone approves; only `up` waits in the environment.
    assert "environment" not in jobs["preview"]
    assert jobs["up"]["environment"]["name"] == "${{ inputs.stack || 'armitage' }}"
    for job in ("preview", "up"):
        assert jobs[job]["permissions"] == {"contents": "read", "id-token": "write"}
        checkout = step_using(deploy, job, "actions/checkout")
        assert checkout["with"]["ref"] == "${{ github.sha }}"
        assert "make setup-runtime" in run_text(deploy, job)
        assert "make setup\n" not in run_text(deploy, job) + "\n", "no test or lint tools beside a role"
    roles = {
        job: step_using(deploy, job, "aws-actions/configure-aws-credentials")["with"]["role-to-assume"]
        for job in ("preview", "up")
    }
    assert roles == {"preview": "${{ vars.AWS_PREVIEW_ROLE_ARN }}", "up": "${{ vars.AWS_DEPLOY_ROLE_ARN }}"}

    shown = step_using(deploy, "preview", "pulumi/actions")["with"]
    assert shown["command"] == "preview" and shown["refresh"] is True and shown["diff"] is True
    assert shown["comment-on-summary"] is True, "the diff is in the summary before approval"
    assert shown["policyPacks"] == "policy"

    all_steps = steps(deploy, "up")
    ids = [s.get("id") for s in all_steps]
    preflight, up = all_steps[ids.index("preflight")], all_steps[ids.index("up")]
    verify = next(s for s in all_steps if "--phase post" in str(s.get("run", "")))
    assert ids.index("preflight") < ids.index("up") < all_steps.index(verify)
    assert 'python -m scripts.verify_deploy --phase preflight --stack "$STACK"' in preflight["run"]
    assert up["with"]["command"] == "up" and up["with"]["stack-name"] == "${{ env.STACK }}"
    assert up["with"]["refresh"] is True and up["with"]["policyPacks"] == "policy"
    # Verification checks the task definition `up` produced (a stack output, exposed as a step
    # output by pulumi/actions), passed through the environment, never spliced into the script.
    assert verify["env"]["TASK_DEFINITION_ARN"] == "${{ steps.up.outputs.taskDefinitionArn }}"
    assert '--expected-task-definition "$TASK_DEFINITION_ARN"' in verify["run"]
    assert "--wait 600" in verify["run"]
    assert verify["if"] == "${{ !cancelled() && steps.preflight.outcome == 'success' }}"
    assert not verify.get("continue-on-error")
    assert not up.get("continue-on-error") and not preflight.get("continue-on-error")
    assert 'exit "$status"' in verify["run"] and "GITHUB_STEP_SUMMARY" in verify["run"]


def test_dependabot_updates_actions_and_python_weekly_in_groups() -> None:
    config = yaml.safe_load((GITHUB / "dependabot.yml").read_text())
    updates = {u["package-ecosystem"]: u for u in config["updates"]}
    # uv: the project's lock (and with the pulumi SDK, the CLI version); pip: the policy pack's
    # own requirements and the Finn example's.
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
