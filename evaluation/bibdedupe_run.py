"""Run bib-dedupe on one shared dedup CSV and print its merge groups as JSON (the peer of ``bench_dedup.py``).

Runs inside ``evaluation/.bibdedupe-venv`` (``bench_dedup.py --peer`` creates it), never in triage's own
environment, so bib-dedupe's dependencies (pandas, its own rapidfuzz pin) cannot change what triage runs on.
The columns of the shared files are mapped to the BibTeX-style fields bib-dedupe expects; authors
separated by ``;`` become BibTeX's ``and``. Both tools read the same rows; ``bench_dedup.py`` scores both
with the same functions.

    evaluation/.bibdedupe-venv/bin/python evaluation/bibdedupe_run.py ../shared/data/dedup/respiratory.csv
"""

from __future__ import annotations

import json
import resource
import sys
import time
from importlib.metadata import version

import pandas as pd
from bib_dedupe.bib_dedupe import block, cluster, match, prep

#: shared CSV column -> bib-dedupe field
COLUMNS = {
    "record_id": "ID", "orig_ENTRYTYPE": "ENTRYTYPE", "title": "title", "authors": "author", "year": "year",
    "journal": "journal", "volume": "volume", "issue": "number", "pages": "pages", "doi": "doi",
    "abstract": "abstract", "isbn": "isbn",
}


def main(path: str) -> None:
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    records = raw[[c for c in COLUMNS if c in raw.columns]].rename(columns=COLUMNS)
    records["author"] = records["author"].str.replace(r"\s*;\s*", " and ", regex=True)
    # The scaled set carries no entry type (build_scaled drops the orig_ columns): all articles then.
    if "ENTRYTYPE" not in records:
        records["ENTRYTYPE"] = ""
    records["ENTRYTYPE"] = records["ENTRYTYPE"].replace("", "article")
    started = time.perf_counter()
    prepared = prep(records, verbosity_level=0, cpu=1)
    matched = match(block(prepared, verbosity_level=0, cpu=1), verbosity_level=0, cpu=1)
    groups = cluster(matched, verbosity_level=0)
    seconds = time.perf_counter() - started
    maybe = int((matched["duplicate_label"] == "maybe").sum()) if len(matched) else 0
    print(json.dumps({
        "groups": [[str(i) for i in g] for g in groups], "maybe_pairs": maybe, "seconds": round(seconds, 2),
        "version": version("bib-dedupe"),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }))


if __name__ == "__main__":
    main(sys.argv[1])
