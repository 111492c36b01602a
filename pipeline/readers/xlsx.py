"""Workbooks (.xlsx, .xlsm, .ods) read with python-calamine, the fastest reader.

Recognises the template workbook by its sheet names (Formations, Actions, Sessions,
Dispositifs); any other workbook is a flat export, the sheet whose header names the
most offer fields holding one row per session × dispositif (readers/layout.py),
optionally with Sites and Contacts sheets beside it. The zip is checked against the
reading limits before calamine opens it (readers/zipguard.py).
"""

from __future__ import annotations

from pathlib import Path

from python_calamine import CalamineWorkbook, SheetVisibleEnum

from ..model.findings import Findings
from ..model.fields import ENTITIES, OFFER_ENTITIES
from ..model.text import fold
from ..model.errors import InputError
from . import limits
from .cells import sheet_rows
from .flat import split_flat
from .layout import choose_flat_sheet
from .sparse import read_sheets_sparse
from .unreadable import RESAVE, debug_detail, unreadable_message
from .zipguard import inspect as inspect_zip
from .grid import entity_table, grid_to_frame

# Sheets our own outputs add (report.xlsx) or the template carries: never data.
NON_DATA_SHEETS = {
    fold(s) for s in ("Rapport", "Modifications", "Colonnes", "Lisez-moi", "Lisez moi", "Listes", "Aide")
}
SHEET_NAMES = {fold(e.sheet): e.name for e in ENTITIES.values()}
SHEET_NAMES.update({fold(e.name): e.name for e in ENTITIES.values()})


class Sheets(dict):
    """name -> (rows, Excel number of the first row, 0-based first column); `.hidden` names."""

    hidden: set = frozenset()


def read_sheets(path: Path) -> Sheets:
    """Every sheet, after the zip checks (readers/zipguard.py) and on the sparse path when
    a sheet's used range is over the cell limit."""
    shapes = inspect_zip(path)
    if any(shape.sparse() or shape.area() > limits.current().cells for shape in shapes):
        found, hidden = read_sheets_sparse(path)
        sheets = Sheets(found)
        sheets.hidden = hidden
        return sheets
    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for every broken file
        raise InputError(unreadable_message(path, exc)) from None
    sheets = Sheets()
    sheets.hidden = {m.name for m in book.sheets_metadata if m.visible != SheetVisibleEnum.Visible}
    for name in book.sheet_names:
        try:
            sheet = book.get_sheet_by_name(name)
            rows = sheet_rows(sheet)
            start = sheet.start or (0, 0)
            _fill_merged(rows, start, _merged_ranges(sheet))
        except Exception as exc:
            raise InputError(
                f"{path.name} : feuille « {name} » illisible (contenu endommagé) ; {RESAVE}." + debug_detail(exc)
            ) from None
        sheets[name] = (rows, start[0] + 1, start[1])
    return sheets


def _merged_ranges(sheet) -> list:
    try:
        return list(sheet.merged_cell_ranges or ())
    except Exception:  # formats without merged-cell information (xls, ods)
        return []


def _fill_merged(rows: list[list], start: tuple[int, int], ranges) -> None:
    """A range merged down a column is one value for all its rows, as the sheet shows it.

    Only ranges over several rows are filled, in their first column: a title merged
    across a row must not turn into a row of headers."""
    for (r0, c0), (r1, _) in ranges:
        top, col = r0 - start[0], c0 - start[1]
        if r1 <= r0 or top < 0 or col < 0 or top >= len(rows) or col >= len(rows[top]):
            continue
        value = rows[top][col]
        for r in range(top + 1, min(r1 - start[0] + 1, len(rows))):
            if col < len(rows[r]) and rows[r][col] in ("", None):
                rows[r][col] = value


def read_workbook(path: Path, findings: Findings, *, directory_only: bool = False) -> dict:
    """Tables of one workbook: entity -> Table. The sheets of an offer workbook are kept in
    `findings.sheets` (path -> Sheets) for report.xlsx, which shows them again."""
    sheets = read_sheets(path)
    if not directory_only:
        findings.sheets[str(path)] = sheets
    source = path.name
    by_entity = {}
    for name in sheets:
        entity = SHEET_NAMES.get(fold(name))
        if entity and entity not in by_entity:
            by_entity[entity] = name
    tables = {}
    for entity in ("site", "contact"):
        if entity in by_entity:
            tables[entity] = _sheet_table(entity, by_entity[entity], sheets, source, findings)
    if directory_only:
        return tables
    offer_sheets = [e for e in OFFER_ENTITIES if e in by_entity]
    if offer_sheets:
        for entity in OFFER_ENTITIES:
            if entity in by_entity:
                tables[entity] = _sheet_table(entity, by_entity[entity], sheets, source, findings)
            else:
                findings.add_file(
                    "MISSING_SHEET", source, ENTITIES[entity].sheet, entity=entity, sheet_name=ENTITIES[entity].sheet
                )
        return tables
    candidates = [n for n in sheets if fold(n) not in NON_DATA_SHEETS and fold(n) not in SHEET_NAMES]
    flat_name = choose_flat_sheet(sheets, candidates, sheets.hidden, OFFER_ENTITIES, source)
    rows, first_row, first_col = sheets[flat_name]
    frame, columns = grid_to_frame(
        rows,
        source=source,
        sheet=flat_name,
        entities=OFFER_ENTITIES,
        findings=findings,
        first_row=first_row,
        first_col=first_col,
    )
    tables.update(split_flat(frame, columns, source=source, sheet=flat_name, findings=findings))
    return tables


def _sheet_table(entity, sheet_name, sheets, source, findings):
    rows, first_row, first_col = sheets[sheet_name]
    frame, columns = grid_to_frame(
        rows,
        source=source,
        sheet=sheet_name,
        entities=(entity,),
        findings=findings,
        first_row=first_row,
        first_col=first_col,
    )
    return entity_table(entity, frame, source, sheet_name, columns)
