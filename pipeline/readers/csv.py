"""Flat CSV exports: UTF-8 (with or without BOM), Windows-1252 or Mac Roman; `;`, `,`, tab or `|`.

The separator is the one that splits the first lines into a steady number of fields
(a tab-separated file named .csv is read as such). A UTF-8 file with a few
Windows-1252 bytes (one pasted "é") is read as UTF-8, those bytes as Windows-1252,
with a MIXED_ENCODING warning at their line, instead of garbling the whole file.
A file that is not UTF-8 is Windows-1252 unless its bytes read as French text in
Mac Roman (a Mac's export: « É » is byte 0x83, « ƒ » in Windows-1252).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..model.errors import InputError
from ..model.findings import Findings
from ..model.fields import OFFER_ENTITIES
from . import csv_shape, limits, separator
from .flat import split_flat
from .grid import find_header_row, grid_to_frame
from .layout import require_header

SNIFF_CHARS = 256 * 1024
VALID_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
MAX_ENCODING_FINDINGS = 50
# Characters of French text outside ASCII: a single-byte file is read in the encoding
# that gives the most of them (and the fewest others).
FRENCH = frozenset("éèêëàâäçîïôöùûüÿÉÈÊËÀÂÄÇÎÏÔÖÙÛÜŸœŒæÆ«»‘’“”–—…€°\u00a0")


def _cp1252_fallback(error: UnicodeDecodeError):
    """codecs error handler: an invalid UTF-8 byte read as the Windows-1252 character it is."""
    bad = error.object[error.start : error.start + 1]
    return bad.decode("cp1252", errors="replace"), error.start + 1


codecs.register_error("fasd-cp1252", _cp1252_fallback)


def decode(data: bytes, name: str, bad_lines: list[int] | None = None) -> str:
    """UTF-8 first (a BOM is dropped); Windows-1252, or Mac Roman (`single_byte_encoding`),
    when the bytes are not UTF-8.

    A file that is UTF-8 except for a few bytes keeps UTF-8; the lines of those bytes
    are appended to `bad_lines`.
    """
    head = data[:4096]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or head.count(b"\x00") > len(head) // 8:
        raise InputError(
            f"{name} : ce n'est pas un fichier texte CSV (UTF-16 ou binaire ?). Enregistrez-le en « CSV UTF-8 »."
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    if VALID_UTF8_MULTIBYTE.search(data):  # real UTF-8 around a few stray bytes
        if bad_lines is not None:
            bad_lines.extend(_invalid_utf8_lines(data))
        body = data[3:] if data.startswith(codecs.BOM_UTF8) else data
        return body.decode("utf-8", errors="fasd-cp1252")
    return data.decode(single_byte_encoding(data), errors="fasd-cp1252")


def single_byte_encoding(data: bytes) -> str:
    """'mac_roman' when the bytes read as French text better in Mac Roman than in
    Windows-1252 (ties and files without accents: 'cp1252')."""
    counts = np.bincount(np.frombuffer(data, dtype=np.uint8), minlength=256)
    scores = dict.fromkeys(("cp1252", "mac_roman"), 0)
    for byte in np.flatnonzero(counts[0x80:]) + 0x80:
        for encoding in scores:
            char = bytes([byte]).decode(encoding, errors="replace")
            scores[encoding] += int(counts[byte]) if char in FRENCH else -int(counts[byte])
    return "mac_roman" if scores["mac_roman"] > scores["cp1252"] else "cp1252"


def _invalid_utf8_lines(data: bytes) -> list[int]:
    lines, start = [], 0
    while len(lines) < MAX_ENCODING_FINDINGS:
        try:
            data[start:].decode("utf-8")
            break
        except UnicodeDecodeError as exc:
            at = start + exc.start
            line = data.count(b"\n", 0, at) + 1
            if not lines or lines[-1] != line:
                lines.append(line)
            start = at + 1
    return lines


def sniff_delimiter(text: str) -> str:
    """The separator: `--separateur`, or decided from the header line and the quoting (separator.py)."""
    return separator.decide(text)


def read_csv_rows(path: Path, bad_lines: list[int] | None = None) -> list[list[str]]:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError(f"{path.name} : fichier illisible ({exc.strerror}).") from None
    limit = limits.current()
    if size > limit.part_bytes:
        raise InputError(
            f"{path.name} : {size // limits.MB} Mo, plus que la limite de {limit.part_mb} Mo ; "
            f"{limits.hint('part_mb')}."
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path.name} : fichier illisible ({exc.strerror}).") from None
    found: list[int] = []
    text = decode(data, path.name, found)
    exact_utf8 = not found and (
        data.isascii() or len(text) != len(data) - (3 if data.startswith(codecs.BOM_UTF8) else 0)
    )
    if bad_lines is not None:
        bad_lines.extend(found)
    delimiter = sniff_delimiter(text)
    csv_shape.check_bytes(data, delimiter, path.name)  # before tokenising: a 200 MB line, 100 000 columns
    csv_shape.check_columns(text[:SNIFF_CHARS], delimiter, path.name)
    rows = _fast_rows(data if exact_utf8 else text.encode("utf-8"), text, delimiter)
    if rows is not None:
        csv_shape.check_width(rows, path.name)
        return rows
    csv.field_size_limit(max(limit.text_bytes, 1024))
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
        csv_shape.check_width(rows, path.name)
        return rows
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise InputError(
                f"{path.name} : une cellule dépasse {limit.text_kb} Ko (guillemet non refermé ?) ; "
                f"{limits.hint('text_kb')}."
            ) from None
        raise InputError(f"{path.name} : CSV mal formé ({exc}).") from None


def pandas_cells(data: bytes, delimiter: str) -> pd.DataFrame | None:
    """Every cell as text, tokenised by pandas' C parser from UTF-8 bytes (the quoting
    csv.reader uses); None where pandas cannot read them (a row wider than the first,
    bytes that are not UTF-8)."""
    try:
        return pd.read_csv(
            io.BytesIO(data),
            sep=delimiter,
            header=None,
            dtype=object,
            na_filter=False,
            skip_blank_lines=False,
            engine="c",
            doublequote=True,
            quotechar='"',
            encoding="utf-8",
        )
    except (pd.errors.ParserError, ValueError):
        return None


def _fast_rows(data: bytes, text: str, delimiter: str) -> list[list[str]] | None:
    """The rows, tokenised by pandas' C parser from UTF-8 bytes.

    Only for files without blank lines or lone carriage returns, whose rows are no
    wider than the first; any other file returns None and goes through csv.reader,
    which keeps them exactly as written. A row shorter than the first comes back
    padded with empty cells (pandas pads with "" under na_filter=False), where
    csv.reader would leave it short: every reader of the rows takes a cell past a
    row's end as empty, so the findings are the same.
    """
    if not text or "\n\n" in text or "\r\n\r\n" in text or text.count("\r") != text.count("\r\n"):
        return None
    utf8 = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    frame = pandas_cells(utf8, delimiter)
    if frame is None:
        return None
    return frame.to_numpy(dtype=object).tolist()


def read_csv(path: Path, findings: Findings) -> dict:
    bad_lines: list[int] = []
    rows = read_csv_rows(path, bad_lines)
    # Excel names the sheet of an opened CSV after the file: cells read "D14" there too.
    sheet = path.stem
    try:
        require_header(rows, OFFER_ENTITIES, path.name)
        for line in bad_lines:
            findings.add_file("MIXED_ENCODING", path.name, sheet, row=line)
        _report_extra_cells(rows, path.name, sheet, findings)
        frame, columns = grid_to_frame(rows, source=path.name, sheet=sheet, entities=OFFER_ENTITIES, findings=findings)
    except InputError as exc:  # headers not understood: perhaps read with the wrong separator
        hint = separator.hint(rows)
        if hint:
            raise InputError(f"{exc} {hint}") from None
        raise
    return split_flat(frame, columns, source=path.name, sheet=sheet, findings=findings)


def _report_extra_cells(rows: list[list[str]], source: str, sheet: str, findings: Findings) -> None:
    """EXTRA_CELLS for each row with filled fields beyond the header's last column."""
    h = find_header_row(rows, OFFER_ENTITIES)
    header = rows[h]
    width = len(header)
    while width and not str(header[width - 1]).strip():
        width -= 1
    for i, row in enumerate(rows[h + 1 :], start=h + 2):
        if len(row) <= width:
            continue
        extra = [str(v).strip() for v in row[width:] if str(v).strip()]
        if extra:
            findings.add_file("EXTRA_CELLS", source, sheet, row=i, value=extra[0][:80], count=len(extra))
