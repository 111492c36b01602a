"""report.xlsx's layout: which sheets follow Rapport, where each finding shows, each row's status.

A workbook input is copied in its original layout (same sheet names, rows and
columns, so every finding's cell reference stays true); CSV and LHÉO inputs have no
layout to keep, so their records are laid out as the template's sheets and the
findings re-mapped to those cells. Cascade findings (PARENT_REJECTED, NO_CHILD) and
findings without a cell are not the cell's fault: they go on the row's status cell.
Rendering (writers/report_xlsx.py) reads the plan; nothing here writes a cell.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from openpyxl.utils import column_index_from_string, get_column_letter

from ..model.fields import ENTITIES, ENTITY_ORDER
from ..model.codes import ERROR, RULES
from ..model.text import fold

REPORT_SHEET = "Rapport"
CHANGES_SHEET = "Modifications"  # writers/changes_sheet.py, after an import into a base
STATUS_HEADER = "Statut"
CASCADE_CODES = {"PARENT_REJECTED", "NO_CHILD"}
REJECTED, WARNED, ACCEPTED = "rejected", "warned", "accepted"  # kinds of status, each its colour


@dataclass
class OutSheet:
    """One sheet of the report after Rapport, and what goes on its cells."""

    name: str
    source: str = ""  # original layout: the input file name
    sheet: str = ""  # original layout: the sheet name in that file
    entity: str = ""  # template layout: the entity laid out
    grid: list | None = None  # original layout: rows of cells as read
    first_row: int = 1
    first_col: int = 0
    header_row: int = 1  # Excel row of the header line
    status_col: int = 0  # 1-based column of Statut
    inserted: bool = False  # Statut inserted after the key column: the columns after it move right
    key_col: int = 1  # 1-based column of the sheet's key (where Statut goes, next to it)
    notes: dict = field(default_factory=lambda: defaultdict(list))  # (row, col) -> [finding]
    status: dict = field(default_factory=dict)  # row -> (text, kind)
    noted_rows: set = field(default_factory=set)  # rows with a finding
    appended: int = 0  # rows given to openpyxl

    def out_col(self, col: int) -> int:
        """The report's column of the input's column `col` (1-based)."""
        return col + 1 if self.inserted and col >= self.status_col else col

    def noted_columns(self) -> dict[int, list[int]]:
        """Row -> the columns of its findings, in order."""
        by_row: dict[int, list[int]] = defaultdict(list)
        for row, col in self.notes:
            by_row[row].append(col)
        return {row: sorted(cols) for row, cols in by_row.items()}


def _input_paths(result) -> dict[str, Path]:
    if result.files:
        return {name: Path(p) for name, p in result.files.items()}
    paths: dict[str, Path] = {}
    for p in result.inputs:
        path = Path(p)
        paths.setdefault(path.name, path)
    return paths


def unique_name(name: str, taken: set[str]) -> str:
    base, n = name[:31], 2
    candidate = base
    while fold(candidate) in taken:
        suffix = f" ({n})"
        candidate = base[: 31 - len(suffix)] + suffix
        n += 1
    taken.add(fold(candidate))
    return candidate


def plan_sheets(result) -> tuple[list[OutSheet], set[str]]:
    """The report's sheets after Rapport, and the sources laid out as the template."""
    from ..readers import WORKBOOK_SUFFIXES
    from ..readers.grid import find_header_row
    from ..readers.xlsx import NON_DATA_SHEETS, read_sheets

    paths = _input_paths(result)
    sources: list[str] = []
    for entity in ENTITY_ORDER:
        for s in result.tables[entity].raw["_source"].dropna().unique():
            if s not in sources:
                sources.append(s)
    for p in result.inputs:
        if Path(p).name not in sources:
            sources.append(Path(p).name)
    taken = {fold(REPORT_SHEET), fold(CHANGES_SHEET)}
    sheets: list[OutSheet] = []
    template_sources: set[str] = set()
    for source in sources:
        path = paths.get(source)
        if path is None:
            continue  # a directory workbook (--annuaire): not re-imported with the offers
        if path.suffix.lower() not in WORKBOOK_SUFFIXES:
            template_sources.add(source)
            continue
        kept = getattr(result, "sheets", {}).get(str(path))  # read once, by the reader (run.py)
        for name, (rows, first_row, first_col) in (kept if kept is not None else read_sheets(path)).items():
            if fold(name) in NON_DATA_SHEETS:
                continue
            out = OutSheet(
                unique_name(name, taken), source=source, sheet=name, grid=rows, first_row=first_row, first_col=first_col
            )
            out.header_row = first_row + find_header_row(rows) if rows else 1
            out.key_col = _key_column(result, source, name) or first_col + 1
            sheets.append(out)
    for entity in ENTITY_ORDER:
        raw = result.tables[entity].raw
        if raw["_source"].isin(template_sources).any():
            sheets.append(OutSheet(unique_name(ENTITIES[entity].sheet, taken), entity=entity))
    return sheets, template_sources


def _key_column(result, source: str, sheet: str) -> int | None:
    """The leftmost key column of the records read from this sheet (1-based), if any."""
    found = []
    for entity in ENTITY_ORDER:
        columns = result.tables[entity].columns.get((source, sheet), {})
        column = columns.get(ENTITIES[entity].key[0])
        if column is not None and column.letter:
            found.append(column_index_from_string(column.letter))
    return min(found, default=None)


