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

``--whole-seeds N`` also simulates the whole screening from no decisions at all (priors
0,0), with the default preset once with the criteria file and once without (seeded random
order until the first include and exclude), and with the words-only ``tfidf`` preset
without criteria, seeds 0..N-1, and reports WSS@95 and recall@10% of each: does a criteria
file still help once the classifier takes over? Runs
are cached in ``evaluation/.cache/cold_start`` (keyed by a hash of the code and the
criteria), so ``--no-report`` over halves of the datasets in two processes, then one run
over all, writes the report without simulating twice.

Criteria files are written from each review's published topic, never fitted to labels.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

sys.path.insert(0, str(Path(__file__).resolve().parent))

from compare_asreview import code_hash
from dataset_embeddings import dataset_embeddings

from triage.criteria import Criteria, load_criteria
from triage.embeddings import load_encoder
from triage.evaluation.labelled import load_labelled
from triage.ranking.criteria_scores import CriteriaScorer
from triage.ranking.features import record_text
from triage.ranking.presets import load_preset
from triage.text import load_nlp

CRITERIA_DIR = Path(__file__).resolve().parent / "criteria"
REPO = Path(__file__).resolve().parent.parent
WHOLE_CACHE = REPO / "evaluation" / ".cache" / "cold_start"
WHOLE_PRESET = "default"


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


#: Whole-screening conditions: name -> (preset, with the criteria?). ``tfidf`` is the
#: words-only learner with no criteria, the "TF-IDF only" start.
WHOLE_CONDITIONS: dict[str, tuple[str, bool]] = {
    "none": (WHOLE_PRESET, False), "criteria": (WHOLE_PRESET, True), "tfidf": ("tfidf", False),
}


def whole_code_hash(criteria_file: Path, preset: str = WHOLE_PRESET) -> str:
    """Short hash of what a whole simulated screening depends on: the comparison's ranking,
    simulation and stopping code and preset, plus the criteria code and file."""
    return code_hash(preset, [REPO / "triage" / "criteria.py", REPO / "triage" / "text.py", criteria_file])


def whole_screening(path: Path, criteria_file: Path, seeds: int) -> dict[str, float]:
    """Mean WSS@95 and recall@10% of whole simulated screenings from no decisions, per
    :data:`WHOLE_CONDITIONS` (keys ``criteria_*``, ``none_*``, ``tfidf_*``), over seeds 0..seeds-1."""
    from triage.evaluation.simulate import simulate

    ds = load_labelled(path)
    kwargs: dict[str, Any] | None = None
    criteria = load_criteria(criteria_file)
    out: dict[str, list[float]] = {}
    for condition, (preset, with_criteria) in WHOLE_CONDITIONS.items():
        key = whole_code_hash(criteria_file, preset)
        for seed in range(seeds):
            cached = WHOLE_CACHE / f"{ds.name}-{condition}-s{seed}-{key}.json"
            if cached.exists():
                row = json.loads(cached.read_text(encoding="utf-8"))
            else:
                if kwargs is None:
                    kwargs = {"embeddings": dataset_embeddings(ds), "encoder": load_encoder()}
                result = simulate(ds.records, ds.labels, dataset=ds.name, preset=preset, seed=seed,
                                  priors=(0, 0), criteria=criteria if with_criteria else None, cycle_kwargs=kwargs)
                row = result.to_dict()
                cached.parent.mkdir(parents=True, exist_ok=True)
                cached.write_text(json.dumps(row), encoding="utf-8")
            for metric in ("wss95", "recall10"):
                out.setdefault(f"{condition}_{metric}", []).append(float(row[metric]))
    return {name: float(np.mean(values)) for name, values in out.items()}


