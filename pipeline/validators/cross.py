"""Cross-record rules (spec §4) that need no certification reference.

Each check works on whole columns of the typed tables and reports through
`Findings`; none loops over rows except to emit the (few) findings.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd

from ..findings import Findings
from ..model import DIRECTORY_LINKS, ENTITIES
from ..tables import Table

Tables = dict[str, Table]


def _key_series(table: Table) -> pd.Series:
    """The record key as one string column (a dispositif: session + dispositif)."""
    t = table.typed
    if table.entity == "dispositif":
        which = t["ref_dispositif"].fillna(t["dispositif"])
        return t["ref_session"].fillna("") + "\x1f" + which.fillna("")
    return t[ENTITIES[table.entity].key[0]]


def check_duplicate_keys(tables: Tables, findings: Findings) -> None:
    """DUPLICATE_KEY: a later record reusing a key; the first one keeps it."""
    for table in tables.values():
        if table.typed.empty:
            continue
        spec = table.spec
        keys = _key_series(table)
        field = spec.key[0] if table.entity != "dispositif" else "ref_dispositif"
        _report_duplicates(table, keys, field, findings)
        for sofi in ("code_formation", "code_action", "code_session"):
            if sofi in spec.by_name:
                _report_duplicates(table, table.typed[sofi], sofi, findings)


def _report_duplicates(table: Table, keys: pd.Series, field: str, findings: Findings) -> None:
    present = keys.notna() & (keys != "") & ~keys.astype(str).str.endswith("\x1f")
    dup = keys.duplicated() & present
    if not dup.any():
        return
    first_of = keys[present & ~keys.duplicated()]
    first_row = dict(zip(first_of, table.raw.loc[first_of.index, "_row"]))
    first_line = dict(zip(first_of, table.raw.loc[first_of.index, "_line"]))
    for idx in keys[dup].index:
        k = keys[idx]
        if table.entity == "dispositif" and field == "ref_dispositif" and pd.isna(table.typed.at[idx, "ref_dispositif"]):
            field_here = "dispositif"
        else:
            field_here = field
        where = (f"ligne {first_row[k]}" if pd.notna(first_row[k]) else f"ligne XML {first_line[k]}")
        findings.add(table, idx, "DUPLICATE_KEY", field_here, other=where)


def check_links(tables: Tables, findings: Findings) -> None:
    """ORPHAN: a parent ref_*, site or contact that no record of the input carries."""
    links = [(e.name, e.parent_field, e.parent) for e in ENTITIES.values() if e.parent]
    links += list(DIRECTORY_LINKS)
    for entity, field, target in links:
        table = tables[entity]
        if table.typed.empty:
            continue
        target_table = tables[target]
        known = set(_key_series(target_table).dropna()) if not target_table.typed.empty else set()
        values = table.typed[field]
        missing = values.notna() & ~values.isin(known)
        spec = ENTITIES[target]
        for idx in values[missing].index:
            findings.add(table, idx, "ORPHAN", field, none_such=spec.none_such, target_sheet=spec.sheet)


def check_dates(tables: Tables, findings: Findings) -> None:
    """DATE_ORDER: a session's end before its start, and the same for inscription."""
    sessions = tables["session"]
    t = sessions.typed
    if t.empty:
        return
    bad = t["date_fin"] < t["date_debut"]
    start_label = sessions.spec.field("date_debut").label.rstrip(" *")
    for idx in t.index[bad.fillna(False)]:
        findings.add(sessions, idx, "DATE_ORDER", "date_fin", other_label=start_label,
                     other_value=str(sessions.raw.at[idx, "date_debut"]).strip())
    check_inscription_periods(sessions, findings)


