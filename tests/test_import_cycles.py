"""No import cycles among triage's modules.

A cycle (``web/app.py`` importing ``web/routes/*`` which import ``web/app.py``; a command
group registering its commands by importing modules that import it back) works only
while the import order happens to suit it. This walks every module's
``import``/``from ... import`` statements with :mod:`ast`, late imports inside functions
included (a late import back up is still a cycle, only hidden), and fails naming each
cycle found.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

PACKAGE = Path(__file__).resolve().parents[1] / "triage"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, modules: set[str]) -> set[str]:
    """Modules of ``modules`` that the file imports anywhere (module level or inside a def)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                child = f"{node.module}.{alias.name}"
                found.add(child if child in modules else node.module)
    return found & modules


def import_graph() -> dict[str, set[str]]:
    files = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    names = set(files)
    return {name: _imports(path, names) - {name} for name, path in files.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (each holds a cycle)."""
    order = sorted(graph)
    index = {name: i for i, name in enumerate(order)}
    rows = [index[a] for a in order for _ in graph[a]]
    cols = [index[b] for a in order for b in graph[a]]
    adjacency = csr_matrix(([1] * len(rows), (rows, cols)), shape=(len(order), len(order)))
    count, labels = connected_components(adjacency, directed=True, connection="strong")
    groups = [[order[i] for i in range(len(order)) if labels[i] == c] for c in range(count)]
    return [g for g in groups if len(g) > 1]


def test_the_checker_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


@pytest.mark.parametrize("module", ["triage.web.app", "triage.cli.evaluate"])
def test_the_graph_sees_what_the_module_imports(module: str) -> None:
    graph = import_graph()
    assert graph[module], f"{module} imports nothing from triage? the walker is broken"


def test_no_import_cycles() -> None:
    assert cycles(import_graph()) == []
