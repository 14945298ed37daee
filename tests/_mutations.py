"""Damage a file's bytes the ways files get damaged in transit, for the tests that feed real
inputs, damaged, to the readers (a reader reads them or refuses them in one line, never a traceback)."""

from __future__ import annotations

import random

#: Inserted at a random place by the "insert" mutation: pieces of the formats' own syntax.
PIECES = (b"{", b"}", b'"', b"ER  - \n", b"TY  - JOUR\n", b"@article{", b"\r", b",,,,\n", b"\xff\xfe", b"<xml>")


def mutated(data: bytes, rng: random.Random) -> bytes:
    """``data`` damaged one way, chosen by ``rng``."""
    out = bytearray(data)
    how = rng.choice(["flip", "cut", "drop-lines", "repeat-lines", "insert", "nul"])
    if how == "flip":
        for _ in range(rng.randint(1, 30)):
            if out:
                out[rng.randrange(len(out))] = rng.randrange(256)
    elif how == "cut" and out:
        del out[rng.randrange(len(out)):]
    elif how in ("drop-lines", "repeat-lines"):
        lines = bytes(out).split(b"\n")
        at = rng.randrange(max(1, len(lines)))
        if how == "drop-lines":
            del lines[at:at + rng.randint(1, 20)]
        else:
            lines[at:at] = lines[at:at + rng.randint(1, 10)]
        out = bytearray(b"\n".join(lines))
    elif how == "insert":
        at = rng.randrange(len(out) + 1)
        out[at:at] = rng.choice(PIECES)
    else:
        at = rng.randrange(len(out) + 1)
        out[at:at] = b"\x00" * rng.randint(1, 5)
    return bytes(out)
