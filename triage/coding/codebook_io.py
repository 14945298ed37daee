"""Reading and writing codebooks: JSON, TOML, CSV and REFI-QDA ``.qdc``.

JSON is the issue's shape (a list of themes ``{"id", "name", "description"?,
"examples"?, "children"?}``, any depth). TOML and CSV are flat lists of codes with a
``parent`` id, easier to edit by hand or in a spreadsheet. ``.qdc`` is the REFI-QDA
Codebook exchange format (namespace ``urn:QDA-XML:codebook:1.0``) that NVivo,
ATLAS.ti, MAXQDA and QualCoder read and write: ``CodeBook > Codes > Code*`` where each
``Code`` has ``guid``, ``name``, ``isCodable``, an optional ``Description`` and nested
``Code`` children. The standard has no place for examples, so they are written into
the description after an ``Examples:`` line and read back from there; GUIDs are
derived from code ids (stable across exports) unless a code came with one.
"""

from __future__ import annotations

import csv
import io
import json
import tomllib
import uuid
from pathlib import Path
from typing import Any

import tomli_w
from lxml import etree

from triage.coding.codebook import Code, Codebook, CodebookError, slugify
from triage.errors import InputError

__all__ = [
    "FORMATS",
    "QDC_NAMESPACE",
    "add_code_elements",
    "adopt_ids",
    "code_guid",
    "codebook_from_codes",
    "from_qdc",
    "read_codebook",
    "to_qdc",
    "write_codebook",
]

QDC_NAMESPACE = "urn:QDA-XML:codebook:1.0"
#: File suffixes we read and write, by format name.
FORMATS: dict[str, str] = {".json": "json", ".toml": "toml", ".csv": "csv", ".qdc": "qdc"}
#: Namespace for GUIDs derived from code ids (any fixed UUID works; this one is ours).
_GUID_NS = uuid.UUID("5b0e6a52-3c1e-4f63-9d0a-7d9c5e0f2a11")
_EXAMPLES_MARK = "Examples:"
_CSV_COLUMNS = ("id", "name", "parent", "description", "examples")


def _format_of(path: Path) -> str:
    try:
        return FORMATS[path.suffix.lower()]
    except KeyError:
        raise InputError(
            f"unknown codebook format {path.suffix or '(none)'}",
            path=path,
            hint=f"use one of: {', '.join(FORMATS)}",
        ) from None


