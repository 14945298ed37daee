"""Generate the bundled demo review in corpora/demo/ (all records are MADE UP).

A fictional search on support for parents with mental health needs who are involved
with children's social services, "exported" from three made-up databases in three
formats, with planted duplicates and the quirks real exports have:

- ``embase.ris``: Embase-style RIS, CRLF line ends, abstracts in ``N2``, a UTF-8 BOM;
- ``psycinfo.bib``: BibTeX as a reference manager writes it, capitalised field names,
  LaTeX accents, Medline-style abbreviated page ranges (``123-9``);
- ``scopus.csv``: Scopus CSV columns, some DOIs as ``https://doi.org/`` URLs, titles in
  upper case now and then, missing abstracts, and two records whose pages disagree with
  Embase's (left to a person by ``triage dedup``).

``labels.csv`` gives the (made-up) title/abstract decision per study with the
exclusion criterion, and ``demo_labelled.csv`` is the deduplicated set in the form
``triage evaluate screening`` reads. Run ``python corpora/make_demo.py`` to rebuild;
the output is deterministic (seeded).
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, field, replace
from pathlib import Path

OUT = Path(__file__).resolve().parent / "demo"
SEED = 20261127

SURNAMES = [
    "Okafor", "Lindqvist", "Müller", "García", "Nguyen", "O'Brien", "Kowalski", "Haddad", "Tanaka", "Søndergaard",
    "Fernández", "Campbell", "Ahmed", "Rossi", "Dubois", "Patel", "Walsh", "Novak", "Jensen", "Moreau", "Ibrahim",
    "Schäfer", "Murphy", "Hughes", "Kaur", "Bianchi", "Petrov", "Lefèvre", "Andersson", "Byrne", "Costa", "Nowak",
]
INITIALS = ["A", "B", "C", "D", "E", "F", "G", "H", "J", "K", "L", "M", "N", "P", "R", "S", "T", "W"]
JOURNALS = [
    ("Child Abuse & Neglect", "Child Abuse Negl"),
    ("Children and Youth Services Review", "Child Youth Serv Rev"),
    ("Health & Social Care in the Community", "Health Soc Care Community"),
    ("Journal of Psychiatric and Mental Health Nursing", "J Psychiatr Ment Health Nurs"),
    ("Child & Family Social Work", "Child Fam Soc Work"),
    ("British Journal of Social Work", "Br J Soc Work"),
    ("BMC Psychiatry", "BMC Psychiatry"),
    ("Archives of Women's Mental Health", "Arch Womens Ment Health"),
    ("Journal of Affective Disorders", "J Affect Disord"),
    ("Pediatrics", "Pediatrics"),
]

# Relevant studies: qualitative views of parents with mental health needs / practitioners,
# in child protection settings, about support.
REL_PARENTS = ["mothers with severe mental illness", "parents with mental health difficulties", "fathers with depression",
               "mothers with postnatal depression", "parents living with bipolar disorder", "mothers with psychosis",
               "parents with personality disorder diagnoses", "parents with anxiety and depression"]
REL_SETTING = ["child protection services", "children's social services", "child welfare services",
               "care proceedings", "child protective services", "family court and child removal"]
REL_SUPPORT = ["support from social workers", "parenting support", "mental health services and social work",
               "peer support groups", "family support interventions", "engagement with caseworkers"]
REL_METHOD = ["semi-structured interviews", "focus groups", "in-depth interviews", "an interpretative phenomenological analysis",
              "a grounded theory study", "thematic analysis of interviews"]
REL_THEMES = ["fear of losing custody", "stigma and shame", "trust in practitioners", "feeling judged as a parent",
              "the value of consistent relationships", "fragmented services", "hope and recovery", "being heard"]

# Irrelevant studies from other topics, some sharing vocabulary with the relevant ones.
IRR_TOPICS = [
    ("A randomised controlled trial of {drug} for adults with {condition}",
     ("We randomised {n} adults with {condition} to {drug} or placebo. The primary outcome was symptom change at 12 weeks. "
     "{drug} reduced scores on the rating scale compared with placebo (mean difference {d}). Adverse events were mild."),
     "evaluation"),
    ("Prevalence of {condition} among parents in primary care: a cross-sectional survey",
     ("We surveyed {n} parents attending general practices. Screening questionnaires estimated the prevalence of {condition} "
     "at {p}%. Parental {condition} was associated with lower income and single parenthood. No qualitative data were collected."),
     "evaluation"),
    ("Children's experiences of living with a parent with {condition}: a qualitative study",
     ("We interviewed {n} children and adolescents aged 10-17 about living with a parent with {condition}. Children described "
     "caring roles, worry and the wish for information. Views of parents were not sought."),
     "perspective"),
    ("Outcomes of foster care placements for adolescents: a ten-year cohort",
     ("Using administrative child welfare records for {n} adolescents, we examined placement stability, school completion and "
     "offending. Placement moves predicted poorer outcomes. The study did not examine parental mental health."),
     "context"),
    ("Social workers' decision-making about neglect referrals: a vignette study",
     ("We asked {n} child protection social workers to rate vignettes describing possible neglect. Ratings varied with case "
     "characteristics and worker experience. Parental mental health was not among the factors studied."),
     "context"),
    ("Effect of a school-based intervention on adolescent {condition}: cluster trial",
     ("Schools were randomised to a classroom programme or usual curriculum ({n} pupils). Self-reported {condition} symptoms fell "
     "slightly more in intervention schools. Parents were not involved."),
     "perspective"),
    ("Editorial: Rethinking services for families",
     ("This editorial reflects on recent policy debates about family services and calls for better integration of adult and "
     "children's services."),
     "evaluation"),
    ("Perinatal {condition} and infant sleep: a longitudinal study",
     ("A cohort of {n} mother-infant dyads was followed from pregnancy to 12 months. Maternal {condition} symptoms predicted "
     "shorter infant sleep duration. Associations were small after adjustment."),
     "evaluation"),
    ("Nurses' experiences of caring for older adults with dementia in hospital: interviews",
     ("We interviewed {n} ward nurses about caring for older inpatients with dementia. Themes were time pressure, family "
     "involvement and ethical tension. The study concerns adult inpatient care."),
     "setting"),
    ("Cost-effectiveness of home visiting programmes for first-time mothers",
     ("We modelled costs and outcomes of nurse home visiting for {n} first-time mothers. Home visiting was cost-effective over "
     "a 10-year horizon under most assumptions."),
     "evaluation"),
]
# Near misses: what a sensitive search really returns. Each shares most of the relevant
# studies' vocabulary and fails exactly one SPICE element (the exclusion reason), so
# ranking the demo is not trivially easy and a reviewer must read to decide.
NEAR_MISSES = [
    ("Parenting while living with {condition}: a qualitative study in adult mental health services",
     ("We conducted semi-structured interviews with {n} parents with {condition} receiving care from community adult "
     "mental health teams. Themes included guilt, the wish to be a good parent and hope. None of the families was in "
     "contact with children's social services."),
     "setting"),
    ("Experiences of mothers involved with child protection services after domestic abuse: an interview study",
     ("We interviewed {n} mothers whose families were assessed by child protection services after domestic abuse. "
     "Themes were fear of losing custody, feeling blamed and support from advocates. Mental health was not an "
     "inclusion criterion and was not explored."),
     "context"),
    ("Parental {condition} and re-referral to child protection services: a population cohort",
     ("Linking health and child welfare records for {n} families, we estimated the risk of re-referral to child "
     "protection services by parental {condition}. Re-referral was more likely where a parent had {condition} "
     "(hazard ratio 1.{h}). Support offered to parents was not recorded."),
     "evaluation"),
    ("Caseworkers' views on supporting parents who use substances in child welfare: focus groups",
     ("Focus groups with {n} child welfare caseworkers explored how they support parents who use alcohol or drugs. "
     "Caseworkers described engagement, trust and limited treatment places. Parental mental illness was outside "
     "the study's scope."),
     "context"),
    ("Kinship carers' experiences of support after child removal: a qualitative study",
     ("We interviewed {n} grandparents and other kinship carers looking after children removed from parents in care "
     "proceedings. Carers described financial strain and patchy social work support. Parents were not interviewed."),
     "perspective"),
    ("A parenting intervention for mothers with {condition} in child protection services: randomised controlled trial",
     ("We randomised {n} mothers with {condition} in contact with child protection services to a parenting programme "
     "or usual care. The primary outcome was observed parenting at six months; the programme improved sensitivity "
     "scores. Mothers' views were not collected."),
     "evaluation"),
]
DRUGS = ["sertraline", "ketamine", "lithium", "quetiapine", "psilocybin", "escitalopram"]
CONDITIONS = ["depression", "anxiety", "bipolar disorder", "psychosis", "postnatal depression"]


@dataclass
class Study:
    key: str
    title: str
    abstract: str
    authors: list[tuple[str, str]]
    year: int
    journal: tuple[str, str]
    volume: str
    issue: str
    first: int
    last: int
    doi: str
    label: int
    reason: str = ""
    keywords: list[str] = field(default_factory=list)


def _authors(rng: random.Random) -> list[tuple[str, str]]:
    return [(rng.choice(SURNAMES), rng.choice(INITIALS) + rng.choice(["", "M", "J"])) for _ in range(rng.randint(1, 5))]


def _relevant(rng: random.Random, i: int) -> Study:
    parents, setting, support = rng.choice(REL_PARENTS), rng.choice(REL_SETTING), rng.choice(REL_SUPPORT)
    method = rng.choice(REL_METHOD)
    themes = rng.sample(REL_THEMES, 3)
    who = rng.choice(["", " and practitioners", " and social workers"])
    title = rng.choice([
        f"Experiences of {support} among {parents} involved with {setting}: a qualitative study",
        f"'{themes[0].capitalize()}': views of {parents}{who} on {support} in {setting}",
        f"Navigating {setting}: {parents} talk about {support}",
    ])
    abstract = (
        f"Background: Parents with mental health needs are over-represented in {setting}. Little is known about how they "
        f"experience {support}. Methods: We conducted {method} with {rng.randint(8, 40)} {parents}{who}. "
        f"Results: Themes included {themes[0]}, {themes[1]} and {themes[2]}. Participants described what made support "
        f"helpful and what deterred engagement. Conclusions: Services should be designed with parents' views in mind."
    )
    return _study(rng, i, title, abstract, 1, "", ["qualitative research", "parental mental illness", "child protection"])


def _irrelevant(rng: random.Random, i: int) -> Study:
    title_t, abstract_t, reason = rng.choice(NEAR_MISSES if rng.random() < 0.35 else IRR_TOPICS)
    values = {"drug": rng.choice(DRUGS), "condition": rng.choice(CONDITIONS), "n": rng.randint(12, 3000),
              "d": round(rng.uniform(-4, -0.5), 1), "p": round(rng.uniform(4, 25), 1), "h": rng.randint(2, 9)}
    title = title_t.format(**values)
    if rng.random() < 0.5:
        title += rng.choice([" in England", " in Australia", ": findings from Norway", " in Canada", " in Ontario"])
    return _study(rng, i, title, abstract_t.format(**values), 0, reason, [values["condition"]])


def _study(rng: random.Random, i: int, title: str, abstract: str, label: int, reason: str, kw: list[str]) -> Study:
    first = rng.randint(10, 1800)
    return Study(
        key=f"demo-{i:04d}", title=title, abstract=abstract, authors=_authors(rng), year=rng.randint(2001, 2023),
        journal=rng.choice(JOURNALS), volume=str(rng.randint(5, 140)), issue=str(rng.randint(1, 12)), first=first,
        last=first + rng.randint(4, 20), doi=f"10.9999/demo.{2000 + i}", label=label, reason=reason, keywords=kw,
    )


def _pages_abbrev(first: int, last: int) -> str:
    a, b = str(first), str(last)
    i = 0
    while i < len(a) - 1 and len(a) == len(b) and a[i] == b[i]:
        i += 1
    return f"{a}-{b[i:]}"


def _latex(text: str) -> str:
    table = {"ü": r"{\"u}", "ä": r"{\"a}", "ø": r"{\o}", "é": r"{\'e}", "è": r"{\`e}", "á": r"{\'a}", "&": r"\&"}
    return "".join(table.get(ch, ch) for ch in text)


def write_embase(studies: list[Study], rng: random.Random) -> None:
    lines = []
    for s in studies:
        lines += ["TY  - JOUR", f"TI  - {s.title}"]
        lines += [f"AU  - {sur}, {ini}" for sur, ini in s.authors]
        lines += [f"PY  - {s.year}", f"T2  - {s.journal[0]}", f"VL  - {s.volume}", f"IS  - {s.issue}",
                  f"SP  - {s.first}", f"EP  - {s.last}"]
        if rng.random() < 0.9:
            lines.append(f"DO  - {s.doi}")
        lines.append(f"N2  - {s.abstract}")
        lines += [f"KW  - {k}" for k in s.keywords]
        lines += ["DB  - Embase", "M3  - Article", "ER  - ", ""]
    (OUT / "embase.ris").write_bytes(("\ufeff" + "\r\n".join(lines)).encode("utf-8"))


def write_psycinfo(studies: list[Study], rng: random.Random) -> None:
    out = ["% Exported from a made-up PsycINFO interface for the triage demo", ""]
    for n, s in enumerate(studies):
        authors = " and ".join(f"{_latex(sur)}, {ini}" for sur, ini in s.authors)
        fields = [
            ("Title", "{" + _latex(s.title) + "}"),
            ("Author", "{" + authors + "}"),
            ("Journal", "{" + _latex(s.journal[1] if rng.random() < 0.5 else s.journal[0]) + "}"),
            ("Year", str(s.year)),
            ("Volume", "{" + s.volume + "}"),
            ("Number", "{" + s.issue + "}"),
            ("Pages", "{" + _pages_abbrev(s.first, s.last) + "}"),
        ]
        if rng.random() < 0.85:
            fields.append(("Abstract", "{" + _latex(s.abstract) + "}"))
        if rng.random() < 0.6:
            fields.append(("DOI", "{" + s.doi.upper() + "}"))
        body = ",\n".join(f"  {k} = {v}" for k, v in fields)
        out.append(f"@article{{psyc{n:04d},\n{body}\n}}\n")
    (OUT / "psycinfo.bib").write_text("\n".join(out), encoding="utf-8")


def write_scopus(studies: list[Study], rng: random.Random) -> None:
    with (OUT / "scopus.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["Authors", "Title", "Year", "Source title", "Volume", "Issue", "Page start", "Page end",
                         "DOI", "Link", "Abstract", "Author Keywords", "Document Type", "Source"])
        for s in studies:
            title = s.title.upper() if rng.random() < 0.15 else s.title.rstrip(".")
            doi = "" if rng.random() < 0.1 or not s.doi else (f"https://doi.org/{s.doi}" if rng.random() < 0.3 else s.doi)
            abstract = "[No abstract available]" if rng.random() < 0.08 else s.abstract
            writer.writerow([
                "; ".join(f"{sur} {ini}." for sur, ini in s.authors), title, s.year, s.journal[0], s.volume, s.issue,
                s.first, s.last, doi,
                f"https://www.scopus.com/inward/record.uri?eid=2-s2.0-99{s.key[5:]}&partnerID=demo", abstract,
                "; ".join(s.keywords),
                "Editorial" if s.title.startswith("Editorial") else "Article", "Scopus",
            ])


def main() -> None:
    rng = random.Random(SEED)
    OUT.mkdir(parents=True, exist_ok=True)
    # 600 studies, 1 in 15 relevant (40): real reviews include a few percent of what they screen.
    studies = [_relevant(rng, i) if i % 15 == 0 else _irrelevant(rng, i) for i in range(600)]
    embase = [s for s in studies if rng.random() < 0.7]
    psycinfo = [s for s in studies if rng.random() < 0.6]
    covered = {s.key for s in embase} | {s.key for s in psycinfo}
    scopus = [s for s in studies if s.key not in covered or rng.random() < 0.5]
    # Two records a person must look at: Scopus carries them without a DOI and with other
    # page numbers (a typo, or the online-first article number), so no rule may merge them.
    in_scopus = {s.key for s in scopus}
    for s in [s for s in embase if s.key not in in_scopus][:2]:
        scopus.append(replace(s, first=s.first + 300, last=s.last + 300, doi=""))
    write_embase(embase, rng)
    write_psycinfo(psycinfo, rng)
    write_scopus(scopus, rng)
    with (OUT / "labels.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["study", "doi", "title", "label_included", "exclusion_reason"])
        for s in studies:
            writer.writerow([s.key, s.doi, s.title, s.label, s.reason])
    with (OUT / "demo_labelled.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["record_id", "title", "abstract", "authors", "year", "doi", "label_included"])
        for s in studies:
            writer.writerow([s.key, s.title, s.abstract, "; ".join(f"{a}, {b}" for a, b in s.authors), s.year, s.doi,
                             s.label])
    print(f"{len(studies)} studies ({sum(s.label for s in studies)} relevant); "
          f"embase {len(embase)}, psycinfo {len(psycinfo)}, scopus {len(scopus)} records -> {OUT}")


if __name__ == "__main__":
    main()
