"""report.xlsx: the person's own workbook back, each cell to fix in colour (issue 5).

Layout: a first sheet `Rapport` (counts, then one line per finding with a link to
its cell), then the user's sheets. A workbook input is copied in its original layout
(same sheet names, rows and columns, so every finding's cell reference stays true),
every value as given; CSV and LHÉO inputs have no layout to keep, so their records
are laid out as the template's sheets and the findings re-mapped to those cells.
Faulty cells are filled red (error) or orange (warning) and carry a comment with
their messages; a `Statut` column says « accepté » or « rejeté : CODES » per row.
Cascade findings (PARENT_REJECTED, NO_CHILD) and findings without a cell are not
the cell's fault: they go on the row's status cell, so "fix the red cells" is the
whole job. `fasd import report.xlsx` reads the corrected file back: the Rapport sheet
(readers/xlsx.py NON_DATA_SHEETS) and the Statut column (headers.IGNORED_HEADERS)
are skipped.

Five modules: report_plan.py (the layout: sheets, where each finding goes, the
statuses), xlsx_stream.py (the engine: rows as SpreadsheetML text, one shared string
table, spliced into openpyxl's package), report_style.py (the cells' fills, fonts and
comments), rapport_sheet.py (the Rapport sheet) and this one (the user's sheets and
the workbook put together). The input workbook's sheets are the ones the reader kept
(Result.sheets, else re-read with python-calamine), never loaded with openpyxl. See docs/report-xlsx.md.
"""

from __future__ import annotations

import datetime as dt
import gc
import math
import tempfile
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter

from . import scratch
from ..model.fields import ENTITIES, ENTITY_ORDER
from ..model.text import fold
from .atomic import atomic_path
from .changes_sheet import write_changes_sheet
from .columns_sheet import SHEET as COLUMNS_SHEET, write_columns_sheet
from .report_plan import (
    CHANGES_SHEET,
    REPORT_SHEET,
    STATUS_HEADER,
    OutSheet,
    locate,
    plan_sheets,
    unique_name,
)
from .xlsx_stream import SharedStrings, SheetData, Styles, append_at, splice


from .report_style import (
    BOLD,
    CENTER,
    HEADER_FILL,
    STATUS_FONTS,
    TITLE_FONT,
    finding_comment,
    finding_fill,
)
from .rapport_sheet import write_rapport_sheet

__all__ = ["write_report_xlsx", "SharedStrings", "SheetData", "Styles", "OutSheet", "ENTITY_ORDER"]


def _data_row(
    ws, data: SheetData, out: OutSheet, r: int, values: list, header_style: int, noted_cols: list[int] | None = None
) -> int:
    """One row: values as given, faulty cells filled, the status cell; returns its last comment row.

    `noted_cols`: the row's columns that carry findings (sorted); the other cells are
    written by the plain path."""
    if r == out.header_row:
        return _header_row(ws, data, out, r, values, header_style)
    styles = data.styles
    width = max(len(values), out.status_col)  # a finding past the row's last cell is not shown
    special = sorted({c for c in noted_cols or () if c <= width} | {out.status_col})
    cells: list[str] = []
    commented = []
    start = 0
    for col in special:
        if col - 1 > start:
            cells += data.plain_row(r, values, start, col - 1)
        start = max(start, col)
        notes = out.notes.get((r, col)) if noted_cols else None
        if col == out.status_col:
            status = out.status.get(r)
            if status:
                cells.append(data.cell(r, col, status[0], styles.id(font=STATUS_FONTS[status[1]])))
            elif notes:
                cells.append(data.cell(r, col, ""))
        else:
            value = values[col - 1] if col <= len(values) else None
            fill = finding_fill(notes) if notes else None
            cells.append(data.cell(r, col, value, styles.id(fill) if fill else 0, fill))
        if notes:
            commented.append((col, notes))
    if start < len(values):
        cells += data.plain_row(r, values, start)
    data.row(r, cells)
    if commented:
        _comments(ws, out, r, commented)
    return r


