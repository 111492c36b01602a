"""The user's own workbook with the unambiguous fixes applied (`fasd corriger`, issue 28 §7).

The fixes are the findings' `fix` values (findings.FIX_COLUMNS, set only where no guess is
needed: VALUE_FIXED, a refused value spelt plainly in another form (readers/sure_fix.py), an
unknown Certif Info code with one candidate (validators/certification.py)); nothing is
re-derived here. A number is written as a number cell. The copy is the user's file opened with
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

from ..model.causes import is_cascade
from ..model.codes import ERROR, RULES
from ..model.fields import ENTITIES
from .report_style import finding_comment, finding_fill

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


def settled(findings: pd.DataFrame) -> pd.Series:
    """The findings the corrected copy settles: those with a fix, the other findings of a
    fixed cell's field (REQUIRED once the old value was left out), and the cascades of a
    record whose own errors are all settled (they go once it is accepted)."""
    if findings.empty:
        return pd.Series(False, index=findings.index, dtype=bool)
    where = list(zip(findings["source"], findings["sheet"], findings["cell"], findings["field"]))
    has_fix = findings["fix"].fillna("") != ""
    fixed_cells = {w for w, f in zip(where, has_fix) if f}
    own = has_fix | pd.Series([w in fixed_cells and w[2] != "" for w in where], index=findings.index)
    cascade = is_cascade(findings)
    errors = (findings["severity"] == ERROR) & ~cascade
    records = list(zip(findings["entity"], findings["key"]))
    open_records = {r for r, e, o in zip(records, errors, own) if e and not o}
    error_records = {r for r, e in zip(records, errors) if e}
    roots = list(zip(findings["cause_entity"].fillna(""), findings["cause_key"].fillna("")))
    follows = pd.Series(
        [c and r in error_records and r not in open_records for c, r in zip(cascade, roots)], index=findings.index
    )
    return own | follows


def unsettled_errors(findings: pd.DataFrame) -> int:
    """The error findings still to fix by the person once the copy is re-imported."""
    return int(((findings["severity"] == ERROR) & ~settled(findings)).sum())


def _typed(fix: str, entity: str, field: str):
    """A fixed number as a number cell (« 1200,5 » -> 1200.5); anything else as the text."""
    spec = ENTITIES.get(entity)
    if spec is None or field not in spec.by_name or not spec.field(field).kind.number:
        return fix
    try:
        value = float(fix.replace(",", "."))
    except ValueError:
        return fix
    return int(value) if value.is_integer() else value


def corrected_workbook(
    path: Path, findings: pd.DataFrame, source: str | None = None
) -> tuple[openpyxl.Workbook, int, int]:
    """The workbook at `path` with its fixes applied; returns it, the fixed and left counts.

    `source`: the name the findings give the file (the page shows uploads by their own name)."""
    if path.suffix.lower() not in WORKBOOK_SUFFIXES:
        raise NotAWorkbook(path)
    book = openpyxl.load_workbook(path)
    fixed = left = 0
    findings = findings[~settled(findings) | (findings["fix"].fillna("") != "")]
    for (sheet, cell), group in _located(findings, source or path.name).groupby(["sheet", "cell"], sort=False):
        if sheet not in book.sheetnames:
            continue
        target = book[sheet][cell]
        rows = group.to_dict("records")
        fixes = [r for r in rows if r.get("fix")]
        if fixes:
            f = fixes[0]
            old = target.value
            target.value = _typed(f["fix"], f["entity"], f["field"])
            target.fill = FIXED_FILL
            target.comment = _note("" if old is None else old, f["fix"], RULES[f["code"]].title)
            fixed += 1
            rows = [r for r in rows if not r.get("fix")]
        rest = [r for r in rows if r["severity"] != "info"]
        if rest:
            fill = finding_fill(rest)
            if fill is not None:
                target.fill = fill
            target.comment = finding_comment(rest)
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
