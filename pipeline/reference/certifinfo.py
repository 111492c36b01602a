"""Certif Info records from a CSV, in the shapes they are published in (docs/reference.md).

- the project's canonical CSV (`code;intitule;code_rncp;…`);
- the Certif Info open-data file of the Réseau des Carif-Oref / Onisep
  (`Code_Diplome;Libelle_Diplome;Libelle_Type_Diplome;Code_Niveau_Europeen;…;Code_Rome_1…5;
  …;Code_Ancien_Diplome;Intitulé_Ancien_Diplome;Code_Ancien_RNCP;…;Etat;Etat_Libelle;
  Etat_Ancien_Diplome…`): one row per current certification, with the code it replaces;
  the old code becomes a record of its own (archived, replaced by the new one);
- the continuity extract (`cer3_code;cer3_libelle;cer3_etat;cer3_codenew;cer3_libelle;
  cer3_etat`): old code -> new code, both with their state.

`;`-separated, UTF-8 (BOM allowed; Windows-1252 accepted as a fallback), one header
row. Headers are matched leniently (case, accents, spaces). Columns the loader does
not use are named in one note (`Reference.notes`), never silently dropped.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from ..model.errors import InputError
from ..model.text import fold
from . import text as t
from .model import BLOC_COLUMNS, CERTIF_COLUMNS, FICHE_COLUMNS, Reference, empty_frame

# canonical column -> accepted spellings (folded); the open-data names come first.
HEADERS = {
    "code": ("code diplome", "code", "code certifinfo", "id", "certifinfo", "code certif info", "cer3 code"),
    "intitule": ("libelle diplome", "intitule", "intitule certification", "libelle", "cer3 libelle"),
    "code_rncp": ("code rncp", "rncp"),
    "code_rs": ("code rs", "rs"),
    "niveau_europeen": ("code niveau europeen", "niveau europeen", "niveau", "niveau europe"),
    "type_certification": ("libelle type diplome", "type certification", "type"),
    "certificateur": ("certificateur", "certificateurs"),
    "valideur": ("valideur",),
    "formacodes": ("code formacode", "formacodes", "formacode"),
    "codes_rome": ("codes rome", "code rome", "rome"),
    "codes_nsf": ("code nsf", "codes nsf", "nsf"),
    "archive": ("archive", "archivee"),
    "etat": ("etat", "cer3 etat"),
    "etat_libelle": ("etat libelle",),
    "date_fin_validite": ("date fin validite", "fin validite", "date fin"),
    "derniere_session": ("annee derniere session",),
    "objectif": ("objectif", "objectifs", "objectif formation"),
    "programme": ("programme", "contenu", "contenu formation"),
    "illustratif": ("illustratif", "illustrative"),
    # the certification this one replaces (open data) / the one replacing it (continuity)
    "ancien_code": ("code ancien diplome",),
    "ancien_intitule": ("intitule ancien diplome",),
    "ancien_rncp": ("code ancien rncp",),
    "ancien_etat": ("etat ancien diplome",),
    "ancien_etat_libelle": ("etat ancien diplome libelle",),
    "nouveau_code": ("cer3 codenew", "code nouveau diplome"),
    "nouveau_intitule": ("cer3 libelle 1",),
    "nouveau_etat": ("cer3 etat 1",),
}
ROME_COLUMN = "code rome "  # open data: Code_Rome_1 … Code_Rome_5
REQUIRED = ("code", "intitule")
# Certif Info states (`Etat`): 0 published, 2 erroneous, 3 archived, 4 preparatory / not
# certifying, 11 habilitations, 12 preparatory course removed. Gone: 2, 3, 12.
GONE_STATES = {"2", "3", "12"}
GONE_WORDS = ("archive", "erron", "supprim")
STATE_LABELS = {
    "0": "publiée",
    "2": "erronée",
    "3": "archivée",
    "4": "formation préparatoire ou non certifiante",
    "11": "habilitation",
    "12": "formation préparatoire supprimée",
}
# Open-data columns known and deliberately not used (labels of codes kept, school codes…).
KNOWN_UNUSED = {
    fold(c)
    for c in (
        "Date_MaJ",
        "Libelle_FormaCode",
        "Code_Scolarité",
        "Annee_Premiere_Session",
        "Code_Ancien_Scolarité",
        "`Options`",
        "Options",
        "accessibilite_fi",
        "accessibilite_ca",
        "accessibilite_fc",
        "accessibilite_cp",
        "accessibilite_vae",
        "accessibilite_ind",
        "code_type_diplome",
        "codeIdeo2",
    )
}


def _decode(data: bytes, path: Path) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InputError(f"{path.name} : encodage illisible (UTF-8 attendu).")


def _spellings() -> dict[str, str]:
    return {alias: name for name, aliases in HEADERS.items() for alias in aliases}


def read_frame(path: Path) -> tuple[pd.DataFrame, list[str]]:
    """The CSV with canonical column names, and the headers it has that are not used."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"impossible de lire le référentiel {path} ({exc.strerror or exc}).") from None
    try:
        frame = pd.read_csv(io.StringIO(_decode(data, path)), sep=";", dtype=object, na_filter=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"{path.name} : CSV Certif Info illisible ({str(exc).splitlines()[0]}).") from None
    spellings = _spellings()
    rename: dict[str, str] = {}
    unused: list[str] = []
    romes: list[str] = []
    for col in frame.columns:
        folded = fold(col)
        name = spellings.get(folded)
        if name and name not in rename.values():
            rename[col] = name
        elif folded.startswith(ROME_COLUMN) and folded[len(ROME_COLUMN) :].isdigit():
            romes.append(col)
        elif folded not in KNOWN_UNUSED:
            unused.append(col)
    if romes:
        frame["codes_rome"] = [
            " ".join(v for v in values if v.strip()) for values in zip(*(frame[c].tolist() for c in romes))
        ]
    frame = frame.rename(columns=rename)
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise InputError(
            f"{path.name} : colonne(s) {', '.join(missing)} absente(s) ; "
            "formats reconnus : CSV Certif Info (open data « Code_Diplome;Libelle_Diplome;… », "
            "continuité « cer3_code;… » ou format du projet), voir docs/reference.md."
        )
    return frame, unused


