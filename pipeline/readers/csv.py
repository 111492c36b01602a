"""Flat CSV exports: UTF-8 (with or without BOM) or Windows-1252, `;` or `,`."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd

from ..findings import Findings
from ..model import OFFER_ENTITIES
from ..errors import InputError
from .flat import split_flat
from .grid import grid_to_frame


def decode(data: bytes, name: str) -> str:
    """UTF-8 first (a BOM is dropped); Windows-1252 when the bytes are not UTF-8."""
    if b"\x00" in data[:4096]:
        raise InputError(f"{name} : ce n'est pas un fichier texte CSV (UTF-16 ou binaire ?). "
                         "Enregistrez-le en « CSV UTF-8 ».")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise InputError(f"{name} : encodage inconnu (ni UTF-8 ni Windows-1252).") from exc


def sniff_delimiter(text: str) -> str:
    header = text.split("\n", 1)[0]
    return ";" if header.count(";") >= header.count(",") else ","


def read_csv_rows(path: Path) -> list[list[str]]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path.name} : fichier illisible ({exc.strerror}).") from exc
    text = decode(data, path.name)
    delimiter = sniff_delimiter(text)
    rows = _fast_rows(data, text, delimiter)
    if rows is not None:
        return rows
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise InputError(f"{path.name} : CSV mal formé ({exc}).") from exc


def _fast_rows(data: bytes, text: str, delimiter: str) -> list[list[str]] | None:
    """The rows as csv.reader gives them, tokenised by pandas' C parser from the bytes.

    Only for files whose rows all have the width of the first one, without blank
    lines; any other file (ragged rows, blank lines) returns None and goes through
    csv.reader, which keeps them exactly as written.
    """
    if not text or "\n\n" in text or "\r\n\r\n" in text or text.count("\r") != text.count("\r\n"):
        return None
    utf8 = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    if len(utf8) == len(text) and not utf8.isascii():  # decoded as Windows-1252: hand pandas UTF-8
        utf8 = text.encode("utf-8")
    try:
        frame = pd.read_csv(io.BytesIO(utf8), sep=delimiter, header=None, dtype=object, na_filter=False,
                            skip_blank_lines=False, engine="c", doublequote=True, quotechar='"',
                            encoding="utf-8")
    except (pd.errors.ParserError, ValueError):
        return None
    if frame.isna().to_numpy().any():  # a short row: padded by pandas, not by csv.reader
        return None
    return frame.to_numpy(dtype=object).tolist()


def read_csv(path: Path, findings: Findings) -> dict:
    rows = read_csv_rows(path)
    # Excel names the sheet of an opened CSV after the file: cells read "D14" there too.
    sheet = path.stem
    frame, columns = grid_to_frame(rows, source=path.name, sheet=sheet, entities=OFFER_ENTITIES,
                                   findings=findings)
    return split_flat(frame, columns, source=path.name, sheet=sheet, findings=findings)
