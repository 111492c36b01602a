"""The rows of a large CSV read as a stream (stream.py): decoded block by block, each block
tokenised by pandas' C parser where it gives csv.reader's rows, by csv.reader elsewhere.

The rows are those csv.reader gives reading the whole file, in order. A block is cut
after a line break outside quotes (an even number of quotes before it), which is a
record boundary as long as every quote stands where standard quoting puts one: at the
start of a field, at its end, or doubled inside a quoted field. From a block holding a
quote anywhere else (`12"5`, read as written by csv.reader), csv.reader reads the rest of
the file. A block that pandas would read otherwise (a row longer than the first,
blank lines, a lone carriage return: readers/csv.py `_fast_rows`) goes through
csv.reader too. A row shorter than the block's first comes padded with empty cells
(pandas pads them, also with `na_filter=False`): every reader of these rows
(stream.py, readers/grid.py) takes a cell past the end of a row as empty.
"""

from __future__ import annotations

import codecs
import csv
import functools
import io
import itertools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

import numpy as np

from ..model.errors import InputError
from . import csv_shape, limits
from .csv import (
    MAX_ENCODING_FINDINGS,
    SNIFF_CHARS,
    VALID_UTF8_MULTIBYTE,
    pandas_cells,
    single_byte_encoding,
    sniff_delimiter,
)

BLOCK_BYTES = 8 * 1024 * 1024
QUOTE, LF, CR = ord('"'), ord("\n"), ord("\r")


class StreamFallback(Exception):
    """The stream cannot promise the whole-file results; the message says why, in French."""


_bad_positions: list[int] = []


def _cp1252_tracked(error):
    """readers/csv.py's fallback (an invalid UTF-8 byte read as Windows-1252), noting where."""
    _bad_positions.append(error.start)
    bad = error.object[error.start : error.start + 1]
    return bad.decode("cp1252", errors="replace"), error.start + 1


codecs.register_error("fasd-cp1252-tracked", _cp1252_tracked)


@dataclass
class Decoding:
    """What readers/csv.decode decides from the whole file, gathered block by block."""

    bad_lines: list[int] = field(default_factory=list)
    multibyte: bool = False  # VALID_UTF8_MULTIBYTE found somewhere
    invalid: bool = False  # some byte is not UTF-8
    name: str = ""  # the file's, for a fallback's message

    def mixed_lines(self) -> list[int]:
        """The MIXED_ENCODING lines readers/csv.py reports (none for a Windows-1252 file)."""
        return self.bad_lines if self.invalid and self.multibyte else []


Check = Callable[[], object]  # decodes a block not decoded yet, for what it says (Decoding)


def _blocks(path: Path, decoding: Decoding) -> Iterator[tuple[bytes, Check | None]]:
    """The file in blocks cut after a line break, as UTF-8, each with None, or with the
    check that decodes it as readers/csv.decode does (`_decode`) when it was not decoded.

    The first block is decoded (the separator is sniffed from its text), and every
    block once a byte is not UTF-8; the others are given as read: pandas decodes them
    as it tokenises (strictly: a byte that is not UTF-8 stops it), `_records` runs the
    check of the blocks it could not read that way."""
    lines_before = 0
    first = True
    with open(path, "rb") as fh:
        pending = b""
        while True:
            want = 4 * SNIFF_CHARS if first else BLOCK_BYTES
            data = pending + fh.read(max(want - len(pending), len(pending), 1))  # a long line: read doubling
            more = fh.read(1) if data else b""
            if more:
                cut = data.rfind(b"\n") + 1
                if cut == 0:  # a very long line: read on to its end, within the limits
                    check_line(data, path.name)
                    pending = data + more
                    continue
                block, pending = data[:cut], data[cut:] + more
            else:
                block, pending = data, b""
            if first:
                head = block[:4096]
                if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or head.count(b"\x00") > len(head) // 8:
                    raise InputError(
                        f"{path.name} : ce n'est pas un fichier texte CSV (UTF-16 ou binaire ?). "
                        "Enregistrez-le en « CSV UTF-8 »."
                    )
                body = block[3:] if block.startswith(codecs.BOM_UTF8) else block
                offset = len(block) - len(body)
            else:
                body, offset = block, 0
            if first or decoding.invalid:
                utf8, check = _decode(body, block, offset, lines_before, decoding), None
            else:
                utf8, check = body, functools.partial(_decode, body, block, offset, lines_before, decoding)
            lines_before += block.count(b"\n")
            first = False
            if utf8:
                yield utf8, check
            if not more:
                return


