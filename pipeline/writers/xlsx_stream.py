"""A streaming xlsx writer: the engine under report.xlsx (writers/report_xlsx.py).

openpyxl's write-only mode writes the structure of the workbook (styles, comments,
links, widths, panes) but spends ~25 µs per cell; here the rows themselves are
written as SpreadsheetML text (`SheetData`, ~2 µs a cell), every text goes to one
shared string table (`SharedStrings`), and `splice` puts both into openpyxl's
package. Style ids come from openpyxl's own style table (`Styles`), so styles.xml
stays consistent.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import shutil
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel

from ..readers.sanitise import visible

MAX_CELL_TEXT = 32767
DATE_FORMAT = "DD/MM/YYYY"
DATETIME_FORMAT = "DD/MM/YYYY HH:MM"


def clean_text(text: str) -> str:
    """A cell's text as XML may hold it: control and invisible characters as their code
    (sanitise.visible: `\\u200b`, never raw nor silently dropped)."""
    text = visible(text)  # covers openpyxl's ILLEGAL_CHARACTERS_RE and U+FFFE, U+FFFF
    return text if len(text) <= MAX_CELL_TEXT else text[: MAX_CELL_TEXT - 1] + "…"


class Styles:
    """Style ids of the workbook, registered through openpyxl so styles.xml lists them."""

    def __init__(self, ws) -> None:
        self.ws = ws
        self._ids: dict[tuple, int] = {}

    def id(self, fill=None, font=None, number_format=None, alignment=None) -> int:
        key = (id(fill), id(font), number_format, id(alignment))
        if key not in self._ids:
            cell = WriteOnlyCell(self.ws)
            if alignment is not None:
                cell.alignment = alignment
            if fill is not None:
                cell.fill = fill
            if font is not None:
                cell.font = font
            if number_format is not None:
                cell.number_format = number_format
            self._ids[key] = cell.style_id
        return self._ids[key]


class SharedStrings:
    """The workbook's shared string table (xl/sharedStrings.xml), streamed to a file.

    A flat export repeats the formation's and the action's long texts on every row:
    as inline strings each row carried them again (most of the bytes of the sheet, to
    write and to compress); shared, each distinct text is written once and a cell holds
    its number. Texts are remembered up to a bound; past it a text is added again,
    which the format allows."""

    LIMIT = 500_000

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fh = open(path, "w", encoding="utf-8")
        self.ids: dict[str, int] = {}
        self.unique = 0
        self.count = 0

    def id(self, value: str) -> int:
        self.count += 1
        sid = self.ids.get(value)
        if sid is None:
            sid = self.unique
            self.unique += 1
            self.fh.write(f'<si><t xml:space="preserve">{xml_escape(clean_text(value))}</t></si>')
            if len(self.ids) < self.LIMIT:
                self.ids[value] = sid
        return sid

    def close(self) -> None:
        self.fh.close()

    def write_part(self, out) -> None:
        """xl/sharedStrings.xml into the open zip entry `out`."""
        out.write(
            b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
            + f' count="{self.count}" uniqueCount="{self.unique}">'.encode()
        )
        with open(self.path, "rb") as entries:
            shutil.copyfileobj(entries, out, 1 << 20)
        out.write(b"</sst>")


class SheetData:
    """The <sheetData> rows of one sheet as SpreadsheetML text, streamed to a file.

    openpyxl spends ~25 µs per cell (an lxml element per cell, a Cell object per
    value); plain text here costs ~2 µs, which is what makes 100 000 rows with 80
    columns fit in a minute. Styles, comments, column widths, frozen panes and links
    stay openpyxl's job: its sheet is spliced around these rows (see _splice).
    """

    def __init__(self, path: Path, styles: Styles, strings: SharedStrings) -> None:
        self.path = path
        self.fh = open(path, "w", encoding="utf-8")
        self.styles = styles
        self.strings = strings
        self.letters: list[str] = []
        self.date_style = styles.id(number_format=DATE_FORMAT)
        self.datetime_style = styles.id(number_format=DATETIME_FORMAT)

    def letter(self, col: int) -> str:
        while len(self.letters) < col:
            self.letters.append(get_column_letter(len(self.letters) + 1))
        return self.letters[col - 1]

    def cell(self, r: int, col: int, value, style: int = 0, fill=None, font=None) -> str:
        ref = f"{self.letter(col)}{r}"
        if isinstance(value, (dt.datetime, dt.date)):
            plain = not isinstance(value, dt.datetime) or value.time() == dt.time()
            fmt = DATE_FORMAT if plain else DATETIME_FORMAT
            style = (
                self.styles.id(fill, font, fmt)
                if (fill or font)
                else (self.date_style if plain else self.datetime_style)
            )
            try:
                value = to_excel(value)
            except (ValueError, OverflowError):
                value = value.isoformat()
        s = f' s="{style}"' if style else ""
        if value is None or value == "":
            return f'<c r="{ref}"{s}/>' if style else ""
        if isinstance(value, str):  # strings stay strings: never a formula
            return f'<c r="{ref}"{s} t="s"><v>{self.strings.id(value)}</v></c>'
        if isinstance(value, bool):
            return f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>'
        if isinstance(value, int) or (isinstance(value, float) and math.isfinite(value)):
            return f'<c r="{ref}"{s}><v>{value!r}</v></c>'
        return f'<c r="{ref}"{s} t="s"><v>{self.strings.id(str(value))}</v></c>'

    def plain_row(self, r: int, values: list, first: int = 0, stop: int | None = None) -> list[str]:
        """Cells without decoration, 0-based columns `first` to `stop` (excluded): the hot
        path, one f-string per cell."""
        stop = len(values) if stop is None else min(stop, len(values))
        letters = self.letters
        if len(letters) < stop:
            self.letter(stop)
        cells: list[str] = []
        append = cells.append
        sid = self.strings.id
        for j in range(first, stop):
            value = values[j]
            if value is None or value == "":
                continue
            if value.__class__ is str:
                append(f'<c r="{letters[j]}{r}" t="s"><v>{sid(value)}</v></c>')
            elif value.__class__ is float and math.isfinite(value) or value.__class__ is int:
                append(f'<c r="{letters[j]}{r}"><v>{value!r}</v></c>')
            else:
                append(self.cell(r, j + 1, value))
        return cells

    def row(self, r: int, cells: list[str], height: float | None = None, outline: int = 0) -> None:
        """One <row>; `height` in points, when the row must be taller than the default;
        `outline`: a detail row folded under the row above it (level, hidden)."""
        body = "".join(cells)
        if not body:
            return
        attributes = f' ht="{height:g}" customHeight="1"' if height else ""
        if outline:
            attributes += f' hidden="1" outlineLevel="{outline}"'
        self.fh.write(f'<row r="{r}"{attributes}>{body}</row>')

    def close(self) -> None:
        self.fh.close()


SHEET_DATA = re.compile(r"<sheetData\s*/>|<sheetData>.*?</sheetData>", re.S)


SHARED_STRINGS = "xl/sharedStrings.xml"
# What a package needs to list its shared strings when openpyxl (no text of its own) did not.
STRINGS_TYPE = (
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
)
STRINGS_REL = (
    '<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'sharedStrings" Target="sharedStrings.xml" Id="rIdFasdStrings"/>'
)
LISTS = {
    "[Content_Types].xml": ("</Types>", STRINGS_TYPE),
    "xl/_rels/workbook.xml.rels": ("</Relationships>", STRINGS_REL),
}


def splice(saved: Path, target: Path, rows_of: dict[str, Path], strings: SharedStrings) -> None:
    """Copy openpyxl's package, replacing each sheet's <sheetData> by our rows and its
    shared strings by ours (every cell that holds text is one of our rows)."""
    with zipfile.ZipFile(saved) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as dst:
        listed = SHARED_STRINGS in src.namelist()
        for info in src.infolist():
            if info.filename == SHARED_STRINGS:
                continue
            if info.filename in LISTS and not listed:
                end, entry = LISTS[info.filename]
                xml = src.read(info.filename).decode("utf-8")
                dst.writestr(info, xml.replace(end, entry + end))
                continue
            if info.filename not in rows_of:
                dst.writestr(info, src.read(info.filename))
                continue
            xml = src.read(info.filename).decode("utf-8")
            match = SHEET_DATA.search(xml)
            assert match is not None, info.filename  # openpyxl writes <sheetData/> in every sheet
            # Level 1: the rows are most of the file; speed matters more than a few MB.
            with dst.open(info.filename, "w", force_zip64=True) as out, open(rows_of[info.filename], "rb") as rows:
                out.write(xml[: match.start()].encode("utf-8"))
                out.write(b"<sheetData>")
                shutil.copyfileobj(rows, out, 1 << 20)
                out.write(b"</sheetData>")
                out.write(xml[match.end() :].encode("utf-8"))
        with dst.open(SHARED_STRINGS, "w", force_zip64=True) as out:
            strings.write_part(out)


def append_at(ws, out, r: int, row: list) -> None:
    """Append `row` as Excel row r of a write-only sheet (which numbers rows by count);
    `out.appended` counts the rows appended so far."""
    while out.appended < r - 1:
        ws.append([])
        out.appended += 1
    ws.append(row)
    out.appended = r
