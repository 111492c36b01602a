"""Defaults set once (`--defauts FILE`): values for the fields a flow does not carry.

A Carif-Oref (or an organisation) knows what a LHÉO flow cannot say: its
individualisation, its training periods, its referents… The file gives a value per
field, for every organisation or for one organisation (its SIRET, the SIRET of the
organisme responsable of the sessions). A default only fills an empty cell (or a
placeholder such as `-`); it never replaces what the input says. Every filled cell
is traced: `"defaut": [fields]` in the record's provenance in records.jsonl.

Two shapes, documented in docs/lheo-mapping.md:
- CSV (`;` or `,`, UTF-8): columns `champ;valeur` and optionally `siret`;
- TOML: a `[defauts]` table (every organisation) and `[organismes."SIRET"]` tables.
A field is named as in the model (`individualisation`, `periodes`), or
`entité.champ` (`session.periodes`) when several entities have it.
"""

from __future__ import annotations

import csv
import io
import re
import tomllib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..model.errors import InputError
from ..model.fields import ENTITIES
from .placeholders import is_placeholder
from ..model.tables import Table

ALL = ""  # the organisation key of a default for every organisation


@dataclass
class Defaults:
    """(entity, field) -> organisation SIRET (or ALL) -> cell text."""

    values: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)
    source: str = ""

    def add(self, name: str, value: str, siret: str = ALL) -> None:
        for target in resolve_field(name, self.source):
            self.values.setdefault(target, {})[_digits(siret)] = str(value).strip()


def _digits(siret: str) -> str:
    return re.sub(r"\D", "", str(siret or ""))


# Keys and parent links: a record's identity, never one value for every record.
KEY_FIELDS = frozenset(k for e in ENTITIES.values() for k in (*e.key, e.parent_field) if k)


def resolve_field(name: str, source: str) -> list[tuple[str, str]]:
    """`periodes` -> [("session", "periodes")]; `site.nom` -> [("site", "nom")]."""
    name = name.strip()
    if "." in name:
        entity, field_name = name.split(".", 1)
        if entity in ENTITIES and field_name in ENTITIES[entity].by_name:
            return [(entity, field_name)]
    else:
        found = [(e.name, name) for e in ENTITIES.values() if name in e.by_name]
        keys = {(e.name, k) for e in ENTITIES.values() for k in (*e.key, e.parent_field) if k}
        found = [f for f in found if f not in keys]
        if len(found) == 1:
            return found
        if len(found) > 1:
            choices = ", ".join(f"{e}.{f}" for e, f in found)
            raise InputError(
                f"{source} : le champ « {name} » existe pour plusieurs entités ; précisez-en une : {choices}."
            )
    raise InputError(
        f"{source} : « {name} » n'est pas un champ du modèle FASD (voir docs/lheo-mapping.md, valeurs par défaut)."
    )


def load_defaults(path: Path) -> Defaults:
    """Read a defaults file (CSV or TOML); InputError when it cannot be used."""
    path = Path(path)
    defaults = Defaults(source=path.name)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path.name} : fichier de valeurs par défaut illisible ({exc.strerror or exc}).") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252")
    if path.suffix.lower() == ".toml":
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise InputError(f"{path.name} : TOML mal formé ({exc}).") from None
        for name, value in (data.get("defauts") or {}).items():
            defaults.add(name, value)
        for siret, table in (data.get("organismes") or {}).items():
            for name, value in table.items():
                defaults.add(name, value, siret)
        return defaults
    sample = text[:2048]
    delimiter = ";" if sample.count(";") >= sample.count(",") else ","
    rows = list(csv.DictReader(io.StringIO(text), delimiter=delimiter))
    if not rows or "champ" not in rows[0] or "valeur" not in rows[0]:
        raise InputError(
            f"{path.name} : un fichier de valeurs par défaut a les colonnes « champ » et "
            "« valeur » (et, si besoin, « siret »)."
        )
    for row in rows:
        if (row.get("champ") or "").strip():
            defaults.add(row["champ"], row.get("valeur") or "", row.get("siret") or ALL)
    return defaults


def _empty(value) -> bool:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return True
    text = str(value).strip()
    return not text or is_placeholder(text)


def organisations(tables: dict[str, Table]) -> dict[str, pd.Series]:
    """Per entity, the SIRET (digits) of each record's organisation: the organisme
    responsable of its sessions (a site without SIRET: of the sessions held there)."""
    sites = tables["site"].raw
    site_siret = dict(zip(sites["code_site"].astype(str).str.strip(), sites["siret"].map(_digits)))
    sessions = tables["session"].raw
    of_session = sessions["code_site_responsable"].astype(str).str.strip().map(site_siret).fillna("")
    by_session = dict(zip(sessions["ref_session"].astype(str).str.strip(), of_session))
    by_action: dict[str, str] = {}
    for ref, org in zip(sessions["ref_action"].astype(str).str.strip(), of_session):
        by_action.setdefault(ref, org)
    actions = tables["action"].raw
    by_formation: dict[str, str] = {}
    for ref, a in zip(actions["ref_formation"].astype(str).str.strip(), actions["ref_action"].astype(str).str.strip()):
        by_formation.setdefault(ref, by_action.get(a, ""))
    by_place: dict[str, str] = {}
    for column in ("code_site_lieu", "code_site_responsable"):
        for code, org in zip(sessions[column].astype(str).str.strip(), of_session):
            by_place.setdefault(code, org)
    contacts = tables["contact"].raw

    def own_or(codes: pd.Series, own: pd.Series) -> pd.Series:
        return pd.Series([o or by_place.get(c, "") for c, o in zip(codes, own)], index=codes.index)

    site_codes = sites["code_site"].astype(str).str.strip()
    return {
        "session": of_session,
        "dispositif": tables["dispositif"].raw["ref_session"].astype(str).str.strip().map(by_session).fillna(""),
        "action": actions["ref_action"].astype(str).str.strip().map(by_action).fillna(""),
        "formation": tables["formation"].raw["ref_formation"].astype(str).str.strip().map(by_formation).fillna(""),
        "site": own_or(site_codes, sites["siret"].map(_digits)),
        "contact": contacts["code_site"].astype(str).str.strip().map(site_siret).fillna(""),
    }


def apply_defaults(tables: dict[str, Table], defaults: Defaults | None) -> dict[str, dict[int, list[str]]]:
    """Fill the empty cells the defaults cover; entity -> record index -> fields filled."""
    filled: dict[str, dict[int, list[str]]] = {name: defaultdict(list) for name in tables}
    if defaults is None or not defaults.values:
        return {name: {} for name in tables}
    orgs = organisations(tables)
    for (entity, name), by_org in defaults.values.items():
        raw = tables[entity].raw
        if raw.empty:
            continue
        for idx, value, org in zip(raw.index, raw[name].tolist(), orgs[entity].tolist()):
            default = by_org.get(org, by_org.get(ALL)) if org else by_org.get(ALL)
            if default is not None and default != "" and _empty(value):
                raw.at[idx, name] = default
                filled[entity][idx].append(name)
    return {name: dict(v) for name, v in filled.items()}
