"""report.xlsx reads whole in LibreOffice Calc: rows of wrapped text have a height (Calc
does not fit them itself), and printed, the Rapport sheet fits the page width."""

from __future__ import annotations

import math

import openpyxl

from factory import SAMPLES, TODAY
from pipeline.model.causes import consequences
from pipeline.engine.run import run
from pipeline.writers.report_xlsx import write_report_xlsx

DEFAULT_HEIGHT = 15.0
FLAWED = SAMPLES / "offre-sanitaire-social-erreurs.xlsx"


def rapport(tmp_path):
    result = run([FLAWED], today=TODAY)
    write_report_xlsx(result, tmp_path / "report.xlsx")
    return result, openpyxl.load_workbook(tmp_path / "report.xlsx")["Rapport"]


def test_every_finding_row_is_tall_enough_for_its_wrapped_texts(tmp_path):
    result, ws = rapport(tmp_path)
    rows = list(ws.iter_rows())
    start = next(i for i, r in enumerate(rows) if r[0].value == "Feuille" and r[1].value == "Cellule")
    header = [c.value for c in rows[start]]
    width = {name: ws.column_dimensions[c.column_letter].width for name, c in zip(header, rows[start])}
    tall = 0
    for row in rows[start + 1 :]:
        cells = dict(zip(header, row))
        r = row[0].row
        height = ws.row_dimensions[r].height or DEFAULT_HEIGHT
        for name in ("Message", "Suggestion"):
            text = cells[name].value or ""
            assert cells[name].alignment.wrap_text
            # Wrapping at words never makes fewer lines than the characters need (the
            # space at each break takes no room).
            lines = math.ceil((len(text) + 1) / (width[name] + 1)) if text else 1
            assert height >= DEFAULT_HEIGHT * lines, (r, name, text)
        if height > DEFAULT_HEIGHT:
            tall += 1
    # every finding, plus one line per cause above the rows it rejects in consequence
    assert len(rows) - start - 1 == len(result.findings) + len(consequences(result.findings))
    assert tall >= 10  # the flawed sample has many messages longer than one line


def test_short_rows_keep_the_default_height(tmp_path):
    _, ws = rapport(tmp_path)
    assert ws["A1"].value == "Rapport d'import de l'offre de formation"
    for r in range(1, 11):  # title, files, counts per sheet
        assert ws.row_dimensions[r].height is None


def test_how_to_fix_text_is_merged_across_the_columns_and_wrapped(tmp_path):
    _, ws = rapport(tmp_path)
    row = next(c.row for c in ws["A"] if c.value == "Corriger")
    assert f"B{row}:K{row}" in {str(m) for m in ws.merged_cells.ranges}
    assert ws.cell(row, 2).alignment.wrap_text
    assert ws.row_dimensions[row].height >= 2 * DEFAULT_HEIGHT


def test_rapport_prints_one_page_wide(tmp_path):
    _, ws = rapport(tmp_path)
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)


def test_data_sheets_fit_to_the_width_of_readable_pages(tmp_path):
    result = run([FLAWED], today=TODAY)
    write_report_xlsx(result, tmp_path / "report.xlsx")
    book = openpyxl.load_workbook(tmp_path / "report.xlsx")
    for name in ("Sites", "Contacts", "Formations", "Actions", "Sessions", "Dispositifs"):
        ws = book[name]
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToHeight == 0, name
        assert ws.print_title_rows == "$1:$1", name  # the header on every page
    assert book["Contacts"].page_setup.fitToWidth == 1
    sessions = book["Sessions"]  # 31 columns: a few pages across, each with the reference and its Statut
    assert sessions.page_setup.fitToWidth > 1 and sessions.print_title_cols == "$A:$B"
