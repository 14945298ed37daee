"""Write the demo's made-up included study E as a whole paper in JATS XML (corpora/demo/coding/).

The other demo studies are results sections on their own; this one is a full article as a
publisher or PubMed Central delivers it (front matter with author notes, introduction,
methods, results with a table and a figure, discussion, references), so that
``scripts/demo.sh`` shows ``triage code import`` finding the results section of a paper.
Every name, quote and reference is invented (DOIs 10.9999/demo.*). Run
``python corpora/make_demo_paper.py``: deterministic, standard library only.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

OUT = Path(__file__).resolve().parent / "demo" / "coding" / "study-e-adeyemi-2024.xml"

TITLE = ("Asking for help without losing your children: parents' accounts of mental health support "
         "during child protection enquiries (a fictional study)")

INTRODUCTION = [
    ("Parents with mental health needs are over-represented among families known to children's social care "
    "[<r1>]. Earlier qualitative work describes fear of professional judgement as a barrier to asking for help "
    "[<r2>], but little is known about what parents find helpful once an enquiry has started."),
    ("This study asked parents who had been through a child protection enquiry what made support from adult "
    "mental health and children's services easier or harder to accept."),
]
METHODS = [
    ("We interviewed 18 parents (14 mothers, 4 fathers) recruited through two voluntary sector services. "
    "Interviews lasted 45 to 90 minutes and were transcribed verbatim."),
    ("Transcripts were analysed with reflexive thematic analysis [<r3>]. Two authors coded independently and "
    "agreed themes with a parent advisory group."),
]
#: (theme heading, [paragraph or ("quote", text)]) of the results.
RESULTS: list[tuple[str, list[str | tuple[str, str]]]] = [
    ("Keeping quiet to keep the children", [
        ("Most parents said they had hidden how unwell they were once social workers became involved. They "
        "feared that any mention of voices, self-harm or a missed appointment would be written down and used "
        "to argue that the children should be removed."),
        ("quote", ("“I smiled through every visit. If I said I was not coping, I thought that was the end of "
                  "us as a family.” (Mother, P6)")),
        ("Several parents stopped taking medication before meetings so that they would seem alert, and two "
        "cancelled appointments with their psychiatrist for fear that the notes would be shared."),
    ]),
    ("A worker who stayed", [
        ("Parents contrasted short, changing contacts with the one professional who stayed with the family. "
        "A social worker or nurse who explained the process, returned calls and said plainly what worried "
        "them was described as the turning point."),
        ("quote", ("“She told me what she was scared of and what I was doing right. Nobody had ever done "
                  "both.” (Father, P11)")),
        ("Parents valued being asked about their own recovery as well as about the children, and being told "
        "in advance what would be written in reports."),
    ]),
    ("Services that talked to each other", [
        ("Where the adult mental health team and children's services met together with the parent, parents "
        "said they no longer had to repeat their story or carry messages between professionals who disagreed."),
        ("Joint meetings also let parents' own clinicians explain their illness and treatment, which parents "
        "felt made social workers less likely to see a diagnosis as a risk in itself."),
        ("quote", ("“For once the psychiatrist was in the room and said I was doing well. The social worker "
                  "wrote that down.” (Mother, P2)")),
    ]),
]
DISCUSSION = [
    ("Parents in this study described concealment as a rational response to a system they experienced as "
    "watching for failure, in line with earlier accounts [<r2>]."),
    ("Continuity of one worker and joint meetings between adult and children's services were what parents "
    "named as making help possible to accept; both are organisational choices rather than parent traits."),
]
REFERENCES = [
    ("r1", ("Hollis R, Mbeki T, Grant S. Parents' mental health and child protection: a national picture. "
           "Journal of Demo Family Studies. 2021;4:12-25. doi:10.9999/demo.e001")),
    ("r2", ("Okafor N, Baines J. Fear of judgement and help-seeking among parents known to children's services. "
           "Demo Social Work Review. 2022;9:101-118. doi:10.9999/demo.e002")),
    ("r3", ("Reyes M. Doing reflexive thematic analysis in family research. Demo Methods. 2020;2:1-14. "
           "doi:10.9999/demo.e003")),
]


def _paragraph(parent: ET.Element, text: str) -> None:
    """A ``p`` with ``[<rN>]`` turned into ``xref`` citations."""
    p = ET.SubElement(parent, "p")
    head, *rest = text.split("[<")
    p.text = head
    for chunk in rest:
        rid, tail = chunk.split(">]", 1)
        xref = ET.SubElement(p, "xref", {"ref-type": "bibr", "rid": rid})
        xref.text = f"[{rid[1:]}]"
        xref.tail = tail


def _section(parent: ET.Element, title: str, kind: str | None = None) -> ET.Element:
    sec = ET.SubElement(parent, "sec", {"sec-type": kind} if kind else {})
    ET.SubElement(sec, "title").text = title
    return sec


def build() -> ET.Element:
    article = ET.Element("article", {"article-type": "research-article", "dtd-version": "1.3",
                                     "xml:lang": "en"})
    meta = ET.SubElement(ET.SubElement(article, "front"), "article-meta")
    ET.SubElement(meta, "article-id", {"pub-id-type": "doi"}).text = "10.9999/demo.study-e"
    ET.SubElement(ET.SubElement(meta, "title-group"), "article-title").text = TITLE
    authors = ET.SubElement(meta, "contrib-group")
    for surname, given in (("Adeyemi", "Folake"), ("Castell", "Iona"), ("Ward", "Peter")):
        name = ET.SubElement(ET.SubElement(authors, "contrib", {"contrib-type": "author"}), "name")
        ET.SubElement(name, "surname").text = surname
        ET.SubElement(name, "given-names").text = given
    notes = ET.SubElement(meta, "author-notes")
    ET.SubElement(notes, "corresp").text = "Correspondence: F. Adeyemi, demo@example.org (a fictional author)"
    ET.SubElement(ET.SubElement(meta, "pub-date"), "year").text = "2024"
    ET.SubElement(ET.SubElement(meta, "abstract"), "p").text = (
        "MADE UP for the triage demo: a fictional study. Eighteen parents described hiding symptoms, the worker "
        "who stayed, and services that talked to each other.")
    body = ET.SubElement(article, "body")
    intro = _section(body, "Introduction", "intro")
    for paragraph in INTRODUCTION:
        _paragraph(intro, paragraph)
    methods = _section(body, "Methods", "methods")
    for paragraph in METHODS:
        _paragraph(methods, paragraph)
    results = _section(body, "Results", "results")
    _paragraph(results, "Three themes were developed; Table 1 describes the participants and Figure 1 the themes.")
    table = ET.SubElement(results, "table-wrap", {"id": "t1"})
    ET.SubElement(ET.SubElement(table, "caption"), "p").text = "Table 1. Participants (n = 18)"
    rows = ET.SubElement(ET.SubElement(table, "table"), "tbody")
    for cells in (("Mothers", "14"), ("Fathers", "4"), ("Children placed away from home", "5")):
        tr = ET.SubElement(rows, "tr")
        for cell in cells:
            ET.SubElement(tr, "td").text = cell
    fig = ET.SubElement(results, "fig", {"id": "f1"})
    ET.SubElement(ET.SubElement(fig, "caption"), "p").text = "Figure 1. Themes and how they relate."
    for heading, items in RESULTS:
        theme = _section(results, heading)
        for item in items:
            if isinstance(item, tuple):
                ET.SubElement(ET.SubElement(theme, "disp-quote"), "p").text = item[1]
            else:
                _paragraph(theme, item)
    discussion = _section(body, "Discussion", "discussion")
    for paragraph in DISCUSSION:
        _paragraph(discussion, paragraph)
    back = ET.SubElement(article, "back")
    ET.SubElement(ET.SubElement(back, "ack"), "p").text = "We thank the (fictional) parent advisory group."
    ref_list = ET.SubElement(back, "ref-list")
    ET.SubElement(ref_list, "title").text = "References"
    for rid, citation in REFERENCES:
        ET.SubElement(ET.SubElement(ref_list, "ref", {"id": rid}), "mixed-citation").text = citation
    return article


def paper_xml() -> str:
    """The committed file's text (tests compare the two)."""
    article = build()
    ET.indent(article)
    comment = "<!-- MADE UP for the triage demo: a fictional study, not real research or real participants. -->\n"
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + comment + ET.tostring(article, encoding="unicode") + "\n"


def main() -> None:
    OUT.write_text(paper_xml(), encoding="utf-8")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