def check_inscription_periods(sessions: Table, findings: Findings) -> None:
    """Several inscription periods: starts and ends paired in order (INSCRIPTION_PERIODS),
    one type for all or one per period, each end on or after its start (DATE_ORDER)."""
    t = sessions.typed
    start_label = sessions.spec.field("inscription_debut").label
    columns = [t[c].tolist() for c in ("inscription_type", "inscription_debut", "inscription_fin")]
    for idx, types, starts, ends in zip(t.index, *columns):
        types, starts, ends = (v if isinstance(v, list) else [] for v in (types, starts, ends))
        if len(starts) != len(ends):
            findings.add(sessions, idx, "INSCRIPTION_PERIODS", "inscription_fin",
                         problem=f"{len(starts)} date(s) de début pour {len(ends)} date(s) de fin")
            continue
        if len(types) > 1 and len(types) != len(starts):
            findings.add(sessions, idx, "INSCRIPTION_PERIODS", "inscription_type",
                         problem=f"{len(types)} types pour {len(starts)} période(s)")
            continue
        for start, end in zip(starts, ends):
            if end < start:
                findings.add(sessions, idx, "DATE_ORDER", "inscription_fin", value=end.strftime("%d/%m/%Y"),
                             other_label=start_label, other_value=start.strftime("%d/%m/%Y"))


def check_places(tables: Tables, findings: Findings) -> None:
    """PLACES: remaining seats or minimum head-count over the places, minimum over capacity."""
    table = tables["dispositif"]
    t = table.typed
    if t.empty:
        return
    rules = [
        ("nb_places_restantes", t["nb_places_restantes"] > t["nb_places"], "dépasse le nombre de places du dispositif ({other})", "nb_places"),
        ("effectif_minimal", t["effectif_minimal"] > t["nb_places"], "dépasse le nombre de places du dispositif ({other})", "nb_places"),
        ("effectif_minimal", t["effectif_minimal"] > t["capacite_simultanee"], "dépasse la capacité simultanée ({other})", "capacite_simultanee"),
    ]
    for field, mask, problem, other in rules:
        for idx in t.index[mask.fillna(False).astype(bool)]:
            findings.add(table, idx, "PLACES", field, problem=problem.format(other=_num(t.at[idx, other])))


def _num(value) -> str:
    value = float(value)
    return f"{value:g}" if value.is_integer() else f"{value:.2f}".replace(".", ",")


def check_prices(tables: Tables, findings: Findings) -> None:
    """PRICE_TTC: TTC = HT × (1 + TVA) to the cent, when all three are given.

    TTC left empty with HT and TVA given is computed (VALUE_DERIVED), so the price
    reaches lheo.xml (`prix-total-TTC`)."""
    table = tables["dispositif"]
    t = table.typed
    if t.empty:
        return
    ht, tva, ttc = (pd.to_numeric(t[c], errors="coerce") for c in ("frais_ht", "taux_tva", "frais_ttc"))
    expected = (ht * (1 + tva)).round(2)
    derive = ttc.isna() & expected.notna() & (table.raw["frais_ttc"].fillna("").astype(str).str.strip() == "")
    if derive.any():
        column = t["frais_ttc"].astype(object)
        for idx in t.index[derive]:
            value = float(expected[idx])
            column.at[idx] = int(value) if value.is_integer() else value
            findings.add(table, idx, "VALUE_DERIVED", "frais_ttc", derived=f"{_money(value)} € retenu",
                         how=f"frais HT {_money(ht[idx])} € × (1 + TVA {tva[idx] * 100:g} %)")
        t["frais_ttc"] = column
        ttc = pd.to_numeric(t["frais_ttc"], errors="coerce")
    bad = (expected - ttc.round(2)).abs() > 0.005
    for idx in t.index[bad.fillna(False)]:
        findings.add(table, idx, "PRICE_TTC", "frais_ttc", ht=_money(ht[idx]), tva=f"{tva[idx] * 100:g} %",
                     expected=_money(expected[idx]))


def _money(value: float) -> str:
    return f"{value:.2f}".replace(".", ",")


def session_formations(tables: Tables) -> pd.Series:
    """For each session, the index of its formation record (NaN when the chain breaks)."""
    sessions, actions, formations = (tables[e].typed for e in ("session", "action", "formation"))
    action_formation = actions.drop_duplicates("ref_action").set_index("ref_action")["ref_formation"]
    formation_index = pd.Series(formations.index, index=formations["ref_formation"])
    formation_index = formation_index[~formation_index.index.duplicated()]
    ref_formation = sessions["ref_action"].map(action_formation)
    return ref_formation.map(formation_index)


