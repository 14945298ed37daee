"""Text laid out for a terminal as wide as the user's: blocks in place of tables that would
cut words at 80 columns.

Rich wraps and pads but has no hanging indent (a field's continuation lines indented under
its first), so :func:`print_hanging` wraps with the standard library's ``textwrap`` and lets
Rich print the result as it is.
"""

from __future__ import annotations

import textwrap

from rich.markup import escape

from triage.cli.app import console


def print_hanging(text: str, *, indent: int = 0, hang: int = 2) -> None:
    """``text`` (plain, not markup) wrapped at the console's width: its first line indented by
    ``indent`` spaces, the lines after it by ``indent + hang``."""
    console.print(escape(textwrap.fill(text, width=max(console.width, 40), initial_indent=" " * indent,
                                       subsequent_indent=" " * (indent + hang), break_on_hyphens=False)),
                  soft_wrap=True, highlight=False)
