"""Read the fields of a damaged BibTeX entry line by line, where bibtexparser cannot.

bibtexparser 2 has no error recovery: a stray ``}`` (``Year = {{2019}}},`` in a Web of
Science export) closes the entry early and the fields after it become an "implicit
comment"; a missing comma lets one field swallow the next (``title = {T}\\n year =
{2019}`` gives a title holding the year); an unbalanced ``{`` fails the whole entry.
Exports write one field per line, so the start of each field (``name = {``, ``name =
"``, ``name = 2019,``) can still be found at a line start; the value runs to the next
field start. Hand-written because no BibTeX library salvages what it cannot parse.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["ScannedField", "looks_like_fields", "scan_entry", "scan_fields", "scan_tail"]

#: A field start at the beginning of a line: a name, "=", then a braced or quoted value,
#: or a bare number or macro name (``anch-ie``) that ends the line or is concatenated (``dtv # {...}``). Anything else is taken as text of the
#: field before it (so "n = 25 participants" inside an abstract stays in the abstract).
_FIELD_START = re.compile(
    r"^[ \t]*([A-Za-z][\w:.+-]*)[ \t]*=[ \t]*(?=[{\"]|[\w:.+-]+[ \t]*(?:#|[,}]?[ \t]*$))", re.MULTILINE
)
_HEAD = re.compile(r"\A\s*@\s*([A-Za-z]+)\s*[{(]\s*([^,\s]*)\s*,?")


@dataclass(frozen=True)
class ScannedField:
    """One field found by scanning: name as written, value without enclosing, 0-based line."""

    name: str
    value: str
    line: int


def scan_fields(text: str, *, first_line: int = 0) -> list[ScannedField]:
    """Every ``name = value`` field starting a line of ``text``, values up to the next one.

    ``first_line`` is the 0-based line of ``text``'s first line in the file. A value loses
    its trailing comma and one pair of enclosing braces or quotes; braces left unbalanced
    by the damage stay (the readers drop braces from mapped fields anyway).
    """
    starts = list(_FIELD_START.finditer(text))
    fields = []
    for match, following in zip(starts, [*starts[1:], None], strict=False):
        end = following.start() if following is not None else len(text)
        value = text[match.end() : end].strip().rstrip(",").strip()
        if len(value) >= 2 and (value[0], value[-1]) in (("{", "}"), ('"', '"')):
            value = value[1:-1]
        line = first_line + text.count("\n", 0, match.start())
        fields.append(ScannedField(match.group(1), value.strip(), line))
    return fields


def scan_entry(raw: str, *, first_line: int = 0) -> tuple[str, str, list[ScannedField]] | None:
    """(entry type, key, fields) of an entry's raw text, or None when it has no ``@type{key``.

    The entry's own closing brace (its last character, when present) is not part of the
    last field's value.
    """
    head = _HEAD.match(raw)
    if head is None:
        return None
    offset = first_line + raw.count("\n", 0, head.end())
    return head.group(1).lower(), head.group(2), scan_tail(raw[head.end() :], first_line=offset)


def scan_tail(text: str, *, first_line: int = 0) -> list[ScannedField]:
    """:func:`scan_fields` of the end of an entry: its closing brace, when present, is no value's."""
    body = text.rstrip()
    return scan_fields(body[:-1] if body.endswith(("}", ")")) else body, first_line=first_line)


def looks_like_fields(text: str) -> bool:
    """True when ``text`` (between entries) holds at least one ``name = {value}`` line."""
    return _FIELD_START.search(text) is not None