def check_parcours(tables: Tables, findings: Findings) -> None:
    """PARCOURS_INDIVIDUALISATION: an individualised formation needs modulaire + individualisé."""
    sessions = tables["session"]
    t = sessions.typed
    if t.empty or tables["formation"].typed.empty or tables["action"].typed.empty:
        return
    formations = tables["formation"].typed
    f_idx = session_formations(tables)
    individual = f_idx.map(formations["individualisation"]) == True  # noqa: E712 - NaN is not True
    parcours = t["types_parcours"]
    has = parcours.map(lambda v: set(v) if isinstance(v, list) else set())
    missing = has.map(lambda s: [p for p in ("modulaire", "individualisé") if p not in s])
    bad = individual & parcours.notna() & missing.map(bool)
    for idx in t.index[bad]:
        findings.add(sessions, idx, "PARCOURS_INDIVIDUALISATION", "types_parcours",
                     formation=formations.at[int(f_idx[idx]), "ref_formation"],
                     missing=" et ".join(f"« {m} »" for m in missing[idx]))


def check_durations(tables: Tables, findings: Findings) -> None:
    """DURATION_EXCEEDS_PERIOD: more than 10 h in centre per calendar day of the session."""
    sessions = tables["session"]
    t = sessions.typed
    if t.empty:
        return
    days = (t["date_fin"] - t["date_debut"]).dt.days + 1
    hours = pd.to_numeric(t["duree_centre_h"], errors="coerce")
    bad = (days > 0) & (hours > 10 * days)
    for idx in t.index[bad.fillna(False)]:
        findings.add(sessions, idx, "DURATION_EXCEEDS_PERIOD", "duree_centre_h",
                     debut=t.at[idx, "date_debut"].strftime("%d/%m/%Y"),
                     fin=t.at[idx, "date_fin"].strftime("%d/%m/%Y"), days=int(days[idx]))


def check_ended(tables: Tables, findings: Findings, today: dt.date) -> None:
    """SESSION_ENDED: the session's end date is already past on the run date."""
    sessions = tables["session"]
    t = sessions.typed
    if t.empty:
        return
    bad = t["date_fin"] < pd.Timestamp(today)
    for idx in t.index[bad.fillna(False)]:
        findings.add(sessions, idx, "SESSION_ENDED", "date_fin", value=t.at[idx, "date_fin"].strftime("%d/%m/%Y"),
                     today=today.strftime("%d/%m/%Y"))


def check_conditional_required(tables: Tables, findings: Findings) -> None:
    """REQUIRED that depends on « Référence Certif Info ».

    Certifiante (oui): a Certif Info or RNCP code is needed; title, objective and
    programme then come from the reference. Not certifiante: those three are required.
    """
    table = tables["formation"]
    t = table.typed
    if t.empty:
        return
    blank = {name: table.raw[name].fillna("").astype(str).str.strip() == "" for name in table.raw.columns
             if not name.startswith("_")}
    certified = t["certifinfo"] == True  # noqa: E712 - NA stays False
    not_certified = t["certifinfo"] == False  # noqa: E712
    for idx in t.index[certified & blank["code_certifinfo"] & blank["code_rncp"]]:
        findings.add(table, idx, "REQUIRED", "code_certifinfo")
    for field in (f for f in table.spec.fields if f.from_reference):
        for idx in t.index[not_certified & blank[field.name]]:
            findings.add(table, idx, "REQUIRED", field.name)


def run_cross_checks(tables: Tables, findings: Findings, today: dt.date) -> None:
    from .dispositif import check_publics
    from .formation import check_formations
    from .fas import check_fas_codes
    from .session import check_contradictions, check_special_characters
    check_fas_codes(tables, findings)  # before DUPLICATE_KEY: the typed codes become the own numbers
    check_conditional_required(tables, findings)
    check_formations(tables, findings)
    check_publics(tables, findings)
    check_contradictions(tables, findings)
    check_special_characters(tables, findings)
    check_duplicate_keys(tables, findings)
    check_links(tables, findings)
    check_dates(tables, findings)
    check_places(tables, findings)
    check_prices(tables, findings)
    check_parcours(tables, findings)
    check_durations(tables, findings)
    check_ended(tables, findings, today)