def is_certifinfo_csv(path: Path) -> bool:
    """A CSV whose header has a code and a title column (used to scan a folder)."""
    try:
        with open(path, "rb") as fh:
            head = fh.readline()
        header = _decode(head, path).strip().split(";")
    except (OSError, InputError):
        return False
    folded = {fold(h) for h in header}
    return any(a in folded for a in HEADERS["code"]) and any(a in folded for a in HEADERS["intitule"])


def _gone(state: str, label: str = "") -> bool:
    """Archived, erroneous or removed in Certif Info (state code or its label)."""
    return state.strip() in GONE_STATES or any(w in fold(label) for w in GONE_WORDS)


def load_certifinfo(path: Path) -> Reference:
    frame, unused = read_frame(path)
    n = len(frame)

    def col(name: str, convert=str.strip) -> list:
        """A column through `convert`, in plain Python (fast enough for 100 000 records)."""
        if name not in frame.columns:
            return [convert("") for _ in range(n)]
        return [convert(v) for v in frame[name].tolist()]

    def note(value) -> str:
        value = value.strip()
        return "" if value.lower() in ("", "non", "0", "no", "false") else value

    archived = [
        flag or _gone(state, label)
        for flag, state, label in zip(col("archive", t.flag), col("etat"), col("etat_libelle"))
    ]
    codes = col("code", t.certifinfo_code)
    certifs = pd.DataFrame(
        {
            "intitule": col("intitule"),
            "code_rncp": col("code_rncp", lambda v: t.fiche_code(v, "RNCP")),
            "code_rs": col("code_rs", lambda v: t.fiche_code(v, "RS")),
            "niveau": col("niveau_europeen", t.level),
            "type_certification": col("type_certification"),
            "certificateur": [c or v for c, v in zip(col("certificateur"), col("valideur"))],
            "formacodes": col("formacodes", t.split_list),
            "codes_rome": col("codes_rome", lambda v: [c.upper() for c in t.split_list(v)]),
            "codes_nsf": col("codes_nsf", t.split_list),
            "archive": archived,
            "etat": [label or STATE_LABELS.get(state, state) for label, state in zip(col("etat_libelle"), col("etat"))],
            "date_fin_validite": col("date_fin_validite", t.date),
            "derniere_session": col("derniere_session"),
            "objectif": col("objectif"),
            "programme": col("programme"),
            "illustratif": col("illustratif", note),
            "remplacee_par": [[] for _ in range(n)],
        },
        index=pd.Index(codes, name="code", dtype=object),
        dtype=object,
    )
    successors = _continuity(frame, col, certifs)
    certifs = certifs[certifs.index != ""]
    certifs = certifs[~certifs.index.duplicated(keep="first")]
    certifs = _with_old_codes(certifs, successors)[CERTIF_COLUMNS]
    certifs["archive"] = certifs["archive"].astype(bool)
    notes = []
    if unused:
        notes.append(f"{path.name} : colonne(s) non reprise(s) : {', '.join(unused)}.")
    return Reference(
        certifs, empty_frame(FICHE_COLUMNS).rename_axis("numero"), empty_frame(BLOC_COLUMNS), [str(path)], notes
    )


