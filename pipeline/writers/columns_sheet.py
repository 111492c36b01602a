"""The `Colonnes` sheet of report.xlsx: what each header of each input was read as, and why.

A person whose column was not taken sees it here (« non reconnue », with the nearest
label), as well as the header decided by its content or by the --colonnes mapping.
Its rows go through report_xlsx's SheetData like every other sheet (the workbook has
one shared string table, written there).
"""

from __future__ import annotations

from openpyxl.styles import Font, PatternFill

from ..readers.headers import HOW_DUPLICATE, HOW_UNKNOWN, entity_of
from ..model.fields import ENTITIES, OFFER_ENTITIES
from ..readers.sanitise import clean

SHEET = "Colonnes"
HEADERS = [
    ("Fichier", 28),
    ("Feuille", 20),
    ("Colonne", 9),
    ("En-tête", 40),
    ("Lu comme", 34),
    ("Champ", 24),
    ("Reconnue par", 22),
    ("Certitude", 12),
    ("Pourquoi", 70),
    ("Exemples de valeurs", 60),
]
BOLD = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
IGNORED_FILL = PatternFill("solid", fgColor="E7E6E6")  # grey: not a cell to fix, unlike red / orange


def label_of(field: str, entity: str) -> str:
    name = entity or entity_of(field, OFFER_ENTITIES) or next((e for e in ENTITIES if field in ENTITIES[e].by_name), "")
    return ENTITIES[name].field(field).label.rstrip(" *") if name else field


def write_columns_sheet(ws, data, columns: list[dict]) -> None:
    """Fill write-only worksheet `ws` (its layout) and `data` (report_xlsx.SheetData, its
    rows) with one row per header decision (result.columns)."""
    longest = [
        max([len(h)] + [len(str(v)) for v in values])
        for h, values in zip(
            [h for h, _ in HEADERS], zip(*[_row(d) for d in columns]) if columns else [[]] * len(HEADERS)
        )
    ]
    for j, ((_, cap), size) in enumerate(zip(HEADERS, longest)):
        ws.column_dimensions[chr(65 + j)].width = min(size + 2, cap)
    ws.freeze_panes = "A2"
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"
    ws.sheet_properties.pageSetUpPr.fitToPage = True  # one page wide when printed
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0

    def cell(r: int, j: int, value, style: int = 0) -> str:
        if isinstance(value, str):
            value = clean(value)[0]  # samples are read before sanitise.py: no control characters in xlsx
        return data.cell(r, j, value, style)  # a text cell: one written like a formula stays text

    head, ignored = data.styles.id(HEADER_FILL, BOLD), data.styles.id(IGNORED_FILL)
    data.row(1, [cell(1, j, h, head) for j, (h, _) in enumerate(HEADERS, 1)])
    for r, d in enumerate(columns, 2):
        style = ignored if d["how"] in (HOW_UNKNOWN, HOW_DUPLICATE) else 0
        data.row(r, [cell(r, j, v, style if j in (4, 5) else 0) for j, v in enumerate(_row(d), 1)])


def _row(d: dict) -> list[str]:
    read = label_of(d["field"], d.get("entity", "")) if d["field"] else "ignorée"
    return [
        d["source"],
        d["sheet"],
        d["column"],
        d["header"],
        read,
        d["field"],
        d["how"],
        d.get("certainty", ""),
        d["why"],
        " | ".join(d.get("samples", [])),
    ]