def _header_row(ws, data: SheetData, out: OutSheet, r: int, values: list, header_style: int) -> int:
    """The header line: bold, filled, `Statut` at its column; its own findings as comments."""
    width = max(len(values), out.status_col)
    styles = data.styles
    cells = []
    commented = []
    for col in range(1, width + 1):
        value = values[col - 1] if col <= len(values) else None
        notes = out.notes.get((r, col))
        if col == out.status_col:
            cells.append(data.cell(r, col, STATUS_HEADER, styles.id(font=BOLD)))
        elif notes:
            fill = finding_fill(notes)
            cells.append(data.cell(r, col, value, styles.id(fill, BOLD), fill, BOLD))
        elif value not in (None, ""):
            cells.append(data.cell(r, col, value, header_style))
        else:
            cells.append(data.cell(r, col, value))
        if notes:
            commented.append((col, notes))
    data.row(r, cells)
    if commented:
        _comments(ws, out, r, commented)
    return r


def _comments(ws, out: OutSheet, r: int, commented: list) -> None:
    """openpyxl writes the comments (and their VML) at the same cells."""
    row = [None] * commented[-1][0]
    for col, notes in commented:
        cell = WriteOnlyCell(ws)
        cell.comment = finding_comment(notes)
        row[col - 1] = cell
    append_at(ws, out, r, row)


def _widths(rows: list, sample: int = 300) -> list[float]:
    """Column widths from the header and the first rows: readable without autofit."""
    widths: list[float] = []
    for row in rows[:sample]:
        for j, value in enumerate(row):
            n = len(value.strftime("%d/%m/%Y")) if isinstance(value, (dt.date, dt.datetime)) else len(str(value))
            if j >= len(widths):
                widths.append(8.0)
            widths[j] = max(widths[j], min(n * 1.1 + 2, 45.0))
    return widths


def _last_row(out: OutSheet) -> int:
    """Excel number of the last row of an original-layout sheet: its data, notes or statuses."""
    return max(
        out.first_row + len(out.grid or []) - 1,
        max((r for r, _ in out.notes), default=0),
        max(out.status, default=0),
        out.header_row,
    )


def _rows_to_write(result, out: OutSheet, template_sources: set[str]) -> int:
    if out.entity:
        return int(result.tables[out.entity].raw["_source"].isin(template_sources).sum())
    return _last_row(out)


STATUS_WIDTH = 50


def _freeze(out: OutSheet, first_body_row: int) -> str:
    """Header rows and the columns up to Statut stay in view (the key and its verdict)."""
    return f"{get_column_letter(out.status_col + 1)}{first_body_row}" if out.status_col <= 6 else f"A{first_body_row}"


PAGE_WIDTH = 260  # characters of columns a landscape page prints readably


def _print_setup(ws, out: OutSheet, width: float) -> None:
    """Printed or exported to PDF (set before the first row): landscape, the columns fit
    to the width of as few pages as keep them readable (one for most sheets; a flat
    export or the Sessions sheet takes a few), every page repeating the header row and,
    when there are several across, the columns up to Statut (a row's reference and verdict)."""
    ws.page_setup.orientation = "landscape"
    across = max(1, math.ceil(width / PAGE_WIDTH))
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = across, 0
    ws.print_title_rows = f"{out.header_row}:{out.header_row}"
    if across > 1:
        ws.print_title_cols = f"A:{get_column_letter(out.status_col)}"


def _write_original(ws, data: SheetData, out: OutSheet, progress=None) -> None:
    rows = out.grid or []
    widths = _widths(rows)
    for j, width in enumerate(widths, out.first_col + 1):
        ws.column_dimensions[get_column_letter(out.out_col(j))].width = width
    ws.column_dimensions[get_column_letter(out.status_col)].width = STATUS_WIDTH
    if out.header_row >= 1:
        ws.freeze_panes = _freeze(out, out.header_row + 1)
    _print_setup(ws, out, sum(widths) + STATUS_WIDTH)
    header_style = data.styles.id(HEADER_FILL, BOLD)
    last = _last_row(out)
    pad = [None] * out.first_col
    noted = out.noted_columns()
    for r in range(1, last + 1):
        k = r - out.first_row
        values = pad + list(rows[k]) if 0 <= k < len(rows) else []
        if out.inserted:
            if out.status_col <= len(values):
                values.insert(out.status_col - 1, None)
        elif out.status_col <= len(values):  # an old Statut column: replaced, not kept
            values[out.status_col - 1] = None
        _data_row(ws, data, out, r, values, header_style, noted.get(r))
        if progress is not None:
            progress.advance(1)


