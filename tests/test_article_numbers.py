"""Article numbers (PLoS ONE's e0229999, Scientific Reports' 1234: no pages) survive export.

Scopus CSV writes them in "Art. No.", Scopus and EndNote RIS in C7 (the 2011 RIS
specification's "Article Number" of a JOUR record), Web of Science BibTeX in
Article-Number; triage writes RIS C7, BibTeX eid (BibLaTeX's field) and a CSV
``article_number`` column.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from typer.testing import CliRunner

from triage.cli.main import app
from triage.records.load import read_file
from triage.records.writers import ExportItem, article_number, render_records

# No Scopus CSV in ../shared/data/exports has an "Art. No." column (grep -rl "Art. No." finds
# none), so this one is written here with Scopus's own header (CSV export, 2024).
SCOPUS_HEADER = ("Authors,Author full names,Title,Year,Source title,Volume,Issue,Art. No.,Page start,Page end,"
                 "Page count,Cited by,DOI,Link,Abstract,Document Type,Publication Stage,Source,EID")
SCOPUS_ROW = ('Okafor C.; Lindqvist M.,"Okafor, Chidi; Lindqvist, Maria",Parenting stress after child protection '
              'referral: a cohort study,2020,PLoS ONE,15,3,e0229999,,,14,3,10.1371/journal.pone.0229999,'
              'https://www.scopus.com/inward/record.uri?eid=2-s2.0-85081000000,"We followed 812 families.",'
              'Article,Final,Scopus,2-s2.0-85081000000')


def invoke(*args: str) -> str:
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def export(where: str, path: Path) -> str:
    invoke("export", str(path), "-p", where)
    return path.read_text(encoding="utf-8")


def test_a_scopus_csv_article_number_survives_ris_bibtex_and_csv_export(tmp_path: Path) -> None:
    """A user exported a Scopus CSV record of PLoS ONE to RIS and lost its article number
    (e0229999): the only locator the journal gives."""
    scopus = tmp_path / "scopus.csv"
    scopus.write_text(f"{SCOPUS_HEADER}\n{SCOPUS_ROW}\n", encoding="utf-8")
    where = str(tmp_path / "review")
    invoke("init", where)
    invoke("import", str(scopus), "-p", where)
    ris = export(where, tmp_path / "out.ris")
    assert "C7  - e0229999" in ris
    (again,) = read_file(tmp_path / "out.ris").records
    assert again.raw["C7"] == "e0229999"
    assert "eid = {e0229999}" in export(where, tmp_path / "out.bib")
    rows = list(csv.DictReader(io.StringIO(export(where, tmp_path / "out.csv"))))
    assert rows[0]["article_number"] == "e0229999"
    assert "Art. No." not in rows[0]  # written once, in its own column
    # triage's CSV read back and exported again keeps it (its own column, now in raw)
    (from_csv,) = read_file(tmp_path / "out.csv").records
    assert "C7  - e0229999" in render_records([ExportItem(from_csv)], "ris")


def test_real_scopus_ris_and_wos_bibtex_article_numbers_cross_formats(shared_data: Path, tmp_path: Path) -> None:
    """Real exports: Scopus RIS (C7) to BibTeX eid and CSV; Web of Science BibTeX
    (Article-Number = {{012013}}) to RIS C7 and re-read."""
    scopus = read_file(shared_data / "exports" / "ris" / "asreview_scopus.ris").records
    assert [r.raw.get("C7") for r in scopus] == ["104501", "109324", "109836", "106490", None, None]
    bib = render_records([ExportItem(r) for r in scopus], "bibtex")
    assert [line.strip().rstrip(",") for line in bib.splitlines() if line.strip().startswith("eid")] == [
        "eid = {104501}", "eid = {109324}", "eid = {109836}", "eid = {106490}"]
    rows = list(csv.DictReader(io.StringIO(render_records([ExportItem(r) for r in scopus], "csv"))))
    assert [row["article_number"] for row in rows] == ["104501", "109324", "109836", "106490", "", ""]

    wos = read_file(shared_data / "exports" / "bib" / "wos_flashfloods_savedrecs501-557.bib").records
    numbered = [r for r in wos if "Article-Number" in r.raw]
    assert (len(wos), len(numbered)) == (57, 16)
    out = tmp_path / "wos.ris"
    out.write_text(render_records([ExportItem(r) for r in numbered], "ris"), encoding="utf-8")
    again = read_file(out).records
    assert [r.raw.get("C7") for r in again][:3] == ["012013", "2561215", "UNSP 012030"]
    assert all(r.raw.get("C7") for r in again)



def _ris(kind: str) -> str:
    return (f"TY  - {kind}\nTI  - A record of type {kind}\nAU  - Okafor, Chidi\nPY  - 2021\n"
            f"T2  - Somewhere\nC7  - e0229999\nER  - \n")


def test_c7_is_the_article_number_where_the_ris_type_says_so(tmp_path: Path) -> None:
    """The 2011 RIS specification names C7 "Article Number" in the journal types: JOUR, EJOUR,
    INPR (in press), ABST (an abstract) and JFULL (a whole journal issue). In EBOOK and ECHAP C7
    is the PMCID, in GEN "Custom 7", and CHAP, BOOK, CONF, CPAPER, RPRT, THES give it no
    meaning: there it is not an article number, and it stays the record's C7 (kept in raw,
    written back by the RIS export)."""
    kinds = ["JOUR", "EJOUR", "INPR", "ABST", "JFULL", "EBOOK", "ECHAP", "GEN", "CHAP", "CONF", "CPAPER", "THES"]
    path = tmp_path / "types.ris"
    path.write_text("\n".join(_ris(k) for k in kinds), encoding="utf-8")
    records = read_file(path).records
    numbers = {r.raw["TY"]: article_number(r) for r in records}
    assert numbers == {k: ("e0229999" if k in {"JOUR", "EJOUR", "INPR", "ABST", "JFULL"} else None) for k in kinds}
    bib = render_records([ExportItem(r) for r in records], "bibtex")
    assert bib.count("eid = {e0229999}") == 5
    rows = list(csv.DictReader(io.StringIO(render_records([ExportItem(r) for r in records], "csv"))))
    assert [row["article_number"] for row in rows] == [numbers[k] or "" for k in kinds]
    # Nothing lost: every record's C7 goes back out in RIS, whatever it means there.
    assert render_records([ExportItem(r) for r in records], "ris").count("C7  - e0229999") == len(kinds)
