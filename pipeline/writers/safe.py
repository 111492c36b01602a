"""Text a spreadsheet will not run: OWASP's advice against CSV (formula) injection.

A cell of report.csv or of the export workbook that starts with `=`, `+`, `-`, `@`, a
tab or a carriage return is a formula to Excel and LibreOffice (`=HYPERLINK(…)`
sends the sheet's data away when clicked). In report.csv such a text is prefixed with
a quote `'` (Excel shows it as text, and the quote tells the reader why); the export
workbook stores it as a text cell with Excel's own quote prefix, so the value is not
changed. records.jsonl, report.json and lheo.xml keep the exact value: no spreadsheet
opens them.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def is_formula_like(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def spreadsheet_safe(value):
    """The value as a CSV cell a spreadsheet shows as text."""
    if is_formula_like(value):
        return "'" + value
    return value


def protect_cell(cell) -> None:
    """An openpyxl cell holding formula-like text: kept as text, not as a formula."""
    if is_formula_like(cell.value):
        cell.data_type = "s"
        cell.quotePrefix = True
