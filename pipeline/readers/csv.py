"""Flat CSV exports: UTF-8 (with or without BOM) or Windows-1252, `;` or `,`."""
from __future__ import annotations

import csv
import io
from pathlib import Path

from ..findings import Findings
from ..model import OFFER_ENTITIES
from .errors import InputError
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
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise InputError(f"{path.name} : CSV mal formé ({exc}).") from exc


def read_csv(path: Path, findings: Findings) -> dict:
    rows = read_csv_rows(path)
    # Excel names the sheet of an opened CSV after the file: cells read "D14" there too.
    sheet = path.stem
    frame, columns = grid_to_frame(rows, source=path.name, sheet=sheet, entities=OFFER_ENTITIES,
                                   findings=findings)
    return split_flat(frame, columns, source=path.name, sheet=sheet, findings=findings)
