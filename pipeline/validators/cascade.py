"""Which records are accepted: own errors, then the cascade of spec §4.

Down: a record whose parent (or referenced site / contact) is rejected is rejected
too (PARENT_REJECTED). Up: a session without an accepted dispositif, an action
without an accepted session, a formation without an accepted action are rejected
(NO_CHILD). Every rejected record ends with at least one error finding naming it.

Each cascade finding names its root cause (`cause`: the record whose own errors the
rejection follows from), so a person reads what to fix apart from what follows
(pipeline/model/causes.py). A NO_CHILD on a record that has no child row at all is a cause
itself: there is nothing else to fix.
"""

from __future__ import annotations

import pandas as pd

from ..model.findings import Findings, errors_by_record, record_key
from ..model.fields import DIRECTORY_LINKS, ENTITIES, ENTITY_ORDER
from ..model.tables import Table


def _accepted_by_key(table: Table, accepted: pd.Series) -> pd.Series:
    """key -> accepted, for the first record of each key (the one children link to)."""
    key = table.typed[ENTITIES[table.entity].key[0]]
    first = key.notna() & ~key.duplicated()
    return pd.Series(accepted[first].to_numpy(), index=key[first].to_numpy())


def _in_incomplete_sheets(table: Table, findings: Findings) -> set:
    """Records read from a sheet that lacks a required column (MISSING_COLUMN): rejected."""
    sheets = {(src, sheet) for entity, src, sheet, _ in findings.missing_columns if entity == table.entity}
    if not sheets:
        return set()
    where = list(zip(table.typed["_source"], table.typed["_sheet"].fillna("")))
    return {idx for idx, pair in zip(table.typed.index, where) if pair in sheets}


def _first_index(values: pd.Series) -> dict:
    """value -> index of its first record (the one a key names, see _accepted_by_key)."""
    first: dict = {}
    for idx, value in zip(values.index, values.tolist()):
        if value is not None and value == value:  # NaN is no key
            first.setdefault(value, idx)
    return first


class _Roots:
    """The root cause of each rejected record: itself when rejected for its own errors."""

    def __init__(self, tables: dict[str, Table]) -> None:
        self.tables = tables
        self.known: dict[str, dict] = {name: {} for name in tables}

    def of(self, entity: str, idx) -> tuple[str, str]:
        root = self.known[entity].get(idx)
        if root is None:
            root = self.known[entity][idx] = (entity, record_key(self.tables[entity], idx))
        return root


def _from_sheets(table: Table, sheets: set) -> pd.Series:
    pairs = zip(table.typed["_source"], table.typed["_sheet"].fillna(""))
    return pd.Series([pair in sheets for pair in pairs], index=table.typed.index, dtype=bool)


def decide(tables: dict[str, Table], findings: Findings) -> dict[str, pd.Series]:
    """Accepted mask per entity; appends the cascade findings."""
    frame = findings.frame()
    roots = _Roots(tables)
    accepted: dict[str, pd.Series] = {}
    links: dict[str, list[tuple[str, str]]] = {name: [] for name in ENTITY_ORDER}
    for e in ENTITIES.values():
        if e.parent and e.parent_field:
            links[e.name].append((e.parent_field, e.parent))
    for entity, field, target in DIRECTORY_LINKS:
        links[entity].append((field, target))

    for entity in ENTITY_ORDER:
        table = tables[entity]
        errors = errors_by_record(frame, entity) | _in_incomplete_sheets(table, findings)
        ok = pd.Series(~table.typed.index.isin(list(errors)), index=table.typed.index)
        for field, target in links[entity]:
            by_key = _accepted_by_key(tables[target], accepted[target])
            parent_ok = table.typed[field].map(by_key)
            # NaN: no parent named or parent missing (already ORPHAN / REQUIRED).
            bad = ok & (parent_ok == False)  # noqa: E712 - NaN must not count
            parents = _first_index(tables[target].typed[ENTITIES[target].key[0]]) if bad.any() else {}
            for idx in table.typed.index[bad]:
                cause = roots.known[entity][idx] = roots.of(target, parents[table.typed.at[idx, field]])
                findings.add(
                    table,
                    idx,
                    "PARENT_REJECTED",
                    field,
                    target=ENTITIES[target].label,
                    rejected="rejetée" if ENTITIES[target].feminine else "rejeté",
                    cause=cause,
                )
            ok &= ~bad
        accepted[entity] = ok

    for entity in ("session", "action", "formation"):
        table = tables[entity]
        child = next(e for e in ENTITIES.values() if e.parent == entity)
        child_table = tables[child.name]
        with_child = set(child_table.typed.loc[accepted[child.name], child.parent_field].dropna())
        key = table.typed[ENTITIES[entity].key[0]]
        bad = accepted[entity] & ~key.isin(with_child)
        if entity == "action" and findings.sessionless:  # a catalogue without sessions: « à compléter »
            bad &= ~_from_sheets(table, set(findings.sessionless))
        children = _first_index(child_table.typed[child.parent_field]) if bad.any() else {}
        for idx in table.typed.index[bad]:
            accepted_word = "acceptée" if child.feminine else "accepté"
            first_child = children.get(key.at[idx])
            upward = None if first_child is None else roots.of(child.name, first_child)
            if upward is not None:
                roots.known[entity][idx] = upward
            findings.add(
                table,
                idx,
                "NO_CHILD",
                None,
                none_accepted=f"{child.none_such} {accepted_word}",
                child_sheet=child.sheet,
                cause=upward,
            )
        accepted[entity] = accepted[entity] & ~bad
    return accepted
