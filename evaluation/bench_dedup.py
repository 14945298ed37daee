"""Benchmark triage's deduplication on every shared dedup set and an ~80,000-record scaled set.

Run from the repository root (``../shared`` beside it)::

    nice .venv/bin/python evaluation/bench_dedup.py            # writes evaluation/reports/dedup.{md,csv}
    nice .venv/bin/python evaluation/bench_dedup.py --records 20000 --no-write   # quicker look

Each set runs in its own subprocess so its peak memory (max RSS) is its own. The
scaled set is built from all shared sets: copy ``k`` of each record gets its title
words and author surnames renamed through a seeded per-copy letter cipher (a permutation
of a-z, so spelling variants stay variants: see ``_CopyCipher``) and its
volume and pages shifted (so copies are different publications, while duplicates
inside a copy stay duplicates and keep their real structure), then realistic perturbations: title case changed,
punctuation dropped or changed, pages abbreviated Medline-style (``123-129`` ->
``123-9``), journal names abbreviated (ISO 4 style word prefixes), and missing
fields (pages, volume, issue, DOI, abstract, all but the first author). Truth for
the scaled set is ``copy:cluster_id``.

The peer: bib-dedupe (``bib-dedupe==0.11.0``, the tool behind the issue's "0 false
positives, 0.9935 sensitivity") runs on the same four shared files in its own venv
(``evaluation/.bibdedupe-venv``, created on first use; ``--no-peer`` skips it) through
``evaluation/bibdedupe_run.py``, and both tools are scored by the same functions: pair
precision/recall, and the record counts bib-dedupe's own benchmark publishes.
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import random
import re
import resource
import string
import subprocess
import sys
import tempfile
import time
from collections import Counter
from importlib.metadata import version
from pathlib import Path

from rapidfuzz import fuzz, process

from triage.dedup.keys import COLUMN_WORDS, TITLE_STOPWORDS

REPO = Path(__file__).resolve().parents[1]
DEDUP_DATA = REPO.parent / "shared" / "data" / "dedup"
SETS = ("cytology_screening", "haematology", "respiratory", "digital_work")
REPORTS = REPO / "evaluation" / "reports"
SEED = 20261127
PEER_VENV = REPO / "evaluation" / ".bibdedupe-venv"
PEER = "bib-dedupe==0.11.0"
_WORD = re.compile(r"[^\W\d_]+")  # words of letters, any script
_STOP = {"of", "the", "and", "in", "for", "on", "&"}


#: The most frequent title words keep their identity in every copy: function words and
#: the words of recurring columns ("Editorial", "Editor's Comments", "Erratum", "Part")
#: are the same in every review, only the rare content words make one study another.
KEEP_COMMON = 100
#: Words that mark notices and parts keep their meaning in every copy too.
TRAP_WORDS = frozenset(["erratum", "errata", "corrigendum", "correction", "retraction", "retracted", "reply", "response", "comment", "commentary", "part", "phase", "study", "preprint", "abstract"])


#: Words the dedup keys read as numbers, parts or stop words: they keep their identity,
#: and no renamed word becomes one (or a copy would gain a trap or a number its
#: original lacks, or lose one it has).
_RESERVED = frozenset(
    ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth", "i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "pt", "paper", "series", "section", "re"]
) | TITLE_STOPWORDS


def _cipher(vocabulary: list[str], rng: random.Random, keep: frozenset[str] = frozenset()) -> dict[str, str]:
    movable = [w for w in vocabulary if w not in keep]
    shuffled = movable[:]
    rng.shuffle(shuffled)
    return dict(zip(movable, shuffled))


class _CopyCipher(dict[str, str]):
    """One copy's renaming of lower-case words, built as words come.

    A letter cipher (one permutation of a-z per copy), not a word permutation: a word
    permutation sent "haemolytic" and "hemolytic", "randomised" and "randomized",
    "squamos" and "squamous" to two unrelated words, so a renamed copy lost the spelling
    variants and typos its original's duplicates differ by (its recall was lower than
    the original's for that alone). A cipher keeps every edit distance and word length,
    and the copy's words stay as far from other copies' as different words are.
    Kept words (frequent words, column and trap words, and spellings of them: "patient",
    "randomised") stay as they are. Words without a letter a-z (Cyrillic, Hangul: 39 of
    11,328 title words) go through a word permutation among themselves instead.
    """

    def __init__(self, letters: dict[int, int], keep: frozenset[str], others: dict[str, str]) -> None:
        super().__init__()
        self.letters, self.keep, self.others = letters, keep, others

    def __missing__(self, word: str) -> str:
        if word in self.keep or word in _RESERVED:
            new = word  # ("ii" of "Part ii" stays a number, "the" a stop word)
        elif not _ASCII_LETTER.search(word):
            new = self.others.get(word, word)
        else:
            new = word.translate(self.letters)
            if new in self.keep or new in _RESERVED:
                new = word  # a rare word ciphered into "the" or "part" stays itself instead
        self[word] = new
        return new


_ASCII_LETTER = re.compile(r"[a-z]")


def _letter_cipher(rng: random.Random) -> dict[int, int]:
    letters = list(string.ascii_lowercase)
    shuffled = letters[:]
    rng.shuffle(shuffled)
    return str.maketrans("".join(letters), "".join(shuffled))


def _spellings_of(words: frozenset[str], vocabulary: list[str]) -> frozenset[str]:
    """Words of ``vocabulary`` within one edit in five characters of a word in ``words``
    (rapidfuzz ratio 80): spellings and typos of kept words, kept with them."""
    targets = list(words)
    return frozenset(w for w in vocabulary if len(w) > 3 and w not in words
                     and process.extractOne(w, targets, scorer=fuzz.ratio, score_cutoff=80))


def _rename(text: str, table: dict[str, str]) -> str:
    def swap(match: re.Match[str]) -> str:
        word = match.group(0)
        if len(word) == 1 or (word.isupper() and len(word) <= 3):
            return word  # initials ("J", "JA") stay initials, or "Smith JA" stops parsing
        new = table[word.lower()]
        return new.capitalize() if word[:1].isupper() else new

    return _WORD.sub(swap, text)


#: A page number, or a range whose end may carry a prefix ("c37-c42") or be abbreviated.
_PAGE_NUMBER = re.compile(r"(\d+)(\s*[-\u2010-\u2015]+\s*)([A-Za-z]*)(\d+)|(\d+)")


def _shift_pages(pages: str, by: int) -> str:
    """Move every page number of ``pages`` by ``by``, keeping its form: ``"291-296"`` ->
    ``"328-333"``, ``"S109-S112"`` -> ``"S146-S149"``, ``"119-27; quiz 128"`` -> ``"156-64;
    quiz 165"``; roman numerals stay.

    Every form moves, not only plain ranges: a duplicate pair exported as ``"S109-S112"``
    and ``"109-112"`` (or ``"c37-c42"`` / ``"37-42"``, ``"742-8; discussion 748-9"`` /
    ``"742-749"``) shares its pages in the original, and a copy that moved only the plain
    form turned that pair's agreeing pages into a contradiction (13 true pairs of the
    shared sets, one in 160: recall the renamed copies lost and the original did not)."""

    def move(match: re.Match[str]) -> str:
        if match.group(5):
            return str(int(match.group(5)) + by)
        start, dash, prefix, end = match.group(1), match.group(2), match.group(3), match.group(4)
        if len(end) < len(start) and not prefix:
            # Abbreviated in the source ("1126-33", Medline style): shift the page it stands
            # for and write it abbreviated again. (Left unshifted, a copy's "1126-33" met the
            # original's address, so a planted copy could collide with its original.)
            full = start[: len(start) - len(end)] + end
            if int(full) >= int(start):
                return _abbreviate_pages(f"{int(start) + by}{dash}{int(full) + by}")
        return f"{int(start) + by}{dash}{prefix}{int(end) + by}"

    return _PAGE_NUMBER.sub(move, pages)


def _abbreviate_journal(journal: str) -> str:
    words = [w for w in re.split(r"[\s.,:]+", journal) if w and w.lower() not in _STOP]
    return " ".join(w[:4] if len(w) > 5 else w for w in words)


def _abbreviate_pages(pages: str) -> str:
    match = re.fullmatch(r"(\d+)\s*-+\s*(\d+)", pages.strip())
    if not match or len(match.group(1)) != len(match.group(2)):
        return pages
    start, end = match.groups()
    common = 0
    while common < len(end) - 1 and start[common] == end[common]:
        common += 1
    return f"{start}-{end[common:]}"


def _perturb(row: dict[str, str], rng: random.Random) -> None:
    title = row["title"]
    roll = rng.random()
    if roll < 0.15:
        title = title.upper()
    elif roll < 0.30:
        title = title.lower()
    if rng.random() < 0.2:
        title = re.sub(r"[^\w\s]", "", title)
    elif rng.random() < 0.1:
        title = title.replace(":", " -")
    row["title"] = title
    if row["journal"] and rng.random() < 0.25:
        row["journal"] = _abbreviate_journal(row["journal"])
    if row["pages"] and rng.random() < 0.3:
        row["pages"] = _abbreviate_pages(row["pages"])
    for name, p in (("pages", 0.08), ("volume", 0.08), ("issue", 0.15), ("doi", 0.1), ("abstract", 0.3)):
        if rng.random() < p:
            row[name] = ""
    if rng.random() < 0.05 and ";" in row["authors"]:
        row["authors"] = row["authors"].split(";")[0]


def build_scaled(target: int, path: Path, seed: int = SEED, *, keep_abstracts: bool = False) -> int:
    """Write the scaled set (``target`` records) to ``path``; returns its record count.

    Copies lose their abstracts unless ``keep_abstracts`` (the scale benchmark ranks them:
    then an abstract's words are renamed like the title's)."""
    rows: list[dict[str, str]] = []
    for name in SETS:
        with (DEDUP_DATA / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
            for r in csv.DictReader(handle):
                row = {k: v for k, v in r.items() if not k.startswith("orig_")}
                row["booktitle"] = r.get("orig_booktitle", "")  # venue of conference papers (digital_work)
                row["record_id"] = f"{name}/{r['record_id']}"  # ids restart in every set
                row["cluster_id"] = f"{name}/{r['cluster_id']}"
                rows.append(row)
    counts = Counter(w.lower() for r in rows for w in _WORD.findall(r["title"]))
    title_words = sorted(counts)
    common = frozenset(w for w, _ in counts.most_common(KEEP_COMMON)) | COLUMN_WORDS | TRAP_WORDS
    common |= _spellings_of(common, title_words)
    surnames = sorted({w.lower() for r in rows for w in _WORD.findall(r["authors"])})
    unlettered = [w for w in title_words + surnames if not _ASCII_LETTER.search(w)]
    rng = random.Random(seed)
    out: list[dict[str, str]] = []
    copy = 0
    while len(out) < target:
        words: dict[str, str] = _CopyCipher(_letter_cipher(rng), common, _cipher(unlettered, rng)) if copy else {}
        names: dict[str, str] = _CopyCipher(_letter_cipher(rng), frozenset(), _cipher(unlettered, rng)) if copy else {}
        for r in rows:
            if len(out) >= target:
                break
            new = dict(r)
            new["record_id"] = f"{copy}:{r['record_id']}"
            new["cluster_id"] = f"{copy}:{r['cluster_id']}"
            if copy:
                new["title"] = _rename(r["title"], words)
                new["authors"] = _rename(r["authors"], names)
                new["abstract"] = _rename(r["abstract"], words) if keep_abstracts else ""
                new["doi"] = f"{r['doi']}.c{copy}" if r["doi"] else ""
                new["volume"] = str(int(r["volume"]) + 100 * copy) if r["volume"].isdigit() else r["volume"]
                new["pages"] = _shift_pages(r["pages"], 37 * copy)
            _perturb(new, rng)
            out.append(new)
        copy += 1
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(out[0]))
        writer.writeheader()
        writer.writerows(out)
    return len(out)


def measure(path: Path) -> dict[str, object]:
    """Run in a fresh process: read, dedup and score one file; time and peak memory."""
    from triage.dedup.evaluate import evaluate_records, load_labelled

    started = time.perf_counter()
    records, truth, ids = load_labelled(path, "cluster_id")
    read_seconds = time.perf_counter() - started
    result = evaluate_records(path.name, records, truth, ids)
    m = result.metrics
    linked = sum(1 for x in result.misses if x.status == "related")
    return {
        "set": path.stem, "records": result.records, "true_pairs": m.true_pairs, "predicted_pairs": m.predicted_pairs,
        "false_merges": m.false_positives, "misses": m.false_negatives, "precision": round(m.precision, 4),
        "recall": round(m.recall, 4),
        # Second, labelled number: truth pairs that triage linked as related versions
        # (erratum, reply, conference abstract, preprint) counted as found. Not a merge.
        "recall_with_related": round((m.true_positives + linked) / m.true_pairs if m.true_pairs else 1.0, 4),
        "f1": round(m.f1, 4), "possible": result.possible_pairs,
        # Study-group links are only worth counting as found if they are right: links
        # joining two different truth clusters are false links (goal 0, like false merges).
        "false_links": len(result.false_links), "link_precision": round(result.link_precision, 4),
        # bib-dedupe's count: records merged away rightly / wrongly / not merged away.
        "record_sensitivity": round(result.record_level.sensitivity, 4),
        "records_not_merged": result.record_level.false_negatives,
        "records_lost": result.record_level.false_positives,
        "queue_pct": round(100 * result.possible_pairs / result.records, 2), "related": result.related_pairs,
        "misses_linked_related": linked,
        "misses_in_queue": sum(1 for x in result.misses if x.status == "possible"),
        "misses_distinct": sum(1 for x in result.misses if x.status in ("distinct", "comment")),
        "read_seconds": round(read_seconds, 2), "dedup_seconds": round(result.seconds, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def measure_store(path: Path) -> dict[str, object]:
    """Run in a fresh process: import one file into a new project, then ``triage dedup``'s
    library call (keys, scoring, merges, queue, all written in one transaction)."""
    from triage.importing import import_file
    from triage.store.db import Project
    from triage.store.dedup_runs import run_dedup

    with tempfile.TemporaryDirectory() as tmp, Project.init(Path(tmp) / "p") as project:
        started = time.perf_counter()
        import_file(project, path, source="bench")
        imported = time.perf_counter() - started
        summary = run_dedup(project)
    return {
        "set": f"{path.stem} (project store)", "records": summary.records, "merges": summary.merges,
        "records_removed": summary.records_removed, "possible": summary.possible, "related": summary.related,
        "import_seconds": round(imported, 2), "dedup_seconds": round(summary.seconds, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def ensure_peer_venv() -> Path:
    """The peer's own venv (created once, ~20 s), so its pins never touch triage's."""
    py = PEER_VENV / "bin" / "python"
    if py.exists() and subprocess.run([str(py), "-c", "import bib_dedupe"], capture_output=True,
                                      check=False).returncode == 0:
        return py
    subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
    subprocess.run([str(py), "-m", "pip", "install", "-q", PEER], check=True)
    return py


def measure_peer(py: Path, path: Path) -> dict[str, object]:
    """bib-dedupe on one file, scored with triage's own metric functions."""
    from triage.dedup.evaluate import load_labelled, pair_metrics, record_metrics

    done = subprocess.run([str(py), str(REPO / "evaluation" / "bibdedupe_run.py"), str(path)],
                          capture_output=True, text=True, check=True, cwd=REPO)
    out = json.loads(done.stdout.strip().splitlines()[-1])
    _, truth, ids = load_labelled(path, "cluster_id")  # the truth exactly as triage's own run is scored
    group = {rid: g for g, members in enumerate(out["groups"]) for rid in members}
    predicted = [("group", group[rid]) if rid in group else ("single", n) for n, rid in enumerate(ids)]
    m, rec = pair_metrics(truth, predicted), record_metrics(truth, predicted)
    return {
        "set": path.stem, "tool": f"bib-dedupe {out['version']}", "precision": round(m.precision, 4),
        "recall": round(m.recall, 4), "false_merges": m.false_positives, "misses": m.false_negatives,
        "record_sensitivity": round(rec.sensitivity, 4), "records_not_merged": rec.false_negatives,
        "records_lost": rec.false_positives, "maybe_pairs": out["maybe_pairs"], "dedup_seconds": out["seconds"],
        "peak_rss_mb": out["peak_rss_mb"],
    }