def _write_template_layout(
    ws, data: SheetData, out: OutSheet, raw: pd.DataFrame, template_sources: set[str], progress=None
) -> None:
    spec = ENTITIES[out.entity]
    widths = [min(max(len(f.label) + 4, 12), 34) for f in spec.fields]
    for j, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(out.out_col(j))].width = width
    ws.column_dimensions[get_column_letter(out.status_col)].width = STATUS_WIDTH
    ws.freeze_panes = _freeze(out, 2)
    _print_setup(ws, out, sum(widths) + STATUS_WIDTH)
    header_style = data.styles.id(HEADER_FILL, BOLD)
    noted = out.noted_columns()
    at = out.status_col - 1
    labels: list[str | None] = [f.label for f in spec.fields]
    _data_row(ws, data, out, 1, labels[:at] + [None] + labels[at:], header_style)
    mine = raw[raw["_source"].isin(template_sources)]
    columns = [_cell_texts(mine[name]) for name in spec.names]
    columns.insert(at, [""] * len(mine))
    for k, row in enumerate(zip(*columns)):
        _data_row(ws, data, out, k + 2, list(row), header_style, noted.get(k + 2))
        if progress is not None:
            progress.advance(1)


def _cell_texts(column: pd.Series) -> list[str]:
    """A raw column as cell texts: missing values empty, anything else as its text."""
    present = column.notna().tolist()
    return [v if v.__class__ is str else (str(v) if ok else "") for v, ok in zip(column.tolist(), present)]


def write_report_xlsx(result, path: Path, progress=None) -> None:
    """report.xlsx in the output folder (called by writers/output.py).

    `progress` (a progress.Progress) is advanced by the rows written."""
    # Millions of short-lived strings on top of the pipeline's large heap: the cyclic
    # GC would rescan that heap again and again (measured: a third of the time at 100 000 rows).
    enabled = gc.isenabled()
    gc.disable()
    try:
        _write(result, Path(path), progress)
    finally:
        if enabled:
            gc.enable()


def _write(result, path: Path, progress=None) -> None:
    sheets, template_sources = plan_sheets(result)
    located = locate(result, sheets, template_sources)
    if progress is not None:  # the rows of the user's sheets, as _write_original / _write_template_layout go
        progress.total(progress.done + sum(_rows_to_write(result, s, template_sources) for s in sheets))
    wb = Workbook(write_only=True)
    rapport = wb.create_sheet(REPORT_SHEET)
    changes = wb.create_sheet(CHANGES_SHEET) if getattr(result, "catalogue", None) is not None else None
    data_sheets = [(wb.create_sheet(s.name), s) for s in sheets]
    columns = None
    if getattr(result, "columns", None):  # what each header was read as (columns_sheet.py)
        taken = {fold(s.name) for s in sheets} | {fold(REPORT_SHEET), fold(CHANGES_SHEET)}
        columns = wb.create_sheet(unique_name(COLUMNS_SHEET, taken))
    styles = Styles(rapport)
    with tempfile.TemporaryDirectory(prefix="report-", dir=scratch.folder()) as tmp:
        strings = SharedStrings(Path(tmp) / "strings.xml")
        rows = []
        data = SheetData(Path(tmp) / "rapport.xml", styles, strings)
        try:
            write_rapport_sheet(rapport, data, result, located)
        finally:
            data.close()
        rows.append((rapport, data.path))
        if changes is not None:  # imported into a catalogue base (issue 14)
            data = SheetData(Path(tmp) / "changes.xml", styles, strings)
            try:
                write_changes_sheet(
                    changes,
                    data,
                    result.catalogue,
                    title_font=TITLE_FONT,
                    bold=BOLD,
                    header_fill=HEADER_FILL,
                    center=CENTER,
                )
            finally:
                data.close()
            rows.append((changes, data.path))
        for k, (ws, out) in enumerate(data_sheets):
            data = SheetData(Path(tmp) / f"rows{k}.xml", styles, strings)
            try:
                if out.entity:
                    _write_template_layout(ws, data, out, result.tables[out.entity].raw, template_sources, progress)
                else:
                    _write_original(ws, data, out, progress)
            finally:
                data.close()
            rows.append((ws, data.path))
        if columns is not None:
            data = SheetData(Path(tmp) / "columns.xml", styles, strings)
            try:
                write_columns_sheet(columns, data, result.columns)
            finally:
                data.close()
            rows.append((columns, data.path))
        strings.close()
        saved = Path(tmp) / "openpyxl.xlsx"
        wb.save(saved)
        rows_of = {ws.path.lstrip("/"): p for ws, p in rows}  # sheet paths are numbered at save
        with atomic_path(path) as target:
            splice(saved, target, rows_of, strings)
