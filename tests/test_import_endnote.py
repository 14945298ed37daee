"""EndNote tagged exports (``%`` tags), here as CNKI writes them."""

from __future__ import annotations

from pathlib import Path

from triage.records.load import read_file


def test_cnki_abstract_with_blank_lines_stays_one_record(test_data: Path) -> None:
    # Blank lines and tab-indented paragraphs inside %X once ended the record there; the
    # rest of the abstract and the trailing "%W CNKI" became records of their own.
    result = read_file(test_data / "cnki_endnote.txt")
    assert (result.format, result.database) == ("enl", "CNKI")
    first, second = result.records
    assert first.title == "社区老年人抑郁症状的影响因素研究"
    assert first.authors == ["张伟", "王芳"]
    assert first.abstract == (
        "目的：探讨社区老年人抑郁症状的影响因素。 方法：采用分层抽样方法调查了1200名老年人。 结果：抑郁症状检出率为23.5%。"
    )
    assert (first.pages, first.year, first.raw["%W"]) == ("241-246", 2019, "CNKI")
    assert second.title == "青少年网络成瘾与家庭功能的关系"
    assert [r.provenance.line for r in result.records if r.provenance] == [1, 19]
    assert result.problems == []


def test_a_block_without_title_and_authors_is_reported_not_invented(tmp_path: Path) -> None:
    path = tmp_path / "refer.txt"
    path.write_text("%T Peer support\n%A Smith, Ann\n%D 2020\n\n%W CNKI\n%U https://example.org/x\n", encoding="utf-8")
    result = read_file(path)
    assert [r.title for r in result.records] == ["Peer support"]
    assert [str(p) for p in result.problems] == [
        ("refer.txt:5: lines 5-6 hold no title and no authors (tags: %W, %U); not imported as a record; if they "
        "belong to the record above, a record separator is misplaced; check the export")
    ]
