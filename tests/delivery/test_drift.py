"""The drift workflow (.github/workflows/drift.yml): daily and on demand, `pulumi preview --refresh
--expect-no-changes` and `scripts.discover_nats`, failing on either, with what drifted in the job
summary.

The workflow's own `run:` scripts are executed here with bash, in a scratch copy of the job's
working directory: the Pulumi CLI (absent on this machine) is stood in for by a script that
prints a drifted preview and exits as the CLI does with --expect-no-changes; discover_nats runs
for real against the moto server with NATS_URL pointing at a stale address.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from scripts import discover_nats
from tests.delivery.trust import ROOT, load_workflow, triggers
from tests.scripts.peers_aws import SETTINGS, Deploy, client, seed_deploy
from tests.scripts.peers_http import LocalDns

DRIFT = ROOT / ".github" / "workflows" / "drift.yml"
SUMMARY = ROOT / ".github" / "scripts" / "drift_summary.py"
NATS_URL = f"{SETTINGS.ssm_prefix}/NATS_URL"
#: What `pulumi preview --refresh --expect-no-changes --diff` prints when NATS_URL was edited by hand.
DRIFTED_PREVIEW = """\
Previewing update (armitage):
  pulumi:pulumi:Stack: (same)
    [urn=urn:pulumi:armitage::dixie::pulumi:pulumi:Stack::dixie-armitage]
    ~ aws:ssm/parameter:Parameter: (update)
        [id=/dixie/armitage/NATS_URL]
        [urn=urn:pulumi:armitage::dixie::dixie:infra:ServiceParameters$aws:ssm/parameter:Parameter::dixie-armitage-params-NATS_URL]
      ~ value: "nats://10.0.99.99:4222" => "tls://nats.arrakis-staging.local:4222"
    ~ aws:ecs/taskDefinition:TaskDefinition: (update)
        [id=dixie-armitage:7]
Resources:
    ~ 2 to update
    55 unchanged

error: no changes were expected but changes were proposed
"""
CLEAN_PREVIEW = """\
Previewing update (armitage):
  pulumi:pulumi:Stack: (same)
Resources:
    57 unchanged
"""


def job() -> dict[str, Any]:
    (only,) = load_workflow(DRIFT)["jobs"].values()
    return dict(only)


def step(name_part: str) -> dict[str, Any]:
    (found,) = [s for s in job()["steps"] if name_part in str(s.get("name", ""))]
    return dict(found)


def test_drift_runs_daily_and_on_demand_with_expect_no_changes() -> None:
    workflow = load_workflow(DRIFT)
    on = triggers(workflow)
    assert set(on) == {"schedule", "workflow_dispatch"}
    (cron,) = [entry["cron"] for entry in on["schedule"]]
    minute, hour, day, month, weekday = cron.split()
    assert (day, month, weekday) == ("*", "*", "*") and minute.isdigit() and hour.isdigit(), cron
    preview = step("pulumi preview")["run"]
    assert 'pulumi preview --stack "$STACK"' in preview
    for flag in ("--refresh", "--expect-no-changes", "--policy-pack policy", "--non-interactive"):
        assert flag in preview, flag
    assert "python -m scripts.discover_nats" in step("discover_nats")["run"]
    assert job()["permissions"] == {"contents": "read", "id-token": "write"}
    assert "make setup-runtime" in step("make setup")["run"], "the runtime only, beside a role"
    aws = next(s for s in job()["steps"] if str(s.get("uses", "")).startswith("aws-actions/"))
    assert aws["with"]["role-to-assume"] == "${{ vars.AWS_PREVIEW_ROLE_ARN }}", "read-only"
    verdict = step("verdict")
    assert verdict["if"] == "${{ !cancelled() }}", "the summary is written whatever failed"


# --- the workflow's scripts, run --------------------------------------------------------------


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """The job's checkout as the steps see it: .venv and .github from this repository."""
    for name in (".venv", ".github", "Pulumi.armitage.yaml"):
        (tmp_path / name).symlink_to(ROOT / name)
    (tmp_path / "reports").mkdir()
    return tmp_path


def run_step(workdir: Path, script: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # GitHub runs `shell: bash` as `bash --noprofile --norc -eo pipefail {0}`.
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        capture_output=True, text=True, timeout=60, check=False, cwd=workdir,
        env={"PATH": os.environ["PATH"], "STACK": "armitage", **env},
    )  # fmt: skip


def fake_pulumi(bin_dir: Path, preview_output: str, preview_status: int) -> None:
    bin_dir.mkdir()
    script = bin_dir / "pulumi"
    output = bin_dir / "preview-output.txt"
    output.write_text(preview_output)
    script.write_text(
        "#!/usr/bin/env bash\n"
        'echo "$*" >> "$(dirname "$0")/calls.txt"\n'
        'if [[ "$1" == preview ]]; then cat "$(dirname "$0")/preview-output.txt"; '
        f"exit {preview_status}; fi\n"
    )
    script.chmod(0o755)


