"""Cross-record rules (spec §4) that need no certification reference.

Each rule is registered where it is written (see registry.py): one decorated function
working on whole columns of the typed tables; none loops over rows except to emit the
(few) findings. The rules of fas.py, formation.py, dispositif.py and session.py run
first (imported below, in this order), then these, top to bottom.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from ..model.findings import Findings
from ..model.fields import DIRECTORY_LINKS, ENTITIES
from ..model.tables import Table
from .registry import Context, Hits, check, rule, run_rules

# The modules whose rules run before these, in this order (do not sort): FAS codes first
# (the typed codes become the records' own numbers before DUPLICATE_KEY), then the
# formation form, the dispositif list, the session lists.
from . import fas  # noqa: F401
from . import formation  # noqa: F401
from . import dispositif  # noqa: F401
from . import session  # noqa: F401

Tables = dict[str, Table]


def _key_series(table: Table) -> pd.Series:
    """The record key as one string column (a dispositif: session + dispositif)."""
    t = table.typed
    if table.entity == "dispositif":
        which = t["ref_dispositif"].fillna(t["dispositif"])
        return t["ref_session"].fillna("") + "\x1f" + which.fillna("")
    return t[ENTITIES[table.entity].key[0]]


@check("DUPLICATE_KEY")
def duplicate_keys(ctx: Context, findings: Findings) -> None:
    """A later record reusing a key (or a SOFI code); the first one keeps it.

    `findings.seen_keys` (a dict, when the input is checked in chunks: stream.py)
    carries the keys of the earlier chunks and where their first record is."""
    seen = findings.seen_keys
    for table in ctx.tables.values():
        if table.typed.empty:
            continue
        spec = table.spec
        keys = _key_series(table)
        field = spec.key[0] if table.entity != "dispositif" else "ref_dispositif"
        _report_duplicates(table, keys, field, findings, seen)
        for sofi in ("code_formation", "code_action", "code_session"):
            if sofi in spec.by_name:
                _report_duplicates(table, table.typed[sofi], sofi, findings, seen)


def _report_duplicates(table: Table, keys: pd.Series, field: str, findings: Findings, seen=None) -> None:
    present = keys.notna() & (keys != "") & ~keys.astype(str).str.endswith("\x1f")
    dup = keys.duplicated() & present
    known: dict = {}
    if seen is not None:
        known = seen.setdefault((table.entity, field), {})
        if known:
            dup = dup | (present & ~dup & _known(keys, known))
    if not dup.any():
        if seen is not None:
            _remember(table, keys, present, known)
        return
    first_of = keys[present & ~keys.duplicated()]
    first_row = dict(zip(first_of, table.raw.loc[first_of.index, "_row"]))
    first_line = dict(zip(first_of, table.raw.loc[first_of.index, "_line"]))
    for k in set(keys[dup].tolist()) if known else ():
        if k in known:  # first met in an earlier chunk
            first_row[k], first_line[k] = known[k]
    for idx in keys[dup].index:
        k = keys[idx]
        no_ref = table.entity == "dispositif" and field == "ref_dispositif"
        if no_ref and pd.isna(table.typed.at[idx, "ref_dispositif"]):
            field_here = "dispositif"
        else:
            field_here = field
        where = f"ligne {first_row[k]}" if pd.notna(first_row[k]) else f"ligne XML {first_line[k]}"
        findings.add(table, idx, "DUPLICATE_KEY", field_here, other=where)
    if seen is not None:
        _remember(table, keys, present, known)


def _known(keys: pd.Series, known: dict) -> pd.Series:
    return pd.Series([k in known for k in keys.tolist()], index=keys.index, dtype=bool)


def _remember(table: Table, keys: pd.Series, present: pd.Series, known: dict) -> None:
    """Add the keys first met in this chunk, with the row and XML line of their record."""
    new = keys[present & ~keys.duplicated()]
    new = new[~_known(new, known)] if known else new
    known.update(zip(new, zip(table.raw.loc[new.index, "_row"], table.raw.loc[new.index, "_line"])))


@check("ORPHAN")
def links(ctx: Context, findings: Findings) -> None:
    """A parent ref_*, site or contact that no record of the input carries."""
    tables = ctx.tables
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


@rule("DATE_ORDER", "session", "date_fin")
def date_order(sessions: Table, ctx: Context) -> Hits:
    """A session's end before its start."""
    t = sessions.typed
    start_label = sessions.spec.field("date_debut").plain_label
    return Hits(
        t["date_fin"] < t["date_debut"],
        lambda idx: {"other_label": start_label, "other_value": str(sessions.raw.at[idx, "date_debut"]).strip()},
    )


