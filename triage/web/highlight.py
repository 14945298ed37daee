"""SPICE highlighting that cannot inject markup: escape each piece of text, then add ``<mark>``.

Abstracts often hold HTML, LaTeX or even ``<script>``. Match offsets refer to the raw
text, so the text is cut at the offsets, every piece is escaped, and only then are the
``<mark>`` tags (whose class and title we build from escaped element names) put
between the pieces. The result is :class:`markupsafe.Markup`, safe in a template.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from markupsafe import Markup, escape

from triage.ranking.criteria_scores import Match

__all__ = ["highlight", "element_classes", "PALETTE_SIZE"]

#: Distinct element colours defined in static/app.css (``.el-0`` .. ``.el-5``); more cycle.
PALETTE_SIZE = 6


def element_classes(elements: Sequence[str]) -> dict[str, str]:
    """One CSS class per SPICE element, in the criteria's order."""
    return {name: f"el-{i % PALETTE_SIZE}" for i, name in enumerate(elements)}


def highlight(
    text: str | None, matches: Mapping[str, Sequence[Match]], field: str, classes: Mapping[str, str]
) -> Markup:
    """``text`` escaped, with each match in ``field`` wrapped in its element's ``<mark>``.

    Overlapping matches keep the one that starts first (the longer on a tie), so tags
    always nest correctly.
    """
    if not text:
        return Markup("")
    spans = sorted(
        ((m.start, m.end, element) for element, found in matches.items() for m in found if m.field == field),
        key=lambda s: (s[0], -s[1]),
    )
    pieces: list[str] = []
    cursor = 0
    for start, end, element in spans:
        if start < cursor or not 0 <= start < end <= len(text):
            continue
        css = escape(classes.get(element, "el-x"))
        pieces.append(str(escape(text[cursor:start])))
        pieces.append(f'<mark class="{css}" title="{escape(element)}">{escape(text[start:end])}</mark>')
        cursor = end
    pieces.append(str(escape(text[cursor:])))
    return Markup("".join(pieces))
