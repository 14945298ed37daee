"""Name matching for pair scoring: journal names and author lists.

Journal and author fields are where databases differ most for one publication (ISO 4
abbreviations, subtitles, translated names; truncated, reordered or damaged author
lists), so their matching rules live here apart from the pair decision in ``match.py``.
Hand-written on top of rapidfuzz: no library ships ISO 4 matching or name-order repair.
"""

from __future__ import annotations

from functools import lru_cache

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Indel

__all__ = ["all_authors_found", "authors_agree", "first_author_shared", "journals_compatible", "lists_agree_in_order"]


@lru_cache(maxsize=65536)
def journals_compatible(a: tuple[str, ...], b: tuple[str, ...]) -> bool | None:
    """True when one journal name is the other or its abbreviation; None if one is missing.

    ISO 4 abbreviations keep word order and shorten words to prefixes
    (``Clin Exp Pharmacol Physiol`` for *Clinical and experimental pharmacology &
    physiology*) or drop inner letters (``Dtsch`` for *Deutsches*), so each word of one
    name must abbreviate a later word of the other, in order; an acronym (``ICIS``)
    matches the initials of the other name. Hand-written because no library ships the
    ISO 4 list; a rapidfuzz token-set ratio catches the remaining spelling variants.
    Cached: a review pairs the same few thousand journal names again and again.
    """
    if not a or not b:
        return None
    if a == b:
        return True
    short, full = (a, b) if sum(map(len, a)) <= sum(map(len, b)) else (b, a)
    # Either name may carry extra words (a subtitle "official journal of ...", a
    # translated title after "=", "Conference: ..."), so each direction is tried.
    if _abbreviates(a, b) or _abbreviates(b, a):
        return True
    if len(short) == 1 and _squashed_abbreviation(short[0], full):
        return True
    if _acronym_of(a, b) or _acronym_of(b, a):
        return True
    return fuzz.token_set_ratio(" ".join(a), " ".join(b)) >= 90


def _word_abbreviates(short: str, full: str) -> bool:
    """ISO 4 style: ``"clin"`` for *clinical*, ``"dtsch"`` for *deutsches* (the letters in
    order, same first letter, three or more), or the full word where the other is cut."""
    if full.startswith(short) or short.startswith(full):
        return True
    if len(short) < 3 or short[0] != full[0]:
        return False
    rest = iter(full[1:])
    return all(ch in rest for ch in short[1:])


def _abbreviates(words: tuple[str, ...], full: tuple[str, ...]) -> bool:
    """Every word of ``words`` abbreviates a later word of ``full``, in order."""
    pos = 0
    for word in words:
        while pos < len(full) and not _word_abbreviates(word, full[pos]):
            pos += 1
        if pos == len(full):
            return False
        pos += 1
    return True


def _acronym_of(words: tuple[str, ...], full: tuple[str, ...]) -> bool:
    """A word of one name is the initials of the other (``"ICIS: Transforming Society..."``
    vs *International Conference on Information Systems*, ``"JAMA"``); three letters or more."""
    initials = "".join(w[0] for w in full)
    return len(initials) >= 3 and initials in words


def _squashed_abbreviation(squashed: str, words: tuple[str, ...]) -> bool:
    """``"jthoraccardiovascsurg"`` reads as prefixes of *journal thoracic cardiovascular surgery*.

    Greedy left to right: each word contributes its longest prefix that the squashed
    string continues with (at least one letter); every word may be skipped except the
    first. Hand-written: a tiny special case of ISO 4 matching no library covers.
    """
    pos = 0
    for n, word in enumerate(words):
        take = 0
        while take < len(word) and pos + take < len(squashed) and squashed[pos + take] == word[take]:
            take += 1
        if take == 0 and n == 0:
            return False
        pos += take
    return pos == len(squashed) and len(squashed) >= 4


