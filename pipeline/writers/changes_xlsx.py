"""changes.xlsx: the `Modifications` sheet of report.xlsx alone (`fasd changements`)."""

from __future__ import annotations


def write_changes_xlsx(report, path) -> None:
    """changes.xlsx: the `Modifications` sheet alone, as report.xlsx has it (`fasd changements`:
    the run's change report written again from the base, without its input file)."""
    import tempfile
    from pathlib import Path

    from openpyxl import Workbook

    from . import scratch
    from .atomic import atomic_path
    from .changes_sheet import SHEET, write_changes_sheet
    from .report_style import BOLD, CENTER, HEADER_FILL, TITLE_FONT
    from .xlsx_stream import SharedStrings, SheetData, Styles, splice

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(SHEET)
    styles = Styles(ws)
    with tempfile.TemporaryDirectory(prefix="changes-", dir=scratch.folder()) as tmp:
        strings = SharedStrings(Path(tmp) / "strings.xml")
        data = SheetData(Path(tmp) / "changes.xml", styles, strings)
        try:
            write_changes_sheet(
                ws, data, report, title_font=TITLE_FONT, bold=BOLD, header_fill=HEADER_FILL, center=CENTER
            )
        finally:
            data.close()
        strings.close()
        saved = Path(tmp) / "openpyxl.xlsx"
        wb.save(saved)
        with atomic_path(Path(path)) as target:
            splice(saved, target, {ws.path.lstrip("/"): data.path}, strings)
