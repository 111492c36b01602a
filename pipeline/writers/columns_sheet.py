"""The `Colonnes` sheet of report.xlsx: what each header of each input was read as, and why.

A person whose column was not taken sees it here (« non reconnue », with the nearest
label), as well as the header decided by its content or by the --colonnes mapping.
Small (one row per header): written with openpyxl's write-only cells, not spliced.
"""
from __future__ import annotations

from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill

from ..headers import HOW_DUPLICATE, HOW_UNKNOWN, entity_of
from ..model import ENTITIES, OFFER_ENTITIES
from ..sanitise import clean
from .safe import is_formula_like

SHEET = "Colonnes"
HEADERS = [("Fichier", 28), ("Feuille", 20), ("Colonne", 9), ("En-tête", 40), ("Lu comme", 34),
           ("Champ", 24), ("Reconnue par", 22), ("Pourquoi", 70), ("Exemples de valeurs", 60)]
BOLD = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
IGNORED_FILL = PatternFill("solid", fgColor="E7E6E6")  # grey: not a cell to fix, unlike red / orange


def label_of(field: str, entity: str) -> str:
    name = entity or entity_of(field, OFFER_ENTITIES) or next(
        (e for e in ENTITIES if field in ENTITIES[e].by_name), "")
    return ENTITIES[name].field(field).label.rstrip(" *") if name else field


def write_columns_sheet(ws, columns: list[dict]) -> None:
    """Fill write-only worksheet `ws` with one row per header decision (result.columns)."""
    longest = [max([len(h)] + [len(str(v)) for v in values]) for h, values in
               zip([h for h, _ in HEADERS], zip(*[_row(d) for d in columns]) if columns else [[]] * len(HEADERS))]
    for j, ((_, cap), size) in enumerate(zip(HEADERS, longest)):
        ws.column_dimensions[chr(65 + j)].width = min(size + 2, cap)
    ws.freeze_panes = "A2"
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"
    ws.sheet_properties.pageSetUpPr.fitToPage = True  # one page wide when printed
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0

    def cell(value, **style):
        if isinstance(value, str):
            value = clean(value)[0]  # samples are read before sanitise.py: no control characters in xlsx
        c = WriteOnlyCell(ws, value=value)
        if is_formula_like(value):
            c.data_type = "s"  # a header or sample written like a formula stays text (writers/safe.py)
        for key, val in style.items():
            setattr(c, key, val)
        return c

    ws.append([cell(h, font=BOLD, fill=HEADER_FILL) for h, _ in HEADERS])
    for d in columns:
        fill = {"fill": IGNORED_FILL} if d["how"] in (HOW_UNKNOWN, HOW_DUPLICATE) else {}
        values = _row(d)
        ws.append([cell(v, **(fill if j in (3, 4) else {})) for j, v in enumerate(values)])


def _row(d: dict) -> list[str]:
    read = label_of(d["field"], d.get("entity", "")) if d["field"] else "ignorée"
    return [d["source"], d["sheet"], d["column"], d["header"], read, d["field"], d["how"], d["why"],
            " | ".join(d.get("samples", []))]