def _same_name(x: str, y: str) -> bool:
    """Two folded surnames name one person: equal, or one typo / one character lost to
    encoding damage (``"mulic"`` vs ``"muli"`` for *Mulić*) in names of four letters or more."""
    if x == y:
        return True
    if min(len(x), len(y)) < 4:
        return False
    if abs(len(x) - len(y)) == 1 and (x.startswith(y) or y.startswith(x)):
        return True
    return min(len(x), len(y)) >= 5 and Indel.normalized_similarity(x, y) >= 0.8


def _swapped(sa: str, ga: str, sb: str, gb: str) -> bool:
    """One name exported family-name-last by one database (``"Carignani, Andrea"`` vs
    ``"Andrea, C."``, ``"Wang, X."`` vs ``"Xiaoguang, Wang"``): one side's given name is the
    other's surname in full, and each surname starts with the other's given initial."""
    if not ga or not gb:
        return False
    return (ga == sb or gb == sa) and sa[:1] == gb[:1] and sb[:1] == ga[:1]


#: Authors compared one by one at most (long consortium lists: the first ones decide).
_MAX_AUTHORS = 30


def _author_matches(a: tuple[str, ...], ga: tuple[str, ...], b: tuple[str, ...], gb: tuple[str, ...]) -> int:
    """How many authors of the shorter list are found in the longer (same or swapped name)."""
    if len(a) > len(b):
        a, ga, b, gb = b, gb, a, ga
    a, b = a[:_MAX_AUTHORS], b[:_MAX_AUTHORS]
    ga, gb = ga[:_MAX_AUTHORS] or ("",) * len(a), gb[:_MAX_AUTHORS] or ("",) * len(b)
    exact = set(b)
    givens_of: dict[str, list[str]] = {}
    surnames_of: dict[str, list[str]] = {}
    for y, gy in zip(b, gb):
        if gy:
            givens_of.setdefault(y, []).append(gy)
            surnames_of.setdefault(gy, []).append(y)
    found = 0
    for x, gx in zip(a, ga):
        if x in exact:
            found += 1
            continue
        # rapidfuzz finds the closest surname in C; _same_name then applies the rule.
        best = process.extractOne(x, b, scorer=Indel.normalized_similarity, score_cutoff=0.8) if len(x) >= 4 else None
        if best and _same_name(x, best[0]):
            found += 1
        elif gx and (any(_swapped(x, gx, gx, gy) for gy in givens_of.get(gx, ()))
                     or any(_swapped(x, gx, y, x) for y in surnames_of.get(x, ()))):
            found += 1  # the swapped pairs of _swapped, looked up instead of scanned
    return found


def authors_agree(
    a: tuple[str, ...], b: tuple[str, ...], given_a: tuple[str, ...] = (), given_b: tuple[str, ...] = ()
) -> bool | None:
    """True when the author lists plausibly name the same people; None if one is missing.

    Exports truncate author lists ("et al."), reorder or misspell names, lose accented
    letters, or put the given name first, so agreement is: same first author (allowing
    one typo or a swapped name order), or at least half of the shorter list found in
    the longer one; a list of one author agrees only through the other's first author. ``given_*`` are the aligned given names (see ``RecordKeys.given``).
    """
    if not a or not b:
        return None
    ga = given_a[:1] or ("",)
    gb = given_b[:1] or ("",)
    if _same_name(a[0], b[0]) or _swapped(a[0], ga[0], b[0], gb[0]):
        return True
    if min(len(a), len(b)) == 1:
        # A list cut to one author ("et al.") keeps the first: a lone author found further
        # down the other list is that paper's co-author, not its first author.
        return False
    if len(set(a) & set(b)) * 2 >= min(len(set(a)), len(set(b))):
        return True
    shorter = min(len(set(a[:_MAX_AUTHORS])), len(set(b[:_MAX_AUTHORS])))
    return _author_matches(a, given_a, b, given_b) * 2 >= shorter


def all_authors_found(a: tuple[str, ...], given_a: tuple[str, ...], b: tuple[str, ...],
                      given_b: tuple[str, ...]) -> bool:
    """Every author of the shorter list (two or more) is in the longer one."""
    shorter = min(len(a), len(b), _MAX_AUTHORS)
    return shorter >= 2 and _author_matches(a, given_a, b, given_b) == shorter


