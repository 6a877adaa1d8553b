"""The pack as the CLI loads it: PulumiPolicy.yaml, a __main__.py that only constructs the pack,
a requirements file, and a policies package that needs nothing but pulumi-policy and the stdlib.

``policy/__main__.py`` is read as text and parsed, never imported: ``PolicyPack`` blocks."""

from __future__ import annotations

import ast
import sys
from importlib.metadata import version
from pathlib import Path

import dixie_policies
import yaml

POLICY_DIR = Path(__file__).resolve().parents[2] / "policy"


def test_pulumi_policy_yaml_declares_a_python_pack() -> None:
    manifest = yaml.safe_load((POLICY_DIR / "PulumiPolicy.yaml").read_text())
    assert manifest["runtime"]["name"] == "python"
    # The CLI builds the pack's own virtualenv from requirements.txt.
    assert manifest["runtime"]["options"]["virtualenv"] == "venv"
    assert manifest["description"].strip()


def test_requirements_pin_the_locked_pulumi_policy() -> None:
    lines = [
        line
        for line in (POLICY_DIR / "requirements.txt").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    assert lines == [f"pulumi-policy=={version('pulumi-policy')}"]


def test_main_only_constructs_the_pack_from_the_sibling_package() -> None:
    tree = ast.parse((POLICY_DIR / "__main__.py").read_text())
    imports = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert imports == {"dixie_policies", "pulumi_policy"}
    calls = [n for n in tree.body if isinstance(n, ast.Expr) and isinstance(n.value, ast.Call)]
    assert len(calls) == 1
    call = calls[0].value
    assert isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "PolicyPack"
    keywords = {k.arg: k.value for k in call.keywords}
    assert isinstance(keywords["policies"], ast.Name) and keywords["policies"].id == "POLICIES"
    assert "__main__" not in {m.rsplit(".", 1)[-1] for m in sys.modules if m.startswith("policy")}


def test_policies_package_imports_only_pulumi_policy_and_the_stdlib() -> None:
    package = Path(dixie_policies.__file__).parent
    for source in package.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.Import):
                roots = {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                roots = {node.module.split(".")[0]}
            else:
                continue
            assert roots <= set(sys.stdlib_module_names) | {"pulumi_policy", "__future__"}, (
                source.name,
                roots,
            )


def test_policy_names_are_unique() -> None:
    names = [p.name for p in dixie_policies.POLICIES]
    assert len(names) == len(set(names))


def test_docs_table_lists_every_policy_with_its_level() -> None:
    text = (POLICY_DIR.parent / "docs" / "policy.md").read_text()
    rows = [
        line
        for line in text.splitlines()
        if line.startswith("| `") and (" | resource | " in line or " | stack | " in line)
    ]
    assert len(rows) == len(dixie_policies.POLICIES)
    for policy in dixie_policies.POLICIES:
        assert policy.enforcement_level is not None
        assert f"| `{policy.name}` | {policy.enforcement_level.value} |" in text, policy.name


def test_the_policy_page_counts_the_policies() -> None:
    levels = [p.enforcement_level.value for p in dixie_policies.POLICIES if p.enforcement_level]
    summary = (
        f"{len(levels)} policies ({levels.count('mandatory')} mandatory, {levels.count('advisory')} advisory)"
    )
    assert summary in (POLICY_DIR.parent / "docs" / "policy.md").read_text()
