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