def _status_column(out: OutSheet) -> tuple[int, bool]:
    """Statut next to the key, so a row's verdict is read with its reference (both frozen).

    An existing Statut column (a report read back) is reused where it is; otherwise one is
    inserted after the key column (returns the column and whether it was inserted)."""
    if out.entity:
        return 2, True
    rows = out.grid or []
    h = out.header_row - out.first_row
    if 0 <= h < len(rows):
        for j, cell in enumerate(rows[h]):
            if isinstance(cell, str) and fold(cell) == fold(STATUS_HEADER):
                return out.first_col + j + 1, False
    return out.key_col + 1, True


def _records(result, template_sources: set[str]):
    """Template layout: per entity, record index -> Excel row of the report sheet."""
    positions: dict[str, dict[int, int]] = {}
    for entity in ENTITY_ORDER:
        raw = result.tables[entity].raw
        mine = raw.index[raw["_source"].isin(template_sources)]
        positions[entity] = {int(idx): k + 2 for k, idx in enumerate(mine)}
    return positions


def locate(result, sheets: list[OutSheet], template_sources: set[str]) -> list[dict]:
    """Findings in reading order, each with `out_sheet`/`out_cell` where it shows in the report."""
    by_original = {(s.source, s.sheet): s for s in sheets if not s.entity}
    by_entity = {s.entity: s for s in sheets if s.entity}
    order = {s.name: i for i, s in enumerate(sheets)}
    positions = _records(result, template_sources)
    for s in sheets:
        s.status_col, s.inserted = _status_column(s)
    located = []
    frame = result.findings
    for f in frame.to_dict("records"):
        f = {k: (None if v is None or v is pd.NA or (isinstance(v, float) and pd.isna(v)) else v) for k, v in f.items()}
        out, row, col = None, None, None
        if f["source"] in template_sources:
            out = by_entity.get(f["entity"])
            if out is not None and f["_index"] is not None:
                row = positions[f["entity"]].get(int(f["_index"]))
                names = ENTITIES[f["entity"]].names
                if f["field"] in names and f["code"] not in CASCADE_CODES:
                    col = out.out_col(names.index(f["field"]) + 1)
            if row is None:
                out = None
        else:
            out = by_original.get((f["source"], f["sheet"]))
            if out is not None and f["row"] is not None:
                row = int(f["row"])
                if f["cell"] and f["code"] not in CASCADE_CODES:
                    col = out.out_col(column_index_from_string("".join(ch for ch in f["cell"] if ch.isalpha())))
            if row is None:
                out = None
        if out is not None:
            col = col or out.status_col
            out.notes[(row, col)].append(f)
            out.noted_rows.add(row)
            f["out_sheet"], f["out_cell"] = out.name, f"{get_column_letter(col)}{row}"
            f["_order"] = (1, order[out.name], row, col)
        else:  # file-level findings and the annuaire's: first, they are often the cause
            f["out_sheet"], f["out_cell"] = "", ""
            f["_order"] = (0, 0, f["row"] or 0, 0)
        f["_order"] += (0 if f["severity"] == ERROR else 1,)
        located.append(f)
    located.sort(key=lambda f: f["_order"])
    _statuses(result, sheets, template_sources, positions, by_original, by_entity, frame)
    return located


def _status_text(accepted: bool, errors: list[dict], warnings: list[dict]) -> tuple[str, str]:
    """« rejeté : Valeur mal formée — « Date début » : … » : the verdict, the first finding in
    words (the catalogue's title, then its message), and how many more the row has."""
    own = [f for f in errors if f["code"] not in CASCADE_CODES]
    if not accepted or errors:
        if own:
            return "rejeté : " + _first(own), REJECTED
        if not errors:
            return "rejeté", REJECTED
        return "rejeté en conséquence : " + errors[0]["message"].removeprefix("Cette ligne est rejetée car "), REJECTED
    if warnings:
        return "accepté, à vérifier : " + _first(warnings), WARNED
    return "accepté", ACCEPTED


def _first(findings: list[dict]) -> str:
    f = findings[0]
    rule = RULES.get(f["code"])
    more = len(findings) - 1
    text = f"{rule.title if rule else f['code']} — {f['message']}"
    return text + (f" (et {more} autre{'s' if more > 1 else ''})" if more else "")


def _statuses(result, sheets, template_sources, positions, by_original, by_entity, frame) -> None:
    """Status per row: rejected when a record on the row is, with the codes of its findings."""
    # (out name, row) -> (errors, warnings), each in the report's order (columns left to right)
    codes: defaultdict[tuple[str, int], tuple[list[dict], list[dict]]] = defaultdict(lambda: ([], []))
    for s in sheets:
        for (row, _col), fs in sorted(s.notes.items()):
            for f in fs:
                codes[(s.name, row)][0 if f["severity"] == ERROR else 1].append(f)
    rejected_rows: dict[tuple[str, int], bool] = {}
    for entity in ENTITY_ORDER:
        raw = result.tables[entity].raw
        series = result.accepted[entity]
        ok = dict(zip(series.index, series.tolist()))  # one look-up per row, not a pandas .at each
        for idx, source, sheet, row in zip(raw.index, raw["_source"], raw["_sheet"], raw["_row"]):
            if source in template_sources:
                out, r = by_entity.get(entity), positions[entity].get(int(idx))
            else:
                out, r = by_original.get((source, sheet or "")), (None if pd.isna(row) else int(row))
            if out is None or r is None:
                continue
            key = (out.name, r)
            rejected_rows[key] = rejected_rows.get(key, False) or not bool(ok[idx])
    for (name, r), rejected in rejected_rows.items():
        errors, warnings = codes[(name, r)]
        text_font = _status_text(not rejected, errors, warnings)
        next(s for s in sheets if s.name == name).status[r] = text_font
