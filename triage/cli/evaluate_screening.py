"""``triage evaluate screening`` and ``triage evaluate heldout``.

``screening`` simulates a reviewer on labelled files through the real screening
cycle; ``heldout`` cross-validates the project's own decisions. Library errors
(EvaluationError, unknown preset) reach the user as one line via ``TriageGroup``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from triage.cli.app import console, err_console, fail
from triage.cli.options import EncodingOption, ProjectOption, open_project

__all__ = ["heldout_command", "parse_priors", "screening_command"]


def parse_priors(text: str) -> tuple[int, int]:
    """``"I,E"`` -> (includes, excludes); both non-negative integers."""
    parts = text.split(",")
    try:
        if len(parts) != 2:
            raise ValueError
        inc, exc = int(parts[0]), int(parts[1])
        if inc < 0 or exc < 0:
            raise ValueError
    except ValueError:
        fail(f"--priors {text!r} is not two counts; use --priors I,E such as 1,1 (or 0,0 for a cold start)")
        raise  # unreachable: fail exits
    return inc, exc


def screening_command(
    data: Annotated[list[Path], typer.Argument(help="Labelled CSV, RIS or BibTeX files (label_included/included 1/0, or ASReview's final_included, label ...).")],
    criteria: Annotated[Path | None, typer.Option("--criteria", help="SPICE criteria TOML for the cold start.")] = None,
    preset: Annotated[str, typer.Option("--preset", help="Ranking preset from models/.")] = "default",
    seeds: Annotated[int, typer.Option("--seeds", min=1, help="Number of seeds (0..N-1) per dataset.")] = 1,
    priors: Annotated[str, typer.Option("--priors", help="Prior includes,excludes drawn per seed; 0,0 = cold start.")] = "1,1",
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the results as a JSON list here.")] = None,
    plot: Annotated[Path | None, typer.Option("--plot", help="Write recall curves here (PNG, plus an SVG beside it).")] = None,
    encoding: EncodingOption = None,
    recall_target: Annotated[float, typer.Option(
        "--recall-target", help="Recall the stopping rules aim for (0-1), as the project's recall_target setting.",
    )] = 0.95,
    confidence: Annotated[float, typer.Option(
        "--confidence", help="Confidence of the statistical tests (0-1), as the stopping_confidence setting.",
    )] = 0.95,
    label: Annotated[str | None, typer.Option(
        "--label", help="Column holding the 1/0 labels (default label_included, else included); "
        "label_abstract_screening: the title/abstract decisions, where a dataset has them.",
    )] = None,
) -> None:
    """Simulate screening labelled DATA in triage's order and report WSS, recall, stopping."""
    from triage.evaluation.labelled import load_labelled
    from triage.evaluation.report import bound_summary, results_table, stopping_table, write_json
    from triage.evaluation.simulate import StoppingConfig, shared_encoding, simulate
    from triage.ranking.presets import load_preset

    prior_counts = parse_priors(priors)
    for name, value in (("--recall-target", recall_target), ("--confidence", confidence)):
        if not 0 < value < 1:
            fail(f"{name} {value:g} is not a share between 0 and 1; e.g. {name} 0.95")
    config = StoppingConfig(recall_target=recall_target, confidence=confidence)
    load_preset(preset)  # unknown preset: one line listing the valid ones, before any work
    crit = None
    if criteria is not None:
        from triage.criteria import load_criteria

        crit = load_criteria(criteria)
    for path in data:
        if not path.is_file():
            fail(f"{path}: no such file; pass labelled CSV, RIS or BibTeX files")
    rows: list[dict[str, Any]] = []
    curves = []
    traces = []
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=err_console, transient=True,
    ) as progress:
        for path in data:
            dataset = load_labelled(path, encoding=encoding, label=label)
            embedding = progress.add_task(f"{escape(dataset.name)}: embedding records", total=None)

            def embedded(done: int, total: int, task: TaskID = embedding) -> None:
                progress.update(task, completed=done, total=total)

            shared = shared_encoding(dataset.records, preset, crit, embedded)  # once per dataset, not per seed
            progress.remove_task(embedding)
            for seed in range(seeds):
                task = progress.add_task(f"{escape(dataset.name)} seed {seed}", total=dataset.n)

                def advance(done: int, total: int, task: TaskID = task) -> None:
                    progress.update(task, completed=done)

                result = simulate(
                    dataset.records, dataset.labels, dataset=dataset.name, preset=preset, seed=seed,
                    priors=prior_counts, criteria=crit, config=config, cycle_kwargs=shared, progress=advance,
                )
                progress.remove_task(task)
                rows.append(result.to_dict())
                curves.append((dataset.name, seed, result.ranked_labels()))
                traces.append((dataset.name, seed, result.ordered_labels(), result.estimate_trace))
    console.print(results_table(rows, title=f"Simulated screening, preset {preset}, priors {priors}",
                                priors=prior_counts))
    console.print(stopping_table(rows, recall_target, confidence))
    bound = bound_summary(rows)
    if bound:
        before = int(bound["checks_before_all_found"])
        tested = (
            f"{bound['held_before_all_found']:.1%} of the {before} taken before every include was found"
            if before else "every look came after the last include was found"
        )
        console.print(
            f"Recall lower bound (`triage status`: 'recall so far >= X%'): held at {bound['held']:.1%} of "
            f"{int(bound['checks'])} looks (every 10% of the records), {tested}; it claims "
            f"{confidence:.0%}. Mean true recall minus bound {bound['mean_gap']:.3f}."
        )
    if json_out is not None:
        write_json(rows, json_out)
        console.print(f"JSON written to {escape(str(json_out))}")
    if plot is not None:
        from triage.evaluation.plots import plot_recall_curves, plot_recall_estimates

        written = plot_recall_curves(curves, plot, recall_target=recall_target, title=f"triage {preset}: recall curves")
        estimates = plot.with_name(plot.stem + "-estimates" + (plot.suffix or ".png"))
        written += plot_recall_estimates(traces, estimates, confidence=confidence, recall_target=recall_target,
                                         title=f"triage {preset}: estimated vs true recall")
        console.print("Plots written to " + ", ".join(escape(str(p)) for p in written))


