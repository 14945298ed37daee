"""spaCy pipelines: sentences and lemmas, offline.

Trained spaCy pipelines are not installable here, so the default is a blank English
pipeline with the rule-based sentencizer and the lookup lemmatizer from
``spacy-lookups-data`` ("mothers" -> "mother"). A user with a trained pipeline sets
the ``spacy_pipeline`` setting to its name or path and gets it instead.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from triage.errors import TriageError

if TYPE_CHECKING:  # spaCy (and torch under it) loads in load_nlp: `triage` starts faster
    from spacy.language import Language

__all__ = ["lemmas", "load_nlp", "sentences"]


def load_nlp(pipeline: str | None = None) -> Language:
    """A pipeline with sentence boundaries and lemmas.

    ``pipeline`` names an installed or on-disk trained pipeline; ``None`` builds the
    blank English default. Loading takes ~0.3 s: load once and pass it around.
    """
    if pipeline is None:
        _import_spacy_without_torch()
    import spacy

    if pipeline:
        try:
            nlp = spacy.load(pipeline)
        except OSError as exc:
            raise TriageError(
                f"cannot load spaCy pipeline {pipeline!r}",
                hint="install it or unset the spacy_pipeline setting to use the blank English default",
            ) from exc
        if not nlp.has_pipe("sentencizer") and not nlp.has_pipe("parser") and not nlp.has_pipe("senter"):
            nlp.add_pipe("sentencizer")
        return nlp
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    return nlp


def _import_spacy_without_torch() -> None:
    """Import spaCy without letting thinc import torch.

    thinc, under spaCy, imports torch when it starts, to offer PyTorch layers: 1.2 s of
    CPU, a tenth of a project's first ranking. The blank default pipeline has no such
    layer, so while spaCy loads, ``import torch`` is made to fail (thinc then records
    that torch is absent); once spaCy is in, torch imports as usual for the embedding
    model. A trained transformer pipeline (``spacy_pipeline`` setting) loads spaCy with
    torch, unless the blank pipeline was loaded first in the same process.
    """
    if "spacy" in sys.modules or "torch" in sys.modules:
        return
    sys.modules["torch"] = None  # type: ignore[assignment]
    try:
        import spacy  # noqa: F401
    finally:
        if sys.modules.get("torch", 0) is None:
            del sys.modules["torch"]


def lemmas(nlp: Language, text: str) -> list[str]:
    """Lower-cased lemmas of the words in ``text`` (punctuation and spaces dropped)."""
    return [(t.lemma_ or t.text).lower() for t in nlp(text) if not (t.is_punct or t.is_space)]


def sentences(nlp: Language, text: str) -> list[tuple[int, int, str]]:
    """``(start, end, text)`` character spans of each sentence in ``text``."""
    doc = nlp(text)
    return [(s.start_char, s.end_char, s.text) for s in doc.sents]


