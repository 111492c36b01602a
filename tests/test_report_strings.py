"""report.xlsx's shared string table (writers/xlsx_stream.py SharedStrings)."""

from __future__ import annotations

import zipfile

import pandas as pd

from pipeline.writers.rapport_sheet import wrapped_height
from pipeline.writers.report_xlsx import _cell_texts
from pipeline.writers.xlsx_stream import SharedStrings


def test_each_distinct_text_is_written_once(tmp_path):
    strings = SharedStrings(tmp_path / "s.xml")
    ids = [strings.id(t) for t in ["a", "b & <c>", "a", "é\x01", "b & <c>"]]
    strings.close()
    assert ids == [0, 1, 0, 2, 1]
    with zipfile.ZipFile(tmp_path / "p.zip", "w") as z, z.open("sst.xml", "w") as out:
        strings.write_part(out)
    xml = zipfile.ZipFile(tmp_path / "p.zip").read("sst.xml").decode()
    assert 'count="5" uniqueCount="3"' in xml
    assert xml.endswith(
        '<si><t xml:space="preserve">a</t></si><si><t xml:space="preserve">b &amp; &lt;c&gt;</t></si>'
        '<si><t xml:space="preserve">é\\u0001</t></si></sst>'  # a control character shown as its code
    )


def test_past_the_bound_a_text_is_added_again(tmp_path):
    strings = SharedStrings(tmp_path / "s.xml")
    strings.LIMIT = 1
    assert [strings.id(t) for t in ["a", "b", "b", "a"]] == [0, 1, 2, 0]
    strings.close()
    assert strings.unique == 3


def test_cell_texts_of_a_raw_column():
    column = pd.Series(["x", None, float("nan"), 3, pd.NA, ""], dtype=object)
    assert _cell_texts(column) == ["x", "", "", "3", "", ""]


def test_wrapped_height_counts_lines():
    assert wrapped_height("", 60) == 15.0
    assert wrapped_height("mot " * 30, 60) == 30.0  # 119 characters wrap into two lines of 60
    assert wrapped_height("a\nb", 60) == 30.0