def check_line(data: bytes, name: str) -> None:
    """A line not ended yet: refused as soon as it is longer than a line or a field may be."""
    limit = limits.current()
    if len(data) > limit.line_bytes:
        raise InputError(
            f"{name} : une ligne dépasse {limit.line_kb} Ko (fichier qui n'est pas un CSV ?) ; "
            f"{limits.hint('line_kb')}."
        )
    if len(data) > limit.text_bytes:
        for d in (b";", b",", b"\t", b"|"):
            if d in data:
                return  # several fields: csv_shape checks each block's fields once the line ends
        raise InputError(
            f"{name} : une cellule dépasse {limit.text_kb} Ko (guillemet non refermé, ou fichier qui "
            f"n'est pas un CSV ?) ; {limits.hint('text_kb')}."
        )


def _decode(body: bytes, block: bytes, offset: int, lines_before: int, decoding: Decoding) -> bytes:
    """`body` (`block` without its BOM) as UTF-8, decoded as readers/csv.decode does;
    what it finds goes to `decoding` (`lines_before`: the line breaks before `block`)."""
    try:
        text = body.decode("utf-8")
        decoding.multibyte |= len(text) != len(body)
        return body
    except UnicodeDecodeError:
        decoding.invalid = True
        decoding.multibyte |= VALID_UTF8_MULTIBYTE.search(block) is not None
        if not decoding.multibyte and single_byte_encoding(block) != "cp1252":
            raise StreamFallback(f"{decoding.name} : encodage Mac Roman ; fichier lu en entier.") from None
        del _bad_positions[:]
        text = body.decode("utf-8", errors="fasd-cp1252-tracked")
        for pos in _bad_positions:
            if len(decoding.bad_lines) >= MAX_ENCODING_FINDINGS:
                break
            line = lines_before + block.count(b"\n", 0, pos + offset) + 1
            if not decoding.bad_lines or decoding.bad_lines[-1] != line:
                decoding.bad_lines.append(line)
        return text.encode("utf-8")


def csv_rows(path: Path, decoding: Decoding) -> tuple[Iterator[list[str]], str]:
    """csv.reader's rows of the file, and the separator (sniffed from the file's start)."""
    blocks = _blocks(path, decoding)
    first = next(blocks, (b"", None))
    head = first[0].decode("utf-8")[:SNIFF_CHARS]
    delimiter = sniff_delimiter(head)
    csv_shape.check_columns(head, delimiter, path.name)
    limit = limits.current()
    csv.field_size_limit(max(limit.text_bytes, 1024))

    def checked(source):
        for block, check in source:
            csv_shape.check_bytes(block, delimiter, path.name)
            yield block, check

    def rows():
        try:
            yield from _records(checked(itertools.chain([first], blocks)), delimiter, decoding)
        except csv.Error as exc:
            raise StreamFallback(f"{path.name} : lecture en flux impossible ({exc}) ; fichier lu en entier.") from None

    return rows(), delimiter


def _records(blocks: Iterator[tuple[bytes, Check | None]], delimiter: str, decoding: Decoding) -> Iterator[list[str]]:
    sep = ord(delimiter)
    pending = b""
    waiting: list[Check] = []  # checks of the blocks whose bytes pandas has not decoded yet
    for block, check in blocks:
        before = len(pending)
        data = pending + block if pending else block
        if check is not None:
            waiting.append(check)
        cut = record_end(data, sep)
        if cut is None:  # a quote csv.reader reads as written: csv.reader from here on
            yield from _reader(_texts(data, waiting, blocks), delimiter)
            return
        part, pending = data[:cut], data[cut:]
        if not part:
            continue
        rows = _fast_block(part, delimiter)
        if rows is None and waiting:  # not read by pandas: each block decoded (readers/csv.decode)
            part, pending = _checked(part, waiting), _checked(pending, waiting)
            waiting = []
            rows = _fast_block(part, delimiter) if decoding.invalid else None
        elif rows is not None and not decoding.invalid:
            decoding.multibyte |= not part.isascii()  # decoded by pandas: UTF-8 throughout
        if waiting and cut >= before:  # what is left (if anything) is of this block alone
            waiting = [check] if pending and check is not None else []
        yield from rows if rows is not None else _reader([part.decode("utf-8")], delimiter)
    if pending:
        yield from _tokenised(_checked(pending, waiting), delimiter)