def read_codebook(path: str | Path) -> Codebook:
    """Read a codebook, choosing the format by suffix; InputError names the file and the fix."""
    path = Path(path)
    fmt = _format_of(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the codebook ({exc.strerror})", path=path) from exc
    try:
        if fmt == "qdc":
            return from_qdc(data, path=path)
        text = data.decode("utf-8-sig")
        if fmt == "json":
            try:
                return Codebook.from_list(json.loads(text))
            except json.JSONDecodeError as exc:
                raise InputError(f"invalid JSON: {exc.msg}", path=path, line=exc.lineno) from exc
        if fmt == "toml":
            try:
                items = tomllib.loads(text).get("codes", [])
            except tomllib.TOMLDecodeError as exc:
                raise InputError(f"invalid TOML: {exc}", path=path) from exc
            return _from_flat(items, path)
        return _from_flat(_csv_rows(text, path), path)
    except UnicodeDecodeError as exc:
        raise InputError("not UTF-8 text", path=path, hint="save the file as UTF-8") from exc
    except CodebookError as exc:
        raise InputError(exc.message, path=path, hint=exc.hint) from exc


def _csv_rows(text: str, path: Path) -> list[dict[str, Any]]:
    """A codebook CSV's rows, column names matched without case ("Name", "Parent" as a spreadsheet has them)."""
    reader = csv.DictReader(io.StringIO(text))
    columns = [str(c or "").strip() for c in reader.fieldnames or []]
    if "name" not in {c.lower() for c in columns}:
        raise InputError(
            f"no 'name' column (found: {', '.join(columns) or 'none'})",
            path=path,
            hint="one row per code with the columns name and parent (the parent's name or id; "
            "empty for a theme), optionally id, description, examples",
        )
    return [{str(k or "").strip().lower(): v for k, v in row.items()} for row in reader]


def write_codebook(codebook: Codebook, path: str | Path) -> None:
    """Write ``codebook`` in the format named by the suffix of ``path``."""
    path = Path(path)
    fmt = _format_of(path)
    if fmt == "json":
        path.write_text(json.dumps(codebook.to_list(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    elif fmt == "toml":
        path.write_text(tomli_w.dumps({"codes": _to_flat(codebook)}), encoding="utf-8")
    elif fmt == "csv":
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=_CSV_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for row in _to_flat(codebook):
            writer.writerow({**row, "examples": "\n".join(row.get("examples", []))})
        path.write_text(buf.getvalue(), encoding="utf-8")
    else:
        path.write_bytes(to_qdc(codebook))


def _to_flat(codebook: Codebook) -> list[dict[str, Any]]:
    rows = []
    for code, parent, _ in codebook.walk():
        row: dict[str, Any] = {"id": code.id, "name": code.name, "parent": parent.id if parent else ""}
        row["description"] = code.description or ""
        row["examples"] = list(code.examples)
        rows.append(row)
    return rows


def _from_flat(items: list[dict[str, Any]], path: Path) -> Codebook:
    """Rebuild the tree from rows with a ``parent`` (parents may come after children).

    ``parent`` names a code by id or, as people write codebooks in a spreadsheet
    (NVivo users: names only, a theme's name beside each subtheme), by name. A code
    with no id takes its name's slug, or its parent's and its name's where that slug
    is taken (one subtheme name under two themes).
    """
    rows: list[tuple[int, str, str, str, dict[str, Any]]] = []
    for number, item in enumerate(items, start=1):
        name = str(item.get("name") or "").strip()
        if not name:
            raise InputError("code without a name", path=path, record=number, hint="fill in the name")
        rows.append((number, name, str(item.get("id") or "").strip(), str(item.get("parent") or "").strip(), item))
    slugs = [slugify(name) for _, name, given, _, _ in rows if not given]
    codes: dict[str, Code] = {}
    parent_of: dict[str, str] = {}
    for number, name, given, parent, item in rows:
        code_id = given or slugify(name)
        if not given and slugs.count(code_id) > 1 and parent:
            code_id = slugify(f"{parent} {name}")
        if code_id in codes:
            raise InputError(f"code id {code_id!r} is used twice", path=path, record=number)
        examples = item.get("examples") or []
        if isinstance(examples, str):
            examples = [e.strip() for e in examples.splitlines() if e.strip()]
        codes[code_id] = Code(code_id, name, str(item.get("description") or "").strip() or None, list(examples))
        if parent:
            parent_of[code_id] = parent
    by_name: dict[str, list[str]] = {}
    for code_id, code in codes.items():
        by_name.setdefault(code.name, []).append(code_id)
    for code_id, parent in parent_of.items():
        found = [parent] if parent in codes else by_name.get(parent, [])
        if len(found) > 1:
            raise InputError(
                f"code {codes[code_id].name!r} names a parent {parent!r} that several codes are called",
                path=path, hint="give the codes ids (an id column) and name the parent by its id",
            )
        if not found or found[0] == code_id:
            raise InputError(
                f"code {code_id!r} names an unknown parent {parent!r}", path=path, hint="add the parent code"
            )
        codes[found[0]].children.append(codes[code_id])
    return Codebook([code for code_id, code in codes.items() if code_id not in parent_of])


# -- REFI-QDA .qdc ---------------------------------------------------------------
def code_guid(code: Code) -> str:
    """The REFI-QDA GUID of a code: the one it came with, else derived from its id (stable)."""
    return code.guid or str(uuid.uuid5(_GUID_NS, code.id))


def adopt_ids(imported: Codebook, known: Codebook) -> Codebook:
    """Give codes read from a ``.qdc`` the ids of ``known`` codes with the same GUID.

    A ``.qdc`` file has no ids, only GUIDs (ours derive from ids), so a codebook
    exported, renamed in NVivo and imported back keeps its ids and applications.
    """
    by_guid = {code_guid(code).lower().strip("{}"): code.id for code in known.codes()}
    taken = {code.id for code in imported.codes()}
    for code in imported.codes():
        old = by_guid.get((code.guid or "").lower().strip("{}"))
        if old is not None and old != code.id and old not in taken:
            taken.discard(code.id)
            taken.add(old)
            code.id = old
    return imported


def to_qdc(codebook: Codebook, origin: str = "triage") -> bytes:
    """The codebook as REFI-QDA Codebook XML (UTF-8 bytes)."""
    ns = f"{{{QDC_NAMESPACE}}}"
    root = etree.Element(ns + "CodeBook", nsmap={None: QDC_NAMESPACE}, origin=origin)
    add_code_elements(etree.SubElement(root, ns + "Codes"), codebook, QDC_NAMESPACE)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True))


def add_code_elements(codes_el: etree._Element, codebook: Codebook, namespace: str) -> None:
    """Append the codebook's ``<Code>`` tree to ``codes_el`` (a REFI-QDA ``<Codes>`` element in
    ``namespace``: the codebook's, or the project's inside a ``.qdpx``)."""
    ns = f"{{{namespace}}}"

    def add(parent_el: etree._Element, code: Code) -> None:
        el = etree.SubElement(
            parent_el, ns + "Code", guid=code_guid(code), name=code.name, isCodable="true" if code.codable else "false"
        )
        text = code.description or ""
        if code.examples:
            text = (text + "\n\n" if text else "") + _EXAMPLES_MARK + "\n" + "\n".join(f"- {e}" for e in code.examples)
        if text:
            etree.SubElement(el, ns + "Description").text = text
        for child in code.children:
            add(el, child)

    for code in codebook.roots:
        add(codes_el, code)


def _split_examples(text: str) -> tuple[str | None, list[str]]:
    head, mark, tail = text.rpartition(_EXAMPLES_MARK + "\n")
    if not mark:
        return (text.strip() or None), []
    examples = [line[2:] for line in tail.splitlines() if line.startswith("- ")]
    return (head.strip() or None), examples


def from_qdc(data: bytes, path: str | Path | None = None) -> Codebook:
    """Parse REFI-QDA Codebook XML; code ids are slugs of names, made unique in file order."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise InputError(f"invalid XML: {exc.msg}", path=path, line=exc.lineno,
                         hint="export the codebook again as .qdc") from exc
    if etree.QName(root).localname != "CodeBook":
        raise InputError(
            f"root element is <{etree.QName(root).localname}>, not <CodeBook>",
            path=path, line=root.sourceline, hint="a .qdc file holds a REFI-QDA codebook",
        )
    codes_el = next((c for c in root if _local(c) == "Codes"), None)
    if codes_el is None:
        raise InputError("<CodeBook> has no <Codes>", path=path, line=root.sourceline)
    return codebook_from_codes(codes_el, path)


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def codebook_from_codes(codes_el: etree._Element, path: str | Path | None = None) -> Codebook:
    """The codebook under a REFI-QDA ``<Codes>`` element (of a ``.qdc`` or a ``.qdpx``); code ids
    are slugs of names, made unique in file order; each code keeps its GUID."""
    used: set[str] = set()

    def build(el: etree._Element) -> Code:
        name = (el.get("name") or "").strip()
        if not name:
            raise InputError("<Code> without a name", path=path, line=el.sourceline)
        code_id, n = slugify(name), 2
        while code_id in used:
            code_id, n = f"{slugify(name)}-{n}", n + 1
        used.add(code_id)
        description: str | None = None
        examples: list[str] = []
        children: list[etree._Element] = []
        for child in el:
            if _local(child) == "Description":
                description, examples = _split_examples(child.text or "")
            elif _local(child) == "Code":
                children.append(child)
        code = Code(code_id, name, description, examples, guid=el.get("guid"))
        code.children = [build(c) for c in children]
        return code

    return Codebook([build(c) for c in codes_el if _local(c) == "Code"])
