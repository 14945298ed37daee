"""Splitting a document into paragraphs and sentences with character offsets.

Sentences come from spaCy (:func:`triage.text.sentences`: the blank English
sentencizer unless a trained pipeline is configured). The rule-based sentencizer does
not know quotations: it splits ``"I felt alone. Nobody came," said one mother.`` in
two, leaves an opening quote or bracket at the end of the previous sentence, and
starts the next sentence with a participant attribution such as ``(Mother, P3)``.
Participant speech is the evidence a coder codes, so :func:`segment_text` repairs the
boundaries afterwards: no boundary falls inside a quotation, openers move to the
sentence they open, and a short parenthetical attribution stays with the quote before
it. Markdown headings become ``heading`` segments (not coded); a paragraph that is a
block quote (``>`` lines, or wholly in quotes) is one sentence.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from triage.text import sentences

if TYPE_CHECKING:  # only the hint; spaCy itself loads in triage.text.load_nlp
    from spacy.language import Language

__all__ = ["SEGMENT_KINDS", "Segment", "ShownText", "paragraph_spans", "quote_spans", "segment_text", "shown_text"]

#: Values of :attr:`Segment.kind` (``span``: a coder's selection inside a paragraph, never made by an import).
SEGMENT_KINDS: tuple[str, ...] = ("paragraph", "sentence", "heading", "span")

_OPENERS = "“‘([\""
_MAX_ATTRIBUTION = 80  # characters; "(Mother of two, aged 34, Study 3)" fits


@dataclass(frozen=True)
class Segment:
    """A span of a document's text: ``text == document_text[start:end]``.

    ``paragraph`` is the 0-based index of the paragraph the segment lies in; ``quote``
    says the segment contains quoted speech.
    """

    kind: str
    start: int
    end: int
    text: str
    paragraph: int
    quote: bool = False


def paragraph_spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each paragraph: text between blank lines, outer whitespace trimmed.

    Hand-written: spaCy has no paragraph splitter, and a blank line is the paragraph
    mark of every format we import (DOCX paragraphs are joined with one).
    """
    spans = []
    for match in re.finditer(r"\S(?:.*?\S)??(?=\n[ \t]*\n|\s*\Z)", text, flags=re.DOTALL):
        spans.append((match.start(), match.end()))
    return spans


def quote_spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of quotations in ``text``: “…”, "…" (paired in order) and ‘…’.

    A ’ followed by a letter is an apostrophe (didn’t), not a closing quote.
    """
    spans = [(m.start(), m.end()) for m in re.finditer(r"“[^”]*”", text)]
    straight = [m.start() for m in re.finditer(r'"', text)]
    spans += [(straight[i], straight[i + 1] + 1) for i in range(0, len(straight) - 1, 2)]
    spans += [(m.start(), m.end()) for m in re.finditer(r"(?<!\w)‘.*?’(?!\w)", text, flags=re.DOTALL)]
    return sorted(spans)


def _inside_quote(position: int, quotes: list[tuple[int, int]]) -> bool:
    return any(start < position < end - 1 for start, end in quotes)


def _repair(text: str, sentence_spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Fix sentence boundaries of one paragraph (offsets relative to ``text``)."""
    spans = [[s, e] for s, e in sentence_spans if text[s:e].strip()]
    # 1. An opener left at the end of a sentence belongs to the next one.
    for i in range(len(spans) - 1):
        s, e = spans[i]
        chunk = text[s:e].rstrip()
        while chunk and chunk[-1] in _OPENERS and len(chunk) > 1 and chunk[-2].isspace():
            chunk = chunk[:-1].rstrip()
        if len(chunk) < len(text[s:e].rstrip()):
            spans[i][1] = s + len(chunk)
            spans[i + 1][0] = s + len(chunk) + (len(text[s + len(chunk):e]) - len(text[s + len(chunk):e].lstrip()))
    # 2. No boundary inside a quotation.
    quotes = quote_spans(text)
    merged: list[list[int]] = []
    for span in spans:
        if merged and _inside_quote(span[0], quotes):
            merged[-1][1] = span[1]
        else:
            merged.append(span)
    # 3. A short "(Mother, P3)" opening a sentence belongs to the one before.
    out: list[list[int]] = []
    for span in merged:
        s, e = span[0], span[1]
        match = re.match(rf"\([^()]{{1,{_MAX_ATTRIBUTION}}}\)", text[s:e])
        if out and match:
            out[-1][1] = s + match.end()
            rest = text[s + match.end():e]
            if not rest.strip():
                continue
            span = [e - len(rest.lstrip()), e]
        out.append(span)
    # 4. No boundary inside brackets that close in the paragraph ("(Fig. 2)", "[refs. 3, 4]"),
    #    none before a sentence that starts in lower case ("Smith et al. found"), and none after
    #    an abbreviation of a figure, a reference or a number before a digit ("approx. 60%").
    pairs = _bracket_pairs(text)
    joined: list[list[int]] = []
    for span in out:
        previous = text[joined[-1][0]:joined[-1][1]] if joined else ""
        if joined and (any(o < span[0] < c for o, c in pairs) or _continues(previous, text[span[0]:span[1]])):
            joined[-1][1] = span[1]
        else:
            joined.append(span)
    return [(s, e) for s, e in joined]


