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

Speed: the input workbook is re-read with python-calamine (the reader's own fast
path), never loaded with openpyxl. openpyxl's write-only mode writes the structure
(styles, comments, links, widths, panes); the rows themselves are streamed as
SpreadsheetML text (SheetData) and spliced into its package, ~10x faster per cell.
See docs/report-xlsx.md for the measurements.
"""
from __future__ import annotations

import datetime as dt
import gc
import math
import re
import shutil
import tempfile
import textwrap
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import column_index_from_string, get_column_letter, quote_sheetname
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet.hyperlink import Hyperlink

from ..model import ENTITIES, ENTITY_ORDER
from ..rules import ERROR, SEVERITY_LABELS, WARNING
from ..text import fold
from .atomic import atomic_path
from .changes_sheet import write_changes_sheet
from .columns_sheet import SHEET as COLUMNS_SHEET, write_columns_sheet

REPORT_SHEET = "Rapport"
CHANGES_SHEET = "Modifications"   # writers/changes_sheet.py, after an import into a base
STATUS_HEADER = "Statut"
CASCADE_CODES = {"PARENT_REJECTED", "NO_CHILD"}
SEVERITY_FR = {s: label.capitalize() for s, label in SEVERITY_LABELS.items()}
MAX_CELL_TEXT = 32767
MAX_LINKS = 65_000   # Excel keeps at most 65 530 hyperlinks per sheet

ERROR_FILL = PatternFill("solid", fgColor="FFC7CE")
WARNING_FILL = PatternFill("solid", fgColor="FFD9A0")
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
BOLD = Font(bold=True)
TITLE_FONT = Font(bold=True, size=14, color="1F4E78")
LINK_FONT = Font(color="0563C1", underline="single")
REJECTED_FONT = Font(bold=True, color="9C0006")
ACCEPTED_FONT = Font(color="006100")
WARNED_FONT = Font(color="9C5700")
WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")
LINE_HEIGHT = 15.0   # points per line of 11-point text, Excel's default row height
DATE_FORMAT = "DD/MM/YYYY"
DATETIME_FORMAT = "DD/MM/YYYY HH:MM"


@dataclass
class OutSheet:
    """One sheet of the report after Rapport, and what goes on its cells."""
    name: str
    source: str = ""            # original layout: the input file name
    sheet: str = ""             # original layout: the sheet name in that file
    entity: str = ""            # template layout: the entity laid out
    grid: list | None = None    # original layout: rows of cells as read
    first_row: int = 1
    first_col: int = 0
    header_row: int = 1         # Excel row of the header line
    status_col: int = 0         # 1-based column of Statut
    notes: dict = field(default_factory=lambda: defaultdict(list))    # (row, col) -> [finding]
    status: dict = field(default_factory=dict)                         # row -> (text, font)
    noted_rows: set = field(default_factory=set)                       # rows with a finding
    appended: int = 0                                                  # rows given to openpyxl


# ---------------------------------------------------------------- cells

NON_XML = re.compile("[\ufffe\uffff]")


def _clean(text: str) -> str:
    text = NON_XML.sub("", ILLEGAL_CHARACTERS_RE.sub("", text))
    return text if len(text) <= MAX_CELL_TEXT else text[:MAX_CELL_TEXT - 1] + "…"


def _comment(findings: list[dict]) -> Comment:
    parts = []
    for f in findings:
        parts.append(f"{SEVERITY_FR.get(f['severity'], f['severity'])} {f['code']} : {f['message']}")
        if f.get("suggestion"):
            parts.append(f"→ {f['suggestion']}")
    text = _clean("\n".join(parts))
    comment = Comment(text, "fasd")
    comment.width = 340
    comment.height = min(600, 30 + 16 * sum(1 + len(p) // 50 for p in parts))
    return comment


def _fill(findings: list[dict]):
    own = [f for f in findings if f["code"] not in CASCADE_CODES]
    if any(f["severity"] == ERROR for f in own):
        return ERROR_FILL
    if own:
        return WARNING_FILL
    return None


# ---------------------------------------------------------------- plan

def _input_paths(result) -> dict[str, Path]:
    if result.files:
        return {name: Path(p) for name, p in result.files.items()}
    paths = {}
    for p in result.inputs:
        path = Path(p)
        paths.setdefault(path.name, path)
    return paths


def _unique(name: str, taken: set[str]) -> str:
    base, n = name[:31], 2
    candidate = base
    while fold(candidate) in taken:
        suffix = f" ({n})"
        candidate = base[:31 - len(suffix)] + suffix
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
        for name, (rows, first_row, first_col) in read_sheets(path).items():
            if fold(name) in NON_DATA_SHEETS:
                continue
            out = OutSheet(_unique(name, taken), source=source, sheet=name, grid=rows,
                           first_row=first_row, first_col=first_col)
            out.header_row = first_row + find_header_row(rows) if rows else 1
            sheets.append(out)
    for entity in ENTITY_ORDER:
        raw = result.tables[entity].raw
        if raw["_source"].isin(template_sources).any():
            sheets.append(OutSheet(_unique(ENTITIES[entity].sheet, taken), entity=entity))
    return sheets, template_sources


def _status_column(out: OutSheet) -> int:
    """An existing Statut column (a report read back) is reused; otherwise one after the last."""
    if out.entity:
        return len(ENTITIES[out.entity].fields) + 1
    rows = out.grid or []
    width = max((len(r) for r in rows), default=0)
    h = out.header_row - out.first_row
    if 0 <= h < len(rows):
        for j, cell in enumerate(rows[h]):
            if isinstance(cell, str) and fold(cell) == fold(STATUS_HEADER):
                return out.first_col + j + 1
    return out.first_col + width + 1


# ---------------------------------------------------------------- locate

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
        s.status_col = _status_column(s)
    located = []
    frame = result.findings
    for f in frame.to_dict("records"):
        f = {k: (None if v is None or v is pd.NA or (isinstance(v, float) and pd.isna(v)) else v)
             for k, v in f.items()}
        out, row, col = None, None, None
        if f["source"] in template_sources:
            out = by_entity.get(f["entity"])
            if out is not None and f["_index"] is not None:
                row = positions[f["entity"]].get(int(f["_index"]))
                names = ENTITIES[f["entity"]].names
                if f["field"] in names and f["code"] not in CASCADE_CODES:
                    col = names.index(f["field"]) + 1
            if row is None:
                out = None
        else:
            out = by_original.get((f["source"], f["sheet"]))
            if out is not None and f["row"] is not None:
                row = int(f["row"])
                if f["cell"] and f["code"] not in CASCADE_CODES:
                    col = column_index_from_string("".join(ch for ch in f["cell"] if ch.isalpha()))
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


def _status_text(accepted: bool, errors: set[str], warnings: set[str]) -> tuple[str, Font]:
    if not accepted or errors:
        return ("rejeté : " + ", ".join(sorted(errors)) if errors else "rejeté"), REJECTED_FONT
    if warnings:
        return "accepté (avertissement : " + ", ".join(sorted(warnings)) + ")", WARNED_FONT
    return "accepté", ACCEPTED_FONT


def _statuses(result, sheets, template_sources, positions, by_original, by_entity, frame) -> None:
    """Status per row: rejected when a record on the row is, with the codes of its findings."""
    codes = defaultdict(lambda: (set(), set()))   # (out name, row) -> (errors, warnings)
    for s in sheets:
        for (row, _col), fs in s.notes.items():
            for f in fs:
                codes[(s.name, row)][0 if f["severity"] == ERROR else 1].add(f["code"])
    rejected_rows: dict[tuple[str, int], bool] = {}
    for entity in ENTITY_ORDER:
        raw = result.tables[entity].raw
        ok = result.accepted[entity]
        for idx, source, sheet, row in zip(raw.index, raw["_source"], raw["_sheet"], raw["_row"]):
            if source in template_sources:
                out, r = by_entity.get(entity), positions[entity].get(int(idx))
            else:
                out, r = by_original.get((source, sheet or "")), (None if pd.isna(row) else int(row))
            if out is None or r is None:
                continue
            key = (out.name, r)
            rejected_rows[key] = rejected_rows.get(key, False) or not bool(ok.at[idx])
    for (name, r), rejected in rejected_rows.items():
        errors, warnings = codes[(name, r)]
        text_font = _status_text(not rejected, errors, warnings)
        next(s for s in sheets if s.name == name).status[r] = text_font


# ---------------------------------------------------------------- write

FINDING_COLUMNS = (("Feuille", 14), ("Cellule", 10), ("Gravité", 14), ("Code", 30), ("Colonne", 24),
                   ("Valeur", 24), ("Message", 60), ("Suggestion", 60), ("Fichier d'origine", 24),
                   ("Emplacement d'origine", 22))
CENTER = Alignment(horizontal="center")
MESSAGE_WIDTH, SUGGESTION_WIDTH = dict(FINDING_COLUMNS)["Message"], dict(FINDING_COLUMNS)["Suggestion"]
HOW_TO_FIX = ("Cliquez sur une cellule de la colonne « Cellule » pour l'atteindre. Corrigez les cellules rouges "
              "(leur note dit quoi faire ; les orange sont à vérifier), enregistrez, puis réimportez ce fichier : "
              "fasd import report.xlsx --out … La feuille Rapport et la colonne Statut sont ignorées à l'import.")


def _wrapped_height(text: str, width: float) -> float:
    """Row height (points) that shows all of `text` wrapped in a column `width` characters wide.

    LibreOffice Calc does not fit rows to wrapped text by itself (Excel does not on
    open either): without a height, every message shows its first line only. Lines
    are counted by wrapping at words to the column width in characters, which the
    default fonts of both fit or exceed, so the estimate errs on the tall side."""
    if not text:
        return LINE_HEIGHT
    lines = sum(max(1, len(textwrap.wrap(part, int(width), break_long_words=True)))
                for part in text.split("\n"))
    return LINE_HEIGHT * lines


def _write_rapport(ws, data: "SheetData", result, located: list[dict]) -> None:
    """Counts, then one line per finding. Rows go through SheetData (thousands of
    findings); only the link cells are also given to openpyxl, which writes <hyperlinks>."""
    st = data.styles
    # Finding rows are as tall as their longest wrapped text (see _wrapped_height) and
    # every cell of them sits at the top, next to the first line of the message.
    title, bold, link_style, wrap, top = (st.id(font=TITLE_FONT), st.id(font=BOLD),
                                          st.id(font=LINK_FONT, alignment=TOP), st.id(alignment=WRAP),
                                          st.id(alignment=TOP))
    head, head_center = st.id(HEADER_FILL, BOLD), st.id(HEADER_FILL, BOLD, alignment=CENTER)
    center, rejected_center = st.id(alignment=CENTER), st.id(font=REJECTED_FONT, alignment=CENTER)
    severity_style = {ERROR: st.id(ERROR_FILL, alignment=TOP), WARNING: st.id(WARNING_FILL, alignment=TOP)}
    for j, (_, width) in enumerate(FINDING_COLUMNS, 1):
        ws.column_dimensions[get_column_letter(j)].width = width
    longest_source = max((len(Path(p).name) for p in result.inputs), default=0)
    ws.column_dimensions["I"].width = min(max(FINDING_COLUMNS[8][1], longest_source + 2), 45)
    # Printed or exported to PDF, the ten columns fit the page width: a message and its
    # cell on the same page. Set before the first row: write-only sheets write <sheetPr> then.
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    summary = result.summary()
    sev = summary["findings"]["by_severity"]
    inputs = ", ".join(Path(p).name for p in result.inputs)
    rows: list[list[tuple]] = [
        [("Rapport d'import de l'offre de formation", title)],
        [(f"Fichier(s) : {inputs} — date du traitement : {result.today.strftime('%d/%m/%Y')}", 0)],
        [],
        [("Feuille", head), ("Lus", head_center), ("Acceptés", head_center), ("Rejetés", head_center),
         ("À compléter", head_center)],
    ]
    for name in ENTITY_ORDER:
        c = summary["entities"][name]
        rows.append([(ENTITIES[name].sheet, 0), (c["read"], center), (c["accepted"], center),
                     (c["rejected"], rejected_center if c["rejected"] else center),
                     (summary.get("a_completer", {}).get(name, 0), center)])
    rows += [
        [],
        [("Constats", bold), (f"{sev['error']} erreur(s), {sev['warning']} avertissement(s), "
                              f"{sev.get('info', 0)} information(s)", 0)],
        [("Corriger", st.id(font=BOLD, alignment=TOP)), (HOW_TO_FIX, wrap)],
        [],
        [(h, head) for h, _ in FINDING_COLUMNS],
    ]
    header_row = len(rows)
    how_to_row = header_row - 2  # its text spans columns B to J (merged), wrapped
    ws.merged_cells.add(f"B{how_to_row}:{get_column_letter(len(FINDING_COLUMNS))}{how_to_row}")
    heights = {how_to_row: _wrapped_height(HOW_TO_FIX, sum(w for _, w in FINDING_COLUMNS[1:]))}
    for f in located:
        origin = (f"cellule {f['cell']}" if f["cell"] else
                  f"ligne XML {f['line']}" if f["line"] is not None else
                  f"ligne {f['row']}" if f["row"] is not None else "")
        rows.append([
            (f["out_sheet"] or (f["sheet"] or ""), top),
            (f["out_cell"], link_style if f["out_cell"] else top),
            (SEVERITY_FR.get(f["severity"], f["severity"]), severity_style.get(f["severity"], top)),
            (f["code"], top),
            (f["column"] or "", top),
            (f["value"] or "", top),
            (f["message"] or "", wrap),
            (f["suggestion"] or "", wrap),
            (f["source"] or "", top),
            ((f"{f['sheet']} {origin}".strip() if f["sheet"] else origin), top),
        ])
        height = max(_wrapped_height(f["message"] or "", MESSAGE_WIDTH),
                     _wrapped_height(f["suggestion"] or "", SUGGESTION_WIDTH))
        if height > LINE_HEIGHT:
            heights[len(rows)] = height
    links = OutSheet(REPORT_SHEET)
    for r, cells in enumerate(rows, 1):
        data.row(r, [data.cell(r, j, value, style) for j, (value, style) in enumerate(cells, 1)], heights.get(r))
        if r > header_row and cells[1][0] and links.appended < header_row + MAX_LINKS:
            f = located[r - header_row - 1]
            link = WriteOnlyCell(ws, value=f["out_cell"])
            link.hyperlink = Hyperlink(ref="", location=f"{quote_sheetname(f['out_sheet'])}!{f['out_cell']}",
                                       display=f["out_cell"])
            _append_at(ws, links, r, [None, link])
    ws.auto_filter.ref = f"A{header_row}:J{header_row + max(len(located), 1)}"
    ws.page_setup.orientation = "landscape"


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


class SheetData:
    """The <sheetData> rows of one sheet as SpreadsheetML text, streamed to a file.

    openpyxl spends ~25 µs per cell (an lxml element per cell, a Cell object per
    value); plain text here costs ~2 µs, which is what makes 100 000 rows with 80
    columns fit in a minute. Styles, comments, column widths, frozen panes and links
    stay openpyxl's job: its sheet is spliced around these rows (see _splice).
    """

    def __init__(self, path: Path, styles: Styles) -> None:
        self.path = path
        self.fh = open(path, "w", encoding="utf-8")
        self.styles = styles
        self.letters: list[str] = []
        self._texts: dict[str, str] = {}
        self.date_style = styles.id(number_format=DATE_FORMAT)
        self.datetime_style = styles.id(number_format=DATETIME_FORMAT)

    def letter(self, col: int) -> str:
        while len(self.letters) < col:
            self.letters.append(get_column_letter(len(self.letters) + 1))
        return self.letters[col - 1]

    def text(self, value: str) -> str:
        """Escaped cell text, memoised: a flat export repeats the same long texts on every row."""
        cached = self._texts.get(value)
        if cached is None:
            cached = xml_escape(_clean(value))
            if len(self._texts) < 200_000:
                self._texts[value] = cached
        return cached

    def cell(self, r: int, col: int, value, style: int = 0, fill=None, font=None) -> str:
        ref = f"{self.letter(col)}{r}"
        if isinstance(value, (dt.datetime, dt.date)):
            plain = not isinstance(value, dt.datetime) or value.time() == dt.time()
            fmt = DATE_FORMAT if plain else DATETIME_FORMAT
            style = self.styles.id(fill, font, fmt) if (fill or font) else (
                self.date_style if plain else self.datetime_style)
            try:
                value = to_excel(value)
            except (ValueError, OverflowError):
                value = value.isoformat()
        s = f' s="{style}"' if style else ""
        if value is None or value == "":
            return f'<c r="{ref}"{s}/>' if style else ""
        if isinstance(value, str):  # strings stay strings: never a formula
            return f'<c r="{ref}"{s} t="inlineStr"><is><t xml:space="preserve">{self.text(value)}</t></is></c>'
        if isinstance(value, bool):
            return f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>'
        if isinstance(value, int) or (isinstance(value, float) and math.isfinite(value)):
            return f'<c r="{ref}"{s}><v>{value!r}</v></c>'
        return f'<c r="{ref}"{s} t="inlineStr"><is><t xml:space="preserve">{self.text(str(value))}</t></is></c>'

    def plain_row(self, r: int, values: list, first: int = 0) -> list[str]:
        """Cells without decoration, from 0-based column `first`: the hot path, one f-string per cell."""
        letters = self.letters
        if len(letters) < len(values):
            self.letter(len(values))
        cells = []
        append = cells.append
        text = self.text
        for j in range(first, len(values)):
            value = values[j]
            if value is None or value == "":
                continue
            if value.__class__ is str:
                append(f'<c r="{letters[j]}{r}" t="inlineStr"><is><t xml:space="preserve">{text(value)}</t></is></c>')
            elif value.__class__ is float and math.isfinite(value) or value.__class__ is int:
                append(f'<c r="{letters[j]}{r}"><v>{value!r}</v></c>')
            else:
                append(self.cell(r, j + 1, value))
        return cells

    def row(self, r: int, cells: list[str], height: float | None = None) -> None:
        """One <row>; `height` in points, when the row must be taller than the default."""
        body = "".join(cells)
        if body and height:
            self.fh.write(f'<row r="{r}" ht="{height:g}" customHeight="1">{body}</row>')
        elif body:
            self.fh.write(f'<row r="{r}">{body}</row>')

    def close(self) -> None:
        self.fh.close()


def _data_row(ws, data: SheetData, out: OutSheet, r: int, values: list, header_style: int) -> int:
    """One row: values as given, faulty cells filled, the status cell; returns its last comment row."""
    width = max(len(values), out.status_col)
    styles = data.styles
    header = r == out.header_row
    if not header and r not in out.noted_rows:
        cells = data.plain_row(r, values[:out.status_col - 1])
        status = out.status.get(r)
        if status:
            cells.append(data.cell(r, out.status_col, status[0], styles.id(font=status[1])))
        if len(values) > out.status_col:  # columns after a reused Statut column
            cells += data.plain_row(r, values, out.status_col)
        data.row(r, cells)
        return r
    cells = []
    commented = []
    for col in range(1, width + 1):
        value = values[col - 1] if col <= len(values) else None
        notes = out.notes.get((r, col))
        if col == out.status_col:
            text_font = out.status.get(r)
            if header:
                value, font = STATUS_HEADER, BOLD
            else:
                value, font = (text_font if text_font else (None, None))
            if value is None and not notes:
                continue
            cells.append(data.cell(r, col, value or "", styles.id(font=font) if font else 0))
        elif notes:
            fill = _fill(notes)
            font = BOLD if header else None
            cells.append(data.cell(r, col, value, styles.id(fill, font) if (fill or font) else 0, fill, font))
        elif header and value not in (None, ""):
            cells.append(data.cell(r, col, value, header_style))
        else:
            cells.append(data.cell(r, col, value))
        if notes:
            commented.append((col, notes))
    data.row(r, cells)
    if commented:  # openpyxl writes the comments (and their VML) at the same cells
        row = [None] * commented[-1][0]
        for col, notes in commented:
            cell = WriteOnlyCell(ws)
            cell.comment = _comment(notes)
            row[col - 1] = cell
        _append_at(ws, out, r, row)
    return r


def _append_at(ws, out: OutSheet, r: int, row: list) -> None:
    """Append `row` as Excel row r of a write-only sheet (which numbers rows by count)."""
    while out.appended < r - 1:
        ws.append([])
        out.appended += 1
    ws.append(row)
    out.appended = r


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
    return max(out.first_row + len(out.grid or []) - 1, max((r for r, _ in out.notes), default=0),
               max(out.status, default=0), out.header_row)


def _rows_to_write(result, out: OutSheet, template_sources: set[str]) -> int:
    if out.entity:
        return int(result.tables[out.entity].raw["_source"].isin(template_sources).sum())
    return _last_row(out)


def _write_original(ws, data: SheetData, out: OutSheet, progress=None) -> None:
    rows = out.grid or []
    for j, width in enumerate(_widths(rows), out.first_col + 1):
        ws.column_dimensions[get_column_letter(j)].width = width
    ws.column_dimensions[get_column_letter(out.status_col)].width = 34
    if out.header_row >= 1:
        ws.freeze_panes = f"B{out.header_row + 1}"
    ws.page_setup.orientation = "landscape"
    header_style = data.styles.id(HEADER_FILL, BOLD)
    last = _last_row(out)
    pad = [None] * out.first_col
    for r in range(1, last + 1):
        k = r - out.first_row
        values = pad + list(rows[k]) if 0 <= k < len(rows) else []
        if out.status_col <= len(values):  # an old Statut column: replaced, not kept
            values[out.status_col - 1] = None
        _data_row(ws, data, out, r, values, header_style)
        if progress is not None:
            progress.advance(1)


def _write_template_layout(ws, data: SheetData, out: OutSheet, raw: pd.DataFrame,
                           template_sources: set[str], progress=None) -> None:
    spec = ENTITIES[out.entity]
    for j, f in enumerate(spec.fields, 1):
        ws.column_dimensions[get_column_letter(j)].width = min(max(len(f.label) + 4, 12), 34)
    ws.column_dimensions[get_column_letter(out.status_col)].width = 34
    ws.freeze_panes = "B2"
    ws.page_setup.orientation = "landscape"
    header_style = data.styles.id(HEADER_FILL, BOLD)
    _data_row(ws, data, out, 1, [f.label for f in spec.fields], header_style)
    mine = raw[raw["_source"].isin(template_sources)]
    columns = [mine[name].tolist() for name in spec.names]
    for k in range(len(mine)):
        values = [col[k] if isinstance(col[k], str) else ("" if col[k] is None or pd.isna(col[k]) else str(col[k]))
                  for col in columns]
        _data_row(ws, data, out, k + 2, values, header_style)
        if progress is not None:
            progress.advance(1)


SHEET_DATA = re.compile(r"<sheetData\s*/>|<sheetData>.*?</sheetData>", re.S)


def _splice(saved: Path, target: Path, rows_of: dict[str, Path]) -> None:
    """Copy openpyxl's package, replacing each data sheet's <sheetData> by our rows."""
    with zipfile.ZipFile(saved) as src, \
            zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as dst:
        for info in src.infolist():
            if info.filename not in rows_of:
                dst.writestr(info, src.read(info.filename))
                continue
            xml = src.read(info.filename).decode("utf-8")
            match = SHEET_DATA.search(xml)
            # Level 1: the rows are most of the file; speed matters more than a few MB.
            with dst.open(info.filename, "w", force_zip64=True) as out, \
                    open(rows_of[info.filename], "rb") as rows:
                out.write(xml[:match.start()].encode("utf-8"))
                out.write(b"<sheetData>")
                shutil.copyfileobj(rows, out, 1 << 20)
                out.write(b"</sheetData>")
                out.write(xml[match.end():].encode("utf-8"))


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
    if getattr(result, "columns", None):  # what each header was read as (columns_sheet.py)
        write_columns_sheet(wb.create_sheet(_unique(COLUMNS_SHEET, {fold(s.name) for s in sheets} | {fold(REPORT_SHEET), fold(CHANGES_SHEET)})),
                            result.columns)
    styles = Styles(rapport)
    with tempfile.TemporaryDirectory(prefix="fasd-report-") as tmp:
        rows = []
        data = SheetData(Path(tmp) / "rapport.xml", styles)
        try:
            _write_rapport(rapport, data, result, located)
        finally:
            data.close()
        rows.append((rapport, data.path))
        if changes is not None:  # imported into a catalogue base (issue 14)
            data = SheetData(Path(tmp) / "changes.xml", styles)
            try:
                write_changes_sheet(changes, data, result.catalogue, title_font=TITLE_FONT, bold=BOLD,
                                    header_fill=HEADER_FILL, center=CENTER)
            finally:
                data.close()
            rows.append((changes, data.path))
        for k, (ws, out) in enumerate(data_sheets):
            data = SheetData(Path(tmp) / f"rows{k}.xml", styles)
            try:
                if out.entity:
                    _write_template_layout(ws, data, out, result.tables[out.entity].raw, template_sources,
                                           progress)
                else:
                    _write_original(ws, data, out, progress)
            finally:
                data.close()
            rows.append((ws, data.path))
        saved = Path(tmp) / "openpyxl.xlsx"
        wb.save(saved)
        rows_of = {ws.path.lstrip("/"): p for ws, p in rows}  # sheet paths are numbered at save
        with atomic_path(path) as target:
            _splice(saved, target, rows_of)
