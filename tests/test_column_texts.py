"""readers/columns.py: a body's columns as the text a person sees, whatever the shape of its rows."""

import datetime as dt

from pipeline.readers.columns import ColumnTexts
from pipeline.readers.grid import cell_text


def test_columns_of_rows_of_one_length():
    body = [
        ["a", 1.0, True, dt.datetime(2026, 3, 1)],
        ["b", True, 1.0, dt.datetime(2026, 3, 1, 9, 30)],
        ["c", 2.5, None, dt.date(2026, 3, 1)],
    ]
    texts = ColumnTexts(body, cell_text)
    assert texts(0) == ["a", "b", "c"]
    assert texts(1) == ["1", "oui", "2.5"]  # 1.0 and True are equal, not the same text
    assert texts(2) == ["oui", "1", ""]
    assert texts(3) == ["01/03/2026", "01/03/2026 09:30", "01/03/2026"]
    assert texts(1) is texts(1)  # computed once
    assert texts(4) == ["", "", ""]


def test_ragged_rows_read_blank_past_their_end():
    body = [["a", "x", 3.0], ["b"], [], ["d", dt.timedelta(hours=1)]]
    texts = ColumnTexts(body, cell_text)
    assert texts(0) == ["a", "b", "", "d"]
    assert texts(1) == ["x", "", "", "1:00:00"]
    assert texts(2) == ["3", "", "", ""]


def test_empty_body():
    assert ColumnTexts([], cell_text)(0) == []
