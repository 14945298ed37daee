#!/usr/bin/env bash
# Create .venv and install triage with its test tools. Idempotent: a second run only
# checks. The CPU build of torch goes in first, otherwise pip pulls a multi-GB CUDA build.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
if ! .venv/bin/python -c "import torch" 2>/dev/null; then
  .venv/bin/pip install --quiet torch==2.13.0
fi
# The distribution was called "triage" before it became "triage-review" (the name
# "triage" on PyPI is another project's): drop an old editable install first.
if .venv/bin/pip show --quiet triage >/dev/null 2>&1; then
  .venv/bin/pip uninstall --quiet --yes triage
fi
.venv/bin/pip install --quiet -e ".[dev,cluster]"  # cluster: Dask, for tests/test_cluster.py
