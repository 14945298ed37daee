"""Cold start: how well do the criteria alone rank a review's records? (developer tool)

For each labelled CSV with a criteria file ``evaluation/criteria/<dataset>.toml``, ranks
all records before any decision and prints recall@10% (share of relevant records in the
first 10% of the order) for:

- ``criteria``: triage's cold-start score (lexical lemma matches + semantic similarity),
- ``lexical``: the lemma matches alone, ``semantic``: the embedding similarity alone,
- ``tfidf``: TF-IDF cosine of each record with the criteria text (title, question,
  descriptions, include phrases): the words-only baseline,
- ``random``: expected 0.10.

    nice .venv/bin/python evaluation/cold_start.py ../shared/data/screening/Cohen_2006_ADHD.csv ... \
        corpora/demo/demo_labelled.csv --report evaluation/reports/cold_start.md

Criteria files are written from each review's published topic, never fitted to labels.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dataset_embeddings import dataset_embeddings

from triage.criteria import Criteria, load_criteria
from triage.embeddings import load_encoder
from triage.evaluation.labelled import load_labelled
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


def criteria_for(path: Path, override: Path | None) -> Path:
    """The criteria file of a dataset: ``--criteria``, ``criteria/<dataset>.toml`` here, or a
    ``criteria.toml`` beside the data (the bundled demo keeps its own)."""
    for candidate in (override, CRITERIA_DIR / f"{path.stem}.toml", path.parent / "criteria.toml"):
        if candidate is not None and candidate.is_file():
            return candidate
    raise SystemExit(
        f"{path}: no criteria file; write evaluation/criteria/{path.stem}.toml or pass --criteria"
    )


def cold_start_recalls(
    path: Path, criteria: Criteria, semantic_weight: float, rng: np.random.Generator
) -> dict[str, float]:
    """Recall@10% of each cold-start order for one labelled dataset."""
    ds = load_labelled(path)
    records, y = ds.records, ds.labels
    encoder = load_encoder()
    scorer = CriteriaScorer(criteria, load_nlp())
    lexical = scorer.lexical(records).scores
    semantic = scorer.semantic(dataset_embeddings(ds), encoder)
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, stop_words="english")
    matrix = vectorizer.fit_transform([record_text(r) for r in records] + [criteria_text(criteria)])
    orders = {
        "criteria": CriteriaScorer.combine(lexical, semantic, semantic_weight=semantic_weight),
        "lexical": lexical.mean(axis=1),
        "semantic": CriteriaScorer.combine(lexical * 0, semantic, semantic_weight=1.0),
        "tfidf": np.asarray((matrix[:-1] @ matrix[-1].T).todense()).ravel(),
    }
    row = {name: recall_at(scores, y, 0.10, rng) for name, scores in orders.items()}
    return {"records": float(len(y)), "relevant": float(y.sum()), **row, "random": 0.10}


def write_report(rows: dict[str, dict[str, float]], command: str, out: Path) -> None:
    names = ["criteria", "lexical", "semantic", "tfidf", "random"]
    lines = [
        "# Cold start: ranking by the criteria alone (before any decision)",
        "",
        f"Written by `{command}` (do not edit by hand).",
        "Recall@10% = share of relevant records (`label_included`) in the first 10% of the order.",
        "`criteria` is triage's cold-start score (spaCy lemma matches per SPICE element + embedding similarity",
        "to each element's description, half each); `lexical` and `semantic` are its two halves; `tfidf` ranks",
        "by TF-IDF cosine with the whole criteria text (the words-only baseline); `random` is the expectation.",
        "Criteria files: `evaluation/criteria/` (written from each review's published topic, never fitted to",
        "the labels) and the demo's own `corpora/demo/criteria.toml`.",
        "",
        "| dataset | records | relevant | " + " | ".join(names) + " |",
        "|---|---|---|" + "---|" * len(names),
    ]
    for name, row in rows.items():
        lines.append(
            f"| {name} | {row['records']:.0f} | {row['relevant']:.0f} | "
            + " | ".join(f"{row[k]:.3f}" for k in names)
            + " |"
        )
    means = {k: float(np.mean([row[k] for row in rows.values()])) for k in names}
    above = sum(row["criteria"] > row["tfidf"] for row in rows.values())
    ties = sum(row["criteria"] == row["tfidf"] for row in rows.values())
    lines += [
        "| **mean** | | | " + " | ".join(f"**{means[k]:.3f}**" for k in names) + " |",
        "",
        (f"Criteria above TF-IDF on {above} of {len(rows)} datasets, level on {ties}, below on {len(rows) - above - ties};"
        f" ratio of means criteria / TF-IDF {means['criteria'] / means['tfidf']:.2f}, criteria / random"
        f" {means['criteria'] / means['random']:.1f}."),
    ]
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", nargs="+", type=Path)
    parser.add_argument("--semantic-weight", type=float, default=0.5)
    parser.add_argument(
        "--criteria", type=Path, help="criteria file for every DATA (default: see criteria_for)"
    )
    parser.add_argument("--report", type=Path, help="write the Markdown report here (reports/cold_start.md)")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    rows: dict[str, dict[str, float]] = {}
    print(f"{'dataset':34s} {'criteria':>8s} {'lexical':>8s} {'semantic':>8s} {'tfidf':>8s} {'random':>8s}")
    for path in args.data:
        criteria = load_criteria(criteria_for(path, args.criteria))
        row = rows[path.stem] = cold_start_recalls(path, criteria, args.semantic_weight, rng)
        print(
            f"{path.stem:34s} "
            + " ".join(f"{row[k]:8.3f}" for k in ("criteria", "lexical", "semantic", "tfidf", "random")),
            flush=True,
        )
    if args.report:
        data = [str(p) if not p.is_absolute() else p.name for p in args.data]
        write_report(
            rows,
            " ".join(["nice .venv/bin/python evaluation/cold_start.py", *data, "--report", str(args.report)]),
            args.report,
        )
        print(f"report written to {args.report}")


if __name__ == "__main__":
    main()
