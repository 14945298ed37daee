"""East Asian encodings: the candidate whose text is plausible for its own script wins.

Samples written for these tests (a Chinese, a Korean and a Japanese record, plus the short
GBK record of the issue, whose bytes decode cleanly as Korean cp949 into "열힁").
"""

from __future__ import annotations

from pathlib import Path

import pytest

from triage.records.encoding import plausibility
from triage.records.load import read_file
from triage.records.model import Record

_CHINESE = (
    "@article{zhang2019,\n  author = {张伟 and 王芳},\n  title = {社区老年人抑郁症状的影响因素研究},\n"
    "  journal = {中国心理卫生杂志},\n  year = {2019}\n}\n"
)
_CHINESE_SHORT = "@article{k1,\n  author = {凯撒},\n  title = {Test Title},\n  journal = {测试期刊},\n  year = {2013}\n}\n"
_TRADITIONAL = "@article{chen2013,\n  author = {陳志明},\n  title = {臺灣青少年憂鬱症狀之研究},\n  year = {2013}\n}\n"
_KOREAN = (
    "@article{kim2020,\n  author = {김민수 and 이지은},\n  title = {지역사회 노인의 우울 증상에 대한 연구},\n"
    "  journal = {한국심리학회지},\n  year = {2020}\n}\n"
)
_JAPANESE = "@article{yamada2013,\n  author = {山田太郎},\n  title = {高齢者のうつ症状に関する研究},\n  year = {2013}\n}\n"


@pytest.mark.parametrize(
    ("text", "codec"),
    [
        (_CHINESE_SHORT, "gbk"),  # was read as cp949: author "열힁"
        (_CHINESE_SHORT, "gb18030"),
        (_CHINESE, "gbk"),
        (_TRADITIONAL, "big5"),
        (_KOREAN, "cp949"),
        (_KOREAN, "euc_kr"),
        (_JAPANESE, "shift_jis"),
        (_JAPANESE, "euc_jp"),
    ],
)
def test_east_asian_exports_read_in_their_own_script(tmp_path: Path, text: str, codec: str) -> None:
    path = tmp_path / "export.bib"
    path.write_bytes(text.encode(codec))
    result = read_file(path)
    (record,) = result.records
    expected = _read_utf8(tmp_path, text)
    assert (record.authors, record.title, record.journal) == (expected.authors, expected.title, expected.journal)
    assert result.problems[0].message.startswith(f"not UTF-8; read as {result.encoding}, a guess")


def _read_utf8(tmp_path: Path, text: str) -> Record:
    path = tmp_path / "utf8.bib"
    path.write_text(text, encoding="utf-8")
    (record,) = read_file(path).records
    return record


def test_plausibility_prefers_the_script_the_codec_claims() -> None:
    data = _CHINESE_SHORT.encode("gbk")
    assert plausibility(data.decode("gb18030"), "zh") > plausibility(data.decode("cp949"), "ko")
    korean = _KOREAN.encode("cp949")
    assert plausibility(korean.decode("cp949"), "ko") > plausibility(korean.decode("gb18030"), "zh")
    assert plausibility("Plain ASCII only", "zh") == 0.0


def test_utf8_export_with_a_few_windows_bytes_keeps_its_utf8_text(shared_data: Path, tmp_path: Path) -> None:
    """A user saw one pasted Windows-1252 'é' make triage read a whole UTF-8 Scopus export as
    cp775: every dash and accent of all six records garbled ('microbiome–gut' became
    'microbiomeŌĆōgut'). The UTF-8 text is kept and the stray byte read as cp1252, with a
    warning naming the line."""
    data = (shared_data / "exports" / "ris" / "asreview_scopus.ris").read_bytes()
    assert "microbiome–gut–brain".encode() in data
    first_title = data.index(b"TI  - ") + len(b"TI  - ")
    mixed = data[:first_title] + b"Caf\xe9 " + data[first_title:]
    path = tmp_path / "scopus_mixed.ris"
    path.write_bytes(mixed)
    result = read_file(path)
    assert result.encoding == "utf-8"
    assert result.records[0].title is not None and result.records[0].title.startswith("Café ")
    assert any("microbiome–gut–brain" in (r.title or "") for r in result.records)
    (problem,) = result.problems
    line = mixed.count(b"\n", 0, first_title) + 1
    assert (problem.severity, problem.line) == ("warning", line)
    assert "1 byte on line " + str(line) in problem.message and "cp1252" in problem.message


