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

Three modules: report_plan.py (the layout: sheets, where each finding goes, the
statuses), xlsx_stream.py (the engine: rows as SpreadsheetML text, one shared string
table, spliced into openpyxl's package) and this one (the rendering: what each sheet
looks like). The input workbook's sheets are the ones the reader kept (Result.sheets,
else re-read with python-calamine), never loaded with openpyxl. See docs/report-xlsx.md.
"""

from __future__ import annotations

import datetime as dt
import gc
import math
import tempfile
import textwrap
from functools import lru_cache
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.properties import Outline

from . import scratch
from ..model.fields import ENTITIES, ENTITY_ORDER
from ..model.causes import consequence_text, consequences, headline, record_label
from ..model.codes import ERROR, RULES, SEVERITY_LABELS, WARNING
from ..model.text import fold
from .atomic import atomic_path
from .changes_sheet import write_changes_sheet
from .columns_sheet import SHEET as COLUMNS_SHEET, write_columns_sheet
from .report_plan import (
    ACCEPTED,
    CASCADE_CODES,
    CHANGES_SHEET,
    REJECTED,
    REPORT_SHEET,
    STATUS_HEADER,
    WARNED,
    OutSheet,
    locate,
    plan_sheets,
    unique_name,
)
from .xlsx_stream import SharedStrings, SheetData, Styles, clean_text, splice

__all__ = ["write_report_xlsx", "SharedStrings", "SheetData", "Styles", "OutSheet", "ENTITY_ORDER"]

SEVERITY_FR = {s: label.capitalize() for s, label in SEVERITY_LABELS.items()}
MAX_LINKS = 65_000  # Excel keeps at most 65 530 hyperlinks per sheet

ERROR_FILL = PatternFill("solid", fgColor="FFC7CE")
WARNING_FILL = PatternFill("solid", fgColor="FFD9A0")
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
BOLD = Font(bold=True)
TITLE_FONT = Font(bold=True, size=14, color="1F4E78")
LINK_FONT = Font(color="0563C1", underline="single")
REJECTED_FONT = Font(bold=True, color="9C0006")
ACCEPTED_FONT = Font(color="006100")
WARNED_FONT = Font(color="9C5700")
STATUS_FONTS = {REJECTED: REJECTED_FONT, WARNED: WARNED_FONT, ACCEPTED: ACCEPTED_FONT}
WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")
LINE_HEIGHT = 15.0  # points per line of 11-point text, Excel's default row height


def _comment(findings: list[dict]) -> Comment:
    parts = []
    for f in findings:
        title = RULES[f["code"]].title if f["code"] in RULES else ""
        parts.append(f"{SEVERITY_FR.get(f['severity'], f['severity'])} — {title} ({f['code']}) : {f['message']}")
        if f.get("suggestion"):
            parts.append(f"→ {f['suggestion']}")
    text = clean_text("\n".join(parts))
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


FINDING_COLUMNS = (
    ("Feuille", 14),
    ("Cellule", 10),
    ("Gravité", 14),
    ("Constat", 30),
    ("Code", 22),
    ("Colonne", 24),
    ("Valeur", 24),
    ("Message", 60),
    ("Suggestion", 60),
    ("Fichier d'origine", 24),
    ("Emplacement d'origine", 22),
)
CENTER = Alignment(horizontal="center")
MESSAGE_WIDTH, SUGGESTION_WIDTH = dict(FINDING_COLUMNS)["Message"], dict(FINDING_COLUMNS)["Suggestion"]
HOW_TO_FIX = (
    "Cliquez sur une cellule de la colonne « Cellule » pour l'atteindre. Corrigez les cellules rouges "
    "(leur note dit quoi faire ; les orange sont à vérifier), enregistrez, puis réimportez ce fichier : "
    "fasd import report.xlsx --out … La feuille Rapport et la colonne Statut sont ignorées à l'import. "
    "Les lignes rejetées en conséquence (en bas, une ligne par cause ; + à gauche pour le détail) seront "
    "acceptées une fois leur cause corrigée."
)
CASCADE_TITLE = "Rejet en conséquence"


def establishment_rows(organisme: dict, head, head_center, center, rejected_center) -> list[list[tuple]]:
    """Which establishments the file holds (the owners of its offers) and their formations."""
    establishments = organisme.get("etablissements") or []
    if not establishments:
        return []
    rows: list[list[tuple]] = [
        [],
        [
            ("Établissement", head),
            ("SIRET", head),
            ("Formations", head_center),
            ("Acceptées", head_center),
            ("Dans l'envoi", head_center),
        ],
    ]
    for e in establishments:
        rows.append(
            [
                (e["nom"] or e["siret"], 0),
                (e["siret"], 0),
                (e["formations"], center),
                (e["acceptees"], center),
                ("oui" if e["dans_l_envoi"] else "non", center if e["dans_l_envoi"] else rejected_center),
            ]
        )
    return rows


@lru_cache(maxsize=1 << 14)
def _wrapped_height(text: str, width: float) -> float:
    """Row height (points) that shows all of `text` wrapped in a column `width` characters wide.

    LibreOffice Calc does not fit rows to wrapped text by itself (Excel does not on
    open either): without a height, every message shows its first line only. Lines
    are counted by wrapping at words to the column width in characters, which the
    default fonts of both fit or exceed, so the estimate errs on the tall side."""
    if not text:
        return LINE_HEIGHT
    lines = sum(max(1, len(textwrap.wrap(part, int(width), break_long_words=True))) for part in text.split("\n"))
    return LINE_HEIGHT * lines


def _write_rapport(ws, data: "SheetData", result, located: list[dict]) -> None:
    """Counts, then one line per finding. Rows go through SheetData (thousands of
    findings); only the link cells are also given to openpyxl, which writes <hyperlinks>."""
    st = data.styles
    # Finding rows are as tall as their longest wrapped text (see _wrapped_height) and
    # every cell of them sits at the top, next to the first line of the message.
    title, bold, link_style, wrap, top = (
        st.id(font=TITLE_FONT),
        st.id(font=BOLD),
        st.id(font=LINK_FONT, alignment=TOP),
        st.id(alignment=WRAP),
        st.id(alignment=TOP),
    )
    head, head_center = st.id(HEADER_FILL, BOLD), st.id(HEADER_FILL, BOLD, alignment=CENTER)
    center, rejected_center = st.id(alignment=CENTER), st.id(font=REJECTED_FONT, alignment=CENTER)
    severity_style = {ERROR: st.id(ERROR_FILL, alignment=TOP), WARNING: st.id(WARNING_FILL, alignment=TOP)}
    for j, (_, width) in enumerate(FINDING_COLUMNS, 1):
        ws.column_dimensions[get_column_letter(j)].width = width
    longest_source = max((len(Path(p).name) for p in result.inputs), default=0)
    source_col = [h for h, _ in FINDING_COLUMNS].index("Fichier d'origine")
    ws.column_dimensions[get_column_letter(source_col + 1)].width = min(
        max(FINDING_COLUMNS[source_col][1], longest_source + 2), 45
    )
    ws.sheet_properties.outlinePr = Outline(summaryBelow=False)  # a cause line above its cascade rows
    ws.sheet_format.outlineLevelRow = 1
    # Printed or exported to PDF, the ten columns fit the page width: a message and its
    # cell on the same page. Set before the first row: write-only sheets write <sheetPr> then.
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    summary = result.summary()
    inputs = ", ".join(Path(p).name for p in result.inputs)
    rows: list[list[tuple]] = [
        [("Rapport d'import de l'offre de formation", title)],
        [(f"Fichier(s) : {inputs} — date du traitement : {result.today.strftime('%d/%m/%Y')}", 0)],
        *([(note, 0)] for note in [getattr(result, "report_note", None)] if note),  # a streamed huge run
        [],
        [
            ("Feuille", head),
            ("Lus", head_center),
            ("Acceptés", head_center),
            ("Rejetés", head_center),
            ("À compléter", head_center),
        ],
    ]
    for name in ENTITY_ORDER:
        c = summary["entities"][name]
        rows.append(
            [
                (ENTITIES[name].sheet, 0),
                (c["read"], center),
                (c["accepted"], center),
                (c["rejected"], rejected_center if c["rejected"] else center),
                (summary.get("a_completer", {}).get(name, 0), center),
            ]
        )
    rows += establishment_rows(summary.get("organisme") or {}, head, head_center, center, rejected_center)
    rows += [
        [],
        [
            ("Constats", bold),
            (headline(summary["findings"]), 0),
        ],
        [("Corriger", st.id(font=BOLD, alignment=TOP)), (HOW_TO_FIX, wrap)],
        [],
        [(h, head) for h, _ in FINDING_COLUMNS],
    ]
    header_row = len(rows)
    how_to_row = header_row - 2  # its text spans columns B to J (merged), wrapped
    ws.merged_cells.add(f"B{how_to_row}:{get_column_letter(len(FINDING_COLUMNS))}{how_to_row}")
    heights = {how_to_row: _wrapped_height(HOW_TO_FIX, sum(w for _, w in FINDING_COLUMNS[1:]))}
    entries = _finding_entries(located, top, link_style, wrap, severity_style)
    for cells, _, _ in entries:
        rows.append(cells)
        height = max(
            _wrapped_height(cells[7][0] or "", MESSAGE_WIDTH), _wrapped_height(cells[8][0] or "", SUGGESTION_WIDTH)
        )
        if height > LINE_HEIGHT:
            heights[len(rows)] = height
    links = OutSheet(REPORT_SHEET)
    for r, cells in enumerate(rows, 1):
        entry = entries[r - header_row - 1] if r > header_row else None
        data.row(
            r,
            [data.cell(r, j, value, style) for j, (value, style) in enumerate(cells, 1)],
            heights.get(r),
            outline=entry[2] if entry else 0,
        )
        target = entry[1] if entry else None
        if target and target["out_cell"] and links.appended < header_row + MAX_LINKS:
            link = WriteOnlyCell(ws, value=target["out_cell"])
            link.hyperlink = Hyperlink(
                ref="",
                location=f"{quote_sheetname(target['out_sheet'])}!{target['out_cell']}",
                display=target["out_cell"],
            )
            _append_at(ws, links, r, [None, link])
    last_col = get_column_letter(len(FINDING_COLUMNS))
    ws.auto_filter.ref = f"A{header_row}:{last_col}{header_row + max(len(entries), 1)}"
    ws.page_setup.orientation = "landscape"


def _origin(f: dict) -> str:
    if f["cell"]:
        return f"cellule {f['cell']}"
    if f["line"] is not None:
        return f"ligne XML {f['line']}"
    return f"ligne {f['row']}" if f["row"] is not None else ""


def _finding_cells(f: dict, top: int, link_style: int, wrap: int, severity_style: dict) -> list[tuple]:
    origin = _origin(f)
    return [
        (f["out_sheet"] or (f["sheet"] or ""), top),
        (f["out_cell"], link_style if f["out_cell"] else top),
        (SEVERITY_FR.get(f["severity"], f["severity"]), severity_style.get(f["severity"], top)),
        (RULES[f["code"]].title if f["code"] in RULES else "", top),
        (f["code"], top),
        (f["column"] or "", top),
        (f["value"] or "", top),
        (f["message"] or "", wrap),
        (f["suggestion"] or "", wrap),
        (f["source"] or "", top),
        ((f"{f['sheet']} {origin}".strip() if f["sheet"] else origin), top),
    ]


def _finding_entries(located: list[dict], top, link_style, wrap, severity_style) -> list[tuple[list, dict | None, int]]:
    """(cells, finding the row links to, outline level) per row of the findings table.

    The findings to fix first, in reading order; then one line per cause saying what its
    errors reject in consequence, its cascade findings below it, folded (outline level 1)."""
    own = [f for f in located if not f.get("cause_entity")]
    groups: dict[tuple[str, str], list[dict]] = {}
    for f in located:
        if f.get("cause_entity"):
            groups.setdefault((f["cause_entity"], f.get("cause_key") or ""), []).append(f)
    first_of: dict[tuple[str, str], dict] = {}
    for f in own:
        if f["severity"] == ERROR and f.get("entity"):
            first_of.setdefault((f["entity"], f.get("key") or ""), f)
    rank = {id(f): i for i, f in enumerate(own)}
    entries: list[tuple[list, dict | None, int]] = [
        (_finding_cells(f, top, link_style, wrap, severity_style), f, 0) for f in own
    ]
    for cause in sorted(groups, key=lambda c: rank.get(id(first_of.get(c)), len(rank))):
        cascade = groups[cause]
        head = first_of.get(cause)
        what = record_label(*cause)
        message = f"{what[0].upper()}{what[1:]} {consequence_text(consequences(cascade)[cause])}."
        n = len(cascade)
        suggestion = f"Corrigez d'abord les erreurs de {what} (plus haut) : " + (
            "cette ligne sera alors acceptée." if n == 1 else f"ces {n} lignes seront alors acceptées."
        )
        codes = ", ".join(sorted({f["code"] for f in cascade}, key=lambda c: c != "PARENT_REJECTED"))
        cells = [
            ((head or {}).get("out_sheet") or "", top),
            ((head or {}).get("out_cell") or "", link_style if head and head["out_cell"] else top),
            (SEVERITY_FR[ERROR], severity_style[ERROR]),
            (CASCADE_TITLE, top),
            (codes, top),
            ("", top),
            ("", top),
            (message, wrap),
            (suggestion, wrap),
            ((head or {}).get("source") or "", top),
            ("", top),
        ]
        entries.append((cells, head, 0))
        entries += [(_finding_cells(f, top, link_style, wrap, severity_style), f, 1) for f in cascade]
    return entries


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
            fill = _fill(notes) if notes else None
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
            fill = _fill(notes)
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
        cell.comment = _comment(notes)
        row[col - 1] = cell
    _append_at(ws, out, r, row)


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
            _write_rapport(rapport, data, result, located)
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
