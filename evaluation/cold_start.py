"""Cold start: how well do the criteria alone rank a review's records? (developer tool)

For each labelled CSV with a criteria file ``evaluation/criteria/<dataset>.toml``, ranks
all records before any decision and prints recall@10% (share of relevant records in the
first 10% of the order) for:

- ``criteria``: triage's cold-start score (lexical lemma matches + semantic similarity),
- ``lexical``: the lemma matches alone, ``semantic``: the embedding similarity alone,
- ``tfidf``: TF-IDF cosine of each record with the criteria text (title, question,
  descriptions, include phrases): the words-only baseline,
- ``random``: expected 0.10.

    nice .venv/bin/python evaluation/cold_start.py ../shared/data/screening/Cohen_2006_ADHD.csv ...

Criteria files are written from each review's published topic, never fitted to labels.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

sys.path.insert(0, str(Path(__file__).resolve().parent))

from tune_ranking import cached_embeddings, read_labelled

from triage.criteria import Criteria, load_criteria
from triage.embeddings import load_encoder
from triage.ranking.criteria_scores import CriteriaScorer
from triage.ranking.features import record_text
from triage.text import load_nlp

CRITERIA_DIR = Path(__file__).resolve().parent / "criteria"


def recall_at(scores: np.ndarray, y: np.ndarray, share: float, rng: np.random.Generator) -> float:
    """Share of relevant records in the top ``share`` of ``scores`` (ties broken at random)."""
    k = int(np.ceil(share * len(y)))
    order = np.lexsort((rng.random(len(y)), -scores))
    return float(y[order[:k]].sum() / y.sum())


def criteria_text(criteria: Criteria) -> str:
    parts = [criteria.title, criteria.question]
    for element in criteria.elements.values():
        parts.append(element.description)
        parts.extend(element.include)
    return " ".join(parts)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", nargs="+", type=Path)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/triage-embeddings"))
    parser.add_argument("--semantic-weight", type=float, default=0.5)
    parser.add_argument("--criteria", type=Path, help="criteria file for every DATA (default: criteria/<dataset>.toml)")
    args = parser.parse_args(argv)
    encoder = load_encoder()
    nlp = load_nlp()
    rng = np.random.default_rng(0)
    print(f"{'dataset':28s} {'criteria':>8s} {'lexical':>8s} {'semantic':>8s} {'tfidf':>8s} {'random':>8s}")
    for path in args.data:
        criteria = load_criteria(args.criteria or CRITERIA_DIR / f"{path.stem}.toml")
        records, y = read_labelled(path)
        embeddings = cached_embeddings(path, records, args.cache, [encoder])
        scorer = CriteriaScorer(criteria, nlp)
        lexical = scorer.lexical(records).scores
        semantic = scorer.semantic(embeddings, encoder)
        combined = CriteriaScorer.combine(lexical, semantic, semantic_weight=args.semantic_weight)
        vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, stop_words="english")
        matrix = vectorizer.fit_transform([record_text(r) for r in records] + [criteria_text(criteria)])
        tfidf = np.asarray((matrix[:-1] @ matrix[-1].T).todense()).ravel()
        row = [
            recall_at(s, y, 0.10, rng)
            for s in (combined, lexical.mean(axis=1), CriteriaScorer.combine(lexical * 0, semantic, semantic_weight=1.0), tfidf)
        ]
        print(f"{path.stem:28s} " + " ".join(f"{v:8.3f}" for v in row) + f" {0.10:8.3f}")


if __name__ == "__main__":
    main()
