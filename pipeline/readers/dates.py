"""Day/month order of a column of dates, decided from its values as a person would.

French files write 07/09/2026 (day first); files re-exported by American tools write
9/7/26 (month first). One value with a first number above 12 proves day first, one
with a second number above 12 proves month first; a column with neither is read day
first (the French convention of the template) — unless the other date columns of the
same table prove month first (a re-exported file is month first throughout). A
column holding both proofs is read day first, and its month-first values fail as
they should.
"""

from __future__ import annotations

import re

SLASHED = re.compile(r"^\s*(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})\b")
DAY_FIRST, MONTH_FIRST = "dmy", "mdy"


def column_order(values) -> str:
    """DAY_FIRST or MONTH_FIRST for these cell texts."""
    return column_proof(values) or DAY_FIRST


def column_proof(values) -> str | None:
    """The order these cell texts prove (a day-first proof wins), or None without proof."""
    day_first = month_first = False
    for value in values:
        m = SLASHED.match(value) if isinstance(value, str) else None
        if not m:
            continue
        a, b = int(m.group(1)), int(m.group(2))
        day_first |= a > 12 >= b
        month_first |= b > 12 >= a
        if day_first:
            return DAY_FIRST
    return MONTH_FIRST if month_first else None


def sheet_order(proofs: list[str | None]) -> str:
    """The order for columns without proof: month first only when some column of the
    same table proves it and none proves day first."""
    return MONTH_FIRST if MONTH_FIRST in proofs and DAY_FIRST not in proofs else DAY_FIRST
