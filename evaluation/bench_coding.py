"""Benchmark: code suggestions against held-out human coding, with and without the linear head.

Runs ``triage evaluate coding``'s two protocols (``zero-shot``: the codebook alone;
``online``: each segment is suggested for, then its gold codes are accepted and learned)
on a coded set, for triage's suggester and, as the peer in the same run, the same
suggester with its logistic-regression head switched off (``linear_weight=0``: nearest
examples and code descriptions only, the model before this head). Writes
``evaluation/reports/coding.md``.

    nice .venv/bin/python evaluation/bench_coding.py --seeds 3
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from triage.coding.codebook_io import read_codebook
from triage.coding.evaluate import evaluate_coding, read_gold_segments

DATA = REPO.parent / "shared" / "data" / "coding" / "nhs-patient-feedback"
REPORT = REPO / "evaluation" / "reports" / "coding.md"
VARIANTS = {"triage (neighbours + linear head)": {}, "peer: neighbours only (linear_weight=0)": {"linear_weight": 0.0}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA, help="folder with codebook.json and segments.csv")
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args(argv)
    from triage.embeddings import load_encoder

    book = read_codebook(args.data / "codebook.json")
    gold = read_gold_segments(args.data / "segments.csv")
    encoder = load_encoder()
    X = encoder.encode(gold.texts, batch_size=128)
    rows: list[tuple[str, str, dict[str, float]]] = []
    for name, params in VARIANTS.items():
        for protocol in ("zero-shot", "online"):
            result = evaluate_coding(book, gold, encoder, protocol=protocol, seeds=args.seeds, vectors=X, **params)
            rows.append((name, protocol, result))
            print(f"{name} {protocol}: top1 {result['top1']:.3f} top3 {result['top3']:.3f} ({result['seconds']:.0f} s)",
                  flush=True)
    lines = [
        "# Code suggestions against human coding",
        "",
        (f"Written by `nice .venv/bin/python evaluation/bench_coding.py --seeds {args.seeds}` (do not edit by hand) on "
        f"{time.strftime('%Y-%m-%d')}; Python {platform.python_version()}, {platform.machine()}."),
        (f"Data: `{args.data.relative_to(REPO.parent) if args.data.is_relative_to(REPO.parent) else args.data}` "
        f"({len(gold.texts)} coded segments, {len(book.codable())} codes; short survey answers, not results sections "
        "of papers, so treat the numbers as a check of the machinery, see the data's README)."),
        ("`top1`/`top3`: share of segments whose first / first three suggestions include a gold code. `online`: "
        f"segments in a seeded random order (seeds 0..{args.seeds - 1}), each suggested for first, then its gold "
        "codes accepted and learned; `zero-shot`: codebook only, no learning."),
        "",
        "| suggester | protocol | top1 | top3 | seconds |",
        "|---|---|---|---|---|",
    ]
    lines += [f"| {name} | {protocol} | {r['top1']:.3f} | {r['top3']:.3f} | {r['seconds']:.0f} |" for name, protocol, r in rows]
    ours = {p: r for n, p, r in rows if n.startswith("triage")}
    peer = {p: r for n, p, r in rows if n.startswith("peer")}
    lines += ["", (f"Ratio triage / peer, online: top1 {ours['online']['top1'] / peer['online']['top1']:.2f}, "
                  f"top3 {ours['online']['top3'] / peer['online']['top3']:.2f}.")]
    print("\n".join(lines[-1:]))
    REPORT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"report written to {REPORT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
