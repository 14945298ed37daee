"""One door to the data: no module outside ``triage/store`` imports SQLAlchemy.

Web, CLI, ranking, dedup and coding call the store; a module that queries the database on
its own fails here (imports inside functions and under TYPE_CHECKING count too).
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "triage"


def _imports_sqlalchemy(path: Path) -> bool:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import) and any(a.name.split(".")[0] == "sqlalchemy" for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "sqlalchemy":
            return True
    return False


def test_only_the_store_imports_sqlalchemy() -> None:
    offenders = {
        str(path.relative_to(PACKAGE.parent)) for path in PACKAGE.rglob("*.py")
        if "store" not in path.relative_to(PACKAGE).parts[:1] and _imports_sqlalchemy(path)
    }
    assert offenders == set(), "query through triage/store instead (one door to the data)"
