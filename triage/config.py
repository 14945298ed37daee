"""Every project setting triage reads: name, default and help, in one table.

Settings live in the project's ``settings`` table; :func:`get` falls back to the
default here. ``tests/test_config.py`` checks each one is documented in README.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["SETTINGS", "Setting", "default", "reason_required", "setting"]


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str
    #: The values it may take, where it is one of a few words (checked before storing).
    choices: tuple[str, ...] = ()


SETTINGS: tuple[Setting, ...] = (
    Setting("criteria_file", None, "Path of the review's SPICE criteria TOML (set by 'triage init --criteria')."),
    Setting("preset", "default", "Ranking preset from models/ used by 'triage screen' and 'triage next'."),
    Setting("recall_target", 0.95, "Recall the stopping rules aim for (0-1)."),
    Setting("stopping_confidence", 0.95, "Confidence level of the statistical stopping test (0-1)."),
    Setting("spacy_pipeline", None, "Name or path of a trained spaCy pipeline; blank English + sentencizer when unset."),
    Setting("embedding_model", None, "Path of a sentence-transformers model; the bundled all-MiniLM-L6-v2 when unset."),
    Setting("reviewer", None, "Default reviewer name recorded on decisions when --reviewer is not given."),
    # Embedding 50,000 abstracts takes minutes on a CPU: by default nobody waits for it.
    Setting(
        "embeddings", "background",
        "Missing record embeddings: 'background' ranks at once on words and criteria while a background "
        "run computes them (used once all are there); 'wait' computes them before ranking. "
        "$TRIAGE_EMBEDDINGS overrides it.",
        choices=("background", "wait"),
    ),
    # PRISMA 2020 (Page et al. 2021, item 16b and the flow diagram) asks for the reasons
    # full-text reports were excluded; title/abstract exclusions are only counted.
    Setting(
        "exclusion_reason_required", "full_text",
        "Where an exclusion must name a reason: 'full_text' (PRISMA 2020; optional at title/abstract) "
        "or 'all_stages'. Chosen at 'triage init'; changes are logged.",
        choices=("full_text", "all_stages"),
    ),
    # Blind double screening (Covidence, Rayyan): each reviewer decides without seeing the other's.
    Setting(
        "blind", "false",
        "Blind mode: nobody sees another reviewer's decision on a record until two have decided it "
        "(on by itself where 'triage allocate --double' screens a share twice). 'true' treats every record as "
        "screened twice.",
        choices=("true", "false"),
    ),
)

_BY_NAME = {s.name: s for s in SETTINGS}


def setting(name: str) -> Setting:
    """The :class:`Setting` called ``name``; KeyError lists the valid names."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown setting {name!r}; valid: {', '.join(_BY_NAME)}") from None


def default(name: str) -> Any:
    return setting(name).default


def reason_required(rule: object, stage: str) -> bool:
    """Whether an exclusion at ``stage`` must name a reason under the project's
    ``exclusion_reason_required`` value ``rule`` (None: the default). Full text always does."""
    return stage == "full_text" or (rule or default("exclusion_reason_required")) == "all_stages"
