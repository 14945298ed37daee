"""Web of Science exports (tab-delimited and plain text, core collection and MEDLINE) and Ovid MEDLINE RIS:
pages and PubMed ids from the fields these platforms really put them in."""

from __future__ import annotations

from pathlib import Path

from triage.records.load import read_file


def _tsv(path: Path, header: list[str], row: list[str]) -> Path:
    path.write_text("\t".join(header) + "\n" + "\t".join(row) + "\n", encoding="utf-8")
    return path


def test_wos_tab_delimited_pg_is_the_page_count(tmp_path: Path) -> None:
    header = ["PT", "AU", "TI", "SO", "PY", "VL", "BP", "EP", "PG", "DI", "UT", "PM"]
    row = ["J", "Smith, J", "Flash floods", "J HYDROL", "2019", "570", "100", "111", "12", "10.1/x",
           "WOS:000461234500012", "31234567"]
    result = read_file(_tsv(tmp_path / "savedrecs.txt", header, row))
    (record,) = result.records
    assert (result.format, result.database) == ("tsv", "Web of Science")
    assert (record.pages, record.pmid, record.raw["PG"]) == ("100-111", "31234567", "12")


def test_wos_medline_tab_delimited_pmid_and_page_span(tmp_path: Path) -> None:
    header = ["PT", "AU", "TI", "SO", "PY", "PS", "AN", "UT"]
    row = ["J", "Lee, A", "Peer support", "BMJ", "2020", "45-52", "32345678", "MEDLINE:32345678"]
    (record,) = read_file(_tsv(tmp_path / "medline.txt", header, row)).records
    assert (record.pages, record.pmid) == ("45-52", "32345678")


def test_wos_medline_plain_text_pmid_and_page_span(tmp_path: Path) -> None:
    path = tmp_path / "savedrecs.txt"
    path.write_text(
        "FN Clarivate Analytics Web of Science\nVR 1.0\nPT J\nAU Lee, A\nTI Peer support\nSO BMJ\nPY 2020\n"
        "PS 45-52\nUT MEDLINE:32345678\nER\n\nEF\n",
        encoding="utf-8",
    )
    result = read_file(path)
    (record,) = result.records
    assert result.format == "wos"
    assert (record.pages, record.pmid) == ("45-52", "32345678")


def test_ovid_medline_ris_pmid_from_the_l2_link(tmp_path: Path) -> None:
    path = tmp_path / "ovid.ris"
    path.write_text(
        "TY  - JOUR\nT1  - Peer support\nA1  - Lee, A\nY1  - 2020//\n"
        "L2  - http://ovidsp.ovid.com/ovidweb.cgi?T=JS&PAGE=reference&D=medl&NEWS=N&AN=32345678\nER  - \n\n"
        "TY  - JOUR\nT1  - Other database\n"
        "L2  - http://ovidsp.ovid.com/ovidweb.cgi?T=JS&PAGE=reference&D=psyc16&NEWS=N&AN=2019-65183-001\nER  - \n",
        encoding="utf-8",
    )
    medline, psycinfo = read_file(path).records
    assert medline.pmid == "32345678"
    assert psycinfo.pmid is None
