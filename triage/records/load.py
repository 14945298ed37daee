"""Pick the reader for a file and return its records plus problems.

(Contract for the readers' owner: ``read_file(path, *, source=None, fmt=None) -> ReadResult``.)
"""

from __future__ import annotations
