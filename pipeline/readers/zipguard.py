"""Inspect a workbook's zip before a spreadsheet library opens it (zip bombs, giant ranges).

calamine and openpyxl trust the file: a 3 MB xlsx holding 3 GB of blanks, 100 million
shared strings, one 1 GB cell, or one space in cell XFD1048576 (a 16 384 × 1 048 576
range, allocated whole) exhaust memory before any of our code runs. This module reads
the zip itself, inflating each XML part in bounded chunks without keeping it, and
refuses (InputError, exit 2) a part that is too large, inflates too much, lies about
its size, or holds a text run over the cell limit; a zip damaged on the way (cut
short, bytes missing, a central directory that does not match the members, a wrong
checksum) is refused the same way, in one French line, before calamine meets it.
It also measures each sheet
(last row, rows present, columns) so the reader can choose a sparse path for a sheet
whose used range is far larger than its content or than the cell limit
(readers/sparse.py, which counts the cells it keeps against that limit). Counting is
kept to a few byte scans per chunk: the check costs a fraction of calamine's read.
"""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from ..model.errors import InputError
from ..model.text import column_letter
from . import limits as limits_module
from .unreadable import FORMATS, RESAVE

CHUNK = 1 << 20
LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")
DIMENSION = re.compile(rb'<(?:\w+:)?dimension ref="\$?([A-Z]{1,3})\$?(\d+)(?::\$?([A-Z]{1,3})\$?(\d+))?"')
ROW_NUMBER = re.compile(rb'<(?:\w+:)?row [^>]*?\br="(\d+)"')
SHARED_COUNT = re.compile(rb'<(?:\w+:)?sst [^>]*?\buniqueCount="(\d+)"')
MAX_ROWS, MAX_COLUMNS = 1_048_576, 16_384
SPARSE_ROW_SLACK = 10_000


@dataclass
class SheetShape:
    """What a worksheet part holds, measured while inflating it."""

    member: str
    declared: tuple[int, int] | None = None  # (last row, last column) of <dimension>
    last_row: int = 0
    rows: int = 0
    last_column: int = 0  # the rightmost cell reference seen (0: the cells carry none)

    @property
    def wide(self) -> bool:
        """A cell beyond column ZZ."""
        return self.last_column > 702

    def area(self) -> int:
        """Rows × columns of the range a dense reader would allocate (an upper bound).

        The declared <dimension> gives the columns only when the file agrees with it:
        rows within it, no cell beyond column ZZ when it says less."""
        rows = max(self.last_row, self.rows, self.declared[0] if self.declared else 0)
        trusted = (
            self.declared is not None
            and self.declared[0] >= self.last_row
            and not (self.wide and self.declared[1] <= 702)
        )
        if trusted:
            columns = max(self.declared[1], self.last_column)
        elif self.last_column:
            columns = self.last_column  # measured: the references the cells carry
        else:
            columns = 702  # cells without references (allowed by OOXML): assume up to ZZ
        return rows * columns

    def sparse(self) -> bool:
        """Mostly missing rows (twenty rows and one at 1 048 576): read cell by cell."""
        return self.last_row > 2 * self.rows + SPARSE_ROW_SLACK


def column_number(letters: bytes) -> int:
    n = 0
    for c in letters:
        n = n * 26 + c - 64
    return n


def inspect(path: Path) -> list[SheetShape]:
    """Check every part of the workbook at `path` against the limits; the shapes of its sheets."""
    limits = limits_module.current()
    name = path.name
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError):
        _check_unzipped(path, limits)
        return []  # not a zip (.xls, a broken file): the reader reports it
    try:
        with archive, open(path, "rb") as raw:
            return _inspect(path, archive, raw, limits)
    except (OSError, EOFError, struct.error, zipfile.BadZipFile, ValueError):
        # a member pointing before the file's start or past its end: bytes missing
        raise _damaged(name, "contenu décalé ou manquant") from None


def _damaged(name: str, what: str) -> InputError:
    """The one line for a zip damaged on the way: whatever the fault, exit code 2."""
    expected = FORMATS.get(Path(name).suffix.lower(), "classeur")
    return InputError(f"{name} : {expected} endommagé ({what}) ; {RESAVE}, ou demandez à nouveau le fichier.")


