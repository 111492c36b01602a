"""The certification reference the validators query: Certif Info records joined to RNCP/RS fiches.

Three tables, whatever the sources:
- `certifs`: Certif Info records, index = Certif Info code (text);
- `fiches`: France Compétences fiches, index = Numero_Fiche (`RNCP35830`, `RS5432`);
- `blocs`: one row per bloc (numero, code, intitule).
`Certification` is the joined view of one certification, what resolution and
`fasd ref show` need.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property

import pandas as pd

CERTIF_COLUMNS = [
    "intitule",
    "code_rncp",
    "code_rs",
    "niveau",
    "type_certification",
    "certificateur",
    "formacodes",
    "codes_rome",
    "codes_nsf",
    "archive",
    "etat",
    "date_fin_validite",
    "derniere_session",
    "objectif",
    "programme",
    "illustratif",
    "remplacee_par",
]
FICHE_COLUMNS = [
    "intitule",
    "niveau",
    "date_fin",
    "actif",
    "type_certification",
    "certificateurs",
    "formacodes",
    "codes_rome",
    "remplacee_par",
    "illustratif",
]
BLOC_COLUMNS = ["numero", "code", "intitule", "illustratif"]


def empty_frame(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})


@dataclass
class Certification:
    """One certification as the form shows it: Certif Info record and its RNCP/RS fiche."""

    code_certifinfo: str = ""
    code_rncp: str = ""
    code_rs: str = ""
    intitule: str = ""
    niveau: str = ""  # European level, "4"
    type_certification: str = ""
    certificateur: str = ""
    formacodes: list[str] = field(default_factory=list)
    codes_rome: list[str] = field(default_factory=list)
    objectif: str = ""
    programme: str = ""
    archive: bool = False  # archived in Certif Info
    fiche_active: bool | None = None  # Actif of the fiche; None when the fiche is not loaded
    date_fin: dt.date | None = None  # end of validity / registration, the earliest known
    blocs: list[tuple[str, str]] | None = None  # None: the fiche is not in the loaded export
    remplacee_par: list[str] = field(default_factory=list)  # fiches replacing this one
    successeurs: list[str] = field(default_factory=list)  # Certif Info codes replacing this one
    codes_nsf: list[str] = field(default_factory=list)
    etat: str = ""  # Certif Info state as published ("Publié", "archivée"…)
    derniere_session: str = ""  # year of the last exam session, when announced
    illustratif: str = ""

    @property
    def fiche(self) -> str:
        return self.code_rncp or self.code_rs

    @property
    def niveau_lheo(self) -> str:
        """LHÉO dict-niveaux code of the European level: level 4 -> '14'."""
        return f"1{self.niveau}" if self.niveau.isdigit() and 1 <= int(self.niveau) <= 8 else ""

    def label(self) -> str:
        codes = " ".join(c for c in (self.code_certifinfo, self.fiche) if c)
        return f"{codes} {self.intitule}".strip()


def _text(value) -> str:
    if isinstance(value, str):
        return value
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
        return ""
    return str(value)


def _date(value) -> dt.date | None:
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).date()


def _list(value) -> list[str]:
    return list(value) if isinstance(value, (list, tuple)) else []


@dataclass
class Reference:
    """Certif Info records, fiches and blocs, with the look-ups resolution needs."""

    certifs: pd.DataFrame
    fiches: pd.DataFrame
    blocs: pd.DataFrame
    sources: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what loading left aside (unused columns…), one line each

    @property
    def has_certifinfo(self) -> bool:
        return not self.certifs.empty

    @property
    def has_fiches(self) -> bool:
        return not self.fiches.empty

    def __len__(self) -> int:
        return len(self.certifs) + len(self.fiches)

    # -- indexes built on first use (a run that resolves nothing pays nothing)
    @cached_property
    def blocs_by_fiche(self) -> dict[str, list[tuple[str, str]]]:
        out: dict[str, list[tuple[str, str]]] = {}
        titles = [_text(v) for v in self.blocs["intitule"].tolist()]
        for numero, code, title in zip(self.blocs["numero"].tolist(), self.blocs["code"].tolist(), titles):
            out.setdefault(numero, []).append((code, title))
        for blocs in out.values():
            blocs.sort()
        return out

    @cached_property
    def bloc_owner(self) -> dict[str, str]:
        return dict(zip(self.blocs["code"], self.blocs["numero"]))

    @cached_property
    def certifs_by_fiche(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for col in ("code_rncp", "code_rs"):
            for code, fiche in self.certifs[col].items():
                if fiche:
                    out.setdefault(fiche, []).append(code)
        return out

    # -- look-ups
    def by_certifinfo(self, code: str) -> Certification | None:
        if not code or code not in self.certifs.index:
            return None
        return self._join(code)

    @cached_property
    def _joined(self) -> dict[str, Certification]:
        return {}

    def by_fiche(self, numero: str) -> list[Certification]:
        """Certif Info records carrying this RNCP/RS code; else the bare fiche; else []."""
        codes = self.certifs_by_fiche.get(numero, [])
        if codes:
            return [self._join(c) for c in codes]
        if numero in self.fiches.index:
            return [self._from_fiche(numero)]
        return []

    def lookup(self, code: str) -> list[Certification]:
        """A Certif Info, RNCP or RS code, as typed by a person.

        A bare number may be any of the three (`5000`: Certif Info 5000, RNCP5000 or
        RS5000): every certification it names is returned, the Certif Info record first."""
        from .text import certifinfo_code, fiche_code

        code = code.strip()
        if not code.replace(".", "").isdigit():
            return self.by_fiche(fiche_code(code))
        found = []
        record = self.by_certifinfo(certifinfo_code(code))
        if record:
            found.append(record)
        for prefix in ("RNCP", "RS"):
            for cert in self.by_fiche(fiche_code(certifinfo_code(code), prefix)):
                if all(cert.label() != other.label() for other in found):
                    found.append(cert)
        return found

    def _join(self, code: str) -> Certification:
        """The joined view of a Certif Info record, built once per code (treat as read-only)."""
        if code not in self._joined:
            self._joined[code] = self._build_join(code)
        return self._joined[code]

    def _build_join(self, code: str) -> Certification:
        row = self.certifs.loc[code]
        rncp, rs = _text(row["code_rncp"]), _text(row["code_rs"])
        cert = Certification(
            code_certifinfo=code,
            code_rncp=rncp,
            code_rs=rs,
            intitule=_text(row["intitule"]),
            niveau=_text(row["niveau"]),
            type_certification=_text(row["type_certification"]),
            certificateur=_text(row["certificateur"]),
            formacodes=_list(row["formacodes"]),
            codes_rome=_list(row["codes_rome"]),
            objectif=_text(row["objectif"]),
            programme=_text(row["programme"]),
            archive=bool(row["archive"]),
            date_fin=_date(row["date_fin_validite"]),
            illustratif=_text(row["illustratif"]),
            successeurs=_list(row.get("remplacee_par")),
            codes_nsf=_list(row.get("codes_nsf")),
            etat=_text(row.get("etat")),
            derniere_session=_text(row.get("derniere_session")),
        )
        numero = rncp or rs
        if numero and numero in self.fiches.index:
            self._add_fiche(cert, numero)
        return cert

    def _from_fiche(self, numero: str) -> Certification:
        cert = Certification(
            code_rncp=numero if numero.startswith("RNCP") else "", code_rs=numero if numero.startswith("RS") else ""
        )
        self._add_fiche(cert, numero)
        return cert

    def _add_fiche(self, cert: Certification, numero: str) -> None:
        """Complete a certification with its fiche: status, end of registration, blocs."""
        row = self.fiches.loc[numero]
        cert.fiche_active = bool(row["actif"])
        ends = [d for d in (cert.date_fin, _date(row["date_fin"])) if d]
        cert.date_fin = min(ends) if ends else None
        cert.blocs = self.blocs_by_fiche.get(numero, [])
        cert.intitule = cert.intitule or _text(row["intitule"])
        cert.niveau = cert.niveau or _text(row["niveau"])
        cert.type_certification = cert.type_certification or _text(row["type_certification"])
        cert.certificateur = cert.certificateur or _text(row["certificateurs"])
        cert.formacodes = cert.formacodes or _list(row["formacodes"])
        cert.codes_rome = cert.codes_rome or _list(row["codes_rome"])
        cert.remplacee_par = _list(row["remplacee_par"])
        notes = [n for n in (cert.illustratif, _text(row["illustratif"])) if n]
        cert.illustratif = " ; ".join(dict.fromkeys(notes))

    # -- help for people
    @cached_property
    def index(self):
        from .search import TitleIndex

        return TitleIndex.build(self)

    def search(self, text: str, limit: int = 10) -> list[Certification]:
        """By code (exact, then near codes) or by title words, best first."""
        from .search import looks_like_code

        if looks_like_code(text):
            exact = self.lookup(text)
            return exact + [c for c in self.near_codes(text) if c not in exact][:limit]
        return [self._entry(key) for key, _ in self.index.search(text, limit)]

    def near_codes(self, code: str, limit: int = 5) -> list[Certification]:
        from .search import near_codes

        return [self._entry(key) for key in near_codes(self, code)[:limit]]

    def _entry(self, key: str) -> Certification:
        """An index key: a Certif Info code, or a fiche number for fiches without record."""
        return self._join(key) if key in self.certifs.index else self._from_fiche(key)


def join(references: list[Reference]) -> Reference:
    """Several sources as one reference (a Certif Info CSV and a France Compétences export)."""

    def cat(frames, columns):
        frames = [f for f in frames if not f.empty]
        if not frames:
            return empty_frame(columns)
        out = pd.concat(frames)
        return out[~out.index.duplicated(keep="first")] if out.index.name else out

    certifs = cat([r.certifs for r in references], CERTIF_COLUMNS)
    fiches = cat([r.fiches for r in references], FICHE_COLUMNS)
    blocs = cat([r.blocs for r in references], BLOC_COLUMNS).drop_duplicates(["numero", "code"])
    blocs = blocs.reset_index(drop=True)
    return Reference(
        certifs, fiches, blocs, [s for r in references for s in r.sources], [n for r in references for n in r.notes]
    )