def _in_subprocess(path: Path, mode: str = "--worker") -> dict[str, object]:
    done = subprocess.run([sys.executable, __file__, mode, str(path)], capture_output=True, text=True,
                          check=True, cwd=REPO)
    row: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return row


NOTES = """
## Reading the misses

A *miss* is a pair the truth file puts in one cluster that triage did not merge. Each is
one of three kinds (columns above):

- **related**: triage linked the two as versions instead of merging them, by design
  (issue 3): an erratum or correction and its article, a reply and the letter it answers,
  a conference abstract and the journal article, a preprint and the published paper.
  The bib-dedupe truth files count these as duplicates; triage keeps both so nothing a
  reviewer may need (the correction, the reply) disappears, and screens them together.
- **queued**: left to a person as a possible duplicate (counted in *queue*), because a
  field contradicts: different pages, volume, year, DOI, different author lists
  (group author vs names), or the title or authors are missing.
- **distinct**: triage judged them different publications. Most are translated titles
  without the original in the record, questionable truth (haematology clusters four
  registry entries of different trial arms, e.g. adult vs adolescent), or data too
  damaged to match safely.

Rules are principled, not fitted: identical identifiers, near-identical titles with
agreeing authors and no contradiction in year/volume/pages, explicit traps (notices,
parts, numbers in titles, generic column titles, one year apart only with the same
volume or pages, or for proceedings papers by the same full author list). One printed
address (journal, year, volume, issue where plausible, and the same page range of more
than one page) merges a translated or retitled title when the authors agree, or a group
author vs named authors when the title is the same, or a record that lost its
authors when the titles are still visibly one text (similarity 0.70 or more). Damaged fields count as missing,
not as contradictions: pages a spreadsheet turned into dates ("01-Jun"), a year in the
volume field, surnames that lost an accented letter ("Muli" for Mulić), names in
swapped order, page ranges overlapping by two pages or more. Journals match as ISO 4
abbreviations (prefixes or letters in order, "Dtsch" for Deutsches), with subtitles or
translated titles on either side, or as an acronym ("ICIS"). See `triage/dedup/match.py`.

Two plausible issue numbers of one year that differ (issue 5 vs 8) contradict where
the pages cannot settle it (one record lost them), and a generic column title needs the
same issue as well as the same pages (where one record lost its issue, a person decides).
A pair with the pages on one record and the issue on the other (no DOI or PMID on both)
has nothing beyond title, authors, year, journal and volume to confirm it: it goes to a
person (on the shared sets no true pair has that pattern; the scaled set's perturbation,
which drops issues and pages independently, makes it in about 0.4% of its true pairs).

The scaled set's renamed copies use a per-copy letter cipher (spelling variants and typos
stay as close as in the original) and move every page number. Its false merges, when any,
are pairs whose distinguishing fields (pages, volume, issue, DOI) the perturbation removed
from one record, e.g. a letter and the follow-up letter with the same title, authors, year,
journal and volume once one record lost both its issue and its pages; no rule can separate
them without the missing fields (sending every such pair to a person costs 5 points of
recall on cytology_screening, where real duplicates look like that). Print them with
`triage evaluate dedup FILE --truth cluster_id`.
"""


