"""What a related pair's reason says about its two records: two reports of one study, or an
article and a comment on it.

A module of its own, without :mod:`triage.dedup.match`'s imports (rapidfuzz, the key and name
rules): the store follows a record's study with it on every ``triage decide``, where
importing the matcher cost about 20-30 ms of the command.
"""

from __future__ import annotations

__all__ = ["COMMENT_LINK", "reports_one_study"]

#: How a related pair of a comment or reply and its article is explained: linked so a
#: reviewer sees them together, but a reply by others is no report of the study.
COMMENT_LINK = "comment or reply"


def reports_one_study(reason: str) -> bool:
    """Whether a related pair (its ``reason``) is two reports of one study (conference
    abstract and article, preprint, erratum) rather than an article and a comment on it."""
    return not reason.startswith(COMMENT_LINK)
