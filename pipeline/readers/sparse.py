"""A sheet read cell by cell, for the workbooks whose used range is far larger than their content.

One space in cell XFD1048576 makes a dense reader (calamine) allocate 16 384 × 1 048 576
cells. openpyxl's streaming sheet parser yields only the cells the file holds; blank
cells are dropped and each row keeps only up to its last filled cell, so twenty real
rows cost twenty rows whatever the range says. Slower per cell than calamine: used
only when readers/zipguard.py measures a range over the cell limit.
"""

from __future__ import annotations

from pathlib import Path

from ..model.errors import InputError
from .unreadable import unreadable_message
from . import limits

MAX_GAP = 1000


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def read_sheets_sparse(path: Path):
    """Every worksheet: name -> (rows, Excel number of the first row, 0), and the hidden names."""
    import openpyxl
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet
    from openpyxl.worksheet._reader import WorkSheetParser

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken file
        raise InputError(unreadable_message(path, exc)) from None
    sheets, hidden = {}, set()
    limit = limits.current().cells
    try:
        for ws in book.worksheets:
            if not isinstance(ws, ReadOnlyWorksheet):
                continue
            if ws.sheet_state != "visible":
                hidden.add(ws.title)
            filled: dict[int, list] = {}
            with ws._get_source() as src:
                parser = WorkSheetParser(
                    src,
                    ws._shared_strings,
                    data_only=True,
                    epoch=book.epoch,
                    date_formats=book._date_formats,
                    timedelta_formats=book._timedelta_formats,
                )
                kept = 0
                for number, cells in parser.parse():
                    values = [(c["column"], c["value"]) for c in cells if not _blank(c["value"])]
                    if values:
                        filled[number] = values
                        kept += len(values)
                        if kept > limit:
                            raise InputError(
                                f"{path.name} : la feuille « {ws.title} » contient plus de {limit} "
                                f"cellules remplies ; {limits.hint('cells')}."
                            )
            sheets[ws.title] = _grid(filled)
    except InputError:
        raise
    except Exception as exc:
        raise InputError(unreadable_message(path, exc)) from None
    finally:
        book.close()
    return sheets, hidden


class NumberedRows(list):
    """Rows with their Excel numbers (`numbers`), when long runs of empty rows were skipped."""

    numbers: list[int]


def _grid(filled: dict[int, list]) -> tuple[list, int, int]:
    """Rows from the first filled one to the last, each as long as its last filled cell;
    a run of more than MAX_GAP empty rows is skipped, the rows keeping their numbers."""
    if not filled:
        return [], 1, 0
    rows, numbers = NumberedRows(), []
    previous = None
    for number in sorted(filled):
        if previous is not None and number - previous <= MAX_GAP:
            for missing in range(previous + 1, number):
                rows.append(())
                numbers.append(missing)
        values = filled[number]
        row = [None] * max(column for column, _ in values)
        for column, value in values:
            row[column - 1] = value
        rows.append(row)
        numbers.append(number)
        previous = number
    rows.numbers = numbers
    return rows, numbers[0], 0
