"""The zip guard's measure of a sheet decides calamine (dense) or the sparse reader:
a sheet with no <dimension> must be measured by the cells it references, not assumed
702 columns wide (issue 15: the 100 000-session flat workbook went to the slow path)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "hostile"))
from corpus import sheet_xml, workbook  # noqa: E402

from pipeline.readers import limits, xlsx  # noqa: E402
from pipeline.readers.zipguard import _beyond, _last_column, inspect  # noqa: E402
from pipeline.model.text import column_letter  # noqa: E402


@pytest.mark.parametrize("column", [0, 1, 25, 26, 27, 81, 702, 703, 16383, 16384])
def test_beyond_matches_exactly_the_columns_further_right(column):
    pattern = _beyond(column)
    for k in range(1, 16385):
        ref = f'<c r="{column_letter(k - 1)}12"'.encode()
        assert bool(pattern.search(ref)) == (k > column), (column, k)


def test_last_column_is_the_rightmost_reference_whatever_the_order():
    buf = b'<row r="1"><c r="A1"/><c r="CC1"/><c r="B1"/></row><row r="2"><c r="AB2"/></row>'
    assert _last_column(buf, 0) == 81
    assert _last_column(buf, 100) == 100
    assert _last_column(b'<row r="3"><c r="XFD3"/></row>', 5) == 16384


def _book(tmp_path: Path, rows: list[list], extra: str = "") -> Path:
    return workbook(tmp_path / "offre.xlsx", [("Offres", sheet_xml(rows, extra=extra))])


def _no_sparse(monkeypatch):
    def refuse(path):
        raise AssertionError("sparse path taken")

    monkeypatch.setattr(xlsx, "read_sheets_sparse", refuse)


def test_sheet_without_dimension_is_measured_by_its_cells(tmp_path, monkeypatch):
    path = _book(tmp_path, [[f"v{i}", i, "x"] for i in range(40)])
    (shape,) = inspect(path)
    assert (shape.declared, shape.last_row, shape.last_column) == (None, 40, 3)
    assert shape.area() == 120
    _no_sparse(monkeypatch)
    with limits.using(cells=1000):  # 40 rows x 702 assumed columns would be over it
        sheets = xlsx.read_sheets(path)
    rows, first_row, _ = sheets["Offres"]
    assert first_row == 1 and len(rows) == 40 and rows[39][0] == "v39"


def test_one_far_cell_still_counts(tmp_path):
    far = '<row r="41"><c r="ZZ41" t="inlineStr"><is><t> </t></is></c></row>'
    path = _book(tmp_path, [["a", "b"]] * 40, extra=far)
    (shape,) = inspect(path)
    assert shape.last_column == 702 and not shape.wide
    assert shape.area() == 41 * 702


def test_cells_without_references_assume_columns_up_to_zz(tmp_path):
    xml = sheet_xml([["a", "b"]] * 10).replace(' r="A', ' data-a="A').replace(' r="B', ' data-b="B')
    (shape,) = inspect(_book_xml(tmp_path, xml))
    assert shape.last_column == 0
    assert shape.area() == 10 * 702


def _book_xml(tmp_path: Path, xml: str) -> Path:
    return workbook(tmp_path / "sans-ref.xlsx", [("Offres", xml)])
