"""The France Compétences open-data export (`export-fiches-csv-YYYY-MM-DD.zip`), read in place.

The zip holds `;`-separated, double-quoted, UTF-8 CSV files named
`export_fiches_CSV_<Part>_YYYY_MM_DD.csv`. We read:
- Standard: Numero_Fiche, Intitule, Nomenclature_Europe_Niveau ("NIV4"),
  Date_Fin_Enregistrement (dd/mm/yyyy), Abrege_Intitule (kind: "Diplôme d'État"),
  Actif (ACTIVE/INACTIVE);
- Blocs_De_Compétences: Numero_Fiche, Bloc_Competences_Code, Bloc_Competences_Libelle;
- Certificateurs: Numero_Fiche, Nom_Certificateur;
- Formacode and Rome, when present: Numero_Fiche, Formacode_Code / Codes_Rome_Code;
- Ancienne_Nouvelle_Certification, when present: Numero_Fiche, Ancienne_Certification,
  Nouvelle_Certification (which fiche replaces an inactive one).
Other members (CCN, Partenaires, Nsf, VoixdAccès…) are ignored.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pandas as pd

from ..model.errors import InputError
from ..model.text import fold
from ..readers.dates import MONTH_FIRST, column_order
from . import text as t
from .model import BLOC_COLUMNS, CERTIF_COLUMNS, FICHE_COLUMNS, Reference, empty_frame

LEVEL = re.compile(r"(\d)")
PART = re.compile(
    r"^export fiches csv (standard|blocs de competences|certificateurs|formacode|rome"
    r"|ancienne nouvelle certification) \d{4}"
)
REQUIRED = {
    "standard": ["Numero_Fiche", "Intitule"],
    "blocs de competences": ["Numero_Fiche", "Bloc_Competences_Code"],
    "certificateurs": ["Numero_Fiche", "Nom_Certificateur"],
    "formacode": ["Numero_Fiche", "Formacode_Code"],
    "rome": ["Numero_Fiche", "Codes_Rome_Code"],
    "ancienne nouvelle certification": ["Numero_Fiche"],
}
# Columns of the real export that are known and deliberately not used.
KNOWN_UNUSED = {
    "standard": {
        "Id_Fiche",
        "Abrege_Libelle",
        "Nomenclature_Europe_Intitule",
        "Accessible_Nouvelle_Caledonie",
        "Accessible_Polynesie_Francaise",
        "Date_dernier_jo",
        "Date_Decision",
        "Date_Effet",
        "Type_Enregistrement",
        "Validation_Partielle",
    },
    "certificateurs": {"Siret_Certificateur"},
    "formacode": {"Formacode_Libelle"},
    "rome": {"Codes_Rome_Libelle"},
}
OPTIONAL = {
    "standard": ["Nomenclature_Europe_Niveau", "Date_Fin_Enregistrement", "Abrege_Intitule", "Actif", "Illustratif"],
    "blocs de competences": ["Bloc_Competences_Libelle", "Illustratif"],
    "ancienne nouvelle certification": ["Ancienne_Certification", "Nouvelle_Certification"],
}


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


def _read(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, part: str, source: Path, unknown: list[str] | None = None
) -> pd.DataFrame:
    """One member's wanted columns; the names of columns neither wanted nor known go to `unknown`."""
    wanted = set(REQUIRED[part]) | set(OPTIONAL.get(part, []))
    seen: list[str] = []

    def use(column: str) -> bool:
        name = column.strip().lstrip("\ufeff")
        if name not in wanted and name not in KNOWN_UNUSED.get(part, ()) and name != "Illustratif" and name not in seen:
            seen.append(name)
        return name in wanted

    for encoding in ("utf-8-sig", "cp1252"):
        seen.clear()
        try:
            with zf.open(info) as fh:
                frame = pd.read_csv(fh, sep=";", dtype=object, na_filter=False, encoding=encoding, usecols=use)
            break
        except UnicodeDecodeError:
            continue
        except (pd.errors.ParserError, pd.errors.EmptyDataError, zipfile.BadZipFile, OSError) as exc:
            raise InputError(
                f"{source.name} : {_member_name(info)} illisible "
                f"({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})."
            ) from None
    else:
        raise InputError(f"{source.name} : {_member_name(info)} : encodage illisible (UTF-8 attendu).")
    frame.columns = [c.strip().lstrip("\ufeff") for c in frame.columns]
    if unknown is not None:
        unknown += [f"{name} ({part})" for name in seen]
    missing = [c for c in REQUIRED[part] if c not in frame.columns]
    if missing:
        raise InputError(
            f"{source.name} : {_member_name(info)} sans colonne {', '.join(missing)} ; "
            "est-ce bien un export France Compétences ?"
        )
    for col in wanted - set(frame.columns):
        frame[col] = ""
    return frame