def _checked(data: bytes, waiting: list[Check]) -> bytes:
    """`data` decoded as its blocks are, once the checks of those blocks have run."""
    for check in waiting:
        check()
    waiting.clear()
    return data.decode("utf-8", errors="fasd-cp1252").encode("utf-8")


def _texts(data: bytes, waiting: list[Check], blocks: Iterator[tuple[bytes, Check | None]]) -> Iterator[str]:
    """The text of `data` and of the blocks after it, each block checked."""
    yield _checked(data, waiting).decode("utf-8")
    for block, later in blocks:
        if later is not None:
            later()
        yield block.decode("utf-8", errors="fasd-cp1252")


def record_end(data: bytes, sep: int) -> int | None:
    """The length of the longest start of `data` (itself starting a record) that ends with a
    line break outside quotes; 0 when there is none; None when a quote of `data` is not
    where standard quoting puts one (the count of quotes then says nothing)."""
    if b'"' not in data:
        return data.rfind(b"\n") + 1
    a = np.frombuffer(data, dtype=np.uint8)
    q = np.flatnonzero(a == QUOTE)
    opening = q[0::2]  # an opening quote, or the second of a doubled one
    before = a[opening[opening > 0] - 1]
    if not np.isin(before, (sep, LF, QUOTE)).all():
        return None
    closing = q[1::2]  # a closing quote, or the first of a doubled one
    after = a[closing[closing < len(a) - 1] + 1]
    if not np.isin(after, (sep, LF, CR, QUOTE)).all():
        return None
    end = data.rfind(b"\n")
    while end >= 0:
        k = int(np.searchsorted(q, end))
        if k % 2 == 0:
            return end + 1
        end = data.rfind(b"\n", 0, int(q[k - 1]))
    return 0


def _tokenised(data: bytes, delimiter: str) -> Iterable[list[str]]:
    """The rows of `data` (whole records) as csv.reader gives them."""
    rows = _fast_block(data, delimiter)
    if rows is None:
        return _reader([data.decode("utf-8")], delimiter)
    return rows


def _fast_block(data: bytes, delimiter: str) -> list[list[str]] | None:
    """readers/csv.py `_fast_rows` on one block of whole records (UTF-8 bytes); its checks
    of the text made cheap: a lone carriage return looked for with numpy, a blank line
    only where pandas gives a row starting with an empty cell."""
    if data.startswith(codecs.BOM_UTF8):  # pandas would drop it, csv.reader keeps "\ufeff"
        return None
    if b"\r" in data:  # a carriage return not followed by a line feed: csv.reader's line break
        a = np.frombuffer(data, dtype=np.uint8)
        cr = np.flatnonzero(a == CR)
        if cr[-1] == len(a) - 1 or (a[cr + 1] != LF).any():
            return None
    frame = pandas_cells(data, delimiter)
    if frame is None:
        return None
    if (frame.iloc[:, 0].to_numpy() == "").any() and _blank_line(data):  # [] for csv.reader
        return None
    return frame.to_numpy(dtype=object).tolist()


def _blank_line(data: bytes) -> bool:
    return data.startswith((b"\n", b"\r\n")) or b"\n\n" in data or b"\r\n\r\n" in data


def _reader(texts: Iterable[str], delimiter: str) -> Iterator[list[str]]:
    def lines():
        for text in texts:
            yield from io.StringIO(text, newline="")

    return csv.reader(lines(), delimiter=delimiter)
