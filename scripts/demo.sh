#!/usr/bin/env bash
# Set up (if needed) and run triage end to end on the bundled, made-up demo review:
# import three database exports, deduplicate, rank with the SPICE criteria, record a
# few decisions, report PRISMA counts, simulate screening, and suggest codes.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"
DEMO=corpora/demo
PROJECT=demo-project
rm -rf "$PROJECT"
set -x
triage init "$PROJECT" --criteria "$DEMO/criteria.toml"
triage import "$DEMO/embase.ris" "$DEMO/scopus.csv" -p "$PROJECT"      # databases detected from the files
triage import "$DEMO/psycinfo.bib" --source PsycINFO -p "$PROJECT"     # or named by the user
triage dedup -p "$PROJECT"
triage next -p "$PROJECT" -n 5
triage status -p "$PROJECT"
triage evaluate screening "$DEMO/demo_labelled.csv" --criteria "$DEMO/criteria.toml" --seeds 2 \
  --json "$PROJECT/simulation.json" --plot "$PROJECT/recall.png"
triage export "$PROJECT/records.ris" -p "$PROJECT"
