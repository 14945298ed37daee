"""Study groups: the reports of one study are screened together, each keeps its own decision."""

from __future__ import annotations

import json
from pathlib import Path

from _web_support import HTML, decide, web_client
from dedup_support import TITLE, add, rec
from typer.testing import CliRunner

from triage.cli.main import app
from triage.store.db import Project
from triage.store.decisions import current_decisions, record_decision
from triage.store.dedup_runs import kept_apart_pairs, run_dedup
from triage.store.prisma import prisma_counts
from triage.store.schema_dedup import PairDecisionRow
from triage.store.studies import link_reports, other_reports, study_groups

CONFERENCE = {"journal": "Abstracts of the American Transplant Congress", "publication_type": "Conference Abstract",
              "volume": None, "pages": "A112", "year": 2010}


def invoke(*args: str, code: int = 0) -> str:
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result.output


def article_and_abstract(project: Project) -> tuple[int, int]:
    article = add(project, "PubMed", [rec(abstract="Background: the full article.")])[0]
    abstract = add(project, "Embase", [rec(**CONFERENCE)])[0]
    summary = run_dedup(project)
    assert summary.merges == 0 and summary.related == 1  # versions of one study, not duplicates
    return article, abstract


def test_dedup_links_a_conference_abstract_to_its_article_as_one_study(project: Project) -> None:
    article, abstract = article_and_abstract(project)
    with project.reading() as session:
        assert study_groups(session) == {article: (article, abstract), abstract: (article, abstract)}
        shown = other_reports(session, article)
    assert [(o.record_id, o.decision) for o in shown] == [(abstract, None)]


def test_each_report_keeps_its_own_decision_and_prisma_counts_studies_and_reports(project: Project) -> None:
    article, abstract = article_and_abstract(project)
    with project.transaction() as session:
        record_decision(session, abstract, "exclude", reviewer="ana", reasons=["publication type"])
        for stage in ("title_abstract", "full_text"):
            record_decision(session, article, "include", reviewer="ana", stage=stage)
    with project.reading() as session:
        decisions = current_decisions(session)
        counts = prisma_counts(session)
    assert (decisions[article].decision, decisions[abstract].decision) == ("include", "exclude")
    assert (counts.included, counts.included_studies) == (1, 1)
    with project.transaction() as session:
        record_decision(session, abstract, "include", reviewer="ana", stage="full_text")
    with project.reading() as session:
        counts = prisma_counts(session)
    assert (counts.included, counts.included_studies) == (2, 1)  # two reports of one study


def test_decide_all_reports_is_one_confirmed_action(project: Project) -> None:
    article, abstract = article_and_abstract(project)
    where = str(project.directory)
    out = invoke("decide", str(article), "exclude", "--reason", "design", "--reviewer", "ana", "-p", where)
    assert f"other reports ({abstract})" in out  # said, not done
    with project.reading() as session:
        assert abstract not in current_decisions(session)
    invoke("decide", str(article), "include", "--all-reports", "--reviewer", "ana", "-p", where)
    with project.reading() as session:
        decisions = current_decisions(session)
    assert decisions[article].decision == decisions[abstract].decision == "include"


def test_people_link_and_unlink_reports_and_a_link_lifts_no_keep_apart(project: Project) -> None:
    first = add(project, "PubMed", [rec()])[0]
    other = add(project, "Embase", [rec("A randomised trial of family therapy for adolescents", authors=["Lock, J."])])[0]
    run_dedup(project)
    with project.transaction() as session:
        session.add(PairDecisionRow(record_a=first, record_b=other, decision="keep_apart", reviewer="lead"))
        link_reports(session, first, other, link=True, reviewer="lead", note="protocol and results")
    with project.reading() as session:
        assert study_groups(session)[first] == (first, other)
        assert (first, other) in kept_apart_pairs(session)  # linking two reports merges nothing
    with project.transaction() as session:
        link_reports(session, first, other, link=False, reviewer="lead")
    with project.reading() as session:
        assert study_groups(session) == {}


def test_a_rule_link_can_be_removed_by_a_person(project: Project) -> None:
    article, abstract = article_and_abstract(project)
    invoke("studies", "unlink", str(article), str(abstract), "--reviewer", "lead", "-p", str(project.directory))
    assert "No study has more than one report" in invoke("studies", "list", "-p", str(project.directory))
    run_dedup(project)  # nothing new: the unlink stands
    with project.reading() as session:
        assert study_groups(session) == {}


def test_cards_show_the_other_reports(project: Project) -> None:
    article, abstract = article_and_abstract(project)
    where = str(project.directory)
    lines = [json.loads(x) for x in invoke("next", "-n", "2", "--json", "--preset", "tfidf", "-p", where).splitlines()]
    assert all(sorted(line["study_reports"]) == sorted([article, abstract]) for line in lines)
    with web_client(Path(where)) as (client, token):
        page = client.get(f"/screen?record_id={article}", headers=HTML).text
        assert 'id="other-reports"' in page and f"record {abstract}" in page and TITLE[:30] in page
        assert 'id="all-reports"' in page
        decide(client, token, page, "include", all_reports="true")
    with project.reading() as session:
        decisions = current_decisions(session)
    assert decisions[article].decision == decisions[abstract].decision == "include"
    assert decisions[abstract].reviewer == "ana"