def test_a_windows_file_is_still_read_as_windows(tmp_path: Path) -> None:
    path = tmp_path / "cp1252.ris"
    path.write_bytes("TY  - JOUR\nTI  - Café société – naïve\nAU  - Müller, Jürgen\nER  - \n".encode("cp1252"))
    result = read_file(path)
    assert result.encoding == "cp1252"
    assert result.records[0].title == "Café société – naïve"


@pytest.mark.parametrize("name", ["ris/asreview_scopus.ris", "bib/asysd_zotero_export.bib"])
@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_byte_order_mark_imports_with_one_warning(
    shared_data: Path, tmp_path: Path, name: str, codec: str
) -> None:
    """Some Windows tools write UTF-16 with no byte-order mark; its NUL bytes (one in every
    other position) made triage refuse the export as "binary". It is read as UTF-16 of the
    byte order the NULs show, every record as from the UTF-8 original, with one warning."""
    original = shared_data / "exports" / name
    text = original.read_bytes().decode("utf-8-sig")
    assert any(ord(c) > 127 for c in text)  # accents and dashes, not only ASCII
    path = tmp_path / f"no_bom{original.suffix}"
    path.write_bytes(text.encode(codec))
    assert not path.read_bytes().startswith((b"\xff\xfe", b"\xfe\xff"))
    expected, got = read_file(original), read_file(path)
    assert len(got.records) == len(expected.records) > 5
    assert [(r.title, r.authors, r.abstract, r.doi, r.year) for r in got.records] == [
        (r.title, r.authors, r.abstract, r.doi, r.year) for r in expected.records]
    assert [r.raw for r in got.records] == [r.raw for r in expected.records]
    assert got.encoding == codec and got.format == expected.format
    assert [str(p) for p in got.problems[1:]] == [str(p) for p in expected.problems]
    problem = got.problems[0]
    assert problem.severity == "warning" and "\n" not in str(problem)
    assert problem.message == f"has no byte-order mark; read as {codec.upper()} (a NUL byte in every other position)"


def test_utf16_without_a_byte_order_mark_through_the_cli(shared_data: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from triage.cli.main import app

    text = (shared_data / "exports" / "ris" / "asreview_embase.ris").read_bytes().decode("utf-8-sig")
    path = tmp_path / "embase_utf16.ris"
    path.write_bytes(text.encode("utf-16-le"))
    where = str(tmp_path / "review")
    runner = CliRunner()
    assert runner.invoke(app, ["init", where]).exit_code == 0
    result = runner.invoke(app, ["import", str(path), "-p", where])
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.output.splitlines() if "byte-order mark" in line]
    assert len(warnings) == 1 and warnings[0].startswith("warning: embase_utf16.ris: has no byte-order mark")
    assert "binary" not in result.output and "Traceback" not in result.output


def test_binaries_with_nul_bytes_in_alternate_positions_are_still_refused(tmp_path: Path) -> None:
    """Recognising UTF-16 by its NULs must not turn binaries into text: 16-bit numbers (an
    image, a table of counts), an old .xls, a gzip and a zip named .ris still say what they are."""
    import gzip
    import struct
    import zipfile

    from triage.errors import InputError

    numbers = tmp_path / "counts.ris"  # small 16-bit integers: a NUL in every other byte
    numbers.write_bytes(b"".join(struct.pack("<H", n % 200) for n in range(4000)))
    xls = tmp_path / "export.ris"
    xls.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "TY  - JOUR\n".encode("utf-16-le") * 50)
    gz = tmp_path / "export.ris.gz"
    gz.write_bytes(gzip.compress("TY  - JOUR\nER  - \n".encode("utf-16-le")))
    zipped = tmp_path / "zipped.ris"
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("savedrecs.ris", "TY  - JOUR\nER  - \n".encode("utf-16-le"))
    for path, says in [(numbers, "export the records as RIS"), (xls, "export the records as RIS"),
                       (gz, "export the records as RIS"), (zipped, "unzip it and import the records file inside")]:
        with pytest.raises(InputError) as info:
            read_file(path)
        assert str(info.value).startswith(f"{path.name}: file is binary, not a text export; "), path
        assert says in str(info.value)