def _peer_table(rows: list[dict[str, object]], peers: list[dict[str, object]]) -> str:
    if not peers:
        return ""
    ours = {r["set"]: r for r in rows}
    found = ours.get("haematology")
    haematology = f"{found['recall_with_related']:.4f}" if found else "in the table above"
    head = ("\n## Peer: bib-dedupe on the same files, scored by the same functions\n\n"
            f"`{PEER}` in its own venv (`evaluation/bibdedupe_run.py`: prep, block, match, cluster; its "
            "*maybe* pairs are left to a person like triage's queue). *Record sensitivity* is the count "
            "bib-dedupe's own benchmark publishes: of the records a merge should remove, the share removed. "
            "Ratios are triage / bib-dedupe. bib-dedupe's *maybe* count is every blocked pair its matcher "
            "labels maybe.\n\n"
            "Where bib-dedupe finds pairs triage does not (haematology): it merges what triage links as "
            "related versions by design (a letter and the reply to it, by other authors; conference abstracts "
            f"and their articles; triage's recall counting those links is {haematology}), and one retitled letter "
            "without volume or pages on one side. "
            "Its two false-merge pairs there put a record without a title into a cluster the truth keeps "
            "apart; triage leaves such a record to a person.\n\n"
            "| set | tool | pair precision | pair recall | false merges (pairs) | record sensitivity "
            "| records not merged / lost | left to a person (pairs) | dedup s |\n"
            "|---|---|---|---|---|---|---|---|---|\n")
    body = ""
    for p in peers:
        t = ours[p["set"]]
        body += (f"| {p['set']} | triage | {t['precision']:.4f} | {t['recall']:.4f} | {t['false_merges']} "
                 f"| {t['record_sensitivity']:.4f} | {t['records_not_merged']} / {t['records_lost']} "
                 f"| {t['possible']} | {t['dedup_seconds']} |\n")
        body += (f"| | {p['tool']} | {p['precision']:.4f} | {p['recall']:.4f} | {p['false_merges']} "
                 f"| {p['record_sensitivity']:.4f} | {p['records_not_merged']} / {p['records_lost']} "
                 f"| {p['maybe_pairs']} | {p['dedup_seconds']} |\n")
        ratio_recall = float(t["recall"]) / float(p["recall"]) if p["recall"] else float("nan")
        ratio_time = float(t["dedup_seconds"]) / float(p["dedup_seconds"]) if p["dedup_seconds"] else float("nan")
        body += f"| | ratio | | {ratio_recall:.3f} | | | | | {ratio_time:.3f} |\n"
    return head + body


