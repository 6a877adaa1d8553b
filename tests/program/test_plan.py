"""`make plan`: the offline render for people, and its refusal of a bad config."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from dixie_infra.offline.plan import main
from dixie_infra.settings import project_root


@pytest.fixture(autouse=True)
def wide_page(monkeypatch: pytest.MonkeyPatch) -> None:
    # The plan folds to the page width (COLUMNS when piped); the assertions read whole phrases.
    monkeypatch.setenv("COLUMNS", "240")


def test_plan_lists_every_resource_and_says_ids_are_placeholders(capsys) -> None:
    assert main(["--stack", "armitage"]) == 0
    out = capsys.readouterr().out
    assert "resources (offline plan)" in out
    assert "offline placeholders" in out
    for name in (
        "dixie-armitage-ecs",
        "/dixie/armitage/DATABASE_URL",
        "dixie-armitage-cpu-high",
        "dixie-armitage-redis7",
    ):
        assert name in out
    assert "dixieBaseUrl" in out and "https://dixie-armitage.arrakis.community" in out


def test_plan_prints_values_as_text_not_markup(capsys) -> None:
    # "[secret]" read as rich markup printed as an empty value.
    assert main(["--stack", "armitage"]) == 0
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if "/dixie/armitage/DATABASE_URL" in line)
    assert "value=[secret]" in line


def test_plan_json_masks_every_secret(capsys) -> None:
    assert main(["--stack", "armitage", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    params = {
        r["physicalName"]: r["inputs"]["value"]
        for r in doc["resources"]
        if r["type"] == "aws:ssm/parameter:Parameter"
    }
    assert params["/dixie/armitage/DATABASE_URL"] == "[secret]"
    assert params["/dixie/armitage/DIXIE_JWT_PRIVATE_KEY"] == "[secret]"
    assert "postgresql://" not in json.dumps(doc)
    assert set(doc["outputs"]) >= {"dixieBaseUrl", "serviceSecurityGroupId"}


def test_plan_on_a_bad_config_prints_every_problem_and_exits_2(tmp_path: Path) -> None:
    doc = yaml.safe_load((project_root() / "Pulumi.armitage.yaml").read_text())
    doc["config"]["dixie:imageTag"] = "latest"
    doc["config"]["dixie:desiredCount"] = 3
    (tmp_path / "Pulumi.armitage.yaml").write_text(yaml.safe_dump(doc))
    done = subprocess.run(
        [sys.executable, "-m", "dixie_infra.offline", "--stack", "armitage", "--project-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=project_root(),
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert "dixie:imageTag: 'latest' is refused" in done.stderr
    assert "dixie:desiredCount: 3 is not allowed" in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""


def test_plan_prints_policy_findings_and_passes_without_mandatory_ones(capsys) -> None:
    assert main(["--stack", "armitage"]) == 0
    out = capsys.readouterr().out
    assert "policy pack" in out and "0 mandatory" in out


def test_a_bad_policy_config_is_refused_in_one_line(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "config.json"
    bad.write_text("{")
    assert main(["--stack", "armitage", "--policy-config", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not valid JSON" in err and "Traceback" not in err


def test_a_mandatory_violation_fails_the_plan_unless_the_adoption_exception_covers_it(
    tmp_path: Path, capsys
) -> None:
    # The documented adopting `up` runs with Redis AUTH off: refused by the pack, unless the run
    # carries policy/adoption.json (one replication group, until its expiry date).
    document = yaml.safe_load((project_root() / "Pulumi.armitage.yaml").read_text())
    document["config"]["dixie:redisAuth"] = False
    (tmp_path / "Pulumi.armitage.yaml").write_text(yaml.safe_dump(document))
    assert main(["--stack", "armitage", "--project-dir", str(tmp_path)]) == 1
    assert "elasticache-auth" in capsys.readouterr().out
    exception = project_root() / "policy" / "adoption.json"
    assert (
        main(["--stack", "armitage", "--project-dir", str(tmp_path), "--policy-config", str(exception)]) == 0
    )


def test_an_unknown_stack_names_the_stacks_that_exist(capsys) -> None:
    assert main(["--stack", "production"]) == 2
    err = capsys.readouterr().err
    assert "no stack file Pulumi.production.yaml; available stacks: armitage" in err
    assert str(project_root()) not in err
