"""The separator of a CSV: said by the person (`--separateur`), or decided from the header
line and the quoting.

A `;` file written by Python's csv.writer or Excel quotes every text holding a comma
or a line break. Counting separators with each candidate's own quoting (csv.reader
with `,`) reads such a file wrong: to a `,` reader, the quote of `;"Former, évaluer"`
is no quote, its commas split fields, and its line breaks cut records, which can look
steadier than the real `;` records. So the quoted fields are taken out first, the same
way for every candidate (a quote opening a field after any candidate separator or a
line break, closed by a quote before one): a quoted field's commas, semicolons or line
breaks never count. Then the separator is the one that splits the most lines into as
many fields as the header line (its first line holding that separator: a title line
above the header holds none) does; more fields, then `;` first, on a tie.
"""

from __future__ import annotations

import contextlib
import re
from contextvars import ContextVar

DELIMITERS = (";", ",", "\t", "|")
NAMES = {";": ";", ",": ",", "tab": "\t", "|": "|"}  # --separateur values
SNIFF_CHARS = 256 * 1024
SNIFF_RECORDS = 50
_BOUNDARY = frozenset(DELIMITERS) | {"\n", "\r"}
_LINE = re.compile(r"\r\n|\n|\r")

_given: ContextVar[str | None] = ContextVar("fasd_separator", default=None)


@contextlib.contextmanager
def using(name: str | None):
    """Read every CSV of a block with the separator `name` (a NAMES key; None: decided)."""
    token = _given.set(NAMES[name] if name else None)
    try:
        yield
    finally:
        _given.reset(token)


def unquoted(text: str) -> str:
    """`text` with the content of every quoted field replaced by nothing (`""` left)."""
    pieces: list[str] = []
    i, n = 0, len(text)
    while True:
        q = text.find('"', i)
        if q < 0:
            pieces.append(text[i:])
            return "".join(pieces)
        pieces.append(text[i:q])
        if q > 0 and text[q - 1] not in _BOUNDARY:  # a quote inside a field: a character
            pieces.append('"')
            i = q + 1
            continue
        j = q + 1
        while True:
            k = text.find('"', j)
            if k < 0:  # never closed: the rest of the text is in that field
                pieces.append('""')
                return "".join(pieces)
            if k + 1 < n and text[k + 1] == '"':  # a doubled quote, inside
                j = k + 2
                continue
            if k + 1 >= n or text[k + 1] in _BOUNDARY:
                break
            j = k + 1  # a stray quote inside the field
        pieces.append('""')
        i = k + 1


def decide(text: str) -> str:
    """The separator of a CSV whose text starts with `text` (or the one given: `using`)."""
    given = _given.get()
    if given is not None:
        return given
    sample = text[:SNIFF_CHARS]
    lines = [line for line in _LINE.split(unquoted(sample)) if line.strip()]
    if len(sample) == SNIFF_CHARS and len(lines) > 1:
        lines.pop()  # cut by the sample
    lines = lines[:SNIFF_RECORDS]
    best, best_key = ";", (0, 0)
    for d in DELIMITERS:
        header = next((line for line in lines if d in line), None)  # a title line above holds none
        if header is None:
            continue
        fields = header.count(d) + 1
        key = (sum(1 for line in lines if line.count(d) + 1 == fields), fields)
        if key > best_key:
            best, best_key = d, key
    return best


def hint(rows: list[list[str]], search_rows: int = 30) -> str | None:
    """For a file not understood: the separator its first cells still hold, if they hold
    one several times (« a;b;c » read as one cell: the separator was not the right one).
    A cell that would split into fewer columns than its row already has is text with
    commas in it (« 44051, 43439, 43441 »), in a file split by the right separator."""
    option = {v: k for k, v in NAMES.items()}
    for row in rows[:search_rows]:
        filled = sum(1 for cell in row if isinstance(cell, str) and cell.strip())
        for cell in row:
            for d in DELIMITERS:
                if isinstance(cell, str) and cell.count(d) >= 2 and cell.count(d) + 1 > filled:
                    shown = "tab" if d == "\t" else f'"{d}"'
                    return (
                        f"Les en-têtes contiennent des « {option[d]} » : si c'est le séparateur du fichier, "
                        f"relancez avec --separateur {shown}."
                    )
    return None
