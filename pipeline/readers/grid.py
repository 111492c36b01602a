"""A sheet as a grid of cells -> raw tables, whatever the file format.

The xlsx and CSV readers both end here: find the header row, match headers to
canonical fields, keep every cell as text with its Excel row number and column letter.
"""
from __future__ import annotations

import datetime as dt
from operator import itemgetter

import pandas as pd

from ..findings import Findings
from ..headers import IGNORED_HEADERS, closest_header, match_header
from ..model import ENTITIES
from ..tables import SourceColumn, Table, conform
from ..text import column_letter, fold


def cell_text(value) -> str:
    """A cell as the text a person sees: dates as jj/mm/aaaa, 111669.0 as 111669."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, dt.datetime):  # shown as a French Excel shows it
        return value.strftime("%d/%m/%Y") if value.time() == dt.time() else value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.timedelta):
        return str(value)
    return str(value)


def find_header_row(rows: list[list], limit: int = 10) -> int:
    """Index of the first row with at least two filled cells (a title may sit above)."""
    for i, row in enumerate(rows[:limit]):
        if sum(1 for c in row if cell_text(c).strip()) >= 2:
            return i
    return 0


def grid_to_frame(rows: list[list], *, source: str, sheet: str, entities: tuple[str, ...],
                  findings: Findings, first_row: int = 1, first_col: int = 0):
    """Turn rows of cells into a frame of canonical text columns plus provenance.

    Returns (frame, columns) where columns maps field -> SourceColumn. `first_row`
    is the Excel number of rows[0]; `first_col` the 0-based column of rows[0][0].
    """
    if not rows:
        return pd.DataFrame(), {}
    h = find_header_row(rows)
    header = rows[h]
    header_row_number = first_row + h
    fields: dict[str, int] = {}
    columns: dict[str, SourceColumn] = {}
    for j, cell in enumerate(header):
        text = cell_text(cell).strip()
        if not text:
            continue
        letter = column_letter(first_col + j)
        name = match_header(text, entities)
        if name is None or name in fields:
            if fold(text) not in IGNORED_HEADERS:
                best = closest_header(text, entities) if name is None else None
                findings.add_file("UNKNOWN_COLUMN", source, sheet, row=header_row_number, column=text,
                                  letter=letter, value=text,
                                  closest=f" (peut-être « {best} » ?)" if best else
                                  (" (colonne en double)" if name else ""))
            continue
        fields[name] = j
        columns[name] = SourceColumn(letter, text)
    body = rows[h + 1:]
    shortest = min(map(len, body), default=0)
    data = {name: column_text(body, j, shortest) for name, j in fields.items()}
    frame = pd.DataFrame(data, dtype=object)
    frame["_source"] = source
    frame["_sheet"] = sheet
    frame["_row"] = list(range(header_row_number + 1, header_row_number + 1 + len(body)))
    frame["_line"] = None
    if fields:
        frame = frame.iloc[_filled_rows(data, len(body))]
    else:
        frame = frame.iloc[0:0]
    return frame.reset_index(drop=True), columns


def column_text(body: list[list], j: int, shortest: int) -> list[str]:
    """cell_text of column j; text cells (nearly all) skip the call, the column is
    picked with itemgetter when every row reaches it (calamine's rows all do)."""
    if j < shortest:
        cells = map(itemgetter(j), body)
    else:
        cells = (r[j] if j < len(r) else "" for r in body)
    return [v if v.__class__ is str else cell_text(v) for v in cells]


def _filled_rows(data: dict[str, list[str]], n: int) -> list[int]:
    """Positions of the rows with at least one non-blank cell, in order.

    Columns are scanned only for the rows still blank so far: the first key column
    settles nearly every row, instead of stripping every cell of every column.
    """
    pending = list(range(n))
    for values in data.values():
        if not pending:
            break
        pending = [i for i in pending if not values[i].strip()]
    blank = set(pending)
    return [i for i in range(n) if i not in blank] if blank else list(range(n))


def entity_table(entity: str, frame: pd.DataFrame, source: str, sheet: str,
                 columns: dict[str, SourceColumn]) -> Table:
    spec = ENTITIES[entity]
    own = {k: v for k, v in columns.items() if k in spec.by_name}
    return Table(entity, conform(entity, frame), {(source, sheet): own})