@pytest.mark.parametrize(
    ("output", "status"),
    [pytest.param(DRIFTED_PREVIEW, 255, id="drift"), pytest.param(CLEAN_PREVIEW, 0, id="clean")],
)
def test_the_preview_step_records_the_status_instead_of_failing_early(
    workdir: Path, output: str, status: int
) -> None:
    bin_dir = workdir / "bin"
    fake_pulumi(bin_dir, output, status)
    github_output = workdir / "github_output"
    done = run_step(
        workdir,
        step("pulumi preview")["run"],
        {
            "PATH": f"{bin_dir}:{os.environ['PATH']}",
            "PULUMI_BACKEND_URL": "s3://state?region=us-east-1",
            "GITHUB_OUTPUT": str(github_output),
        },
    )
    assert done.returncode == 0, done.stderr
    assert github_output.read_text() == f"status={status}\n"
    assert (workdir / "reports" / "drift-preview.txt").read_text() == output
    calls = (bin_dir / "calls.txt").read_text().splitlines()
    assert calls[0] == "login --non-interactive s3://state?region=us-east-1"
    assert calls[1].startswith("preview --stack armitage ")


@pytest.fixture
def nats_report(
    aws: Any, moto_endpoint: str, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> tuple[int, Path]:
    """A real discover_nats report: the stored NATS_URL points at an address no task has."""
    deploy: Deploy = seed_deploy(aws, moto_endpoint)
    client("ssm").put_parameter(Name=NATS_URL, Value="nats://10.0.99.99:4222", Type="String", Overwrite=True)
    with LocalDns(deploy.dns_records) as dns:
        code = discover_nats.main(
            ["--stack", "armitage", "--json", "--nameserver", dns.address, "--timeout", "1"]
        )
    report = workdir / "reports" / "drift-nats.json"
    report.write_text(capsys.readouterr().out)
    return code, report


def verdict(
    workdir: Path, preview_status: str, nats_status: str
) -> tuple[subprocess.CompletedProcess[str], str]:
    summary = workdir / "summary.md"
    done = run_step(
        workdir,
        step("verdict")["run"],
        {"PREVIEW_STATUS": preview_status, "NATS_STATUS": nats_status, "GITHUB_STEP_SUMMARY": str(summary)},
    )
    return done, summary.read_text() if summary.exists() else ""


def test_drift_fails_the_run_and_the_summary_says_what_drifted(
    workdir: Path, nats_report: tuple[int, Path]
) -> None:
    code, report = nats_report
    assert code == 1, "discover_nats reports the stale NATS_URL as drift"
    (workdir / "reports" / "drift-preview.txt").write_text(DRIFTED_PREVIEW)
    done, summary = verdict(workdir, "255", str(code))
    assert done.returncode == 1
    assert "::error title=drift on armitage::pulumi preview exit 255, discover_nats exit 1" in done.stdout
    assert summary.startswith("### Drift on armitage: ❌ drift found")
    # The drifted resources first, then the totals, then the whole log.
    assert (
        "    ~ aws:ssm/parameter:Parameter: (update)\n    ~ aws:ecs/taskDefinition:TaskDefinition: (update)\n"
        in summary
    )
    assert "    ~ 2 to update\n    55 unchanged\n" in summary
    assert '~ value: "nats://10.0.99.99:4222"' in summary.split("<details>", 1)[1]
    # discover_nats's verdict per source, with the fix it prints.
    document = json.loads(report.read_text())
    stored = next(s for s in document["sources"] if s["source"] == f"parameter {NATS_URL}")
    assert stored["status"] == "drift"
    assert f"| parameter {NATS_URL} | `nats://10.0.99.99:4222` | drift |" in summary
    assert all(fix in summary for fix in document["fix"]) and document["fix"]


@pytest.mark.parametrize(
    ("preview_status", "nats_status", "failed"),
    [("0", "0", False), ("255", "0", True), ("0", "1", True), ("0", "2", True)],
)
def test_either_check_failing_fails_the_run(
    workdir: Path, preview_status: str, nats_status: str, failed: bool
) -> None:
    (workdir / "reports" / "drift-preview.txt").write_text(
        CLEAN_PREVIEW if preview_status == "0" else DRIFTED_PREVIEW
    )
    done, summary = verdict(workdir, preview_status, nats_status)
    assert done.returncode == (1 if failed else 0), done.stdout + done.stderr
    assert summary.startswith("### Drift on armitage: " + ("❌ drift found" if failed else "✅ no drift"))
    if nats_status != "0":
        assert "No report (see the step's log)." in summary, "a missing report is said, not hidden"
