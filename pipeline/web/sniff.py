"""What an uploaded file is, decided from its bytes and never from its name.

A name can say `.xlsx` over a PDF, or nothing at all; the readers dispatch on the
suffix, so the upload is stored under a generic name with the suffix of what its
content is. Anything that is not a workbook, a delimited text or a LHÉO flow is refused
before it reaches the pipeline.
"""

from __future__ import annotations

import re
import zipfile
from typing import BinaryIO

from ..readers import FORMATS

HEAD = 64 * 1024
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ODS_MIME = b"mimetypeapplication/vnd.oasis.opendocument.spreadsheet"
LHEO_ROOT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?lheo[\s>/]")
BINARY_BYTES = set(range(0, 9)) | {11, 12} | set(range(14, 32))

WORKBOOK_KINDS = {"xlsx", "xlsb", "xls", "ods"}


class NotAnOffer(Exception):
    """The file is none of the accepted formats: the message is French for the user."""


def sniff(fh: BinaryIO, label: str) -> str:
    """The kind of the file: "xlsx", "xlsb", "xls", "ods", "csv" or "xml" (its stored suffix)."""
    fh.seek(0)
    head = fh.read(HEAD)
    fh.seek(0)
    if not head:
        raise NotAnOffer(f"« {label} » est vide.")
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(fh, label)
    if head.startswith(OLE2):
        return "xls"
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if text.startswith(b"<"):
        if LHEO_ROOT.search(text):
            return "xml"
        raise NotAnOffer(
            f"« {label} » est un fichier XML ou HTML, mais pas un flux LHÉO (élément racine <lheo> absent)."
        )
    if _looks_delimited(head):
        return "csv"
    raise NotAnOffer(f"« {label} » n'est pas une offre lisible : envoyez {FORMATS}.")


def _zip_kind(fh: BinaryIO, label: str) -> str:
    try:
        with zipfile.ZipFile(fh) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise NotAnOffer(f"« {label} » est une archive zip abîmée, pas un classeur lisible.") from None
    finally:
        fh.seek(0)
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "xl/workbook.bin" in names:
        return "xlsb"
    if "content.xml" in names and fh.read(len(ODS_MIME) + 30).find(ODS_MIME) >= 0:
        fh.seek(0)
        return "ods"
    fh.seek(0)
    if "word/document.xml" in names:
        raise NotAnOffer(
            f"« {label} » est un document Word, pas un classeur : enregistrez l'offre dans le modèle Excel."
        )
    raise NotAnOffer(f"« {label} » est une archive zip, pas un classeur Excel.")


def _looks_delimited(head: bytes) -> bool:
    """Text (UTF-8 or Windows-1252, no control bytes) whose first line has a separator."""
    if any(b in BINARY_BYTES for b in head[:4096]):
        return False
    first = head.split(b"\n", 1)[0]
    return any(sep in first for sep in (b";", b",", b"\t"))
