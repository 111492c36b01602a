"""Run profiles: judge a record by what its source promises.

`sofi` (the default for spreadsheets): every field SOFI requires is required, as the
spec's dictionary says. `lheo` (the default for LHÉO inputs): a LHÉO flow is valid
without the fields only SOFI asks for (individualisation, périodes, référents…), and
a producer writes `-` where it has nothing. A record of such a flow is accepted as
*à compléter*: its REQUIRED findings (and the format findings of the fields LHÉO
keeps as free text) are taken out of the errors and named in one SOFI_INCOMPLETE
warning per record. A web address without `http://` is accepted as LHÉO has it.
SOFI's own lists are not LHÉO's: a Formacode LHÉO takes but SOFI's list of
modalités pédagogiques or publics does not is OUTSIDE_SOFI_LIST (a warning; the code
stays in lheo.xml, the record is to complete); an inscription period with an
unknown date (`00000000`) is to complete. Keys and links are never relaxed: a record
without a key, or pointing nowhere, is still wrong.
A catalogue without sessions (readers/sessionless.py) is judged the same
way, its actions lacking their sessions and, when the directory does not have it, the
site of their place: SOFI still needs both (CATALOGUE_INCOMPLETE).
"""

from __future__ import annotations

import re
from collections import defaultdict

import pandas as pd

from ..model.lists import enumeration
from ..model.findings import Findings
from ..model.fields import ENTITIES, DIRECTORY_LINKS
from ..readers.normalise import display_labels, split_multi
from ..model.tables import Table

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
# SOFI's own lists that LHÉO writes as Formacodes (`code-modalite-pedagogique`,
# `code-public-vise`: any 5-character code for the XSD). A bad value of an optional
# field is already OPTIONAL_DROPPED when it reaches the profile.
FORMACODE_LISTS = {("session", "modalites_pedagogiques"), ("dispositif", "publics")}
FORMACODE = re.compile(r"\d{5}")
LIST_CODES = {"BAD_ENUM", "OPTIONAL_DROPPED"}
# Starts and ends of inscription periods that do not pair: in a LHÉO flow, an unknown date.
UNPAIRED_PERIOD = ("INSCRIPTION_PERIODS", "inscription_fin")


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


def outside_sofi_list(row: dict) -> list[str]:
    """The codes of a list finding that LHÉO takes and SOFI's list does not ([] otherwise)."""
    if row.get("code") not in LIST_CODES or (row.get("entity"), row.get("field")) not in FORMACODE_LISTS:
        return []
    field = ENTITIES[row["entity"]].field(row["field"])
    choices = enumeration(field.table or "")
    bad = [part for part in split_multi(str(row.get("value") or ""), field) if choices.match(part) is None]
    return bad if bad and all(FORMACODE.fullmatch(code) for code in bad) else []


def place_missing(row: dict) -> bool:
    """A catalogue action's place that is not (yet) a site of the directory."""
    return row.get("code") in ("ORPHAN", "REQUIRED") and (row.get("entity"), row.get("field")) in PLACE_LINKS


def relaxable(row: dict) -> bool:
    entity, field = row.get("entity"), row.get("field")
    if not entity or not field or (entity, field) in NEVER_RELAXED:
        return False
    if row["code"] in RELAXED_CODES or (row["code"], field) == UNPAIRED_PERIOD:
        return True
    if outside_sofi_list(row):
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
    if row["code"] == UNPAIRED_PERIOD[0]:
        return "Périodes d'inscription (une date de début ou de fin inconnue)"
    outside = outside_sofi_list(row)
    if outside:
        return f"{label} (« {'; '.join(outside)} » hors de la liste SOFI)"
    return f"{label} (« {row['value']} » non reconnu)"


def _outside_warning(table: Table, row: dict, findings: Findings) -> None:
    """OUTSIDE_SOFI_LIST where the list finding was: the code is valid LHÉO, kept in lheo.xml."""
    field = table.spec.field(row["field"])
    findings.add(
        table,
        int(row["_index"]),
        "OUTSIDE_SOFI_LIST",
        row["field"],
        bad="; ".join(outside_sofi_list(row)),
        allowed=", ".join(display_labels(field.table or "", limit=8)),
    )


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
        if outside_sofi_list(row):
            _outside_warning(tables[row["entity"]], row, findings)
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
