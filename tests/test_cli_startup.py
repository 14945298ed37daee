"""``triage --help`` and quick commands must not pay for the ML stack at start-up.

Importing :mod:`triage.cli.main` loads every command module; heavy libraries (torch
under spaCy/thinc and sentence-transformers, scikit-learn, matplotlib, the web server)
belong inside the commands that use them. A fresh interpreter is used so that modules
other tests imported do not hide an offender.
"""

from __future__ import annotations

import json
import subprocess
import sys

#: Top-level packages that took `triage --help` from under 1 s to 3-7 s.
HEAVY = (
    "torch",
    "spacy",
    "thinc",
    "sklearn",
    "scipy",
    "matplotlib",
    "sentence_transformers",
    "transformers",
    "fastapi",
    "uvicorn",
)


def test_importing_the_cli_loads_no_heavy_library() -> None:
    code = (
        "import json, sys\n"
        "import triage.cli.main\n"
        f"print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    offenders = json.loads(result.stdout.strip().splitlines()[-1])
    assert offenders == [], (
        f"`import triage.cli.main` imports {', '.join(offenders)}; import them inside the command "
        "that needs them (run `python -X importtime -c 'import triage.cli.main'` to see who pulls them in)"
    )