def _inspect(path: Path, archive: zipfile.ZipFile, raw, limits) -> list[SheetShape]:
    name = path.name
    shapes = []
    infos = archive.infolist()
    size = path.stat().st_size
    for info in infos:
        _check_local_header(name, raw, info, size)
        _check_declared(name, info, limits)
    shared = 0
    for info in infos:
        if info.filename.endswith(".bin") and info.file_size:
            _scan_binary(name, raw, info, limits)  # .xlsb parts: sizes only, no XML to count
            continue
        if not info.filename.endswith((".xml", ".rels")) or info.file_size == 0:
            continue
        shape = SheetShape(info.filename) if "worksheets/" in info.filename else None
        counted = _scan(name, raw, info, limits, shape)
        if info.filename.endswith("sharedStrings.xml"):
            shared = counted
        if shape is not None:
            shapes.append(shape)
    if shared > limits.shared_strings:
        raise InputError(
            f"{name} : {shared} chaînes partagées dans le classeur, plus que la limite de "
            f"{limits.shared_strings} ; {limits_module.hint('shared_strings')}."
        )
    return shapes


def _check_declared(name: str, info: zipfile.ZipInfo, limits) -> None:
    """Refusals that need no inflating: the sizes the zip directory declares."""
    if info.flag_bits & 0x1:
        raise InputError(f"{name} : classeur chiffré (protégé par mot de passe) ; enregistrez-le sans mot de passe.")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):  # its local header agrees
        raise InputError(
            f"{name} : compression inattendue dans {info.filename} ; "
            "réenregistrez le classeur depuis Excel ou LibreOffice."
        )
    if info.file_size > limits.part_bytes:
        raise InputError(
            f"{name} : la partie {info.filename} fait {info.file_size // limits_module.MB} Mo une fois "
            f"décompressée, plus que la limite de {limits.part_mb} Mo ; "
            f"{limits_module.hint('part_mb')}."
        )
    if info.file_size > limits_module.RATIO_FLOOR and info.file_size > limits.ratio * max(info.compress_size, 1):
        _bomb(name, info.filename, info.file_size, info.compress_size, limits)


def _check_local_header(name: str, raw, info: zipfile.ZipInfo, size: int) -> None:
    """The central directory says where each member starts: its local header must be
    there, name the same member, and its data fit in the file."""
    if not 0 <= info.header_offset <= size - LOCAL_HEADER.size:
        raise _damaged(name, f"{info.filename} introuvable à l'endroit annoncé")
    raw.seek(info.header_offset)
    fields = LOCAL_HEADER.unpack(raw.read(LOCAL_HEADER.size))
    local_name = raw.read(fields[9])
    central_name = info.orig_filename.encode("utf-8" if info.flag_bits & 0x800 else "cp437", "replace")
    if fields[0] != b"PK\x03\x04" or local_name != central_name:
        raise _damaged(name, "répertoire du zip incohérent avec son contenu")
    if info.header_offset + LOCAL_HEADER.size + fields[9] + fields[10] + info.compress_size > size:
        raise _damaged(name, f"{info.filename} coupé")


def _check_unzipped(path: Path, limits) -> None:
    """An .xls (one OLE file, read whole by calamine): its size is the only bound to check."""
    try:
        size = path.stat().st_size
    except OSError:
        return
    if size > limits.part_bytes:
        raise InputError(
            f"{path.name} : le fichier fait {size // limits_module.MB} Mo, plus que la limite de "
            f"{limits.part_mb} Mo ; {limits_module.hint('part_mb')}."
        )


def _scan_binary(name: str, raw, info, limits) -> None:
    """Inflate one binary part (.xlsb) in chunks: it must not lie about its size nor inflate too much."""
    size = crc = 0
    for chunk in _inflated(raw, info, name):
        size += len(chunk)
        crc = zlib.crc32(chunk, crc)
        _check_growth(name, info, size, limits)
    _check_whole(name, info, size, crc)


def _check_whole(name: str, info, size: int, crc: int) -> None:
    """A member inflated to its end: the size and checksum its directory entry declares."""
    if size != info.file_size or crc != info.CRC:
        raise _damaged(
            name, f"{info.filename} : {'incomplet' if size < info.file_size else 'somme de contrôle fausse'}"
        )


def _check_growth(name: str, info, size: int, limits) -> None:
    """A part inflated to `size` so far: no more than it declares, no more than the ratio allows."""
    if size > info.file_size:
        raise InputError(
            f"{name} : classeur endommagé ou piégé ({info.filename} se décompresse au-delà de la taille qu'il déclare)."
        )
    if size > limits_module.RATIO_FLOOR and size > limits.ratio * max(info.compress_size, 1):
        _bomb(name, info.filename, size, info.compress_size, limits)


def _bomb(name, member, size, compressed, limits):
    raise InputError(
        f"{name} : la partie {member} se décompresse {size // max(compressed, 1)} fois "
        f"(plus de {limits.ratio}) : fichier suspect (bombe zip) ; "
        f"{limits_module.hint('ratio')}."
    )


