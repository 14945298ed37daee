"""``triage evaluate dedup FILE.csv --truth COLUMN [--json OUT]``: pair metrics of dedup."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from triage.cli.app import console, fail
from triage.cli.options import EncodingOption
from triage.dedup.evaluate import DedupEvaluation, PairExample, evaluate_records, load_labelled


def _examples(title: str, examples: list[PairExample], limit: int) -> None:
    if not examples:
        return
    if limit <= 0:
        console.print(f"{title}: {len(examples)} (use --show N or --json to see them)")
        return
    table = Table("record a", "record b", "triage said", "title a", "title b", title=f"{title} ({len(examples)})")
    for ex in examples[:limit]:
        table.add_row(escape(ex.id_a), escape(ex.id_b), ex.status or "merged", escape(ex.title_a[:70]),
                      escape(ex.title_b[:70]))
    console.print(table)
    if len(examples) > limit:
        console.print(f"... {len(examples) - limit} more (all of them are in --json)")


def _record_line(result: DedupEvaluation) -> str:
    r = result.record_level
    return f"{r.sensitivity:.4f} ({r.false_negatives} records not merged, {r.false_positives} lost)"


def _summary(result: DedupEvaluation) -> Table:
    m = result.metrics
    table = Table("", "value", title=f"dedup evaluation: {escape(Path(result.file).name)}")
    for label, value in (
        ("records", str(result.records)),
        ("true duplicate clusters", str(result.true_clusters)),
        ("predicted merge groups", str(result.predicted_clusters)),
        ("true duplicate pairs", str(m.true_pairs)),
        ("predicted duplicate pairs", str(m.predicted_pairs)),
        ("false merges (pairs)", str(m.false_positives)),
        ("missed pairs", str(m.false_negatives)),
        ("pair precision", f"{m.precision:.4f}"),
        ("pair recall (sensitivity)", f"{m.recall:.4f}"),
        ("F1", f"{m.f1:.4f}"),
        ("record sensitivity (bib-dedupe's count)", _record_line(result)),
        ("possible duplicates left to a person", f"{result.possible_pairs} ({result.possible_pairs / max(result.records, 1):.1%} of records)"),
        ("related-version pairs", str(result.related_pairs)),
        ("seconds", f"{result.seconds:.2f}"),
    ):
        table.add_row(label, value)
    return table


def evaluate_dedup_command(
    file: Annotated[Path, typer.Argument(help="CSV with one row per record and a truth cluster column.")],
    truth: Annotated[str, typer.Option("--truth", help="Column naming each record's duplicate cluster.")],
    json_out: Annotated[Path | None, typer.Option("--json", help="Also write every number and pair here.")] = None,
    show: Annotated[int, typer.Option("--show", help="How many false merges and misses to print.")] = 50,
    encoding: EncodingOption = None,
) -> None:
    """Pair precision, recall (sensitivity), F1 and the pairs behind them."""
    if not file.is_file():
        fail(f"{file}: no such file")
    records, labels, ids = load_labelled(file, truth, encoding=encoding)
    result = evaluate_records(str(file), records, labels, ids)
    console.print(_summary(result))
    _examples("false merges", result.false_merges, show)
    _examples("misses", result.misses, show)
    if json_out is not None:
        json_out.write_text(json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        console.print(f"wrote {escape(str(json_out))}")