#: Abbreviations after which the sentencizer's split is undone when a digit or "(" follows
#: ("Fig. 2", "et al. (2019)", "approx. 60%", "No. 3"). spaCy's rule-based sentencizer splits
#: after every full stop token and has no abbreviation list of its own, hence this one.
_ABBREVIATION_END = re.compile(
    r"(?:\b(?:al|figs?|approx|ca|cf|vs|refs?|eqs?|pp?|vols?|nos?|resp)|\be\.g|\bi\.e)\.\s*$", re.IGNORECASE)


def _continues(previous: str, following: str) -> bool:
    """True when ``following`` cannot start a sentence after ``previous``."""
    head = following.lstrip()
    if head[:1].islower():
        return True
    return bool(_ABBREVIATION_END.search(previous)) and (head[:1].isdigit() or head[:1] == "(")


def _bracket_pairs(text: str) -> list[tuple[int, int]]:
    """``(open, close)`` offsets of the balanced round and square brackets of ``text``."""
    opening = {")": "(", "]": "["}
    pairs: list[tuple[int, int]] = []
    stack: list[tuple[str, int]] = []
    for i, char in enumerate(text):
        if char in "([":
            stack.append((char, i))
        elif char in opening and stack and stack[-1][0] == opening[char]:
            pairs.append((stack.pop()[1], i))
    return pairs


_LINE_MARKS = re.compile(r"^[ \t]*(?:#{1,6}[ \t]+|>[ \t]?)", re.MULTILINE)


def shown_text(text: str) -> str:
    """A segment's text as a reader sees it: without the Markdown marks that open its lines
    (``###`` of a heading, ``>`` of a block quote).

    Why: the stored text is the document's (offsets count the marks, and a re-import finds
    headings and quotes by them), but a quotation in an export or a synthesis is the
    participant's words, not ``> I'm a good mum on a bad day.``
    """
    return _LINE_MARKS.sub("", text)


@dataclass(frozen=True)
class ShownText:
    """A whole document's :func:`shown_text` with the map of its offsets to the stored text's and back.

    Why: a ``.qdpx`` gives NVivo and the others the text people read, and its selections count
    characters of that text; triage's segments count the stored text's (marks included).
    """

    stored: str
    text: str
    #: ``(stored start, length)`` of each mark taken out, in order.
    marks: tuple[tuple[int, int], ...]

    @classmethod
    def of(cls, stored: str) -> ShownText:
        """``stored`` read: its line marks taken out as :func:`shown_text` takes them."""
        marks = tuple((m.start(), m.end() - m.start()) for m in _LINE_MARKS.finditer(stored))
        return cls(stored, _LINE_MARKS.sub("", stored), marks)

    def shown(self, position: int) -> int:
        """The offset in :attr:`text` of stored offset ``position`` (inside a mark: where its line's text starts)."""
        return position - sum(min(length, max(0, position - start)) for start, length in self.marks)

    def stored_span(self, position: int) -> tuple[int, int]:
        """The stored offsets that read as ``position``: more than one where marks were taken out there
        (before the marks, and after them where the line's text starts)."""
        at = [start - self.shown(start) for start, _ in self.marks]  # marks' taken-out lengths before each
        where = [start - before for (start, _), before in zip(self.marks, at, strict=True)]  # their shown offsets
        lo = bisect.bisect_left(where, position)
        hi = bisect.bisect_right(where, position)
        before = sum(length for _, length in self.marks[:lo])
        return position + before, position + before + sum(length for _, length in self.marks[lo:hi])


def segment_text(nlp: Language, text: str) -> list[Segment]:
    """Paragraph, heading and sentence segments of ``text``, in reading order.

    Each paragraph yields a ``paragraph`` segment followed by its ``sentence``
    segments; offsets are into ``text``.
    """
    segments: list[Segment] = []
    for index, (p_start, p_end) in enumerate(paragraph_spans(text)):
        para = text[p_start:p_end]
        if re.match(r"#{1,6}\s", para):
            segments.append(Segment("heading", p_start, p_end, para, index))
            continue
        quotes = quote_spans(para)
        block = para.startswith(">")
        segments.append(Segment("paragraph", p_start, p_end, para, index, bool(quotes) or block))
        whole_quote = block or any(s == 0 and e >= len(para.rstrip(" .)")) - 1 for s, e in quotes)
        if whole_quote:
            spans = [(0, len(para))]
        else:
            spans = _repair(para, [(s, e) for s, e, _ in sentences(nlp, para)])
        for s, e in spans:
            segments.append(Segment(
                "sentence", p_start + s, p_start + e, para[s:e], index,
                block or any(qs < e and s < qe for qs, qe in quotes),
            ))
    return segments
