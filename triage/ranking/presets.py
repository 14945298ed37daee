"""Ranking presets: named model settings read from ``models/<name>.toml``.

A preset says which features, classifier and query strategy a screening cycle uses, so
that a reviewer picks "default" or "elas_u4" by name and every decision records which
one (``name@version``). Each preset has a model card ``models/<name>.md`` beside it.
"""

from __future__ import annotations

import os
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from triage.errors import TriageError
from triage.ranking.features import FeatureSpec

__all__ = ["Preset", "list_presets", "load_preset", "models_dir"]

_SECTIONS = ("name", "version", "description", "features", "classifier", "query", "cold_start")
_FEATURE_KEYS = tuple(FeatureSpec.__dataclass_fields__)
_CLASSIFIER_KEYS = ("loss", "C", "balance_ratio", "max_iter", "tol", "nb_weight", "nb_alpha")
_QUERY_KEYS = ("strategy", "random_share", "main")
_COLD_KEYS = ("fallback", "semantic_weight", "title_weight", "saturation", "prior_weight", "prior_fade_includes")


@dataclass(frozen=True)
class Preset:
    """A preset as read: ``classifier`` holds :class:`BalancedLinearClassifier` params,
    ``query`` the querier name (``strategy``) and its params, ``cold_start`` how to rank
    before both classes are labelled."""

    name: str
    version: str
    description: str
    features: FeatureSpec
    classifier: dict[str, Any] = field(default_factory=dict)
    query: dict[str, Any] = field(default_factory=lambda: {"strategy": "max"})
    cold_start: dict[str, Any] = field(default_factory=lambda: {"fallback": "random"})
    path: str | None = None

    @property
    def label(self) -> str:
        """``name@version``: what decisions record as the model shown."""
        return f"{self.name}@{self.version}"


def models_dir() -> Path:
    """Where the presets live: ``$TRIAGE_MODELS`` if set, else the repository's ``models/``
    (beside the ``triage`` package, an editable install), else the copy a wheel installs
    under ``<prefix>/share/triage/models`` (pyproject's ``data-files``)."""
    override = os.environ.get("TRIAGE_MODELS")
    if override:
        return Path(override)
    beside = Path(__file__).resolve().parents[2] / "models"
    if beside.is_dir():
        return beside
    return Path(sys.prefix) / "share" / "triage" / "models"


def list_presets(directory: str | Path | None = None) -> list[str]:
    """Names of the presets in ``directory`` (default :func:`models_dir`), sorted."""
    folder = Path(directory) if directory is not None else models_dir()
    return sorted(p.stem for p in folder.glob("*.toml"))


def load_preset(name_or_path: str | Path, directory: str | Path | None = None) -> Preset:
    """Read a preset by name (from ``models/``) or from a ``.toml`` path.

    Raises :class:`TriageError` naming the valid presets or the bad key.
    """
    candidate = Path(name_or_path)
    if candidate.suffix == ".toml" or candidate.is_file():
        path = candidate
        if not path.is_file():
            raise TriageError(f"no preset file {path}", hint="check the path")
    else:
        folder = Path(directory) if directory is not None else models_dir()
        path = folder / f"{name_or_path}.toml"
        if not path.is_file():
            raise TriageError(
                f"unknown preset {str(name_or_path)!r}",
                hint=f"valid: {', '.join(list_presets(folder)) or '(none found in ' + str(folder) + ')'}",
            )
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise TriageError(f"{path.name}: not valid TOML: {exc}", hint="fix the preset file") from None
    return _parse(data, path)


def _check(table: dict[str, Any], valid: tuple[str, ...], where: str, path: Path) -> dict[str, Any]:
    if not isinstance(table, dict):
        raise TriageError(f"{path.name}: {where} must be a table")
    for key in table:
        if key not in valid:
            raise TriageError(f"{path.name}: {where}.{key}: unknown key", hint=f"valid keys: {', '.join(valid)}")
    return dict(table)


def _parse(data: dict[str, Any], path: Path) -> Preset:
    _check(data, _SECTIONS, "preset", path)
    features = _check(data.get("features", {}), _FEATURE_KEYS, "features", path)
    if "ngram_range" in features:
        features["ngram_range"] = tuple(features["ngram_range"])
    query = _check(data.get("query", {"strategy": "max"}), _QUERY_KEYS, "query", path)
    query.setdefault("strategy", "max")
    cold = _check(data.get("cold_start", {}), _COLD_KEYS, "cold_start", path)
    cold.setdefault("fallback", "random")
    return Preset(
        name=str(data.get("name", path.stem)),
        version=str(data.get("version", "0")),
        description=str(data.get("description", "")),
        features=FeatureSpec(**features),
        classifier=_check(data.get("classifier", {}), _CLASSIFIER_KEYS, "classifier", path),
        query=query,
        cold_start=cold,
        path=str(path),
    )