@check(
    "INSCRIPTION_PERIODS",
    "DATE_ORDER",
    entity="session",
    fields=("inscription_type", "inscription_debut", "inscription_fin"),
)
def inscription_periods(ctx: Context, findings: Findings) -> None:
    """Several inscription periods: starts and ends paired in order, one type for all or
    one per period, each end on or after its start."""
    sessions = ctx.tables["session"]
    t = sessions.typed
    start_label = sessions.spec.field("inscription_debut").label
    columns = [t[c].tolist() for c in ("inscription_type", "inscription_debut", "inscription_fin")]
    for idx, types, starts, ends in zip(t.index, *columns):
        types, starts, ends = (v if isinstance(v, list) else [] for v in (types, starts, ends))
        if len(starts) != len(ends):
            findings.add(
                sessions,
                idx,
                "INSCRIPTION_PERIODS",
                "inscription_fin",
                problem=f"{len(starts)} date(s) de début pour {len(ends)} date(s) de fin",
            )
            continue
        if len(types) > 1 and len(types) != len(starts):
            findings.add(
                sessions,
                idx,
                "INSCRIPTION_PERIODS",
                "inscription_type",
                problem=f"{len(types)} types pour {len(starts)} période(s)",
            )
            continue
        for start, end in zip(starts, ends):
            if end < start:
                findings.add(
                    sessions,
                    idx,
                    "DATE_ORDER",
                    "inscription_fin",
                    value=end.strftime("%d/%m/%Y"),
                    other_label=start_label,
                    other_value=start.strftime("%d/%m/%Y"),
                )


@rule("PLACES", "dispositif", fields=("nb_places_restantes", "effectif_minimal"))
def places(table: Table, ctx: Context) -> list[Hits]:
    """Remaining seats or minimum head-count over the places, minimum over capacity."""
    t = table.typed

    def over(field: str, other: str, what: str) -> Hits:
        return Hits(
            exceeds(t[field], t[other]),
            lambda idx: {"problem": f"dépasse {what} ({_num(t.at[idx, other])})"},
            field=field,
        )

    return [
        over("nb_places_restantes", "nb_places", "le nombre de places du dispositif"),
        over("effectif_minimal", "nb_places", "le nombre de places du dispositif"),
        over("effectif_minimal", "capacite_simultanee", "la capacité simultanée"),
    ]


def exceeds(left: pd.Series, right) -> pd.Series:
    """left > right where both are given, False elsewhere.

    An empty cell never reaches the comparison: an ordered comparison with NaN sets the
    floating-point « invalid » flag on some CPUs, and numpy then prints « RuntimeWarning:
    invalid value encountered in greater » on the person's terminal."""
    left = pd.to_numeric(left, errors="coerce")
    right = (
        pd.to_numeric(right, errors="coerce") if isinstance(right, pd.Series) else pd.Series(right, index=left.index)
    )
    both = left.notna() & right.notna()
    out = pd.Series(False, index=left.index)
    if both.any():
        out[both] = left[both].to_numpy(dtype=float) > right[both].to_numpy(dtype=float)
    return out


def _num(value) -> str:
    value = float(value)
    return f"{value:g}" if value.is_integer() else f"{value:.2f}".replace(".", ",")


def _prices(t: pd.DataFrame) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series]:
    """HT, TVA, TTC as numbers, and the TTC they imply (HT × (1 + TVA), to the cent)."""
    ht, tva, ttc = (pd.to_numeric(t[c], errors="coerce") for c in ("frais_ht", "taux_tva", "frais_ttc"))
    return ht, tva, ttc, (ht * (1 + tva)).round(2)


@check("VALUE_DERIVED", entity="dispositif", fields=("frais_ttc",))
def derived_ttc(ctx: Context, findings: Findings) -> None:
    """TTC left empty with HT and TVA given is computed, so the price reaches lheo.xml
    (`prix-total-TTC`)."""
    table = ctx.tables["dispositif"]
    t = table.typed
    ht, tva, ttc, expected = _prices(t)
    derive = ttc.isna() & expected.notna() & (table.raw["frais_ttc"].fillna("").astype(str).str.strip() == "")
    if derive.any():
        column = t["frais_ttc"].astype(object)
        for idx in t.index[derive]:
            value = float(expected[idx])
            column.at[idx] = int(value) if value.is_integer() else value
            findings.add(
                table,
                idx,
                "VALUE_DERIVED",
                "frais_ttc",
                derived=f"{_money(value)} € retenu",
                how=f"frais HT {_money(ht[idx])} € × (1 + TVA {tva[idx] * 100:g} %)",
            )
        t["frais_ttc"] = column


