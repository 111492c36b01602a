"""The shape of a CSV measured from its bytes (readers/csv_shape.py), across scan blocks."""

import pytest

from pipeline.readers import csv_shape


@pytest.mark.parametrize("block", [3, 4, 7, 1 << 20])
def test_longest_line_and_field_whatever_the_blocks(monkeypatch, block):
    monkeypatch.setattr(csv_shape, "SCAN_BYTES", block)
    data = b"ab;c\nabcdefg;hi;jklm\n;\nxyz"
    # lines: 4, 15, 1, 3 bytes; runs without ";" nor line break: "abcdefg" (7)
    assert csv_shape.longest_runs(data, ord(";")) == (15, 7)
    assert csv_shape.longest_runs(b"", ord(";")) == (0, 0)
    assert csv_shape.longest_runs(b"abc", ord(";")) == (3, 3)


def test_quoted_separators_do_not_count_as_columns():
    from pipeline.model.errors import InputError
    from pipeline.readers.limits import using

    with using(columns=3):
        csv_shape.check_columns('a;b;c\n1;"x;y;z;w";3\n', ";", "f.csv")  # three fields each
        with pytest.raises(InputError, match="au moins 4 colonnes à la ligne 2"):
            csv_shape.check_columns("a;b;c\n1;2;3;4\n", ";", "f.csv")
