#!/usr/bin/env bash
# Set up (if needed), lint, type-check and run the test suite. Extra arguments go to pytest,
# e.g. `bash scripts/test.sh -m slow` for the slow benchmark-like tests. Under CI=true the
# browser tests and the tests on ../shared/data fail instead of skipping (tests/conftest.py).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check triage tests evaluation
.venv/bin/mypy --strict triage
exec .venv/bin/python -m pytest -n 2 --dist loadfile -q "$@"
