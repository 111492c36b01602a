"""The `Modifications` sheet of report.xlsx: what an import changed in the catalogue base.

Written only when the run was applied to a base (`fasd import --base`): the counts per
sheet and kind of change, then one line per changed field, as changes.csv. Rows are
streamed through report_xlsx's SheetData like the Rapport sheet. `fasd import
report.xlsx` skips this sheet (readers/xlsx.py NON_DATA_SHEETS).
"""

from __future__ import annotations

from openpyxl.utils import get_column_letter

SHEET = "Modifications"
HEADERS = ["Feuille", "Clé", "Code FAS", "Changement", "Champ", "Ancienne valeur", "Nouvelle valeur", "Motif"]
WIDTHS = [14, 30, 18, 14, 26, 40, 40, 40]  # one per column of changes.csv


def write_changes_sheet(ws, data, report, *, title_font, bold, header_fill, center) -> None:
    """Fill `ws` (write-only) through `data` (SheetData) with the change report."""
    from .changes import KIND_LABELS, KINDS  # only after an import into a base
    from ..model.fields import ENTITIES

    st = data.styles
    title, bold_id, head = st.id(font=title_font), st.id(font=bold), st.id(header_fill, bold)
    head_center, center_id = st.id(header_fill, bold, alignment=center), st.id(alignment=center)
    for j, width in enumerate(WIDTHS, 1):
        ws.column_dimensions[get_column_letter(j)].width = width
    mode = "changements prévus, base inchangée (--dry-run)" if report.dry_run else "changements appliqués"
    rows = [
        [("Modifications de la base du catalogue", title)],
        [(f"Organisme {report.organisation} — périmètre {report.perimetre} — {mode}", 0)],
        [],
        [("Feuille", head)] + [(KIND_LABELS[k].capitalize(), head_center) for k in KINDS],
    ]
    for entity, counts in report.counts.items():
        rows.append([(ENTITIES[entity].sheet, 0)] + [(counts[k], center_id) for k in KINDS])
    detail = "une ligne par champ modifié, par enregistrement créé, retiré ou en conflit"
    rows += [[], [("Détail", bold_id), (detail, 0)], [(h, head) for h in HEADERS]]
    header_row = len(rows)
    for line in report.csv_rows():
        rows.append([(value, 0) for value in line])  # no wrap: rows keep one line in every viewer
    for r, cells in enumerate(rows, 1):
        data.row(r, [data.cell(r, j, value, style) for j, (value, style) in enumerate(cells, 1)])
    ws.auto_filter.ref = f"A{header_row}:H{max(len(rows), header_row + 1)}"
    ws.freeze_panes = f"A{header_row + 1}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
