"""``triage --help`` and quick commands must not pay for the ML stack at start-up.

Importing :mod:`triage.cli.main` loads every command module; heavy libraries (torch
under spaCy/thinc and sentence-transformers, scikit-learn, matplotlib, the web server)
belong inside the commands that use them. A fresh interpreter is used so that modules
other tests imported do not hide an offender.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

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


def _registering_module(callback: object) -> str:
    return str(getattr(callback, "__module__", "")).rsplit(".", 1)[-1]


def test_the_entry_point_knows_which_module_registers_each_command() -> None:
    from triage.cli.entry import COMMAND_MODULES
    from triage.cli.main import app

    registered: dict[str, str] = {}
    for command in app.registered_commands:
        assert command.name is not None
        registered[command.name] = _registering_module(command.callback)
    for group in app.registered_groups:
        assert group.name is not None
        # A group is registered where its sub-app is made (``code_app = sub_app(...)``).
        owners = [name.rsplit(".", 1)[-1] for name, module in sys.modules.items() if name.startswith("triage.cli.")
                  and any(value is group.typer_instance for value in vars(module).values())]
        assert owners, group.name
        # Another module may import the sub-app to add commands to it: the map names one owner.
        registered[group.name] = COMMAND_MODULES[group.name] if COMMAND_MODULES.get(group.name) in owners else owners[0]
    assert registered == COMMAND_MODULES


def test_a_named_command_loads_only_its_module() -> None:
    script = (
        "import sys\nfrom triage.cli.entry import load_commands\nload_commands(sys.argv[1:])\n"
        "print(sorted(m.rsplit('.', 1)[-1] for m in sys.modules if m.startswith('triage.cli.')"
        " and m.rsplit('.', 1)[-1] in {'coding', 'dedup', 'screen', 'serve', 'evaluate', 'main'}))\n"
    )
    def loaded(*args: str) -> list[str]:
        done = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, check=True)
        return list(json.loads(done.stdout.replace("'", '"')))

    assert loaded("next", "-n", "1") == ["screen"]
    assert "main" in loaded("--help")
    assert "main" in loaded("nxt")  # a misspelt command gets Typer's suggestion among all commands


def _subcommands(typer_instance: object) -> list[str]:
    names = [c.name or c.callback.__name__ for c in typer_instance.registered_commands]  # type: ignore[attr-defined]
    names += [g.name for g in typer_instance.registered_groups]  # type: ignore[attr-defined]
    return sorted(str(n) for n in names)


def test_a_group_loaded_alone_has_all_its_subcommands() -> None:
    """Sub-commands registered on a group from another module must be imported by the
    module the entry point loads for that group."""
    from triage.cli.main import app

    expected = {g.name: _subcommands(g.typer_instance) for g in app.registered_groups}
    script = (
        "import json, sys\nfrom triage.cli.entry import load_commands\nload_commands([sys.argv[1]])\n"
        "from triage.cli.app import app\n"
        "group = next(g for g in app.registered_groups if g.name == sys.argv[1]).typer_instance\n"
        "names = [c.name or c.callback.__name__ for c in group.registered_commands]\n"
        "names += [g.name for g in group.registered_groups]\n"
        "print(json.dumps(sorted(names)))\n"
    )
    for name, subcommands in expected.items():
        done = subprocess.run([sys.executable, "-c", script, str(name)], capture_output=True, text=True, check=True)
        assert json.loads(done.stdout) == subcommands, name


def test_every_command_answers_through_the_entry_point_alone() -> None:
    """`triage NAME --help` through the executable's entry, which loads one module: a module
    registering a single command must still leave `triage` a group (else Typer runs that
    command for any call and reads NAME as an extra argument)."""
    from triage.cli.entry import COMMAND_MODULES

    one_per_module = {module: name for name, module in COMMAND_MODULES.items()}
    for name in sorted(one_per_module.values()):
        done = subprocess.run([sys.executable, "-m", "triage.cli.entry", name, "--help"],
                              capture_output=True, text=True, check=False, env={**os.environ,
                                                                                  "COLUMNS": "200"})
        assert done.returncode == 0, (name, done.stderr[-500:])
        assert re.search(rf"Usage: \S.* {name} \[OPTIONS\]", done.stdout), (name, done.stdout[:300])


def test_help_lists_every_command_in_a_panel_in_a_review_order() -> None:
    from triage.cli.app import HELP_PANELS
    from triage.cli.entry import COMMAND_MODULES

    in_panels = [name for names in HELP_PANELS.values() for name in names]
    assert sorted(in_panels) == sorted(COMMAND_MODULES), "a new command needs its place in HELP_PANELS"
    env = {**os.environ, "COLUMNS": "120", "NO_COLOR": "1", "TERM": "dumb"}
    done = subprocess.run([sys.executable, "-m", "triage.cli.entry", "--help"], capture_output=True, text=True,
                          check=True, env=env)
    panels = re.findall(r"╭─ (.+?) ─", done.stdout)
    assert panels == ["Options", *HELP_PANELS], done.stdout
    listed = re.findall(r"^│ (\w+) ", done.stdout, flags=re.MULTILINE)
    assert listed[:2] == ["init", "import"] and sorted(listed) == sorted(COMMAND_MODULES)


def test_a_group_given_an_option_before_its_command_names_its_commands() -> None:
    """`triage codebook -p DIR` (the group, no command) said only "No such option: -p"; groups
    that run without a command (dedup, sources; rounds, studies and users list) still take their options."""
    env = {**os.environ, "COLUMNS": "400", "NO_COLOR": "1", "TERM": "dumb"}
    triage = str(Path(sys.executable).with_name("triage"))  # the installed command: its name in the message
    for group, first in (("codebook", "show"), ("criteria", "set"), ("code", "import")):
        done = subprocess.run([triage, group, "-p", "somewhere"],
                              capture_output=True, text=True, check=False, env=env)
        assert done.returncode == 2, (group, done.stderr)
        message = " ".join(done.stderr.split())
        assert f"'triage {group}' needs a command before its options, one of: {first}," in message, message
        assert f"e.g. 'triage {group} {first} -p somewhere'" in message
    for group in ("sources", "studies"):
        done = subprocess.run([triage, group, "-p", "/nonexistent-project"],
                              capture_output=True, text=True, check=False, env=env)
        assert "no triage project in /nonexistent-project" in " ".join(done.stderr.split()), group