@rule("PRICE_TTC", "dispositif", "frais_ttc")
def price_ttc(table: Table, ctx: Context) -> Hits:
    """TTC = HT × (1 + TVA) to the cent, when all three are given."""
    ht, tva, ttc, expected = _prices(table.typed)
    return Hits(
        exceeds((expected - ttc.round(2)).abs(), 0.005),
        lambda idx: {"ht": _money(ht[idx]), "tva": f"{tva[idx] * 100:g} %", "expected": _money(expected[idx])},
    )


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


@rule("PARCOURS_INDIVIDUALISATION", "session", "types_parcours", needs=("formation", "action"))
def parcours(sessions: Table, ctx: Context) -> Hits:
    """An individualised formation needs the types de parcours modulaire and individualisé."""
    t = sessions.typed
    formations = ctx.tables["formation"].typed
    f_idx = session_formations(ctx.tables)
    individual = f_idx.map(formations["individualisation"]) == True  # noqa: E712 - NaN is not True
    parcours = t["types_parcours"]
    has = parcours.map(lambda v: set(v) if isinstance(v, list) else set())
    missing = has.map(lambda s: [p for p in ("modulaire", "individualisé") if p not in s])
    return Hits(
        individual & parcours.notna() & missing.map(bool),
        lambda idx: {
            "formation": formations.at[int(f_idx[idx]), "ref_formation"],
            "missing": " et ".join(f"« {m} »" for m in missing[idx]),
        },
    )


@rule("DURATION_EXCEEDS_PERIOD", "session", "duree_centre_h")
def duration_exceeds_period(sessions: Table, ctx: Context) -> Hits:
    """More than 10 h in centre per calendar day of the session."""
    t = sessions.typed
    days = (t["date_fin"] - t["date_debut"]).dt.days + 1
    hours = pd.to_numeric(t["duree_centre_h"], errors="coerce")
    return Hits(
        exceeds(days, 0) & exceeds(hours, 10 * days),
        lambda idx: {
            "debut": t.at[idx, "date_debut"].strftime("%d/%m/%Y"),
            "fin": t.at[idx, "date_fin"].strftime("%d/%m/%Y"),
            "days": int(days[idx]),
        },
    )


@rule("OUT_OF_RANGE", "session", "duree_centre_h")
def no_duration(sessions: Table, ctx: Context) -> Hits:
    """0 h in centre needs hours in company: the seed sets no minimum on « Durée en centre »
    (an offer all in company, or AFEST), but a session of no duration at all is none."""
    t = sessions.typed
    centre = pd.to_numeric(t["duree_centre_h"], errors="coerce")
    company = pd.to_numeric(t["duree_entreprise_h"], errors="coerce").fillna(0)
    return Hits(
        (centre == 0) & (company <= 0),
        lambda idx: {
            "bound": "nul alors que la durée en entreprise est vide ou nulle",
            "expected": "d'heures en centre, ou une durée en entreprise",
        },
    )


@rule("SESSION_ENDED", "session", "date_fin")
def session_ended(sessions: Table, ctx: Context) -> Hits:
    """The session's end date is already past on the run date. lheo.xml leaves it out,
    unless its formation is written back as its producer's flow had it (Table.origins)."""
    t = sessions.typed
    ended = t["date_fin"] < pd.Timestamp(ctx.today)
    formations = ctx.tables["formation"]
    as_written: set = set()
    if formations.origins and ended.any():
        f_idx = session_formations(ctx.tables)[ended].dropna().astype(int)
        where = formations.raw.loc[f_idx.to_numpy(), ["_source", "_line"]]
        kept = [(source, line) in formations.origins for source, line in where.itertuples(index=False)]
        as_written = set(f_idx.index[kept])

    def params(idx) -> dict:
        return {
            "value": t.at[idx, "date_fin"].strftime("%d/%m/%Y"),
            "today": ctx.today.strftime("%d/%m/%Y"),
            "published": (
                "reste dans lheo.xml, où son flux d'origine est réécrit tel quel"
                if idx in as_written
                else "n'est pas publiée comme offre ouverte (lheo.xml)"
            ),
        }

    return Hits(ended, params)


def run_cross_checks(tables: Tables, findings: Findings, today: dt.date) -> None:
    """Every registered rule, in registration order (registry.py)."""
    run_rules(tables, findings, today)
