"""readers/cells.py: rows read one by one hold each repeated text once and read as to_python() did."""

import datetime as dt

import openpyxl
from python_calamine import CalamineWorkbook

from pipeline.readers.cells import sheet_rows
from pipeline.readers.xlsx import read_sheets

LONG = "Objectifs : " + "savoir soigner. " * 100


def _book(tmp_path, fill) -> CalamineWorkbook:
    wb = openpyxl.Workbook()
    fill(wb)
    path = tmp_path / "t.xlsx"
    wb.save(path)
    return path


def _same(a, b):
    """Equal values of the same types (1.0 == True, a date == nothing else)."""
    assert [[type(v) for v in r] for r in a] == [[type(v) for v in r] for r in b]
    assert a == b


def _every_kind(wb):
    ws = wb.active
    ws["C5"], ws["D5"], ws["E5"], ws["F5"], ws["G5"] = "a", 1, 1.5, True, dt.datetime(2026, 1, 2, 3, 4)
    ws["C6"], ws["D6"], ws["E6"], ws["F6"] = 1.0, True, "1", dt.date(2026, 3, 1)
    ws["C8"], ws["D8"] = dt.time(10, 30), "=1+1"
    ws["H9"] = "far"  # a ragged sheet: a longer row below shorter ones
    ws.merge_cells("C10:C12")
    ws["C10"] = "fusion"
    ws["D12"] = "fin"  # the merged range lies inside the used range
    wb.create_sheet("vide")
    top = wb.create_sheet("haut")
    top["B3"] = "x"


def test_rows_are_what_to_python_gives(tmp_path):
    path = _book(tmp_path, _every_kind)
    book = CalamineWorkbook.from_path(str(path))
    for name in book.sheet_names:
        sheet = book.get_sheet_by_name(name)
        _same(sheet_rows(sheet), sheet.to_python())
    first = sheet_rows(book.get_sheet_by_name("Sheet"))
    assert first[0][:4] == ["a", 1.0, 1.5, True] and first[0][3] is True
    assert first[1][:3] == [1.0, True, "1"] and first[1][1] is True and first[1][0].__class__ is float
    assert sheet_rows(book.get_sheet_by_name("vide")) == []
    assert sheet_rows(book.get_sheet_by_name("haut")) == [["x"]]


def test_a_repeated_text_is_one_object(tmp_path):
    def fill(wb):
        ws = wb.active
        ws.append(["Formation", "Objectifs", "Session"])
        for k in range(50):
            ws.append(["F1", LONG, f"S{k}"])

    book = CalamineWorkbook.from_path(str(_book(tmp_path, fill)))
    rows = sheet_rows(book.get_sheet_by_name("Sheet"))
    assert len(rows) == 51 and all(r[1] == LONG for r in rows[1:])
    assert len({id(r[1]) for r in rows[1:]}) == 1
    assert [r[2] for r in rows[1:]] == [f"S{k}" for k in range(50)]


def test_read_sheets_fills_merged_cells_and_keeps_the_origin(tmp_path):
    path = _book(tmp_path, _every_kind)
    sheets = read_sheets(path)
    rows, first_row, first_col = sheets["Sheet"]
    assert (first_row, first_col) == (5, 2)
    assert [r[0] for r in rows[-3:]] == ["fusion"] * 3 and rows[-1][1] == "fin"
    assert sheets["haut"] == ([["x"]], 3, 1)
    assert sheets["vide"][0] == []


def test_report_lays_out_the_sheets_read_without_reading_the_file_again(tmp_path, monkeypatch):
    from factory import SAMPLES, TODAY

    from pipeline.readers import xlsx
    from pipeline.engine.run import run
    from pipeline.writers.report_xlsx import write_report_xlsx

    path = SAMPLES / "offre-sanitaire-social-erreurs.xlsx"
    result = run([path], today=TODAY)
    assert set(result.sheets) == {str(path)}
    write_report_xlsx(result, tmp_path / "once.xlsx")

    def refuse(p):
        raise AssertionError(f"{p} read again")

    monkeypatch.setattr(xlsx, "read_sheets", refuse)
    write_report_xlsx(result, tmp_path / "kept.xlsx")
    result.sheets = {}
    monkeypatch.undo()
    write_report_xlsx(result, tmp_path / "again.xlsx")
    values = [
        [[c.value for c in row] for ws in openpyxl.load_workbook(tmp_path / name).worksheets for row in ws.iter_rows()]
        for name in ("once.xlsx", "kept.xlsx", "again.xlsx")
    ]
    assert values[0] == values[1] == values[2]