def _glued(x: str, gx: str, y: str, gy: str) -> bool:
    """Surname ``x`` and the initial of given name ``gx`` begin a longer word of the other
    name: the two written as one (``"wang"``, ``"l"`` in ``"wangliang"``)."""
    head = x + gx[:1]
    return bool(gx) and len(x) > 1 and any(len(z) > len(head) and z.startswith(head) for z in (y, gy))


def _damaged(x: str, gx: str, y: str, gy: str) -> bool:
    """Surname ``x`` may be ``y`` damaged or differently exported: one surname is the end
    of the other (an accented letter exported as "?" splits "Mu?oz" and the fold keeps
    "oz"), or the other less its last letter ("Che" for "Chen"); a surname of three
    letters or fewer may be initials put in the surname field ("Paschoalini Mda, S.") or
    a Chinese or Korean name whose parts databases order differently ("Xi, L F" vs "Long,
    F X"); and given and family names swapped with only initials left ("Tong, H" vs
    "Hua, T")."""
    short, long_ = (x, y) if len(x) <= len(y) else (y, x)
    if len(short) <= 3 or long_.endswith(short) or (len(long_) == len(short) + 1 and long_.startswith(short)):
        return True
    return bool(gx and gy and x.startswith(gy[:1]) and y.startswith(gx[:1]))


def _name_in(x: str, gx: str, names: tuple[str, ...], givens: tuple[str, ...]) -> bool:
    """Author ``x`` (given name ``gx``) is one of ``names``: the same surname (a typo, a lost
    accented letter), the name order swapped, a compound surname split elsewhere by
    another database ("Goicoechea de, Jorge E." vs "de Jorge, E. G.": one side's given
    name is the other's surname; hyphenated names fold to their last part already), or
    surname and given name glued into one word ("Wang, L." vs "Yusheng, Wangliang")."""
    for y, gy in zip(names, givens):
        if (_same_name(x, y) or _swapped(x, gx, y, gy) or (len(gx) > 1 and gx == y) or (len(gy) > 1 and gy == x)
                or _glued(x, gx, y, gy) or _glued(y, gy, x, gx) or _damaged(x, gx, y, gy)):
            return True
    return False


def lists_agree_in_order(a: tuple[str, ...], given_a: tuple[str, ...], b: tuple[str, ...],
                         given_b: tuple[str, ...]) -> bool:
    """Every author in the first places of either list (as many as the shorter list has) is
    in the other list.

    Exports cut author lists from the end ("et al.") and some reorder names, but they
    rarely swap one person for another: two lists that differ in a name within their
    common length (a fourth author who is not in the other list) may be two works of one
    team (a meeting abstract by six, a letter by four of them). Some databases do drop a
    middle author, so this is asked only where a single page faces a record with nothing
    to place it (see ``_other_people`` in match.py).
    """
    n = min(len(a), len(b), _MAX_AUTHORS)
    ga = given_a or ("",) * len(a)
    gb = given_b or ("",) * len(b)
    return (all(_name_in(x, gx, b, gb) for x, gx in zip(a[:n], ga[:n]))
            and all(_name_in(y, gy, a, ga) for y, gy in zip(b[:n], gb[:n])))


def first_author_shared(a: tuple[str, ...], given_a: tuple[str, ...], b: tuple[str, ...],
                        given_b: tuple[str, ...]) -> bool:
    """The first author of one list is in the other list (reordered lists, damaged names
    and formats allowed as in :func:`lists_agree_in_order`); True when a list is empty.

    Databases cut and reorder lists but keep who is in them: when neither first author is
    in the other list at all, the lists are two lists (an article and its correction, whose
    first author's name the correction changed). Asked only where nothing else confirms a
    pair (``_other_people`` in match.py)."""
    if not a or not b:
        return True
    ga = given_a or ("",) * len(a)
    gb = given_b or ("",) * len(b)
    return _name_in(a[0], ga[0], b, gb) or _name_in(b[0], gb[0], a, ga)
