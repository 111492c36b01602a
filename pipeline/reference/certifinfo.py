"""The canonical Certif Info CSV (docs/reference.md): one record per Certif Info code.

`;`-separated, UTF-8 (BOM allowed; Windows-1252 accepted as a fallback), one header
row. Headers are matched leniently (case, accents, spaces) so an export with
"Intitulé" or "Code RNCP" loads the same way.
"""
from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from ..errors import InputError
from ..text import fold
from . import text as t
from .model import CERTIF_COLUMNS, Reference, empty_frame, FICHE_COLUMNS, BLOC_COLUMNS

# canonical column -> accepted spellings (folded)
HEADERS = {
    "code": ("code", "code certifinfo", "id", "certifinfo", "code certif info"),
    "intitule": ("intitule", "intitule certification", "libelle"),
    "code_rncp": ("code rncp", "rncp"),
    "code_rs": ("code rs", "rs"),
    "niveau_europeen": ("niveau europeen", "niveau", "niveau europe"),
    "type_certification": ("type certification", "type"),
    "certificateur": ("certificateur", "certificateurs"),
    "formacodes": ("formacodes", "formacode"),
    "codes_rome": ("codes rome", "code rome", "rome"),
    "archive": ("archive", "archivee"),
    "date_fin_validite": ("date fin validite", "fin validite", "date fin"),
    "objectif": ("objectif", "objectifs", "objectif formation"),
    "programme": ("programme", "contenu", "contenu formation"),
    "illustratif": ("illustratif", "illustrative"),
}
REQUIRED = ("code", "intitule")


def _decode(data: bytes, path: Path) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InputError(f"{path.name} : encodage illisible (UTF-8 attendu).")


def read_frame(path: Path) -> pd.DataFrame:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"impossible de lire le référentiel {path} ({exc.strerror or exc}).") from None
    try:
        frame = pd.read_csv(io.StringIO(_decode(data, path)), sep=";", dtype=object, na_filter=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"{path.name} : CSV Certif Info illisible ({str(exc).splitlines()[0]}).") from None
    spellings = {alias: name for name, aliases in HEADERS.items() for alias in aliases}
    rename = {}
    for col in frame.columns:
        name = spellings.get(fold(col))
        if name and name not in rename.values():
            rename[col] = name
    frame = frame.rename(columns=rename)
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise InputError(f"{path.name} : colonne(s) {', '.join(missing)} absente(s) ; "
                         "format attendu : voir docs/reference.md (CSV Certif Info).")
    return frame


def is_certifinfo_csv(path: Path) -> bool:
    """A CSV whose header has the canonical code and title columns (used to scan a folder)."""
    try:
        with open(path, "rb") as fh:
            head = fh.readline()
        header = _decode(head, path).strip().split(";")
    except (OSError, InputError):
        return False
    folded = {fold(h) for h in header}
    return any(a in folded for a in HEADERS["code"]) and any(a in folded for a in HEADERS["intitule"])


def load_certifinfo(path: Path) -> Reference:
    frame = read_frame(path)
    n = len(frame)

    def col(name: str, convert=str.strip) -> list:
        """A column through `convert`, in plain Python (fast enough for 100 000 records)."""
        if name not in frame.columns:
            return [convert("") for _ in range(n)]
        return [convert(v) for v in frame[name].tolist()]

    def note(value) -> str:
        value = value.strip()
        return "" if value.lower() in ("", "non", "0", "no", "false") else value

    certifs = pd.DataFrame({
        "intitule": col("intitule"),
        "code_rncp": col("code_rncp", lambda v: t.fiche_code(v, "RNCP")),
        "code_rs": col("code_rs", lambda v: t.fiche_code(v, "RS")),
        "niveau": col("niveau_europeen", t.level),
        "type_certification": col("type_certification"),
        "certificateur": col("certificateur"),
        "formacodes": col("formacodes", t.split_list),
        "codes_rome": col("codes_rome", lambda v: [c.upper() for c in t.split_list(v)]),
        "archive": col("archive", t.flag),
        "date_fin_validite": col("date_fin_validite", t.date),
        "objectif": col("objectif"),
        "programme": col("programme"),
        "illustratif": col("illustratif", note),
    }, index=pd.Index(col("code", t.certifinfo_code), name="code", dtype=object), dtype=object)[CERTIF_COLUMNS]
    certifs["archive"] = certifs["archive"].astype(bool)
    certifs = certifs[certifs.index != ""]
    certifs = certifs[~certifs.index.duplicated(keep="first")]
    return Reference(certifs, empty_frame(FICHE_COLUMNS).rename_axis("numero"), empty_frame(BLOC_COLUMNS),
                     [str(path)])