def test_a_reply_is_linked_for_reviewers_but_is_no_report_of_the_study(project: Project) -> None:
    article = add(project, "PubMed", [rec()])[0]
    reply = add(project, "Embase", [rec("Reply: " + TITLE, authors=["Smith, K."], pages="1065")])[0]
    summary = run_dedup(project)
    with project.reading() as session:
        assert summary.related == 1  # shown side by side in the dedup review
        assert study_groups(session) == {}  # but not one study: PRISMA counts no extra report
    assert reply != article


def test_a_report_excluded_alone_is_assessed_at_full_text_with_its_study(project: Project) -> None:
    """Full text follows title/abstract, study by study: the conference abstract excluded
    alone is a report of the included study, so its full-text decision is taken; a record
    of no kept study is refused in one line."""
    article, abstract = article_and_abstract(project)
    where = str(project.directory)
    invoke("decide", str(article), "include", "--reviewer", "ana", "-p", where)
    invoke("decide", str(abstract), "exclude", "--reason", "publication type", "--reviewer", "ana", "-p", where)
    invoke("decide", str(abstract), "include", "--stage", "full_text", "--reviewer", "ana", "-p", where)
    invoke("decide", str(article), "exclude", "--reviewer", "ana", "-p", where)
    out = invoke("decide", str(abstract), "include", "--stage", "full_text", "--reviewer", "ana", "-p", where,
                 code=1)
    assert f"record {abstract} was excluded at title/abstract" in out


def test_one_records_study_is_the_one_study_groups_finds(project: Project, shared_data: Path) -> None:
    """``triage decide`` follows one record's study link by link (it read every record's group
    and every link, and loaded scipy): the same reports as :func:`study_groups` for every record
    of the real ASySD export imported twice (merged copies on both ends of dedup's links), with
    a person's link joining two studies and a person's unlink splitting one."""
    from sqlalchemy import select

    from triage.importing import import_file
    from triage.store.groups import current_groups
    from triage.store.schema_dedup import DedupPairRow
    from triage.store.studies import reports_of

    exports = shared_data / "exports"
    import_file(project, exports / "ris" / "asysd_zotero_export.ris")
    run_dedup(project)
    import_file(project, exports / "bib" / "asysd_zotero_export.bib")
    run_dedup(project)
    with project.reading() as session:
        before = study_groups(session)
    studies = sorted({reports for reports in before.values()})
    assert len(studies) >= 4, "too few studies on the export to follow"
    with project.reading() as session:
        screened = current_groups(session)
        pairs = session.execute(select(DedupPairRow.record_a, DedupPairRow.record_b).where(
            DedupPairRow.kind == "related", DedupPairRow.status == "open")).all()
    # dedup's links (between copies' records too) of a study of two: a person's unlinks split it
    two = next(s for s in studies[4:] if len(s) == 2)
    split = [(a, b) for a, b in pairs if {screened[a], screened[b]} == set(two)]
    with project.transaction() as session:
        link_reports(session, studies[0][0], studies[1][-1], link=True, reviewer="lead")
        for a, b in split:
            link_reports(session, a, b, link=False, reviewer="lead")
        link_reports(session, studies[3][0], 1999, link=True, reviewer="lead")  # a merged copy's record id
    with project.reading() as session:
        groups = study_groups(session)
        assert len(max(groups.values(), key=len)) >= 4  # two studies joined
        assert two[0] not in groups  # the study split
        # every record of a study, before the person's links or after, and a sample of the others
        for record_id in sorted(r for r, g in screened.items() if g in groups or g in before or r % 40 == 1):
            group = screened[record_id]
            assert reports_of(session, record_id) == groups.get(group, (group,)), record_id


def test_following_a_records_study_loads_no_matcher(project: Project) -> None:
    """``triage decide`` follows the record's study (:func:`reports_of`) on every decision: it
    imported the matcher (rapidfuzz, the key, name, blocking and clustering rules, 20-30 ms) for
    one string test. A fresh interpreter follows a real link, so no other test's imports hide it."""
    import subprocess
    import sys

    article, abstract = article_and_abstract(project)
    script = (
        "import json, sys\nfrom triage.store.db import Project\nfrom triage.store.studies import reports_of\n"
        "with Project.open(sys.argv[1], sys.argv[2] or None) as p, p.reading() as s:\n"
        "    reports = reports_of(s, int(sys.argv[3]))\n"
        "print(json.dumps([list(reports), sorted(m for m in ('rapidfuzz', 'triage.dedup.match',"
        " 'triage.dedup.engine') if m in sys.modules)]))\n"
    )
    done = subprocess.run([sys.executable, "-c", script, str(project.directory), project.database or "", str(article)],
                          capture_output=True, text=True, check=True)
    reports, loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert reports == [article, abstract]
    assert loaded == []
