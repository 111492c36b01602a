"""Text free of invisible control characters, the same in every output.

NUL, escape sequences, the bell or a right-to-left override pasted into a cell were
kept by records.jsonl and dropped by lheo.xml (XML cannot carry most of them), so the
two outputs disagreed, and a bidi override can make a text read differently from what
it holds. They are removed from the raw cell before normalisation, with a
CONTROL_CHAR warning naming them; tab and line breaks stay (multi-line cells).
"""

from __future__ import annotations

import re
import unicodedata

from .findings import Findings
from .tables import Table

# C0 and C1 controls except tab, LF, CR; DEL; bidi embeddings, overrides and isolates;
# the BOM / zero-width no-break space; line and paragraph separators (invalid in LHÉO text).
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufeff\u2028\u2029\ufffe\uffff]")


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
