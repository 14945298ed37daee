#!/usr/bin/env bash
# Set up (if needed) and run triage end to end on the bundled, made-up demo review:
# import three database exports, deduplicate, rank with the SPICE criteria, record two
# decisions, report PRISMA counts and stopping advice, export, simulate screening on the
# labelled demo set, suggest codes for the demo studies' results text (one study from its
# whole paper, JATS XML: the results section is found and imported), record a coder's accepts and
# rejects, and export the synthesis matrix and a REFI-QDA project.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"
DEMO=corpora/demo
PROJECT=${DEMO_PROJECT:-demo-project}
rm -rf "$PROJECT"
set -x
triage init "$PROJECT" --criteria "$DEMO/criteria.toml"
triage import "$DEMO/embase.ris" "$DEMO/scopus.csv" -p "$PROJECT"      # databases detected from the files
triage import "$DEMO/psycinfo.bib" --source PsycINFO -p "$PROJECT"     # or named by the user
triage dedup -p "$PROJECT"
triage next -n 5 -p "$PROJECT"
# A reviewer includes the top record and excludes a survey found by search, naming the
# criterion (scripts use `triage decide`; people use `triage screen` or `triage serve`).
first_id() { python3 -c 'import json, sys; print(json.loads(sys.stdin.readline())["id"])'; }
FIRST=$(triage next -n 1 --json -p "$PROJECT" | first_id)
SURVEY=$(triage records --search "cross-sectional survey" --subset undecided -n 1 --json -p "$PROJECT" | first_id)
triage decide "$FIRST" include --reviewer demo -p "$PROJECT"
triage decide "$SURVEY" exclude --reason "evaluation: cross-sectional survey" --reviewer demo -p "$PROJECT"
HOPE=$(triage records --search "Hope and recovery family court" -n 1 --json -p "$PROJECT" | first_id)
triage decide "$HOPE" include --reviewer demo -p "$PROJECT"
triage decide "$HOPE" include --stage full_text --reviewer demo -p "$PROJECT"   # after reading the full text
triage status -p "$PROJECT" --diagram "$PROJECT/prisma-flow.svg"
triage export "$PROJECT/included.ris" --subset included -p "$PROJECT"
# Months later the search is re-run: the update joins the same project as a named round
# (deduplicated against everything at once; decisions made so far stay with their studies).
triage rounds search 2026-update --database MEDLINE --platform Ovid --date 2026-11-30 \
  --query "(parent* adj3 mental*).ti,ab. and (child protect* or social work*).ti,ab." --hits 13 -p "$PROJECT"
triage import corpora/demo/update/medline-2026.ris --round 2026-update -p "$PROJECT"
triage rounds list -p "$PROJECT"
triage next --new -n 3 -p "$PROJECT"
triage status -p "$PROJECT" --diagram "$PROJECT/prisma-update.svg"
triage evaluate screening "$DEMO/demo_labelled.csv" --criteria "$DEMO/criteria.toml" --seeds 2 \
  --json "$PROJECT/simulation.json" --plot "$PROJECT/recall.png"
triage codebook import "$DEMO/coding/codebook.json" --coder demo -p "$PROJECT"
triage code import "$DEMO/coding/study-a-hollis-2021.md" --attr perspective=parent -p "$PROJECT"
triage code import "$DEMO/coding/study-b-okafor-2022.md" --attr perspective=practitioner -p "$PROJECT"
triage code suggest --coder demo --limit 5 -p "$PROJECT"
# The coder's decisions (scripted for the demo; in a review a person makes each, on the coding
# page or here): accept a code, code a span inside a quotation, reject a wrong suggestion, write a
# memo. Segment ids: `triage code next --coder demo` lists them.
triage code accept 8 fear-of-removal --coder demo -p "$PROJECT"
triage code accept 9 fear-of-removal --quote "They'll take them" --coder demo -p "$PROJECT"
triage code accept 10 hiding-difficulties thresholds-and-waiting --coder demo -p "$PROJECT"
triage code reject 4 judged-by-diagnosis --coder demo -p "$PROJECT"
triage code memo "Fear of removal also delays help-seeking (segment 10): link to thresholds." \
  --code fear-of-removal --coder demo -p "$PROJECT"
# Study E arrives as a whole paper (JATS XML from corpora/make_demo_paper.py): import shows the headings it
# found and keeps only the results section; then codes are suggested for it (document 3).
triage code import "$DEMO/coding/study-e-adeyemi-2024.xml" --attr perspective=parent -p "$PROJECT"
triage code suggest --document 3 --coder demo --limit 3 -p "$PROJECT"
# The synthesis matrix (studies by theme, for GRADE-CERQual) and the coding for NVivo, ATLAS.ti,
# MAXQDA or QualCoder (REFI-QDA .qdpx).
triage code synthesis "$PROJECT/synthesis.csv" -p "$PROJECT"
triage code export "$PROJECT/coding.qdpx" -p "$PROJECT"
set +x
echo "Demo finished: the project is in $PROJECT/ (try: .venv/bin/triage serve -p $PROJECT)"
