"""The rows of a CSV read as a stream (pipeline/readers/csv_stream.py) are csv.reader's rows of the
whole file, whatever the blocks: quoted line breaks across a cut, doubled quotes, quotes
read as written, ragged rows, blank lines, Windows line breaks."""

from __future__ import annotations

import csv
import io

import pytest

import pipeline.readers.csv_stream as stream_rows
from pipeline.readers.csv_stream import Decoding, csv_rows, record_end

ROWS = [
    ["ref", "intitulé", "programme"],
    ["F1", "Soudure", '"Module 1"\nModule 2;\nfin'],
    ["F1", "", ""],
    ["F2", 'a""b', "x\n\ny"],  # a blank line inside quotes
    ["F3", "é" * 30, ""],
]


def _file(tmp_path, text: str, encoding: str = "utf-8"):
    path = tmp_path / "offres.csv"
    path.write_bytes(text.encode(encoding))
    return path


def _expected(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


def _cells(rows) -> list[list[str]]:
    """Rows without their trailing empty cells: a short row may come padded with empty
    cells (pandas pads it; every reader takes a cell past a row's end as empty)."""
    out = []
    for row in rows:
        row = list(row)
        while row and row[-1] == "":
            row.pop()
        out.append(row)
    return out


def _written(rows, newline="\n", copies=40) -> str:
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=";", lineterminator=newline).writerows(rows[:1] + rows[1:] * copies)
    return out.getvalue()


CASES = {
    "quoted": _written(ROWS),
    "crlf": _written(ROWS, "\r\n"),
    "literal quote": _written(ROWS) + 'F4;12"5;x\nF5;"a\nb";c\n' + _written(ROWS[1:]),
    "ragged": _written(ROWS) + "F6;x\nF7;y;z;w\n" + _written(ROWS[1:]),
    "blank lines": _written(ROWS) + "\n\n" + _written(ROWS[1:]),
    "lone carriage return": _written(ROWS, "\r\n") + 'F9;a\rb;c\r\nF10;"x\ry";z\r\n' + _written(ROWS[1:], "\r\n"),
    "byte order mark inside": _written(ROWS) + "\ufeffF11;a;b\n" + _written(ROWS[1:]),
    "one column": "ref\nF1\n\nF2\n" * 20,
    "blank line first": "\n" + _written(ROWS),
    "no final line break": _written(ROWS).rstrip("\n"),
    "quote left open": _written(ROWS) + 'F8;"abc\n',
}


@pytest.mark.parametrize("block", [7, 64, 1000, 8 * 1024 * 1024])
@pytest.mark.parametrize("name", sorted(CASES))
def test_rows_are_csv_reader_rows(tmp_path, monkeypatch, name, block):
    monkeypatch.setattr(stream_rows, "BLOCK_BYTES", block)
    monkeypatch.setattr(stream_rows, "SNIFF_CHARS", 16)  # the first block is 4 of them
    text = CASES[name]
    try:
        expected = _expected(text)
    except csv.Error:
        expected = None
    rows, delimiter = csv_rows(_file(tmp_path, text), Decoding())
    assert delimiter == ";"
    if expected is None:
        with pytest.raises(stream_rows.StreamFallback):
            list(rows)
    else:
        assert _cells(rows) == _cells(expected)


@pytest.mark.parametrize("block", [50, 300, 8 * 1024 * 1024])
def test_windows_1252_bytes(tmp_path, monkeypatch, block):
    """Blocks pandas decodes, checked again where it cannot: the rows and the lines of
    stray bytes are readers/csv.py's, whole Windows-1252 files and UTF-8 ones with a few."""
    from pipeline.readers.csv import read_csv_rows

    monkeypatch.setattr(stream_rows, "BLOCK_BYTES", block)
    monkeypatch.setattr(stream_rows, "SNIFF_CHARS", 16)
    text = _written(ROWS)
    lines = text.encode("utf-8").split(b"\n")
    for i in (9, 10, 30, 70):  # a stray Windows-1252 "é" in a UTF-8 file
        lines[i] = lines[i].replace(b";", b";\xe9", 1)
    ascii_head = _written([["ref", "a", "b"]] + [["F0", "x", "y"]] * 20 + ROWS[1:] + [["F9", "zz", "zz"]] * 20)
    late = ascii_head.encode("utf-8")[:-4] + b"\xe9z\n"  # UTF-8 met in a later block than the head
    for data in (text.encode("cp1252"), b"\n".join(lines), text.encode("utf-8"), late):
        path = tmp_path / "offres.csv"
        path.write_bytes(data)
        expected_lines: list[int] = []
        expected = read_csv_rows(path, expected_lines)
        decoding = Decoding()
        rows, _ = csv_rows(path, decoding)
        assert _cells(rows) == _cells(expected)
        assert decoding.mixed_lines() == expected_lines


def test_record_end():
    sep = ord(";")
    assert record_end(b"a;b\nc;d\ne", sep) == 8
    assert record_end(b'a;"b\nc";d\ne;"f\ng', sep) == 10  # the last line break is quoted
    assert record_end(b'a;"b\nc', sep) == 0  # no record ends here
    assert record_end(b'a;"b""c"\n', sep) == 9
    assert record_end(b'a;1"5\nb\n', sep) is None  # a quote inside an unquoted field
    assert record_end(b'a;"b"c\n', sep) is None  # text after a closing quote


def test_block_starting_with_a_blank_line():
    """A cut can fall between two line breaks: the block's first row is csv.reader's []."""
    from pipeline.readers.csv_stream import _tokenised

    assert list(_tokenised(b"\nF2\n", ";")) == [[], ["F2"]]
    assert list(_tokenised(b"\r\nF2;x\r\nF3;y\r\n", ";")) == [[], ["F2", "x"], ["F3", "y"]]
