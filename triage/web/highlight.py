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

__all__ = ["PALETTE_SIZE", "element_classes", "highlight", "word_diff"]

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


def word_diff(a: str | None, b: str | None) -> tuple[Markup, Markup]:
    """Both texts escaped, with the words that differ between them in ``<mark class="diff">``.

    For duplicate review: a person sees at a glance that two records differ only in a
    page number or an author's initials. Words are compared as typed (case matters: a
    changed capital is a visible difference too).
    """
    import difflib

    words_a, words_b = (a or "").split(), (b or "").split()
    out_a: list[str] = []
    out_b: list[str] = []
    matcher = difflib.SequenceMatcher(a=words_a, b=words_b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        piece_a, piece_b = escape(" ".join(words_a[i1:i2])), escape(" ".join(words_b[j1:j2]))
        if tag == "equal":
            out_a.append(str(piece_a))
            out_b.append(str(piece_b))
            continue
        if i2 > i1:
            out_a.append(f'<mark class="diff">{piece_a}</mark>')
        if j2 > j1:
            out_b.append(f'<mark class="diff">{piece_b}</mark>')
    return Markup(" ".join(out_a)), Markup(" ".join(out_b))
