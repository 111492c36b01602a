"""Why a workbook cannot be read, in French, from what the file really holds.

calamine's own errors are English and technical ("invalid Zip archive: Could not find
EOCD", "Cfb error: Invalid OLE"). A data-entry person needs to know what the file is
and what to do: a page saved from a web tool under an .xls name, a CSV renamed .xlsx,
a workbook cut short by a failed download. The first bytes say which; calamine's text
is kept only for FASD_DEBUG.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

ZIP = b"PK\x03\x04"
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Excel 97-2003 (.xls), and old Word/encrypted Office files
UNKNOWN = "un contenu non reconnu"
RESAVE = "ouvrez-le dans Excel ou LibreOffice et enregistrez-le au format .xlsx"

FORMATS = {
    ".xlsx": "classeur Excel (.xlsx)",
    ".xlsm": "classeur Excel avec macros (.xlsm)",
    ".xlsb": "classeur Excel binaire (.xlsb)",
    ".xls": "classeur Excel 97-2003 (.xls)",
    ".ods": "classeur OpenDocument (.ods)",
}


def what_it_holds(head: bytes) -> str | None:
    """What the first bytes of a file say it is, in French; None when they look like a workbook."""
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if not head:
        return "un fichier vide"
    if start.startswith((b"<!doctype html", b"<html")) or b"<table" in start[:2048]:
        return "une page web (HTML) enregistrée sous un nom de classeur"
    if start.startswith(b"<?xml") or start.startswith(b"<workbook"):
        return "un document XML (classeur XML 2003 ou autre), pas un classeur"
    if start.startswith(b"%pdf"):
        return "un document PDF"
    if head.startswith((ZIP, OLE)):
        return None
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = head.decode("cp1252")
        except UnicodeDecodeError:
            text = ""
    if text and all(c.isprintable() or c in "\r\n\t" for c in text[:1024]) and any(s in text for s in ";,\t"):
        return "du texte (un CSV renommé en classeur ?)"
    return UNKNOWN


def zip_holds(path: Path) -> str | None:
    """What a readable zip holds when it is not the workbook its name says, with the fix."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None  # cut short: "endommagé ou incomplet"
    suffix = path.suffix.lower()
    if "xl/workbook.xml" in names and suffix != ".xlsx":
        return "un classeur .xlsx ; renommez-le en .xlsx"
    if "xl/workbook.bin" in names and suffix != ".xlsb":
        return "un classeur .xlsb ; renommez-le en .xlsb"
    if "content.xml" in names and suffix != ".ods":
        return "un classeur OpenDocument ; renommez-le en .ods"
    if "word/document.xml" in names:
        return "un document Word ; vérifiez que c'est le bon fichier"
    if not names & {"xl/workbook.xml", "xl/workbook.bin", "content.xml"}:
        return "une archive zip sans classeur ; vérifiez que c'est le bon fichier"
    return None


def unreadable_message(path: Path, exc: Exception) -> str:
    """One French line for a workbook calamine could not open (no English inside)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except OSError as err:
        return f"{path.name} : fichier illisible ({err.strerror})."
    expected = FORMATS.get(path.suffix.lower(), "classeur")
    held = what_it_holds(head)
    if held is not None:
        advice = (
            "s'il s'agit bien d'un CSV, renommez-le en .csv ; sinon " + RESAVE
            if held.startswith("du texte")
            else RESAVE
        )
        if held == UNKNOWN:
            message = f"{path.name} : ce n'est pas un {expected} lisible (contenu non reconnu) ; {advice}."
        else:
            message = f"{path.name} : ce n'est pas un {expected} mais {held} ; {advice}."
    elif head.startswith(ZIP) and (inside := zip_holds(path)):
        message = f"{path.name} : ce n'est pas un {expected} mais {inside}."
    elif head.startswith(OLE) and path.suffix.lower() != ".xls":
        message = (
            f"{path.name} : classeur protégé par mot de passe ou ancien format Office ; {RESAVE}, sans mot de passe."
        )
    else:
        message = (
            f"{path.name} : {expected} endommagé ou incomplet (téléchargement interrompu ?) ; "
            f"{RESAVE}, ou demandez à nouveau le fichier."
        )
    return message + debug_detail(exc)


def debug_detail(exc: Exception) -> str:
    """The library's own (English) error, only with FASD_DEBUG set."""
    return f" [{type(exc).__name__}: {str(exc)[:200]}]" if os.environ.get("FASD_DEBUG") else ""
