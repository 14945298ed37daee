"""The lookup phrase matcher gives spaCy's PhraseMatcher(attr="LEMMA") matches exactly,
and the blank pipeline loads without torch."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest
from spacy.matcher import PhraseMatcher

from triage.criteria import load_criteria
from triage.ranking.lemma_phrases import lookup_matcher
from triage.text import load_nlp

# Phrases that exercise the tokenizer's special cases, affixes and infixes besides the criteria's words.
EDGE_PHRASES = ["randomised controlled trial", "covid-19", "well-being", "mothers'", "don't", "cannot",
                "e.g. children", "3-month follow-up", "(n = 12)", "u.s. adults", "child"]
# Texts whose whitespace is not single spaces between words: tokenized whole by spaCy's rules.
EDGE_TEXTS = ["  mothers  and\tfathers\n", "child\u00a0protection services", " parents", "parents ",
              "mothers.fathers,children's well-being (n = 12) don't cannot covid-19", ""]


def _phrases(shared_data: Path) -> dict[str, str]:
    criteria = load_criteria(shared_data.parent / "examples" / "criteria-parental-mental-health.toml")
    phrases = {f"{e.name}/{i}": p.lower() for e in criteria.elements.values() for i, p in enumerate(e.include)}
    phrases.update({f"edge/{i}": p for i, p in enumerate(EDGE_PHRASES)})
    return phrases


def _shared_texts(shared_data: Path, per_file: int = 50) -> list[str]:
    texts: list[str] = []
    for path in sorted((shared_data / "screening").glob("*.csv")):
        if path.name == "INDEX.csv":
            continue
        with path.open(newline="", encoding="utf-8") as handle:
            for row, _ in zip(csv.DictReader(handle), range(per_file), strict=False):
                texts += [(row.get("title") or "").lower(), (row.get("abstract") or "").lower()]
    return texts


def test_same_matches_as_spacy_phrase_matcher(shared_data: Path) -> None:
    nlp = load_nlp()
    phrases = _phrases(shared_data)
    fast = lookup_matcher(nlp, phrases)
    assert fast is not None
    reference = PhraseMatcher(nlp.vocab, attr="LEMMA")
    for key, phrase in phrases.items():
        reference.add(key, [nlp(phrase)])
    texts = _shared_texts(shared_data) + EDGE_TEXTS
    total = 0
    for text in texts:
        doc = nlp(text)
        expected = sorted((nlp.vocab.strings[m], doc[s:e].start_char, doc[s:e].end_char) for m, s, e in reference(doc))
        # Twice: the second call reads the tokens of every piece from the matcher's cache.
        assert sorted(fast(text)) == expected, text[:120]
        assert sorted(fast(text)) == expected
        total += len(expected)
    assert total > 500  # the comparison covered many matches, not a sample with none


def test_other_pipelines_keep_the_phrase_matcher() -> None:
    nlp = load_nlp()
    nlp.add_pipe("attribute_ruler", before="lemmatizer")
    assert lookup_matcher(nlp, {"a": "mothers"}) is None


@pytest.mark.parametrize("then_torch", [False, True])
def test_blank_pipeline_loads_without_torch(then_torch: bool) -> None:
    script = ("import sys\nfrom triage.text import load_nlp\nnlp = load_nlp()\n"
              "assert [t.lemma_ for t in nlp('mothers were supported')] == ['mother', 'be', 'support']\n"
              "print('torch' in sys.modules)\n")
    if then_torch:  # the embedding model still gets torch afterwards
        script += "import torch\nprint(float(torch.ones(2).sum()))\n"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    lines = done.stdout.split()
    assert lines[0] == "False"
    if then_torch:
        assert lines[1] == "2.0"
