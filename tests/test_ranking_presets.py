"""Presets in models/: each loads, has a model card, and bad files fail with clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from triage.errors import TriageError
from triage.ranking.presets import list_presets, load_preset, models_dir


def test_required_presets_exist_with_model_cards(repo_root: Path) -> None:
    assert models_dir() == repo_root / "models"
    names = list_presets()
    assert {"default", "elas_u4", "uncertainty", "mixed", "random"} <= set(names)
    for name in names:
        preset = load_preset(name)
        assert preset.name == name
        card = (repo_root / "models" / f"{name}.md").read_text(encoding="utf-8")
        for heading in ("## Data", "## Measured", "## Rerun"):
            assert heading in card, f"{name}.md lacks {heading}"


def test_elas_u4_reproduces_asreview_settings() -> None:
    preset = load_preset("elas_u4")
    assert preset.features.ngram_range == (1, 2) and preset.features.sublinear_tf
    assert not preset.features.embeddings
    assert preset.classifier == {"loss": "squared_hinge", "C": 0.11, "balance_ratio": 9.8, "max_iter": 1000}
    assert preset.query == {"strategy": "max"}
    assert preset.label == "elas_u4@1"


def test_preset_by_path(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text('version = "2"\n[classifier]\nC = 3.0\n', encoding="utf-8")
    preset = load_preset(path)
    assert preset.label == "mine@2" and preset.classifier == {"C": 3.0}
    assert preset.query == {"strategy": "max"}


def test_unknown_preset_lists_valid_names() -> None:
    with pytest.raises(TriageError) as info:
        load_preset("best")
    assert str(info.value) == f"unknown preset 'best'; valid: {', '.join(list_presets())}"


def test_unknown_key_in_preset(tmp_path: Path) -> None:
    path = tmp_path / "typo.toml"
    path.write_text("[classifier]\nCC = 3.0\n", encoding="utf-8")
    with pytest.raises(TriageError) as info:
        load_preset(path)
    assert str(info.value) == (
        "typo.toml: classifier.CC: unknown key; valid keys: loss, C, balance_ratio, max_iter, tol, nb_weight, nb_alpha"
    )


def test_triage_models_variable_points_at_another_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         repo_root: Path) -> None:
    (tmp_path / "lab.toml").write_text((repo_root / "models" / "default.toml").read_text().replace(
        'name = "default"', 'name = "lab"'), encoding="utf-8")
    monkeypatch.setenv("TRIAGE_MODELS", str(tmp_path))
    assert models_dir() == tmp_path
    assert list_presets() == ["lab"]
    assert load_preset("lab").name == "lab"


def test_wheel_ships_every_preset_and_model_card(tmp_path: Path, repo_root: Path) -> None:
    # A non-editable install has no repository beside the package: the wheel must carry
    # models/ to <prefix>/share/triage/models, where models_dir() looks last.
    import shutil
    import subprocess
    import sys
    import zipfile

    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(repo_root / name, source / name)
    shutil.copytree(repo_root / "triage", source / "triage", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(repo_root / "models", source / "models")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(tmp_path / "dist"), str(source)], check=True, capture_output=True)
    wheel = next((tmp_path / "dist").glob("triage_review-*.whl"))  # the distribution name
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {Path(n).name for n in names if "/data/share/triage/models/" in n}
    for preset in list_presets(repo_root / "models"):
        assert {f"{preset}.toml", f"{preset}.md"} <= shipped
