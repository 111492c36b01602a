"""Run profiles: judge a record by what its source promises.

`sofi` (the default for spreadsheets): every field SOFI requires is required, as the
spec's dictionary says. `lheo` (the default for LHÉO inputs): a LHÉO flow is valid
without the fields only SOFI asks for (individualisation, périodes, référents…), and
a producer writes `-` where it has nothing. A record of such a flow is accepted as
*à compléter*: its REQUIRED findings (and the format findings of the fields LHÉO
keeps as free text) are taken out of the errors and named in one SOFI_INCOMPLETE
warning per record. A web address without `http://` is accepted as LHÉO has it.
Keys and links are never relaxed: a record without a key, or pointing nowhere, is
still wrong. A catalogue without sessions (readers/sessionless.py) is judged the same
way, its actions lacking their sessions and, when the directory does not have it, the
site of their place: SOFI still needs both (CATALOGUE_INCOMPLETE).
"""

from __future__ import annotations

import re
from collections import defaultdict

import pandas as pd

from .findings import Findings
from .model import ENTITIES, DIRECTORY_LINKS
from .tables import Table

PROFILES = ("sofi", "lheo")

# Fields LHÉO carries as free text (or an unchecked string): a value SOFI cannot read
# is "to complete", not an error of the flow. rythmes: `rythme-formation`; URLs: `urlweb`.
FREE_TEXT = {("session", "rythmes"), ("formation", "url_formation"), ("action", "url_action"), ("site", "web")}
URL_FIELDS = {("formation", "url_formation"), ("action", "url_action"), ("site", "web")}
# A web address without its scheme ("lyceedekerneuzec.fr", "www2.cndp.fr/…"): what LHÉO
# producers write in `urlweb`, and an address a person opens as it is.
BARE_URL = re.compile(r"[\w-]+(\.[\w-]+)*\.[a-z]{2,}(/\S*)?", re.IGNORECASE)
RELAXED_CODES = {"REQUIRED", "CERTIFINFO_UNKNOWN"}
FREE_TEXT_CODES = {"BAD_FORMAT", "BAD_ENUM"}


def _never_relaxed() -> set[tuple[str, str]]:
    """Keys, parent links and directory links: what makes a record a record."""
    fields: set[tuple[str, str]] = set()
    for e in ENTITIES.values():
        fields.update((e.name, k) for k in e.key)
        if e.parent_field:
            fields.add((e.name, e.parent_field))
    fields.update((entity, field) for entity, field, _ in DIRECTORY_LINKS if not field.startswith("referent_"))
    return fields


NEVER_RELAXED = _never_relaxed()


def record_profile(table: Table, profil: str | None, sessionless=()) -> pd.Series:
    """Per record: True when the lheo profile applies (given, or the record is from XML or
    from a catalogue without sessions: `sessionless`, its (source, sheet) pairs)."""
    if profil is not None:
        return pd.Series(profil == "lheo", index=table.raw.index)
    return table.raw["_line"].notna() | from_sheets(table, sessionless)


def from_sheets(table: Table, sheets) -> pd.Series:
    """Per record: read from one of `sheets` ((source, sheet) pairs)."""
    if not sheets:
        return pd.Series(False, index=table.raw.index)
    pairs = zip(table.raw["_source"], table.raw["_sheet"].fillna(""))
    return pd.Series([pair in sheets for pair in pairs], index=table.raw.index, dtype=bool)


# What a catalogue without sessions may lack besides SOFI's fields: the site of its place.
PLACE_LINKS = {("action", "code_site_dispensateur")}


def acceptable(row: dict) -> bool:
    """A finding the lheo profile drops outright: a web address without http://."""
    return (
        row.get("code") == "BAD_FORMAT"
        and (row.get("entity"), row.get("field")) in URL_FIELDS
        and BARE_URL.fullmatch(str(row.get("value") or "").strip()) is not None
    )


def place_missing(row: dict) -> bool:
    """A catalogue action's place that is not (yet) a site of the directory."""
    return row.get("code") in ("ORPHAN", "REQUIRED") and (row.get("entity"), row.get("field")) in PLACE_LINKS


def relaxable(row: dict) -> bool:
    entity, field = row.get("entity"), row.get("field")
    if not entity or not field or (entity, field) in NEVER_RELAXED:
        return False
    if row["code"] in RELAXED_CODES:
        return True
    return row["code"] in FREE_TEXT_CODES and (entity, field) in FREE_TEXT


def missing_label(row: dict) -> str:
    """How a relaxed finding is named in the SOFI_INCOMPLETE message."""
    spec = ENTITIES[row["entity"]]
    label = spec.field(row["field"]).label.rstrip(" *") if row["field"] in spec.by_name else row["field"]
    if row["code"] == "REQUIRED":
        return label
    if row["code"] == "ORPHAN":
        return f"{label} (« {row['value']} » à créer dans l'annuaire des sites)"
    if row["code"] == "CERTIFINFO_UNKNOWN":
        return f"{label} (« {row['value']} » absent du référentiel chargé)"
    return f"{label} (« {row['value']} » non reconnu)"


def apply_profile(tables: dict[str, Table], findings: Findings, profil: str | None) -> dict[str, dict[int, list[str]]]:
    """Relax the lheo-profile records; returns entity -> record index -> fields to complete."""
    sessionless = set(findings.sessionless) if profil is None else set()
    lheo = {name: set(t.raw.index[record_profile(t, profil, sessionless)]) for name, t in tables.items()}
    if not any(lheo.values()):
        return {name: {} for name in tables}
    catalogue = {name: set(t.raw.index[from_sheets(t, sessionless)]) for name, t in tables.items()}

    def in_lheo(r) -> bool:
        return r.get("_index") is not None and int(r["_index"]) in lheo.get(r["entity"], ())

    def in_catalogue(r) -> bool:
        return r.get("_index") is not None and int(r["_index"]) in catalogue.get(r["entity"], ())

    findings.take(lambda r: acceptable(r) and in_lheo(r))
    taken = findings.take(lambda r: (relaxable(r) and in_lheo(r)) or (place_missing(r) and in_catalogue(r)))
    missing: dict[str, dict[int, list[str]]] = {name: defaultdict(list) for name in tables}
    for row in taken:
        label = missing_label(row)
        names = missing[row["entity"]][int(row["_index"])]
        if label not in names:
            names.append(label)
    capacities = {ref: c for by_action in findings.sessionless.values() for ref, c in by_action.items()}
    for idx in sorted(catalogue.get("action", ())):
        actions = tables["action"].raw
        capacity = capacities.get(str(actions.at[idx, "ref_action"]))
        places = f", capacité d'accueil {capacity}" if capacity else ""
        missing["action"][idx].append(f"ses sessions (dates, rythmes, recrutement, places{places})")
    for entity, records in missing.items():
        for idx, names in records.items():
            code = "CATALOGUE_INCOMPLETE" if idx in catalogue.get(entity, ()) else "SOFI_INCOMPLETE"
            findings.add(tables[entity], idx, code, None, missing=", ".join(names))
    return {name: dict(records) for name, records in missing.items()}
