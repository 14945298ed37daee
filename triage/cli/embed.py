"""``triage embed``: fill the project's embedding cache, here or on a Dask cluster.

The ranking embeds missing records itself when it needs them; this command does it
ahead, for a large import, and with ``--cluster`` spreads the encoding over a
cluster's workers (the vectors are stored from this process, through the store).
"""

from __future__ import annotations

import json
import time
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from triage.cli.app import app, console, err_console, fail
from triage.cli.options import ClusterOption, ProjectOption, open_project
from triage.screening.background_embeddings import CHUNK, LOCK_FILE


@app.command("embed")
def embed_command(
    cluster: ClusterOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the counts as JSON.")] = False,
    project_dir: ProjectOption = None,
) -> None:
    """Embed the records to screen that have no stored vector yet (on a Dask cluster with --cluster)."""
    from triage.embeddings import Encoder, load_encoder
    from triage.screening.background_embeddings import embed_project, embedding_lock

    started = time.perf_counter()
    with open_project(project_dir) as project, Progress(
        TextColumn("embedding"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=err_console, transient=True, disable=as_json,
    ) as bar:
        model_path = project.get_setting("embedding_model")
        path = str(model_path) if model_path else None
        task = bar.add_task("embed", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        workers = 0
        with embedding_lock(project) as held:
            if not held:
                fail("another process is embedding this project's records (its process id is in "
                     f"{project.directory / LOCK_FILE}); run triage embed again when it has finished")
            if cluster is None:
                encoder: Encoder = load_encoder(path)
                total, computed = embed_project(project, encoder, progress)
            else:
                from triage.cluster.client import connect

                with connect(cluster) as client:
                    from triage.cluster.embed import ClusterEncoder

                    workers = len(client.nthreads())
                    encoder = ClusterEncoder(client, path)
                    # Bigger chunks: each is split over the workers, then stored.
                    total, computed = embed_project(project, encoder, progress, chunk=16 * CHUNK)
    seconds = time.perf_counter() - started
    counts = {"records": total, "embedded": computed, "already_stored": total - computed,
              "model": encoder.name, "cluster": cluster, "workers": workers, "seconds": round(seconds, 2)}
    if as_json:
        print(json.dumps(counts))
        return
    table = Table("", "count", title="embeddings")
    for label, key in (("records to screen", "records"), ("embedded now", "embedded"),
                       ("already stored", "already_stored")):
        table.add_row(label, str(counts[key]))
    table.add_row("model", encoder.name)
    table.add_row("where", f"{workers} workers at {cluster}" if cluster else "this process")
    table.add_row("seconds", f"{seconds:.1f}")
    console.print(table)
