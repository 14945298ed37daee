"""Hierarchical codebooks that change as the analysis develops, with their history.

In a thematic synthesis (Thomas & Harden 2008) coders start with descriptive codes and
later group, rename, merge and move them into descriptive and analytic themes. A
:class:`Codebook` is a tree of :class:`Code` (any depth); codes without children are the
ones a coder applies to text (``codable``), codes with children are themes. Every edit
appends a :class:`Change` so the codebook's development can be reported (an audit trail
reviewers of a synthesis ask for).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from triage.errors import TriageError

__all__ = ["CHANGE_ACTIONS", "UNDOABLE", "Change", "Code", "Codebook", "CodebookError", "slugify"]

#: Values of :attr:`Change.action`.
CHANGE_ACTIONS: tuple[str, ...] = ("add", "rename", "merge", "move", "describe", "split", "undo")

#: The edits :meth:`Codebook.undo` can take back (their ``detail`` holds what it needs).
UNDOABLE: tuple[str, ...] = ("merge", "move", "split")


class CodebookError(TriageError):
    """A codebook edit or file is invalid (unknown or duplicate code id, a cycle...)."""


def slugify(name: str) -> str:
    """Lower-case ASCII id from a code name: ``"Access to care & support"`` -> ``access-to-care-support``."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return slug or "code"


