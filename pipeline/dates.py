"""Day/month order of a column of dates, decided from its values as a person would.

French files write 07/09/2026 (day first); files re-exported by American tools write
9/7/26 (month first). One value with a first number above 12 proves day first, one
with a second number above 12 proves month first; a column with neither is read day
first (the French convention of the template). A column holding both proofs is read
day first, and its month-first values fail as they should.
"""
from __future__ import annotations

import re

SLASHED = re.compile(r"^\s*(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})\b")
DAY_FIRST, MONTH_FIRST = "dmy", "mdy"


def column_order(values) -> str:
    """DAY_FIRST or MONTH_FIRST for these cell texts."""
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
    return MONTH_FIRST if month_first else DAY_FIRST