def write_report(rows: list[dict[str, object]], scaled_note: str, peers: list[dict[str, object]] | None = None) -> None:
    REPORTS.mkdir(parents=True, exist_ok=True)
    with (REPORTS / "dedup.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    if peers:
        with (REPORTS / "dedup_peer.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(peers[0]))
            writer.writeheader()
            writer.writerows(peers)
    head = ("| set | records | precision | recall | recall incl. related | F1 | false merges | false links "
            "| misses (related / queued / distinct) "
            "| queue (pairs, % records) | related | dedup s | read s | peak RSS MB |\n"
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n")
    body = "".join(
        f"| {r['set']} | {r['records']} | {r['precision']:.4f} | {r['recall']:.4f} | {r['recall_with_related']:.4f} "
        f"| {r['f1']:.4f} "
        f"| {r['false_merges']} | {r['false_links']} | {r['misses']} ({r['misses_linked_related']} / {r['misses_in_queue']} / "
        f"{r['misses_distinct']}) | {r['possible']} ({r['queue_pct']}%) | {r['related']} "
        f"| {r['dedup_seconds']} | {r['read_seconds']} | {r['peak_rss_mb']} |\n" for r in rows)
    text = (
        "# Deduplication benchmark\n\n"
        "Written by `nice .venv/bin/python evaluation/bench_dedup.py` (do not edit by hand).\n\n"
        f"- seed {SEED}; Python {platform.python_version()}; rapidfuzz {version('rapidfuzz')}; "
        f"machine: {platform.machine()}, {platform.system()} (2 shared cores)\n"
        "- pair precision/recall over all within-cluster pairs; a *possible duplicate* is left to a person "
        "and is not a merge; *related* pairs are linked versions (erratum, reply, preprint, conference), "
        "not merges either; *recall incl. related* is a second number that also counts truth pairs triage "
        "linked as related versions as found (the first, *recall*, counts merges only): the study-group "
        "recall, since related versions are screened together as one study's reports (`triage studies`); "
        "*false links*: study links (related versions; a comment or reply and its article are linked "
        "for reviewers but are no study link) between records of different truth clusters\n"
        "- `dedup s`: keys + blocking + scoring + clustering; `read s`: the CSV reader; "
        "peak RSS: the whole process (reader, records, dedup)\n"
        f"- {scaled_note}\n\n" + head + body + _peer_table(rows, peers or []) + NOTES
    )
    (REPORTS / "dedup.md").write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--store-worker", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--store", action="store_true", help="also time `triage dedup` on the scaled set in a project")
    parser.add_argument("--records", type=int, default=80_000, help="size of the scaled set")
    parser.add_argument("--no-write", action="store_true", help="print only; leave the report alone")
    parser.add_argument("--no-peer", action="store_true", help="skip bib-dedupe (the peer)")
    parser.add_argument("--peer-scaled", action="store_true",
                        help="run bib-dedupe on the scaled set too (about 10 minutes at 80,000 records)")
    args = parser.parse_args()
    if args.worker is not None:
        print(json.dumps(measure(args.worker)))
        return
    if args.store_worker is not None:
        print(json.dumps(measure_store(args.store_worker)))
        return
    rows = []
    for name in SETS:
        rows.append(_in_subprocess(DEDUP_DATA / f"{name}.csv"))
        print(rows[-1], flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        scaled = Path(tmp) / f"scaled_{args.records}.csv"
        n = build_scaled(args.records, scaled)
        rows.append(_in_subprocess(scaled))
        print(rows[-1], flush=True)
        store = _in_subprocess(scaled, "--store-worker") if args.store else None
        if store:
            print(store, flush=True)
        peers: list[dict[str, object]] = []
        if not args.no_peer:
            py = ensure_peer_venv()
            for path in [DEDUP_DATA / f"{name}.csv" for name in SETS] + ([scaled] if args.peer_scaled else []):
                peers.append(measure_peer(py, path))
                print(peers[-1], flush=True)
    note = (f"scaled set: {n} records built from all four shared sets by `build_scaled` (see the script's "
            "docstring for the perturbations)")
    if store:
        note += (f"; in a project store (`run_dedup` after `import_file`): {store['records']} records, "
                 f"{store['merges']} merges, queue {store['possible']}, import {store['import_seconds']} s, "
                 f"dedup with all writes {store['dedup_seconds']} s, peak RSS {store['peak_rss_mb']} MB")
    if not args.no_write:
        write_report(rows, note, peers)


if __name__ == "__main__":
    main()
