"""What the test_adopt_*.py modules share: the runs of the tool (the state and the seeded account are
in :mod:`tests.scripts.adopt_account`).

scripts.adopt is tested against a realistic ``terraform show -json`` of the armitage split and moto.

The state fixture (``data/terraform-armitage.json``) holds all 35 resources of the split with
their addresses, ids and attributes as terraform records them, including the plaintext secrets
a refreshed state really holds. moto holds what the state cannot say: the security group rules
(with their ``sgr-`` ids), the hand-made ECR repository with its lifecycle policy, the hand-made
NATS ingress rule and the SSM parameters. moto cannot be told which ids to give security
groups, so the state and a copy of the stack file are rewritten to the ids moto assigned.

The ``account``, ``armitage`` and ``untouched`` fixtures are defined here and imported by name
into each module that uses them (a module that takes ``armitage`` imports ``account`` too, since
``armitage`` asks for it). ``untouched`` is module-scoped: its tests stay in test_adopt_split.py
so the shared run happens once.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

from dixie_infra.settings import project_root
from scripts import adopt
from scripts.adopt import aws as adopt_aws
from tests.fixtures.aws import empty_account, point_at
from tests.scripts.adopt_account import (
    ACCOUNT,
    PARAMETER_GROUPS,
    SVC,
    load_state,
    seed_account,
    state_resources,
)


def rewrite(text: str, ids: dict[str, str]) -> str:
    # Longest first: a listener ARN contains its load balancer's ARN.
    for old in sorted(ids, key=len, reverse=True):
        text = text.replace(old, ids[old])
    return text


def project(tmp_path: Path, ids: dict[str, str], stack: str = "armitage") -> Path:
    """A project dir holding the committed stack file with moto's group ids."""
    directory = tmp_path / "project"
    directory.mkdir(exist_ok=True)
    source = (project_root() / "Pulumi.armitage.yaml").read_text()
    (directory / f"Pulumi.{stack}.yaml").write_text(rewrite(source, ids))
    return directory


def write_state(tmp_path: Path, doc: dict[str, Any], ids: dict[str, str], name: str = "state.json") -> Path:
    path = tmp_path / name
    path.write_text(rewrite(json.dumps(doc, indent=2), ids))
    return path


Run = tuple[int, str, str, dict[str, Any] | None]


def adopt_argv(tmp_path: Path, args: tuple[str, ...], json_out: bool) -> list[str]:
    return [*args, "--output", str(tmp_path / "import.json"), *(["--json"] if json_out else [])]


def parsed(code: int, out: str, err: str, json_out: bool) -> Run:
    return code, out, err, json.loads(out) if json_out and out.strip() else None


def run_adopt(capsys: pytest.CaptureFixture[str], tmp_path: Path, *args: str, json_out: bool = True) -> Run:
    code = adopt.main(adopt_argv(tmp_path, args, json_out))
    out, err = capsys.readouterr()
    return parsed(code, out, err, json_out)


def armitage_args(directory: Path, state: Path) -> tuple[str, ...]:
    return ("--stack", "armitage", "--project-dir", str(directory), "--terraform-state", str(state))


def answer_as_armitage(patch: pytest.MonkeyPatch) -> str:
    """moto answers as armitage's account (the stack allows no other).

    moto 5.2.5 does not implement ElastiCache's parameter-group API (DescribeCacheParameterGroups
    answers 500), so that one look-up is answered from the state's own group here; the real
    look-up is tested with botocore's Stubber in test_adopt_aws.py.
    """
    patch.setenv("MOTO_ACCOUNT_ID", ACCOUNT)
    # AWS managed policies (AmazonECSTaskExecutionRolePolicy) exist only when moto loads them.
    patch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    PARAMETER_GROUPS.clear()
    patch.setitem(
        adopt_aws.EXISTENCE,
        "aws:elasticache/parameterGroup:ParameterGroup",
        lambda _aws, import_id, _values: import_id in PARAMETER_GROUPS,
    )
    return ACCOUNT


@pytest.fixture
def account(monkeypatch: pytest.MonkeyPatch) -> str:
    return answer_as_armitage(monkeypatch)


@pytest.fixture
def armitage(aws: boto3.session.Session, account: str, tmp_path: Path) -> Callable[..., Run]:
    """Run the tool on the armitage state, optionally changed by ``edit`` first."""
    ids = seed_account(aws)
    directory = project(tmp_path, ids)

    def run(
        capsys: pytest.CaptureFixture[str],
        edit: Callable[[dict[str, Any]], None] | None = None,
        json_out: bool = True,
    ) -> Run:
        doc = load_state()
        if edit:
            edit(doc)
        state = write_state(tmp_path, doc, ids)
        return run_adopt(capsys, tmp_path, *armitage_args(directory, state), json_out=json_out)

    return run


@dataclass(frozen=True)
class Untouched:
    """One run of the tool on the unchanged state against the unchanged account."""

    run: Run
    written: str  # the import file it wrote

    @property
    def report(self) -> dict[str, Any]:
        assert self.run[3] is not None, self.run[2]
        return self.run[3]


@pytest.fixture(scope="module")
def untouched(moto_endpoint: str, tmp_path_factory: pytest.TempPathFactory) -> dict[bool, Untouched]:
    """The tool's JSON run (key True) and table run (key False) on the armitage split as it is,
    made once for the tests that only read what the tool printed and wrote. Seeding the account
    and evaluating the program take about a second per run; the tool only reads AWS and writes
    its --output file, so these tests share nothing they could change."""
    tmp_path = tmp_path_factory.mktemp("untouched")
    runs: dict[bool, Untouched] = {}
    with pytest.MonkeyPatch.context() as patch:
        point_at(moto_endpoint, patch)
        answer_as_armitage(patch)
        ids = seed_account(empty_account(moto_endpoint))
        args = armitage_args(project(tmp_path, ids), write_state(tmp_path, load_state(), ids))
        for json_out in (True, False):
            out, err = io.StringIO(), io.StringIO()
            with redirect_stdout(out), redirect_stderr(err):
                code = adopt.main(adopt_argv(tmp_path, args, json_out))
            written = (tmp_path / "import.json").read_text()
            runs[json_out] = Untouched(parsed(code, out.getvalue(), err.getvalue(), json_out), written)
    return runs


def drop(address: str) -> Callable[[dict[str, Any]], None]:
    def edit(doc: dict[str, Any]) -> None:
        resources = state_resources(doc)
        resources[:] = [r for r in resources if r["address"] != address]

    return edit


def by_name(report: dict[str, Any], key: str) -> dict[str, dict[str, Any]]:
    return {item["logicalName"]: item for item in report[key]}


def service_group(aws: boto3.session.Session, name: str = f"{SVC}-ecs") -> str:
    groups = aws.client("ec2").describe_security_groups()["SecurityGroups"]
    return next(g["GroupId"] for g in groups if g["GroupName"] == name)