def _strip(frame: pd.DataFrame, column: str, upper: bool = False) -> list[str]:
    """A column as a list of stripped texts: plain Python is faster than .str on 100 000 rows."""
    values = [str(v).strip() for v in frame[column].tolist()]
    return [v.upper() for v in values] if upper else values


def _per_fiche(frame: pd.DataFrame, column: str, upper: bool = False) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for numero, value in zip(_strip(frame, "Numero_Fiche", True), _strip(frame, column, upper)):
        if value:
            out.setdefault(numero, []).append(value)
    return out


def _replacements(frame: pd.DataFrame | None) -> dict[str, list[str]]:
    """Old fiche -> the fiches that replace it, from both columns of the continuity file."""
    out: dict[str, list[str]] = {}
    if frame is None:
        return out
    rows = zip(
        _strip(frame, "Numero_Fiche", True),
        _strip(frame, "Ancienne_Certification", True),
        _strip(frame, "Nouvelle_Certification", True),
    )
    for numero, old, new in rows:
        for before, after in ((old, numero), (numero, new)):
            if before and after and after not in out.setdefault(before, []):
                out[before].append(after)
    return out


def load_export(path: Path) -> Reference:
    try:
        zf = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise InputError(
            f"impossible d'ouvrir l'export France Compétences {path.name} ({getattr(exc, 'strerror', None) or exc})."
        ) from None
    with zf:
        parts = members(zf)
        if "standard" not in parts:
            raise InputError(
                f"{path.name} : pas de fichier export_fiches_CSV_Standard_*.csv dans le zip ; "
                "est-ce bien un export France Compétences ?"
            )
        unknown: list[str] = []
        frames = {part: _read(zf, info, part, path, unknown) for part, info in parts.items()}

    std = frames["standard"]
    ends = _strip(std, "Date_Fin_Enregistrement")
    order = column_order(ends)
    end_dates = [t.date(v, order) for v in ends]
    notes = [f"{path.name} : colonne(s) non reprise(s) : {', '.join(unknown)}."] if unknown else []
    if order == MONTH_FIRST:
        notes.append(
            f"{path.name} : dates de fin d'enregistrement lues au format mois/jour/année "
            "(export retraité par un outil américain)."
        )
    unreadable = [v for v, d in zip(ends, end_dates) if v and d is None]
    if unreadable:
        notes.append(
            f"{path.name} : {len(unreadable)} date(s) de fin d'enregistrement illisible(s), "
            f"ignorée(s) (par exemple « {unreadable[0]} »)."
        )
    levels = [LEVEL.search(v) for v in _strip(std, "Nomenclature_Europe_Niveau")]
    fiches = pd.DataFrame(
        {
            "intitule": _strip(std, "Intitule"),
            "niveau": [m.group(1) if m else "" for m in levels],
            "date_fin": pd.to_datetime(pd.Series(end_dates, dtype=object), errors="coerce").to_numpy(),
            "actif": [v != "INACTIVE" for v in _strip(std, "Actif", True)],
            "type_certification": _strip(std, "Abrege_Intitule"),
            "illustratif": _strip(std, "Illustratif"),
        },
        index=pd.Index(_strip(std, "Numero_Fiche", True), name="numero", dtype=object),
    )
    for col in ("intitule", "niveau", "type_certification", "illustratif"):
        fiches[col] = fiches[col].astype(object)
    fiches = fiches[(fiches.index != "") & ~fiches.index.duplicated(keep="first")]
    keys = list(fiches.index)

    def attach(part: str, column: str, upper: bool, how):
        grouped = _per_fiche(frames[part], column, upper) if part in frames else {}
        return pd.Series([how(grouped.get(k, [])) for k in keys], index=fiches.index, dtype=object)

    fiches["certificateurs"] = attach("certificateurs", "Nom_Certificateur", False, " ; ".join)
    fiches["formacodes"] = attach("formacode", "Formacode_Code", False, list)
    fiches["codes_rome"] = attach("rome", "Codes_Rome_Code", True, list)
    replaced = _replacements(frames.get("ancienne nouvelle certification"))
    fiches["remplacee_par"] = pd.Series([replaced.get(k, []) for k in keys], index=fiches.index, dtype=object)
    fiches = fiches[FICHE_COLUMNS]

    if "blocs de competences" in frames:
        b = frames["blocs de competences"]
        blocs = pd.DataFrame(
            {
                "numero": _strip(b, "Numero_Fiche", True),
                "code": [v.replace(" ", "") for v in _strip(b, "Bloc_Competences_Code", True)],
                "intitule": _strip(b, "Bloc_Competences_Libelle"),
                "illustratif": _strip(b, "Illustratif"),
            },
            dtype=object,
        )
        blocs = blocs[blocs["code"] != ""].drop_duplicates(["numero", "code"]).reset_index(drop=True)
    else:
        blocs = empty_frame(BLOC_COLUMNS)
    certifs = empty_frame(CERTIF_COLUMNS).rename_axis("code")
    return Reference(certifs, fiches, blocs, [str(path)], notes)