def _continuity(frame: pd.DataFrame, col, certifs: pd.DataFrame) -> dict[str, dict]:
    """Old code -> what is known of it and its successors, from either shape."""
    out: dict[str, dict] = {}
    codes = list(certifs.index)
    if "ancien_code" in frame.columns:  # open data: this row replaces the old code
        rows = zip(
            codes,
            col("ancien_code", t.certifinfo_code),
            col("ancien_intitule"),
            col("ancien_rncp", lambda v: t.fiche_code(v, "RNCP")),
            col("ancien_etat"),
            col("ancien_etat_libelle"),
        )
        for new, old, title, rncp, state, label in rows:
            if old and new and old != new:
                entry = out.setdefault(
                    old,
                    {
                        "intitule": title,
                        "code_rncp": rncp,
                        "etat": label or STATE_LABELS.get(state, state),
                        "archive": _gone(state, label),
                        "remplacee_par": [],
                    },
                )
                entry["remplacee_par"].append(new)
    if "nouveau_code" in frame.columns:  # continuity: this row (the old code) is replaced
        rows = zip(codes, col("nouveau_code", t.certifinfo_code), col("nouveau_intitule"), col("nouveau_etat"))
        for old, new, title, state in rows:
            if old and new and old != new:
                entry = out.setdefault(old, {"remplacee_par": []})
                entry["remplacee_par"].append(new)
                out.setdefault(new, {}).setdefault(
                    "new", {"intitule": title, "etat": STATE_LABELS.get(state, state), "archive": _gone(state)}
                )
    return out


def _with_old_codes(certifs: pd.DataFrame, successors: dict[str, dict]) -> pd.DataFrame:
    """Successors attached to the records that exist; a record for each old code that does not."""
    if not successors:
        return certifs
    certifs = certifs.copy()
    extra = {}
    for code, info in successors.items():
        new = info.get("new")
        if code in certifs.index:
            if info.get("remplacee_par"):
                current = certifs.at[code, "remplacee_par"]
                certifs.at[code, "remplacee_par"] = list(dict.fromkeys(current + info["remplacee_par"]))
            continue
        if new is not None and not info.get("remplacee_par"):
            info = {**new, "remplacee_par": []}  # a successor named only by the continuity file
        extra[code] = {
            "intitule": info.get("intitule", ""),
            "code_rncp": info.get("code_rncp", ""),
            "archive": bool(info.get("archive", True)),
            "etat": info.get("etat", ""),
            "remplacee_par": list(dict.fromkeys(info.get("remplacee_par", []))),
        }
    if not extra:
        return certifs
    rows = pd.DataFrame.from_dict(extra, orient="index").rename_axis("code")
    for column in CERTIF_COLUMNS:
        if column not in rows:
            rows[column] = [
                []
                if column in ("formacodes", "codes_rome", "codes_nsf")
                else (None if column == "date_fin_validite" else "")
                for _ in range(len(rows))
            ]
    return pd.concat([certifs, rows[certifs.columns].astype(object)])
