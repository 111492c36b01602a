"""The Rapport sheet of report.xlsx: the counts, the establishments of the file, what to do,
then one line per finding (causes first, each cascade one line under its cause) with a
link to its cell."""

from __future__ import annotations

import textwrap
from functools import lru_cache
from pathlib import Path

from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.properties import Outline

from ..model.fields import ENTITIES, ENTITY_ORDER
from ..model.causes import consequence_text, consequences, headline, record_label
from ..model.codes import ERROR, RULES, WARNING
from .report_plan import (
    REPORT_SHEET,
    OutSheet,
)
from .xlsx_stream import SheetData, append_at


from .report_style import (
    BOLD,
    CENTER,
    ERROR_FILL,
    HEADER_FILL,
    LINE_HEIGHT,
    LINK_FONT,
    REJECTED_FONT,
    SEVERITY_FR,
    TITLE_FONT,
    TOP,
    WARNING_FILL,
    WRAP,
)

MAX_LINKS = 65_000  # Excel keeps at most 65 530 hyperlinks per sheet


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
def wrapped_height(text: str, width: float) -> float:
    """Row height (points) that shows all of `text` wrapped in a column `width` characters wide.

    LibreOffice Calc does not fit rows to wrapped text by itself (Excel does not on
    open either): without a height, every message shows its first line only. Lines
    are counted by wrapping at words to the column width in characters, which the
    default fonts of both fit or exceed, so the estimate errs on the tall side."""
    if not text:
        return LINE_HEIGHT
    lines = sum(max(1, len(textwrap.wrap(part, int(width), break_long_words=True))) for part in text.split("\n"))
    return LINE_HEIGHT * lines


def write_rapport_sheet(ws, data: "SheetData", result, located: list[dict]) -> None:
    """Counts, then one line per finding. Rows go through SheetData (thousands of
    findings); only the link cells are also given to openpyxl, which writes <hyperlinks>."""
    st = data.styles
    # Finding rows are as tall as their longest wrapped text (see wrapped_height) and
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
    heights = {how_to_row: wrapped_height(HOW_TO_FIX, sum(w for _, w in FINDING_COLUMNS[1:]))}
    entries = _finding_entries(located, top, link_style, wrap, severity_style)
    for cells, _, _ in entries:
        rows.append(cells)
        height = max(
            wrapped_height(cells[7][0] or "", MESSAGE_WIDTH), wrapped_height(cells[8][0] or "", SUGGESTION_WIDTH)
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
            append_at(ws, links, r, [None, link])
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