#: Below this many held-out decisions, or includes among them, the measures come with a caveat.
FEW_HELDOUT = 50
FEW_INCLUDES = 10


def _recall_at_stop(out: dict[str, Any]) -> dict[str, Any]:
    """Recall of the held-out includes at the stopping point, with its exact (Clopper-Pearson)
    95% interval: on a dozen held-out decisions the point value alone says little."""
    from scipy.stats import binomtest

    includes, missed = int(out["heldout_includes"] or 0), out["missed_below_stop"]
    if not includes or missed is None:
        return {"recall_at_stop": None, "recall_at_stop_ci": None}
    found = includes - int(missed)
    interval = binomtest(found, includes).proportion_ci(confidence_level=0.95, method="exact")
    return {"recall_at_stop": found / includes, "recall_at_stop_ci": [float(interval.low), float(interval.high)]}


def heldout_command(
    project_dir: ProjectOption = None,
    folds: Annotated[int | None, typer.Option("--folds", min=2, help="Cross-validation folds (default 5).")] = None,
    reviewer: Annotated[
        str | None, typer.Option("--reviewer", help="Hold out this reviewer's double-screened records instead.")
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed for the fold split and the model.")] = 0,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the result as JSON here.")] = None,
) -> None:
    """Recall on held-out screening decisions: what would stopping now miss?"""
    from triage.evaluation.heldout import heldout_folds, heldout_reviewer, project_labels

    if folds is not None and reviewer is not None:
        fail("use either --folds or --reviewer, not both")
    with open_project(project_dir) as project:
        data = project_labels(project, reviewer=reviewer)
        preset = str(project.get_setting("preset", "default") or "default")
        criteria_file = project.get_setting("criteria_file")
        directory = project.directory
    crit = None
    if criteria_file:
        from triage.criteria import load_criteria

        path = Path(str(criteria_file))
        crit = load_criteria(path if path.is_absolute() else directory / path)
    if reviewer is not None:
        result = heldout_reviewer(
            data["records"], data["train"], data["test"], history=data["history"], preset=preset, criteria=crit,
            seed=seed,
        )
    else:
        result = heldout_folds(
            data["records"], data["decisions"], folds=folds or 5, history=data["history"], preset=preset,
            criteria=crit, seed=seed,
        )
    out = result.to_dict()
    out.update(_recall_at_stop(out))
    stop_words = ("the knee rule's on the decision history" if result.stop_rule == "knee"
                  else "now: as many records as the project has screened")
    table = Table(
        title=f"Held-out decisions ({'reviewer ' + reviewer if reviewer else f'{result.folds} folds'})",
        # The recall here is easily read as the review's (found on a demo project: "1.000 (0.91-1.00)").
        caption=("Each measure is about the recall of the held-out includes, records already decided, each scored "
                 f"by a model trained without them; the stopping point is {stop_words}. It is not the review's "
                 "recall among the records not yet screened: for that, triage status's 'recall so far >= X%'."),
        caption_justify="left",
    )
    table.add_column("measure")
    table.add_column("value", justify="right")
    labels = {
        "records": "records in project", "heldout": "held-out decisions", "heldout_includes": "held-out includes",
        "roc_auc": "ROC AUC", "average_precision": "average precision",
        "recall_top10": "includes in top 10%", "recall_top20": "includes in top 20%",
        "recall_top50": "includes in top 50%",
        "stop_point": f"stopping point ({result.stop_rule}, records screened)",
        "missed_below_stop": "held-out includes below stopping point",
    }
    for key, label in labels.items():
        value = out[key]
        table.add_row(label, "n/a" if value is None else (f"{value:.3f}" if isinstance(value, float) else str(value)))
    low, high = out["recall_at_stop_ci"] or (None, None)
    if out["recall_at_stop"] is not None:
        table.add_row("recall at the stopping point (95% CI)", f"{out['recall_at_stop']:.3f} ({low:.2f}-{high:.2f})")
    console.print(table)
    includes = int(out["heldout_includes"] or 0)
    if int(out["heldout"]) < FEW_HELDOUT or includes < FEW_INCLUDES:
        console.print(f"[yellow]Only {out['heldout']} held-out decisions ({includes} include"
                      f"{'' if includes == 1 else 's'}): these measures swing widely on so few"
                      + (f"; recall at the stopping point may be anywhere from {low:.0%} to {high:.0%} "
                         "(95% Clopper-Pearson interval)" if low is not None else "") + ".[/]")
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
        console.print(f"JSON written to {escape(str(json_out))}")