@dataclass
class Code:
    """One code or theme. ``examples`` are short texts that show what the code covers.

    ``guid`` keeps a REFI-QDA GUID read from a ``.qdc`` file so a re-export keeps it.
    """

    id: str
    name: str
    description: str | None = None
    examples: list[str] = field(default_factory=list)
    children: list[Code] = field(default_factory=list)
    guid: str | None = None

    @property
    def codable(self) -> bool:
        """Leaves are applied to text; codes with children are themes that group them."""
        return not self.children

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of the issue: ``description``, ``examples`` and ``children`` only when set."""
        out: dict[str, Any] = {"id": self.id, "name": self.name}
        if self.description:
            out["description"] = self.description
        if self.examples:
            out["examples"] = list(self.examples)
        if self.children:
            out["children"] = [c.to_dict() for c in self.children]
        return out


@dataclass(frozen=True)
class Change:
    """One edit of the codebook: ``action`` in :data:`CHANGE_ACTIONS`, ``detail`` what changed."""

    action: str
    code_id: str
    detail: dict[str, Any]


class Codebook:
    """A forest of codes with id lookup and recorded edits.

    ``merged`` maps the id of every code merged away to the code it went into, so
    applications recorded under an old id still count for the code that absorbed it;
    ``merged_names`` keeps their names, so they can still be named.
    """

    def __init__(self, roots: list[Code] | None = None) -> None:
        self.roots: list[Code] = list(roots or [])
        self.history: list[Change] = []
        self.merged: dict[str, str] = {}
        self.merged_names: dict[str, str] = {}
        self._check_ids()

    # -- reading ---------------------------------------------------------------
    def walk(self) -> Iterator[tuple[Code, Code | None, int]]:
        """Every code depth-first as ``(code, parent, depth)``, in codebook order."""

        def rec(codes: list[Code], parent: Code | None, depth: int) -> Iterator[tuple[Code, Code | None, int]]:
            for code in codes:
                yield code, parent, depth
                yield from rec(code.children, code, depth + 1)

        yield from rec(self.roots, None, 0)

    def codes(self) -> list[Code]:
        return [c for c, _, _ in self.walk()]

    def codable(self) -> list[Code]:
        """The codes a coder applies to text (leaves), in codebook order."""
        return [c for c in self.codes() if c.codable]

    def get(self, code_id: str) -> Code:
        """The code ``code_id`` (following merges); CodebookError names the fix when unknown."""
        code_id = self.resolve(code_id)
        for code in self.codes():
            if code.id == code_id:
                return code
        raise CodebookError(f"no code {code_id!r} in the codebook", hint="see 'triage codebook show' for ids")

    def find(self, ref: str) -> str:
        """The id of the code ``ref`` names: an id (a merged one too) as given, else a code's name.

        Why: people who code in NVivo and the like know codes by name, not by an id made from
        it; a name compared without case and spacing, and refused when several codes bear it.
        A code merged away is found by its name too where no code of the tree bears it (its
        id then follows the merge, as an old id does; ``codebook unmerge`` names it so).
        An unknown ``ref`` comes back as given, for :meth:`get` to name the fix.
        """
        if ref in self.merged or any(c.id == ref for c in self.codes()):
            return ref
        wanted = " ".join(ref.split()).casefold()
        named = [c.id for c in self.codes() if " ".join(c.name.split()).casefold() == wanted] or [
            old for old, name in self.merged_names.items() if " ".join(name.split()).casefold() == wanted]
        if len(named) > 1:
            raise CodebookError(f"{ref!r} names {len(named)} codes: {', '.join(named)}", hint="give the id instead")
        return named[0] if named else ref

    def __contains__(self, code_id: object) -> bool:
        return isinstance(code_id, str) and any(c.id == self.resolve(code_id) for c in self.codes())

    def resolve(self, code_id: str) -> str:
        """The id a (possibly merged-away) code now lives under."""
        seen = set()
        while code_id in self.merged and code_id not in seen:
            seen.add(code_id)
            code_id = self.merged[code_id]
        return code_id

    def parent_of(self, code_id: str) -> Code | None:
        for code, parent, _ in self.walk():
            if code.id == code_id:
                return parent
        raise CodebookError(f"no code {code_id!r} in the codebook", hint="see 'triage codebook show' for ids")

    def path(self, code_id: str) -> list[Code]:
        """Themes from the root down to ``code_id`` inclusive."""
        chain = [self.get(code_id)]
        while (parent := self.parent_of(chain[0].id)) is not None:
            chain.insert(0, parent)
        return chain

    def to_list(self) -> list[dict[str, Any]]:
        return [c.to_dict() for c in self.roots]

    @classmethod
    def from_list(cls, data: list[dict[str, Any]]) -> Codebook:
        """Build from the JSON shape; raises CodebookError for a missing id or name."""

        def build(item: Any, where: str) -> Code:
            if not isinstance(item, dict):
                raise CodebookError(f"{where}: expected an object with id and name")
            name = str(item.get("name") or "").strip()
            if not name:
                raise CodebookError(f"{where}: code without a name", hint="give every code a name")
            code_id = str(item.get("id") or slugify(name)).strip()
            examples = item.get("examples") or []
            if isinstance(examples, str):
                examples = [examples]
            children = item.get("children") or []
            return Code(
                id=code_id,
                name=name,
                description=(str(item["description"]).strip() or None) if item.get("description") else None,
                examples=[str(e) for e in examples],
                children=[build(c, f"{where} > {name}") for c in children],
                guid=item.get("guid"),
            )

        if not isinstance(data, list):
            raise CodebookError("a codebook is a list of themes", hint='start the file with "["')
        return cls([build(item, f"theme {i + 1}") for i, item in enumerate(data)])

    def _check_ids(self) -> None:
        seen: set[str] = set()
        for code in self.codes():
            if code.id in seen:
                raise CodebookError(f"code id {code.id!r} is used twice", hint="give each code its own id")
            seen.add(code.id)

    # -- editing (each appends a Change) ---------------------------------------
    def add(self, code: Code, parent_id: str | None = None) -> Code:
        """Add ``code`` under ``parent_id`` (a new theme when None)."""
        if code.id in self or code.id in self.merged:
            raise CodebookError(f"code id {code.id!r} is used already", hint="choose another id")
        siblings = self.roots if parent_id is None else self.get(parent_id).children
        siblings.append(code)
        self.history.append(Change("add", code.id, {"name": code.name, "parent": parent_id}))
        return code

    def rename(self, code_id: str, name: str) -> None:
        code = self.get(code_id)
        if not name.strip():
            raise CodebookError("a code name cannot be empty")
        self.history.append(Change("rename", code.id, {"from": code.name, "to": name.strip()}))
        code.name = name.strip()

    def describe(self, code_id: str, description: str | None, examples: list[str] | None = None) -> None:
        code = self.get(code_id)
        detail: dict[str, Any] = {"from": code.description, "to": description}
        code.description = description
        if examples is not None:
            detail["examples"] = examples
            code.examples = list(examples)
        self.history.append(Change("describe", code.id, detail))

    def move(self, code_id: str, parent_id: str | None) -> None:
        """Move ``code_id`` (with its children) under ``parent_id``; None makes it a theme.

        Applications and memos are keyed by the code's id, so they move with it.
        """
        code = self.get(code_id)
        if parent_id is not None and any(c.id == self.resolve(parent_id) for c, _, _ in self._subtree(code)):
            raise CodebookError(f"cannot move {code_id!r} under itself or its own child {parent_id!r}")
        old, position = self._place(code)
        new_siblings = self.roots if parent_id is None else self.get(parent_id).children
        (self.roots if old is None else old.children).remove(code)
        new_siblings.append(code)
        self.history.append(Change("move", code.id, {"from": old.id if old else None, "to": parent_id,
                                                     "position": position}))

    def merge(self, source_id: str, target_id: str) -> None:
        """Fold ``source_id`` into ``target_id``: its examples and children move, its id redirects.

        The change's detail keeps what :meth:`undo` needs to take the merge back.
        """
        source, target = self.get(source_id), self.get(target_id)
        if source.id == target.id:
            raise CodebookError("cannot merge a code into itself")
        if any(c.id == target.id for c, _, _ in self._subtree(source)):
            raise CodebookError(f"cannot merge {source.id!r} into its own child {target.id!r}")
        parent, position = self._place(source)
        (self.roots if parent is None else parent.children).remove(source)
        added = [e for e in source.examples if e not in target.examples]
        target.examples.extend(added)
        target.children.extend(source.children)
        self.merged[source.id] = target.id
        self.merged_names[source.id] = source.name
        self.history.append(Change("merge", source.id, {
            "into": target.id, "name": source.name, "description": source.description,
            "examples": list(source.examples), "guid": source.guid, "parent": parent.id if parent else None,
            "position": position, "children": [c.id for c in source.children], "examples_added": added}))

    def split(self, source_id: str, parts: list[Code]) -> None:
        """Replace code ``source_id`` by ``parts`` (two or more new codes) in its place.

        Only the tree changes here; the store moves each coded segment to the part it
        is assigned to (:func:`triage.store.codebook_changes.split_code`).
        """
        source = self.get(source_id)
        if not source.codable:
            raise CodebookError(f"{source.id!r} is a theme", hint="split a code without children")
        if len(parts) < 2:
            raise CodebookError("a split needs two or more new codes", hint="pass --into NAME at least twice")
        ids = [p.id for p in parts]
        for part in parts:
            if part.id in self or part.id in self.merged or ids.count(part.id) > 1:
                raise CodebookError(f"code id {part.id!r} is used already", hint="choose another name")
        parent, position = self._place(source)
        siblings = self.roots if parent is None else parent.children
        siblings[position:position + 1] = parts
        self.history.append(Change("split", source.id, {
            "into": ids, "name": source.name, "description": source.description,
            "examples": list(source.examples), "guid": source.guid, "parent": parent.id if parent else None,
            "position": position}))

    def undo(self, action: str, code_id: str, detail: dict[str, Any], change_id: int) -> None:
        """Take back a merge, move or split recorded with ``detail`` (history row ``change_id``).

        Refuses (CodebookError) when later edits make that impossible, e.g. the code a
        merge went into was itself merged away since: undo the later edit first.
        """
        if action not in UNDOABLE:
            raise CodebookError(f"a {action!r} cannot be undone", hint=f"undo one of: {', '.join(UNDOABLE)}")
        if action == "move":
            code = self.get(code_id)
            if detail.get("from") is not None and detail["from"] not in self:
                raise CodebookError(f"theme {detail['from']!r} is gone", hint="undo the later edits first")
            parent, _ = self._place(code)
            (self.roots if parent is None else parent.children).remove(code)
            self._insert(code, detail.get("from"), detail.get("position"))
        elif action == "merge":
            target_id = str(detail["into"])
            if self.merged.get(code_id) != target_id or target_id not in self.codes_by_id():
                raise CodebookError(f"{code_id!r} is no longer merged into {target_id!r}",
                                    hint="undo the later edits first")
            target = self.codes_by_id()[target_id]
            source = Code(code_id, str(detail["name"]), detail.get("description"),
                          list(detail.get("examples") or []), guid=detail.get("guid"))
            moved = set(detail.get("children") or [])
            source.children = [c for c in target.children if c.id in moved]
            target.children = [c for c in target.children if c.id not in moved]
            added = set(detail.get("examples_added") or [])
            target.examples = [e for e in target.examples if e not in added]
            del self.merged[code_id]
            self.merged_names.pop(code_id, None)
            self._insert(source, detail.get("parent"), detail.get("position"))
        else:
            by_id = self.codes_by_id()
            parts = [by_id.get(part) for part in detail["into"]]
            if any(p is None or not p.codable for p in parts) or code_id in self:
                raise CodebookError(f"the codes {code_id!r} was split into have changed since",
                                    hint="undo the later edits first")
            parent, position = self._place(parts[0])  # type: ignore[arg-type]
            for part in parts:
                where, _ = self._place(part)  # type: ignore[arg-type]
                (self.roots if where is None else where.children).remove(part)  # type: ignore[arg-type]
            source = Code(code_id, str(detail["name"]), detail.get("description"),
                          list(detail.get("examples") or []), guid=detail.get("guid"))
            self._insert(source, parent.id if parent else None, position)
        self.history.append(Change("undo", code_id, {"change": change_id, "action": action}))

    def codes_by_id(self) -> dict[str, Code]:
        """Every code of the tree by its id (merged-away ids not included)."""
        return {c.id: c for c in self.codes()}

    def _place(self, code: Code) -> tuple[Code | None, int]:
        """``code``'s parent (None for a theme) and its index among its siblings."""
        parent = self.parent_of(code.id)
        return parent, (self.roots if parent is None else parent.children).index(code)

    def _insert(self, code: Code, parent_id: str | None, position: int | None) -> None:
        if parent_id is not None and parent_id not in self.codes_by_id():
            raise CodebookError(f"theme {parent_id!r} is gone", hint="undo the later edits first")
        siblings = self.roots if parent_id is None else self.codes_by_id()[parent_id].children
        siblings.insert(len(siblings) if position is None else min(position, len(siblings)), code)

    def _subtree(self, code: Code) -> Iterator[tuple[Code, Code | None, int]]:
        yield code, None, 0
        for child in code.children:
            yield from self._subtree(child)
