"""The page's « Télécharger mon fichier corrigé »: `fasd corriger` on the upload (issue 28 §7)."""

from __future__ import annotations

from pathlib import Path

from ..writers.output import CORRECTED_FILES
from ..writers.corrected import WORKBOOK_SUFFIXES, corrected_workbook

NAME = CORRECTED_FILES[0]


def write_corrected(result, out: Path) -> bool:
    """out/fichier-corrige.xlsx when the upload was one workbook with findings to act on; False
    (nothing written) otherwise: a clean file has nothing to correct."""
    if len(result.findings) == 0:
        return False
    books = {label: path for label, path in result.files.items() if Path(path).suffix.lower() in WORKBOOK_SUFFIXES}
    if len(result.files) != 1 or len(books) != 1:
        return False
    ((label, path),) = books.items()
    book, _, _ = corrected_workbook(Path(path), result.findings, source=label)
    book.save(out / NAME)
    return True
