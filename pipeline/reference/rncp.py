"""The France Compétences open-data export (`export-fiches-csv-YYYY-MM-DD.zip`), read in place.

The zip holds `;`-separated, double-quoted, UTF-8 CSV files named
`export_fiches_CSV_<Part>_YYYY_MM_DD.csv`. We read:
- Standard: Numero_Fiche, Intitule, Nomenclature_Europe_Niveau ("NIV4"),
  Date_Fin_Enregistrement (dd/mm/yyyy), Abrege_Intitule (kind: "Diplôme d'État"),
  Actif (ACTIVE/INACTIVE);
- Blocs_De_Compétences: Numero_Fiche, Bloc_Competences_Code, Bloc_Competences_Libelle;
- Certificateurs: Numero_Fiche, Nom_Certificateur;
- Formacode and Rome, when present: Numero_Fiche, Formacode_Code / Codes_Rome_Code.
Other members (CCN, Partenaires, Nsf, VoixdAccès…) are ignored.
"""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pandas as pd

from ..readers.errors import InputError
from ..text import fold
from .model import BLOC_COLUMNS, CERTIF_COLUMNS, FICHE_COLUMNS, Reference, empty_frame

PART = re.compile(r"^export fiches csv (standard|blocs de competences|certificateurs|formacode|rome) \d{4}")
REQUIRED = {
    "standard": ["Numero_Fiche", "Intitule"],
    "blocs de competences": ["Numero_Fiche", "Bloc_Competences_Code"],
    "certificateurs": ["Numero_Fiche", "Nom_Certificateur"],
    "formacode": ["Numero_Fiche", "Formacode_Code"],
    "rome": ["Numero_Fiche", "Codes_Rome_Code"],
}
OPTIONAL = {
    "standard": ["Nomenclature_Europe_Niveau", "Date_Fin_Enregistrement", "Abrege_Intitule", "Actif",
                 "Illustratif"],
    "blocs de competences": ["Bloc_Competences_Libelle", "Illustratif"],
}


def is_export_zip(path: Path) -> bool:
    return path.suffix.lower() == ".zip"


def _member_name(info: zipfile.ZipInfo) -> str:
    """The member's real name: zips made without the UTF-8 flag store 'Compétences' in cp437."""
    name = info.filename
    if not info.flag_bits & 0x800:
        try:
            name = name.encode("cp437").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    return name.rsplit("/", 1)[-1]


def members(zf: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    """Part name -> member (the latest dated file when a part appears twice)."""
    found: dict[str, tuple[str, zipfile.ZipInfo]] = {}
    for info in zf.infolist():
        name = _member_name(info)
        m = PART.match(fold(name))
        if m and (m.group(1) not in found or name > found[m.group(1)][0]):
            found[m.group(1)] = (name, info)
    return {part: info for part, (_, info) in found.items()}


def _read(zf: zipfile.ZipFile, info: zipfile.ZipInfo, part: str, source: Path) -> pd.DataFrame:
    wanted = set(REQUIRED[part]) | set(OPTIONAL.get(part, []))
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            with zf.open(info) as fh:
                frame = pd.read_csv(fh, sep=";", dtype=str, keep_default_na=False, encoding=encoding,
                                    usecols=lambda c: c.strip().lstrip("\ufeff") in wanted)
            break
        except UnicodeDecodeError:
            continue
        except (pd.errors.ParserError, pd.errors.EmptyDataError, zipfile.BadZipFile, OSError) as exc:
            raise InputError(f"{source.name} : {_member_name(info)} illisible "
                             f"({str(exc).splitlines()[0] if str(exc) else type(exc).__name__}).") from None
    else:
        raise InputError(f"{source.name} : {_member_name(info)} : encodage illisible (UTF-8 attendu).")
    frame.columns = [c.strip().lstrip("\ufeff") for c in frame.columns]
    missing = [c for c in REQUIRED[part] if c not in frame.columns]
    if missing:
        raise InputError(f"{source.name} : {_member_name(info)} sans colonne {', '.join(missing)} ; "
                         "est-ce bien un export France Compétences ?")
    for col in wanted - set(frame.columns):
        frame[col] = ""
    return frame


def _per_fiche(frame: pd.DataFrame, column: str, how) -> pd.Series:
    values = frame[column].str.strip()
    keep = values != ""
    return values[keep].groupby(frame.loc[keep, "Numero_Fiche"].str.strip().str.upper()).agg(how)


def load_export(path: Path) -> Reference:
    try:
        zf = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise InputError(f"impossible d'ouvrir l'export France Compétences {path.name} "
                         f"({getattr(exc, 'strerror', None) or exc}).") from None
    with zf:
        parts = members(zf)
        if "standard" not in parts:
            raise InputError(f"{path.name} : pas de fichier export_fiches_CSV_Standard_*.csv dans le zip ; "
                             "est-ce bien un export France Compétences ?")
        frames = {part: _read(zf, info, part, path) for part, info in parts.items()}

    std = frames["standard"]
    numero = std["Numero_Fiche"].str.strip().str.upper()
    fiches = pd.DataFrame({
        "intitule": std["Intitule"].str.strip().astype(object),
        "niveau": std["Nomenclature_Europe_Niveau"].str.extract(r"(\d)", expand=False).fillna("").astype(object),
        "date_fin": pd.to_datetime(std["Date_Fin_Enregistrement"].str.strip(), format="%d/%m/%Y", errors="coerce"),
        "actif": std["Actif"].str.strip().str.upper() != "INACTIVE",
        "type_certification": std["Abrege_Intitule"].str.strip().astype(object),
        "illustratif": std["Illustratif"].str.strip().astype(object),
    })
    fiches.index = pd.Index(numero.astype(object), name="numero")
    fiches = fiches[(fiches.index != "") & ~fiches.index.duplicated(keep="first")]

    def attach(part: str, column: str, how, default):
        grouped = _per_fiche(frames[part], column, how).to_dict() if part in frames else {}
        return pd.Series([grouped.get(k, default()) for k in fiches.index], index=fiches.index, dtype=object)

    fiches["certificateurs"] = attach("certificateurs", "Nom_Certificateur", " ; ".join, str)
    fiches["formacodes"] = attach("formacode", "Formacode_Code", list, list)
    fiches["codes_rome"] = attach("rome", "Codes_Rome_Code", lambda s: [c.upper() for c in s], list)
    fiches = fiches[FICHE_COLUMNS]

    if "blocs de competences" in frames:
        b = frames["blocs de competences"]
        blocs = pd.DataFrame({
            "numero": b["Numero_Fiche"].str.strip().str.upper().astype(object),
            "code": b["Bloc_Competences_Code"].str.replace(r"\s", "", regex=True).str.upper().astype(object),
            "intitule": b["Bloc_Competences_Libelle"].str.strip().astype(object),
            "illustratif": b["Illustratif"].str.strip().astype(object),
        })
        blocs = blocs[blocs["code"] != ""].drop_duplicates(["numero", "code"]).reset_index(drop=True)
    else:
        blocs = empty_frame(BLOC_COLUMNS)
    certifs = empty_frame(CERTIF_COLUMNS).rename_axis("code")
    return Reference(certifs, fiches, blocs, [str(path)])
