"""``triage evaluate coding``: top-1/top-3 of code suggestions against gold coding."""

# scikit-learn and the encoder are imported inside the command: CLI start-up time.
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from triage.cli.app import console
from triage.coding.codebook_io import read_codebook
from triage.errors import EvaluationError


def evaluate_coding_cmd(
    folder: Annotated[Path | None, typer.Argument(
        help="A folder holding codebook.json (or .toml, .csv, .qdc) and segments.csv, as the shared coding "
             "sets do; instead of --codebook and --segments.")] = None,
    codebook: Annotated[Path | None, typer.Option(help="Codebook file (.json, .toml, .csv, .qdc).")] = None,
    segments: Annotated[Path | None, typer.Option(help="CSV with segment_id, text, code (';'-separated gold ids).")] = None,
    protocol: Annotated[str, typer.Option(help="zero-shot (codebook only), online (learn each gold code) or online-reject (also reject a wrong first suggestion).")] = "zero-shot",
    seeds: Annotated[int, typer.Option(min=1, help="Random segment orders averaged (online).")] = 1,
    suggester: Annotated[str, typer.Option(help="triage, or naive: the baseline (nearest code name, then nearest "
                                                "centroid of the segments coded so far).")] = "triage",
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the result as JSON here.")] = None,
    max_per_theme: Annotated[int | None, typer.Option(
        help="triage only: at most this many codes of one theme among the three suggestions (default 2, as a "
             "project suggests; 0: by score alone).", show_default=False)] = None,
    adapt_steps: Annotated[int | None, typer.Option(
        help="triage only, online protocols: fit the project map of the embeddings from the accepts with this "
             "many steps (default 50, as a project does; 0: no map).", show_default=False)] = None,
    refit: Annotated[str | None, typer.Option(
        help="triage only, online protocols: when the map is refitted: due (default: as a project does, after "
             "every accept at first, then as a 32nd of the accepts have changed) or every (after every "
             "accept, issue 18's rounds 7-8).", show_default=False)] = None,
) -> None:
    """Share of segments whose first (top-1) or first three (top-3) suggestions hold a gold code."""
    import numpy as np

    from triage.coding.evaluate import (
        PROTOCOLS,
        canonical_order,
        evaluate_coding,
        read_gold_segments,
        suggestion_latency,
    )
    from triage.coding.suggest import CodeSuggester, training_items
    from triage.embeddings import load_encoder

    if protocol not in PROTOCOLS:
        raise EvaluationError(f"unknown protocol {protocol!r}", hint=f"use one of: {', '.join(PROTOCOLS)}")
    codebook, segments = _gold_files(folder, codebook, segments)
    book = read_codebook(codebook)
    gold = read_gold_segments(segments)
    encoder = load_encoder()
    started = time.perf_counter()
    vectors = None
    if gold.texts:  # encoded in canonical order: the same batches, so the same vectors, however the rows lie
        order = canonical_order(gold)
        vectors = np.empty((len(order), encoder.dimension), dtype=np.float32)
        vectors[order] = encoder.encode([gold.texts[i] for i in order], batch_size=128)
    encoding = time.perf_counter() - started
    options: dict[str, Any] = {name: value for name, value in (("max_per_theme", max_per_theme),
                                                                ("adapt_steps", adapt_steps),
                                                                ("refit", refit)) if value is not None}
    if options and suggester != "triage":
        raise EvaluationError(f"--{next(iter(options)).replace('_', '-')} applies to the triage suggester only",
                              hint="leave --suggester out or give --suggester triage")
    result = evaluate_coding(book, gold, encoder, protocol=protocol, seeds=seeds, vectors=vectors,
                             suggester=suggester, **options)
    if options:  # the same keys; the suggester's name says which variant ran
        result["suggester"] += " (" + ", ".join(f"{name}={value}" for name, value in options.items()) + ")"
    result["seconds"] = round(result["seconds"] + encoding, 2)
    console.print(
        f"{result['suggester']} {result['protocol']}: n={result['n']} top1={result['top1']:.3f} top3={result['top3']:.3f} "
        f"seeds={result['seeds']} ({result['seconds']:.1f} s)"
    )
    # Latency with every gold segment learned: the slowest the model gets on this data.
    texts, ids, kinds = training_items([(c, book.path(c.id)) for c in book.codable()])
    assert vectors is not None
    model = CodeSuggester().fit(encoder.encode(texts), ids, kind=kinds, segments=vectors)
    learned = [(i, c) for i, codes in enumerate(gold.codes) for c in sorted(codes)]
    model.partial_fit(vectors[[i for i, _ in learned]], [c for _, c in learned], kind=["accepted"] * len(learned))
    sample = gold.texts[:50]
    scoring = suggestion_latency(model, encoder, sample, encode=False)
    latency = suggestion_latency(model, encoder, sample)
    console.print(f"suggestion latency per segment, median of {len(sample)} with {len(learned)} examples learned: "
                  f"{scoring * 1000:.1f} ms for a stored segment, {latency * 1000:.1f} ms with encoding")
    if json_out is not None:
        json_out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


def _gold_files(folder: Path | None, codebook: Path | None, segments: Path | None) -> tuple[Path, Path]:
    """The codebook and gold segments: the options, else the folder's ``codebook.*`` and
    ``segments.csv``; one line saying what is missing otherwise."""
    if folder is not None:
        if not folder.is_dir():
            raise EvaluationError(f"{folder} is not a folder",
                                  hint="give a folder with codebook.json and segments.csv, or --codebook and --segments")
        if codebook is None:
            found = [folder / f"codebook{ext}" for ext in (".json", ".toml", ".csv", ".qdc")]
            codebook = next((f for f in found if f.is_file()), None)
        if segments is None and (folder / "segments.csv").is_file():
            segments = folder / "segments.csv"
    if codebook is None or segments is None:
        missing = " and ".join(name for name, value in (("a codebook", codebook), ("gold segments", segments))
                               if value is None)
        where = f"{folder} has no codebook.json / segments.csv" if folder is not None else "none given"
        raise EvaluationError(f"{missing} needed ({where})",
                              hint="give a folder holding codebook.json and segments.csv, or --codebook FILE and "
                                   "--segments FILE")
    return codebook, segments
