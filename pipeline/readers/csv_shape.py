"""The shape of a CSV checked from its bytes, before it is tokenised (docs/limits.md).

A CSV with one 200 MB line, or a 1.2 MB line of 100 000 columns, is cheap to read and
costly to check: the tokeniser hands a 200 MB cell or 100 000 headers to every stage
after it. So, before any of that: the longest line (bytes between two line breaks),
the longest run of bytes with neither a separator nor a line break (a field at least
that long: one quoted field holding a separator is seen in pieces, then csv.reader's
field limit applies), and the fields of the first lines (quoted fields taken out, as
the separator is decided) are held against the limits. The scan goes over the bytes
in blocks with numpy: a fraction of a second per 100 MB, memory of one block.
"""

from __future__ import annotations

import numpy as np

from ..model.errors import InputError
from . import limits
from .separator import DELIMITERS, SNIFF_RECORDS, unquoted

SCAN_BYTES = 8 * 1024 * 1024
LF = 10


def longest_runs(data: bytes, sep: int) -> tuple[int, int]:
    """(longest line, longest run without separator nor line break) of `data`, in bytes."""
    line = field = 0
    last_lf = last_bound = -1
    for start in range(0, len(data), SCAN_BYTES):
        a = np.frombuffer(data, dtype=np.uint8, count=min(SCAN_BYTES, len(data) - start), offset=start)
        is_lf = a == LF
        lf = np.flatnonzero(is_lf)
        bound = np.flatnonzero(is_lf | (a == sep))
        if len(lf):
            line = max(line, int(lf[0]) + start - last_lf - 1, int(np.diff(lf).max(initial=1)) - 1)
            last_lf = int(lf[-1]) + start
        if len(bound):
            field = max(field, int(bound[0]) + start - last_bound - 1, int(np.diff(bound).max(initial=1)) - 1)
            last_bound = int(bound[-1]) + start
    line = max(line, len(data) - last_lf - 1)
    field = max(field, len(data) - last_bound - 1)
    return line, field


def check_bytes(data: bytes, delimiter: str, name: str) -> None:
    """InputError when a line or a field of `data` is over its limit."""
    limit = limits.current()
    line, field = longest_runs(data, ord(delimiter))
    if field > limit.text_bytes:
        raise InputError(
            f"{name} : une cellule dépasse {limit.text_kb} Ko (guillemet non refermé, ou fichier qui "
            f"n'est pas un CSV ?) ; {limits.hint('text_kb')}."
        )
    if line > limit.line_bytes:
        raise InputError(
            f"{name} : une ligne dépasse {limit.line_kb} Ko (fichier qui n'est pas un CSV ?) ; "
            f"{limits.hint('line_kb')}."
        )


def check_columns(text: str, delimiter: str, name: str) -> None:
    """InputError when one of the first lines of `text` has more fields than the limit."""
    limit = limits.current()
    if delimiter not in DELIMITERS:
        return
    for number, line in enumerate(unquoted(text).splitlines()[:SNIFF_RECORDS], start=1):
        if line.count(delimiter) + 1 > limit.columns:  # the sample may end inside the line: « au moins »
            raise_columns(name, f"au moins {line.count(delimiter) + 1}", number)


def check_width(rows: list[list[str]], name: str) -> None:
    """InputError when a row read has more fields than the limit (every row: cheap)."""
    limit = limits.current()
    widest = max(map(len, rows), default=0)
    if widest > limit.columns:
        number = next(i for i, r in enumerate(rows, start=1) if len(r) == widest)
        raise_columns(name, widest, number)


def raise_columns(name: str, count: int | str, line: int) -> None:
    limit = limits.current()
    raise InputError(
        f"{name} : {count} colonnes à la ligne {line}, plus que la limite de {limit.columns} ; "
        f"{limits.hint('columns')}."
    )
