"""Every shared export, re-saved the ways exports reach users, must read the same (developer tool).

Takes each file in ``../shared/data/exports/*/`` and writes variants of it that real users
produce without meaning to: UTF-16 (LE and BE, with a byte-order mark), classic Mac line
ends (CR only), Windows line ends, a UTF-8 byte-order mark, cp1252, blank lines before the
first record, no final newline, a CSV re-saved with ";" or tab delimiters, the file cut
short at 60% (fewer records, never a crash), and the file pasted twice (twice the records).
Each variant is read with :func:`triage.records.load.read_file` and compared with the
original: same number of records and the same titles (or the expected count). Prints each
difference and the total; exit status 1 when any variant differs or crashes.

    .venv/bin/python evaluation/fuzz_imports.py
"""

from __future__ import annotations

import csv
import io
import sys
import tempfile
import traceback
from collections.abc import Iterator
from pathlib import Path

from triage.errors import InputError
from triage.records.load import read_file

EXPORTS = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "exports"


def same_count_variants(text: str) -> Iterator[tuple[str, bytes]]:
    """Re-encodings and layout changes that must not change what is read."""
    yield "utf16le-bom", "\ufeff".encode("utf-16-le") + text.encode("utf-16-le")
    yield "utf16be-bom", "\ufeff".encode("utf-16-be") + text.encode("utf-16-be")
    yield "cr-only", text.replace("\r\n", "\n").replace("\n", "\r").encode("utf-8")
    yield "crlf", text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")
    yield "utf8-bom", b"\xef\xbb\xbf" + text.encode("utf-8")
    try:
        yield "cp1252", text.encode("cp1252")
    except UnicodeEncodeError:
        pass  # characters cp1252 cannot hold: no such export exists
    yield "lead-blank", ("\n\n  \n" + text + "\n\n").encode("utf-8")
    yield "no-final-newline", text.rstrip().encode("utf-8")


def other_variants(path: Path, text: str) -> Iterator[tuple[str, bytes, str]]:
    """Variants with an expected count: ``same``, ``fewer`` (or an error) or ``double``."""
    if path.suffix == ".csv":
        rows = list(csv.reader(io.StringIO(text)))
        for name, delimiter in (("semicolon", ";"), ("tab", "\t")):
            out = io.StringIO()
            csv.writer(out, delimiter=delimiter).writerows(rows)
            yield name, out.getvalue().encode("utf-8"), "same"
    yield "truncated", text[: int(len(text) * 0.6)].encode("utf-8"), "fewer"
    if path.suffix not in (".xml", ".csv"):  # one XML root / one CSV header per file
        yield "twice", (text.rstrip() + "\n\n" + text).encode("utf-8"), "double"


def main() -> int:
    if not EXPORTS.is_dir():
        print(f"{EXPORTS} is absent: this check needs ../shared/data/exports")
        return 2
    files = sorted(p for p in EXPORTS.glob("*/*") if p.is_file() and p.suffix.lower() != ".md")
    tmp = Path(tempfile.mkdtemp(prefix="triage-fuzz-"))
    differ = variants = 0
    for original in files:
        try:
            base = read_file(original)
        except InputError as exc:
            print(f"skipped (the original does not read): {exc}")
            continue
        titles = [r.title for r in base.records]
        text = original.read_bytes().decode(base.encoding or "utf-8", errors="replace").lstrip("\ufeff")
        checks = [(name, data, "same") for name, data in same_count_variants(text)]
        checks += list(other_variants(original, text))
        for name, data, expect in checks:
            variants += 1
            path = tmp / name / original.name
            path.parent.mkdir(exist_ok=True)
            path.write_bytes(data)
            label = f"{name:16s} {original.parent.name}/{original.name}"
            try:
                got = read_file(path)
            except InputError as exc:
                if expect != "fewer":
                    print(f"ERROR  {label}: {exc}")
                    differ += 1
                continue
            except Exception:  # noqa: BLE001  (a crash is the finding this tool exists for)
                print(f"CRASH  {label}:\n{traceback.format_exc(limit=3)}")
                differ += 1
                continue
            n = len(got.records)
            ok = {
                "same": n == len(titles) and [r.title for r in got.records] == titles,
                "fewer": n <= len(titles),
                "double": n == 2 * len(titles),
            }[expect]
            if not ok:
                print(f"DIFF   {label}: {n} records, the original has {len(titles)}")
                differ += 1
    print(f"{len(files)} exports, {variants} variants read, {differ} differ")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
