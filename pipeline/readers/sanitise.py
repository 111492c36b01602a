"""Text free of control and invisible characters, the same in every output.

NUL, escape sequences, the bell or a right-to-left override pasted into a cell were
kept by records.jsonl and dropped by lheo.xml (XML cannot carry most of them), so the
two outputs disagreed, and a bidi override can make a text read differently from what
it holds; a zero-width space in a ref makes a key that looks equal to another and is
not. They are removed from the raw cell before normalisation, with a CONTROL_CHAR
warning naming them; tab and line breaks stay (multi-line cells). Where the report
quotes a text of the file that was not cleaned (a header, a cell of an ignored
column), `visible` writes each of them as its code (`\u200b`), never raw.
"""

from __future__ import annotations

import re
import unicodedata

from ..model.findings import Findings
from ..model.tables import Table

# C0 and C1 controls except tab, LF, CR; DEL; every format character (Unicode category Cf:
# soft hyphen, zero-width space / joiners, bidi marks, embeddings, overrides and isolates,
# word joiner and invisible operators, the BOM, interlinear annotations, tags); line and
# paragraph separators (invalid in LHÉO text); the noncharacters U+FFFE and U+FFFF.
CONTROL = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891"
    "\u08e2\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
    "\ufffe\uffff\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f]"
)


def _code(match: re.Match) -> str:
    c = ord(match.group())
    return f"\\u{c:04x}" if c <= 0xFFFF else f"\\U{c:08x}"


def visible(text: str) -> str:
    """`text` with each control or invisible character written as its code (`\\u200b`)."""
    return CONTROL.sub(_code, text) if CONTROL.search(text) else text


def _name(char: str) -> str:
    return unicodedata.name(char, f"U+{ord(char):04X}")


def clean(text: str) -> tuple[str, list[str]]:
    """The text without control characters, and the names of those removed."""
    found = CONTROL.findall(text)
    if not found:
        return text, []
    return CONTROL.sub("", text), sorted({_name(c) for c in found})


def sanitise_table(table: Table, findings: Findings) -> None:
    """Remove control characters from the field cells of `table`, one warning per cell."""
    raw = table.raw
    for field in table.spec.fields:
        if field.name not in raw:
            continue
        column = raw[field.name]
        dirty = [v for v in column.dropna().unique() if isinstance(v, str) and CONTROL.search(v)]
        if not dirty:
            continue
        cleaned = {v: clean(v) for v in dirty}
        for idx in column.index[column.isin(dirty)]:
            text, names = cleaned[column.at[idx]]
            count = len(CONTROL.findall(column.at[idx]))
            findings.add(table, idx, "CONTROL_CHAR", field.name, value=text, count=count, names=", ".join(names))
        raw[field.name] = column.map(_cleaner(cleaned))


def _cleaner(cleaned: dict):
    """cell -> its cleaned text (cells without control characters unchanged)."""
    return lambda v: cleaned[v][0] if v in cleaned else v


def sanitise(tables: dict[str, Table], findings: Findings) -> None:
    for table in tables.values():
        sanitise_table(table, findings)
