"""The user's own workbook with the unambiguous fixes applied (`fasd corriger`, issue 28 §7).

The fixes are the findings' `fix` values (findings.FIX_COLUMNS, set only where no guess is
needed: VALUE_FIXED); nothing is re-derived here. The copy is the user's file opened with
openpyxl, so their sheets, columns and formatting stay. A changed cell gets a green fill and
a note « ancienne valeur → nouvelle valeur : pourquoi »; the findings left for the person
are marked as report.xlsx marks them (red or orange fill, the same note).
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill

from ..model.codes import RULES
from .report_xlsx import _comment, _fill

FIXED_FILL = PatternFill("solid", fgColor="C6EFCE")
WORKBOOK_SUFFIXES = {".xlsx", ".xlsm"}


class NotAWorkbook(ValueError):
    """Only a workbook can be corrected in place (a CSV has no cells to highlight)."""


def _located(findings: pd.DataFrame, source: str) -> pd.DataFrame:
    frame = findings[(findings["source"] == source) & (findings["cell"].fillna("") != "")]
    return frame[frame["sheet"].fillna("") != ""]


def _note(old, new, why: str) -> Comment:
    comment = Comment(f"{old} → {new} : {why}", "fasd")
    comment.width, comment.height = 320, 90
    return comment


def corrected_workbook(
    path: Path, findings: pd.DataFrame, source: str | None = None
) -> tuple[openpyxl.Workbook, int, int]:
    """The workbook at `path` with its fixes applied; returns it, the fixed and left counts.

    `source`: the name the findings give the file (the page shows uploads by their own name)."""
    if path.suffix.lower() not in WORKBOOK_SUFFIXES:
        raise NotAWorkbook(path)
    book = openpyxl.load_workbook(path)
    fixed = left = 0
    for (sheet, cell), group in _located(findings, source or path.name).groupby(["sheet", "cell"], sort=False):
        if sheet not in book.sheetnames:
            continue
        target = book[sheet][cell]
        rows = group.to_dict("records")
        fixes = [r for r in rows if r.get("fix")]
        if fixes:
            f = fixes[0]
            old = target.value
            target.value = f["fix"]
            target.fill = FIXED_FILL
            target.comment = _note("" if old is None else old, f["fix"], RULES[f["code"]].title)
            fixed += 1
            rows = [r for r in rows if not r.get("fix")]
        rest = [r for r in rows if r["severity"] != "info"]
        if rest:
            fill = _fill(rest)
            if fill is not None:
                target.fill = fill
            target.comment = _comment(rest)
            left += 1
    return book, fixed, left


def rejected_only(book: openpyxl.Workbook, tables: dict, accepted: dict, source: str) -> int:
    """Keep on each data sheet only its header and the rows of rejected records; the count kept."""
    keep: dict[str, set[int]] = {}
    seen: set[str] = set()
    for entity, table in tables.items():
        raw = table.raw
        if raw is None or "_source" not in raw:
            continue
        mine = raw[raw["_source"] == source]
        ok = accepted.get(entity)
        for idx, row in mine.iterrows():
            sheet, number = row.get("_sheet"), row.get("_row")
            if not sheet or pd.isna(number):
                continue
            seen.add(sheet)
            if ok is None or not bool(ok.get(idx, False)):
                keep.setdefault(sheet, set()).add(int(number))
    kept = 0
    for sheet in seen:
        if sheet not in book.sheetnames:
            continue
        ws = book[sheet]
        wanted = keep.get(sheet, set())
        for r in range(ws.max_row, 1, -1):  # bottom up: deleting shifts the rows below
            if r not in wanted:
                ws.delete_rows(r)
        kept += len(wanted)
    return kept
