"""Importing results-section text: txt, Markdown, DOCX, PDF, with broken-text warnings."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest

from triage.coding.documents import read_document, text_problems
from triage.errors import InputError

DEMO = Path(__file__).resolve().parents[1] / "corpora" / "demo" / "coding"


def test_markdown_and_text_as_they_are() -> None:
    doc = read_document(DEMO / "study-a-hollis-2021.md")
    assert doc.format == "markdown" and doc.problems == []
    # a results section with a title above it is kept as written, character for character
    assert doc.text == (DEMO / "study-a-hollis-2021.md").read_text(encoding="utf-8").strip("\n")
    assert "“I stopped taking my tablets" in doc.text
    assert len(doc.sha256) == 64
    assert read_document(DEMO / "study-c-reyes-2020.txt").format == "text"


def test_latin1_text_is_read_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "old.txt"
    path.write_bytes("Les parents décrivent une peur constante d'être jugés par les services sociaux.".encode("cp1252"))
    doc = read_document(path)
    assert "décrivent" in doc.text
    assert [p.severity for p in doc.problems] == ["warning"]
    assert "not UTF-8; read as" in doc.problems[0].message


def test_docx_paragraphs(tmp_path: Path) -> None:
    path = tmp_path / "study.docx"
    document = docx.Document()
    document.add_paragraph("Parents described fear.")
    document.add_paragraph("")
    document.add_paragraph("“They will take him. I knew it.” (Mother, P2)")
    document.save(str(path))
    doc = read_document(path)
    assert doc.text == "Parents described fear.\n\n“They will take him. I knew it.” (Mother, P2)"
    assert doc.problems == []


def _pdf(path: Path, lines: list[str]) -> None:
    """A real PDF with a text layer, drawn by matplotlib (no PDF writer is a dependency)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8.3, 11.7))
    for i, line in enumerate(lines):
        fig.text(0.05, 0.95 - i * 0.03, line, fontsize=9)
    fig.savefig(str(path), format="pdf")


def test_pdf_without_headings_is_kept_whole(tmp_path: Path) -> None:
    path = tmp_path / "study.pdf"
    _pdf(path, ["Mothers described a constant fear that their children would be taken into care.",
                "Fathers felt overlooked by services that spoke only to the mother."])
    doc = read_document(path)
    assert "constant fear" in doc.text and "Fathers felt overlooked" in doc.text
    assert doc.how == "no results or findings heading: kept the whole text" and doc.problems == []


def test_broken_pdf_text_is_flagged(tmp_path: Path) -> None:
    path = tmp_path / "spaced.pdf"
    _pdf(path, [" ".join("Mothers described a constant fear of removal and of being judged by services")])
    messages = [p.message for p in read_document(path).problems]
    assert any(m.startswith("text looks broken:") and "single letters" in m for m in messages)


def test_text_problems() -> None:
    assert text_problems("Ordinary prose about parents and services, nothing odd here.", "a.txt") == []
    [problem] = text_problems("Parents (cid:12)(cid:13) said \ufffd", "a.pdf")
    assert str(problem) == ("a.pdf: text looks broken: 3 unreadable characters; "
                            "the PDF's font map is broken; import a .docx or .txt copy")
    assert "letters" in text_problems("1234 5678 90 %%% ### 12", "b.txt")[0].message


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        read_document(tmp_path / "a.rtf")
    assert str(err.value) == "a.rtf: cannot import .rtf documents; save the results section as one of: " \
                             ".txt, .md, .markdown, .docx, .pdf, .xml, .nxml, .html, .htm"
    bad = tmp_path / "b.docx"
    bad.write_text("not a zip")
    with pytest.raises(InputError, match="not a readable .docx file"):
        read_document(bad)
    bad_pdf = tmp_path / "c.pdf"
    bad_pdf.write_text("not a pdf")
    with pytest.raises(InputError, match="not a readable PDF"):
        read_document(bad_pdf)


def test_a_records_export_given_as_a_study_text_points_to_triage_import(tmp_path: Path) -> None:
    """A new user ran 'triage code import embase.ris' and was told to save a results section."""
    with pytest.raises(InputError) as err:
        read_document(tmp_path / "embase.ris")
    assert str(err.value) == (
        "embase.ris: cannot import .ris documents; a .ris file holds records: import it with "
        "'triage import FILE'; a study's text for coding is one of: .txt, .md, .markdown, .docx, .pdf, .xml, "
        ".nxml, .html, .htm"
    )
