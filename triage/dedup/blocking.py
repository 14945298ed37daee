"""Candidate pairs by blocking: only records sharing a key are ever compared.

Comparing all pairs of 80,000 records is 3.2 billion comparisons; blocking keeps it to
a few hundred thousand. Each key exists to catch duplicates the others miss:

- ``doi`` / ``pmid``: identical identifiers, whatever the titles look like.
- ``title prefix``: the first 24 letters of the folded title, spaces removed; catches
  case, punctuation and spacing variants, and titles whose subtitle was cut off.
- ``title suffix``: the last 24 letters; catches prefixes such as ``[Article in
  French]``, ``Erratum to`` or a leading typo that break the prefix key.
- ``sorted tokens``: the title's content words sorted; catches reordered words.
- ``author + year``: first-author surname and year; catches retitled or translated
  titles and records whose title is missing.
- ``volume + first page``: with the year and the journal's first letter (abbreviated
  and full journal names share it); catches records with garbled titles and authors.

A key shared by more than ``max_block`` records (an ``Anonymous`` author, a generic
title such as ``Editorial``) is compared only within a sorted window instead of
all-against-all, so one common key cannot blow the run up quadratically.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence

from triage.dedup.keys import TITLE_STOPWORDS, RecordKeys

__all__ = ["MAX_BLOCK", "WINDOW", "block_keys", "candidate_pairs"]

#: Largest block compared all-against-all; larger blocks use a sorted window.
MAX_BLOCK = 60
#: Neighbours compared on each side within an oversized block.
WINDOW = 12
_AFFIX = 24


def block_keys(k: RecordKeys) -> Iterator[str]:
    """The blocking keys of one record (see the module docstring for why each exists)."""
    if k.doi:
        yield "d:" + k.doi
    if k.pmid:
        yield "p:" + k.pmid
    squashed = k.title.replace(" ", "")
    if len(squashed) >= 12:
        yield "tp:" + squashed[:_AFFIX]
        yield "ts:" + squashed[-_AFFIX:]
    content = sorted({t for t in k.title_tokens if t not in TITLE_STOPWORDS})
    if len(content) >= 3:
        yield "tk:" + " ".join(content)
    if k.first_author and k.year:
        yield f"ay:{k.first_author}:{k.year}"
    if k.volume and k.first_page:
        initial = k.journal[0][:1] if k.journal else ""
        yield f"vp:{initial}:{k.volume}:{k.first_page}:{k.year or ''}"


def candidate_pairs(keys: Sequence[RecordKeys], *, max_block: int = MAX_BLOCK, window: int = WINDOW) -> set[tuple[int, int]]:
    """Index pairs ``(i, j)``, ``i < j``, of records sharing at least one blocking key."""
    blocks: dict[str, list[int]] = defaultdict(list)
    for k in keys:
        for key in block_keys(k):
            blocks[key].append(k.index)
    pairs: set[tuple[int, int]] = set()
    for members in blocks.values():
        n = len(members)
        if n < 2:
            continue
        if n <= max_block:
            for x in range(n):
                a = members[x]
                for y in range(x + 1, n):
                    b = members[y]
                    pairs.add((a, b) if a < b else (b, a))
            continue
        ordered = sorted(members, key=lambda i: (keys[i].title, keys[i].year or 0, keys[i].first_page))
        for x in range(n):
            a = ordered[x]
            for y in range(x + 1, min(n, x + 1 + window)):
                b = ordered[y]
                pairs.add((a, b) if a < b else (b, a))
    return pairs
