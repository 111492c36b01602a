"""A workbook damaged on the way (a download cut short, bytes lost, a rewritten file):
whatever the zip fault, exit code 2 and one French line, never an internal error
(issue 23: two real catalogues with bytes missing were « erreur interne », exit 3).

Each fault is made by hand on a small valid workbook, so the test says which one it is.
"""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from factory import valid_offer, write_workbook
from pipeline.cli.main import main

CENTRAL = b"PK\x01\x02"


def sheet_member(book: Path) -> zipfile.ZipInfo:
    with zipfile.ZipFile(book) as z:
        return next(i for i in z.infolist() if i.filename.startswith("xl/worksheets/"))


def truncated(data: bytes, book: Path) -> bytes:
    return data[: len(data) * 2 // 3]


def bytes_missing(data: bytes, book: Path) -> bytes:
    """600 bytes lost before the sheets: every later member is where the directory does not say."""
    return data[:1000] + data[1600:]


def bad_central_directory(data: bytes, book: Path) -> bytes:
    """The first directory entry's name and sizes overwritten."""
    at = data.find(CENTRAL)
    return data[: at + 10] + b"\xff" * 30 + data[at + 40 :]


def bad_crc(data: bytes, book: Path) -> bytes:
    """A sheet whose bytes inflate well but whose checksum (local header and directory) is wrong."""
    info = sheet_member(book)
    wrong = struct.pack("<I", info.CRC ^ 0xDEADBEEF)
    out = bytearray(data)
    out[info.header_offset + 14 : info.header_offset + 18] = wrong
    at = data.find(CENTRAL)
    while at >= 0:
        length = struct.unpack("<H", data[at + 28 : at + 30])[0]
        if data[at + 46 : at + 46 + length] == info.filename.encode():
            out[at + 16 : at + 20] = wrong
        at = data.find(CENTRAL, at + 4)
    return bytes(out)


@pytest.mark.parametrize("suffix", [".xlsx", ".xlsm"])
@pytest.mark.parametrize(
    "damage,said",
    [
        (truncated, "endommagé ou incomplet"),
        (bytes_missing, "introuvable à l'endroit annoncé"),
        (bad_central_directory, "répertoire du zip incohérent"),
        (bad_crc, "somme de contrôle fausse"),
    ],
)
def test_a_damaged_workbook_is_exit_2_and_one_french_line(tmp_path, damage, said, suffix):
    good = write_workbook(tmp_path / f"bon{suffix}", valid_offer())
    book = tmp_path / f"offre{suffix}"
    book.write_bytes(damage(good.read_bytes(), good))
    result = CliRunner().invoke(main, ["import", str(book), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, lines
    assert f"offre{suffix}" in lines[0] and "endommagé" in lines[0] and said in lines[0]
    assert "interne" not in lines[0] and "Error" not in lines[0]


def test_the_undamaged_workbook_is_read(tmp_path):
    good = write_workbook(tmp_path / "bon.xlsx", valid_offer())
    result = CliRunner().invoke(main, ["check", str(good), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