def _member_data(raw, info: zipfile.ZipInfo, name: str):
    """The compressed bytes of one member, in chunks (its local header skipped)."""
    raw.seek(info.header_offset)
    header = raw.read(LOCAL_HEADER.size)
    if len(header) < LOCAL_HEADER.size or header[:4] != b"PK\x03\x04":
        raise _damaged(name, f"en-tête zip de {info.filename} illisible")
    fields = LOCAL_HEADER.unpack(header)
    raw.seek(fields[9] + fields[10], 1)
    left = info.compress_size
    while left > 0:
        chunk = raw.read(min(CHUNK, left))
        if not chunk:
            break
        left -= len(chunk)
        yield chunk


def _inflated(raw, info, name):
    """The member inflated in chunks of at most CHUNK bytes, whatever its compression ratio."""
    if info.compress_type == zipfile.ZIP_STORED:
        yield from _member_data(raw, info, name)
        return
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    try:
        for data in _member_data(raw, info, name):
            while data:
                out = inflater.decompress(data, CHUNK)
                data = inflater.unconsumed_tail
                if out:
                    yield out
        while not inflater.eof:
            out = inflater.decompress(b"", CHUNK)
            if not out:
                break
            yield out
    except zlib.error:
        raise _damaged(name, f"{info.filename} ne se décompresse pas") from None


def _beyond(column: int) -> re.Pattern:
    """A cell reference whose column is right of `column` (1 = A), for a fast search.

    Column letters compare as text within one length, and a longer name is further
    right; the pattern lists, for each position, the letters that make it larger."""
    letters = column_letter(column - 1) if column else ""
    n = len(letters)
    options = [b"[A-Z]{%d,3}" % (n + 1)] if n < 3 else []
    for i, c in enumerate(letters):
        if c != "Z":
            options.append(letters[:i].encode() + b"[" + chr(ord(c) + 1).encode() + b"-Z]" + b"[A-Z]" * (n - i - 1))
    if not options:
        return re.compile(rb"(?!)")
    return re.compile(rb'r="(' + b"|".join(options) + rb")[0-9]")


_BEYOND: dict[int, re.Pattern] = {}


def _last_column(buf: bytes, column: int) -> int:
    """The rightmost column referenced in `buf`, at least `column`: one search per chunk
    while no cell lies further right (about the cost of one byte scan)."""
    at = 0
    while True:
        pattern = _BEYOND.get(column) or _BEYOND.setdefault(column, _beyond(column))
        m = pattern.search(buf, at)
        if m is None:
            return column
        column, at = column_number(m.group(1)), m.end()


def _scan(name: str, raw, info, limits, shape: SheetShape | None) -> int:
    """Inflate one XML part, checking sizes as they grow; returns its shared-string count."""
    size = 0
    run = 0  # bytes since the last '<': a text node (or blanks) being read
    tail = b""
    declared_shared = items = 0
    first = True
    long_run = re.compile(rb"[^<]{%d}" % (limits.text_bytes + 1)) if limits.text_bytes < CHUNK else None
    crc = 0
    for chunk in _inflated(raw, info, name):
        size += len(chunk)
        crc = zlib.crc32(chunk, crc)
        _check_growth(name, info, size, limits)
        last_lt = chunk.rfind(b"<")
        if last_lt < 0:
            run += len(chunk)
        else:
            run += chunk.find(b"<")
            if run <= limits.text_bytes and long_run is not None and long_run.search(chunk):
                run = limits.text_bytes + 1
        if run > limits.text_bytes:
            raise InputError(
                f"{name} : {info.filename} contient un texte de plus de {limits.text_kb} Ko "
                f"(une cellule géante ou du remplissage) ; {limits_module.hint('text_kb')}."
            )
        if last_lt >= 0:
            run = len(chunk) - last_lt - 1
        buf = tail + chunk
        if first:
            first = False
            if shape is not None:
                m = DIMENSION.search(buf)
                if m and m.group(3):
                    shape.declared = (int(m.group(4)), column_number(m.group(3)))
                elif m:
                    shape.declared = (int(m.group(2)), column_number(m.group(1)))
            m = SHARED_COUNT.search(buf)
            if m:
                declared_shared = int(m.group(1))
        if shape is not None:
            shape.rows += chunk.count(b"<row")
            at = buf.rfind(b"<row ")
            if at >= 0:
                m = ROW_NUMBER.match(buf, at)
                if m:
                    shape.last_row = max(shape.last_row, int(m.group(1)))
            shape.last_column = _last_column(buf, shape.last_column)
        elif info.filename.endswith("sharedStrings.xml"):
            items += chunk.count(b"<si>") + chunk.count(b"<si ")
        tail = buf[-512:]
    _check_whole(name, info, size, crc)
    return max(declared_shared, items)
