"""Every setting is documented in README.md, and the public API is pinned."""

from __future__ import annotations

from pathlib import Path

import triage
from triage.config import SETTINGS, setting


def test_every_setting_is_documented(repo_root: Path) -> None:
    readme = (repo_root / "README.md").read_text(encoding="utf-8")
    missing = [s.name for s in SETTINGS if f"`{s.name}`" not in readme]
    assert missing == []


def test_every_setting_has_help() -> None:
    assert all(s.help.strip() for s in SETTINGS)


def test_unknown_setting_lists_valid_names() -> None:
    try:
        setting("nope")
    except KeyError as exc:
        assert "valid: criteria_file" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("expected KeyError")


def test_exported_members() -> None:
    assert sorted(triage.__all__) == sorted([
        "__version__", "TriageError", "InputError", "CriteriaError", "ProjectError", "DecisionError",
        "EvaluationError", "Record", "Provenance", "Problem", "ReadResult", "Project",
    ])
    for name in triage.__all__:
        assert hasattr(triage, name)


def _command_paths() -> list[str]:
    import typer

    from triage.cli.main import app

    def walk(command: object, prefix: list[str]) -> list[str]:
        out: list[str] = []
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            if getattr(sub, "commands", None):
                out += walk(sub, [*prefix, name])
            else:
                out.append(" ".join([*prefix, name]))
        return out

    return walk(typer.main.get_command(app), [])


def test_every_command_is_documented(repo_root: Path) -> None:
    readme = (repo_root / "README.md").read_text(encoding="utf-8")
    paths = _command_paths()
    assert len(paths) > 20
    assert [p for p in paths if f"`triage {p}`" not in readme] == []
