"""A calamine sheet's cells as rows of Python values, each repeated text held once.

`to_python()` makes a fresh str per cell: a flat export repeats its formation's
objectives and programme (kilobytes each) on every session row, so the same texts
were held hundreds of times (3.5 GB for the 100 000-session workbook). Rows read one
by one with `iter_rows()` and every text looked up in one dict keep one copy of each.
Only texts are shared: 1, 1.0 and True are equal keys, and a number or a date must
keep its own type.
"""

from __future__ import annotations

from itertools import islice


def sheet_rows(sheet) -> list[list]:
    """The rows `sheet.to_python()` gives (the used range, from its first row and column),
    with one str object per distinct text."""
    start = sheet.start
    if start is None:  # an empty sheet
        return []
    # iter_rows() starts at the sheet's row 0 (though at the used range's first column):
    # the rows above the used range are skipped as to_python() skips them.
    rows = _shared(islice(sheet.iter_rows(), start[0], None))
    if len(rows) != sheet.height:  # not the shape measured on xlsx: to_python() decides
        rows = _shared(sheet.to_python())
    return rows


def _shared(rows) -> list[list]:
    texts: dict[str, str] = {}
    shared = texts.setdefault
    return [[shared(v, v) if v.__class__ is str else v for v in row] for row in rows]
