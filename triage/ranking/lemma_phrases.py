"""Phrase matching by lemma for pipelines whose lemmas come from a lookup table.

spaCy's ``PhraseMatcher(attr="LEMMA")`` needs a full ``Doc`` per text: the tokenizer,
then the lemmatizer component walking every token in Python. On the blank English
default (tokenizer + lookup lemmatizer, see ``triage.text``) that is most of the time
the first ranking of a project takes (about 5 s of CPU for 5,000 titles and abstracts),
although a token's lemma there depends only on its text: ``lookup.get(text, text)``.

This matcher gives the same matches from the same two parts of spaCy, used directly:
spaCy's tokenizer splits a text at single spaces first and tokenizes each piece on its
own, so the tokens of a space-separated piece are computed once and reused wherever the
piece occurs again (abstracts repeat their words), and each distinct token's lemma is
looked up once. What is written by hand is only the walk over lemma sequences that
``PhraseMatcher`` does internally; a test checks both give identical matches on the
shared screening records. Texts with other whitespace (line breaks, double spaces) go
through spaCy's tokenizer whole, so its whitespace rules apply unchanged.

A pipeline with any other component (a trained tagger, an attribute ruler, a rule-based
lemmatizer that reads part-of-speech tags) is not covered: :func:`lookup_matcher`
returns None and the caller keeps ``PhraseMatcher``.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Mapping
from itertools import accumulate, chain
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokenizer import Tokenizer

__all__ = ["LookupPhraseMatcher", "lookup_matcher"]

# Pieces: (lemma ids, starts, ends) of the tokens of one space-free piece of text.
_Piece = tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]
_OTHER = -1  # a lemma no phrase contains
# Whitespace other than single spaces between words: the text is tokenized whole.
_OTHER_WHITESPACE = re.compile(r"[^\S ]|  |^ | $")


class LookupPhraseMatcher:
    """Finds every phrase (as a sequence of lemmas) in lower-cased texts.

    ``phrases`` maps a key to the lemma sequence of its phrase (from the same pipeline).
    Calling the matcher on a text gives ``(key, start_char, end_char)`` for every match,
    overlapping ones included, as ``PhraseMatcher`` does.
    """

    def __init__(self, tokenizer: Tokenizer, lookup: Mapping[str, str] | Any,
                 phrases: Mapping[str, tuple[str, ...]]) -> None:
        self._tokenizer = tokenizer
        self._lookup = lookup
        self._lemma_id: dict[str, int] = {}
        # First lemma id -> the phrases starting with it: (key, lemma ids).
        self._by_first: dict[int, list[tuple[str, tuple[int, ...]]]] = {}
        for key, lemmas in phrases.items():
            if not lemmas:
                continue
            ids = tuple(self._lemma_id.setdefault(lemma, len(self._lemma_id)) for lemma in lemmas)
            self._by_first.setdefault(ids[0], []).append((key, ids))
        self._pieces: dict[str, _Piece] = {}

    def _piece(self, piece: str) -> _Piece:
        known = self._tokens(piece)
        self._pieces[piece] = known
        return known

    def _tokens(self, text: str) -> _Piece:
        doc = self._tokenizer(text)
        get = self._lemma_id.get
        ids = tuple(get(self._lookup.get(t.text, t.text), _OTHER) for t in doc)
        return ids, tuple(t.idx for t in doc), tuple(t.idx + len(t.text) for t in doc)

    def __call__(self, text: str) -> list[tuple[str, int, int]]:
        if _OTHER_WHITESPACE.search(text):
            piece_texts = [text]
        else:
            piece_texts = text.split(" ")
        cache = self._pieces
        pieces = [cache.get(piece) or self._piece(piece) for piece in piece_texts]
        ids = list(chain.from_iterable(piece[0] for piece in pieces))
        found: list[tuple[int, int, str]] = []  # first token, token after the last, key
        n = len(ids)
        for position, lemma in enumerate(ids):
            candidates = self._by_first.get(lemma)
            if candidates is None:
                continue
            for key, phrase in candidates:
                stop = position + len(phrase)
                if stop <= n and tuple(ids[position:stop]) == phrase:
                    found.append((position, stop, key))
        if not found:
            return []
        # Offsets only for the tokens matched: which piece a token is in, where that piece begins.
        first_token = [0, *accumulate(len(piece[0]) for piece in pieces)]
        first_char = [0, *accumulate(len(piece) + 1 for piece in piece_texts)]

        def char(token: int, side: int) -> int:
            k = bisect_right(first_token, token) - 1
            return first_char[k] + pieces[k][side][token - first_token[k]]

        return [(key, char(begin, 1), char(stop - 1, 2)) for begin, stop, key in found]


def lookup_matcher(nlp: Language, phrases: Mapping[str, str]) -> LookupPhraseMatcher | None:
    """A :class:`LookupPhraseMatcher` for ``phrases`` (key -> phrase text, lower-cased)
    when ``nlp`` is a tokenizer plus a lookup lemmatizer (the sentencizer aside); None
    for any other pipeline."""
    if not nlp.has_pipe("lemmatizer") or set(nlp.pipe_names) - {"lemmatizer", "sentencizer"}:
        return None
    lemmatizer = nlp.get_pipe("lemmatizer")
    if getattr(lemmatizer, "mode", None) != "lookup":
        return None
    lookup = lemmatizer.lookups.get_table("lemma_lookup", {})  # type: ignore[attr-defined]
    lemma_sequences = {key: tuple(t.lemma_ for t in nlp(text)) for key, text in phrases.items()}
    return LookupPhraseMatcher(nlp.tokenizer, lookup, lemma_sequences)
