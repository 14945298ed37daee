"""Load a script from ``evaluation/`` as a module, the way the benchmarks import each other."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType


def load_evaluation_script(repo_root: Path, name: str) -> ModuleType:
    """``evaluation/<name>.py`` as module ``name``: the folder goes on ``sys.path`` (the scripts
    import their siblings) and the module into ``sys.modules`` (their dataclasses look it up)."""
    sys.path.insert(0, str(repo_root / "evaluation"))
    spec = importlib.util.spec_from_file_location(name, repo_root / "evaluation" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