def whole_lines(whole: dict[str, dict[str, float]], seeds: int) -> list[str]:
    """The report's second table: whole screenings with and without the criteria."""
    lines = [
        "",
        "## The whole screening from no decisions, with and without the criteria",
        "",
        (f"Simulated with `triage.evaluation.simulate` (priors 0,0, seeds 0..{seeds - 1}, means): `criteria` is "
         f"preset `{load_preset(WHOLE_PRESET).label}` starting from the order above; once an include and an "
         "exclude are known its classifier ranks, with the criteria order added to the log-odds at a weight "
         "that fades as includes are found (`prior_weight`, `prior_fade_includes` in the preset); `none` is "
         f"the same preset without criteria (seeded random order until then); `tfidf` is the words-only "
         "preset without criteria (the TF-IDF-only start). WSS@95 and recall@10% count every record (there "
         "are no priors); random order would give recall@10% 0.100."),
        "",
        ("| dataset | criteria WSS@95 | none WSS@95 | tfidf WSS@95 | criteria recall@10% | none recall@10% "
         "| tfidf recall@10% |"),
        "|---|---|---|---|---|---|---|",
    ]
    names = ("criteria", "none", "tfidf")
    for name, row in whole.items():
        lines.append(f"| {name} | " + " | ".join(f"{row[f'{c}_wss95']:.3f}" for c in names) + " | "
                     + " | ".join(f"{row[f'{c}_recall10']:.3f}" for c in names) + " |")
    means = {k: float(np.mean([row[k] for row in whole.values()])) for k in next(iter(whole.values()))}
    lines.append("| **mean** | " + " | ".join(f"**{means[f'{c}_wss95']:.3f}**" for c in names) + " | "
                 + " | ".join(f"**{means[f'{c}_recall10']:.3f}**" for c in names) + " |")
    counts = []
    for other in ("none", "tfidf"):
        for metric, label in (("wss95", "WSS@95"), ("recall10", "recall@10%")):
            above = sum(row[f"criteria_{metric}"] > row[f"{other}_{metric}"] + 1e-9 for row in whole.values())
            below = sum(row[f"criteria_{metric}"] < row[f"{other}_{metric}"] - 1e-9 for row in whole.values())
            counts.append(f"{label} vs `{other}`: higher with the criteria on {above} of {len(whole)}, lower on {below}")
    lines += ["", "; ".join(counts) + "."]
    return lines


def write_report(rows: dict[str, dict[str, float]], command: str, out: Path,
                 whole: dict[str, dict[str, float]] | None = None, seeds: int = 0) -> None:
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
    if whole:
        lines += whole_lines(whole, seeds)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", nargs="+", type=Path)
    parser.add_argument("--semantic-weight", type=float, default=0.5)
    parser.add_argument(
        "--criteria", type=Path, help="criteria file for every DATA (default: see criteria_for)"
    )
    parser.add_argument("--report", type=Path, help="write the Markdown report here (reports/cold_start.md)")
    parser.add_argument("--whole-seeds", type=int, default=0,
                        help="also simulate whole screenings with and without the criteria, seeds 0..N-1")
    parser.add_argument("--no-report", action="store_true",
                        help="only fill the whole-screening cache (split the datasets over processes)")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    rows: dict[str, dict[str, float]] = {}
    whole: dict[str, dict[str, float]] = {}
    print(f"{'dataset':34s} {'criteria':>8s} {'lexical':>8s} {'semantic':>8s} {'tfidf':>8s} {'random':>8s}")
    for path in args.data:
        criteria_file = criteria_for(path, args.criteria)
        if args.whole_seeds:
            whole[path.stem] = whole_screening(path, criteria_file, args.whole_seeds)
            print(f"{path.stem:34s} whole: " + " ".join(f"{k} {v:.3f}" for k, v in whole[path.stem].items()), flush=True)
        if args.no_report:
            continue
        criteria = load_criteria(criteria_file)
        row = rows[path.stem] = cold_start_recalls(path, criteria, args.semantic_weight, rng)
        print(
            f"{path.stem:34s} "
            + " ".join(f"{row[k]:8.3f}" for k in ("criteria", "lexical", "semantic", "tfidf", "random")),
            flush=True,
        )
    if args.report and not args.no_report:
        data = [str(p) if not p.is_absolute() else p.name for p in args.data]
        seeds = ["--whole-seeds", str(args.whole_seeds)] if args.whole_seeds else []
        write_report(
            rows,
            " ".join(["nice .venv/bin/python evaluation/cold_start.py", *data, *seeds, "--report", str(args.report)]),
            args.report,
            whole,
            args.whole_seeds,
        )
        print(f"report written to {args.report}")


if __name__ == "__main__":
    main()
