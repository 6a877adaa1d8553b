"""The project's modules import each other without a cycle, each is small enough to read, and
``__main__.py`` only wires."""

from __future__ import annotations

import ast
from pathlib import Path

from dixie_infra.settings import project_root

PACKAGES = ("dixie_infra", "scripts", "benchmarks")
#: Where a module's length is judged: the program, the tools, the policy pack, the benchmarks and
#: the tests.
SIZED = ("dixie_infra", "scripts", "policy", "benchmarks", "tests")
#: Lines of code a module may hold, data tables aside: past this a module is doing two jobs.
MAX_CODE_LINES = 400
#: A data table: a module-level name bound to a list, tuple, dict or set display (or to a call of
#: one, such as ``frozenset({...})``).
DISPLAYS = (ast.List, ast.Tuple, ast.Dict, ast.Set)


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def import_graph(root: Path) -> dict[str, set[str]]:
    """Module -> the project modules it imports, anywhere in the file (a function-level import
    is still a dependency; hiding a cycle inside a function does not remove it)."""
    modules = {
        _module_name(path, root): path
        for package in PACKAGES
        for path in sorted((root / package).rglob("*.py"))
    }
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        found: set[str] = set()
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                    base = ".".join([*anchor, base] if base else anchor)
                targets = [base, *(f"{base}.{alias.name}" for alias in node.names)]
            for target in targets:
                if target in modules and target != name:
                    found.add(target)
        graph[name] = found
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycle_among_the_projects_modules() -> None:
    graph = import_graph(project_root())
    assert len(graph) > 20
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph) or [])


def test_main_only_wires() -> None:
    tree = ast.parse((project_root() / "__main__.py").read_text())
    defined = [n for n in tree.body if isinstance(n, ast.FunctionDef | ast.ClassDef)]
    assert defined == []


def _is_table(value: ast.expr | None) -> bool:
    if isinstance(value, DISPLAYS):
        return True
    return (
        isinstance(value, ast.Call) and bool(value.args) and all(isinstance(a, DISPLAYS) for a in value.args)
    )


def code_lines(text: str) -> int:
    """Lines of ``text`` outside its module-level data tables."""
    tables = sum(
        node.end_lineno - node.lineno + 1
        for node in ast.parse(text).body
        if isinstance(node, ast.Assign | ast.AnnAssign) and _is_table(node.value) and node.end_lineno
    )
    return len(text.splitlines()) - tables


def test_code_lines_leave_out_data_tables_only() -> None:
    table = "ROWS = [\n    1,\n    2,\n]\nNAMES = frozenset({\n    'a',\n})\n"
    code = "def f():\n    return [\n        1,\n    ]\n"
    assert code_lines(table) == 0
    assert code_lines(code) == 4
    assert code_lines(table + code) == 4


def test_no_module_is_over_the_size_limit() -> None:
    root = project_root()
    sizes = {
        str(path.relative_to(root)): code_lines(path.read_text())
        for package in SIZED
        for path in sorted((root / package).rglob("*.py"))
    }
    assert len(sizes) > 100
    assert {path: n for path, n in sizes.items() if n > MAX_CODE_LINES} == {}
