"""The flat layout: one row per session × dispositif, parents repeated on each row.

Splits the flat frame into formation, action, session and dispositif tables. A
formation (action, session) is its first row; any later row of the same key that
disagrees on one of its fields is an INCONSISTENT_REPEAT, pointed at that row's cell.
"""
from __future__ import annotations

import pandas as pd

from ..findings import Findings
from ..model import ENTITIES
from ..tables import SourceColumn, Table, conform

FLAT_ENTITIES = ("formation", "action", "session", "dispositif")


def split_flat(frame: pd.DataFrame, columns: dict[str, SourceColumn], *, source: str, sheet: str,
               findings: Findings) -> dict[str, Table]:
    tables: dict[str, Table] = {}
    for entity in FLAT_ENTITIES:
        spec = ENTITIES[entity]
        own_columns = {k: v for k, v in columns.items() if k in spec.by_name}
        full = conform(entity, frame)
        if entity == "dispositif":
            tables[entity] = Table(entity, full.reset_index(drop=True), {(source, sheet): own_columns})
            continue
        key = spec.key[0]
        keys = full[key].str.strip()
        first = ~keys.duplicated() | (keys == "")
        records = full[first].reset_index(drop=True)
        table = Table(entity, records, {(source, sheet): own_columns})
        tables[entity] = table
        _check_repeats(table, full, keys, first, own_columns, findings)
    return tables


def _check_repeats(table: Table, full: pd.DataFrame, keys: pd.Series, first: pd.Series,
                   own_columns: dict, findings: Findings) -> None:
    """INCONSISTENT_REPEAT for each repeated row whose value differs from the first row."""
    repeated = ~first
    if not repeated.any():
        return
    spec = table.spec
    key = spec.key[0]
    record_of_key = pd.Series(table.raw.index, index=table.raw[key].str.strip())
    record_of_key = record_of_key[~record_of_key.index.duplicated()]
    rep = full[repeated]
    rep_records = record_of_key.reindex(keys[repeated]).to_numpy()
    for name in own_columns:
        if name == key:
            continue
        # Cells equal as written are equal once stripped: strip only the few that differ.
        firsts = table.raw[name].to_numpy()[rep_records]
        values = rep[name].to_numpy()
        for pos in (values != firsts).nonzero()[0]:
            value, first = values[pos].strip(), firsts[pos].strip()
            if value == first:
                continue
            idx = int(rep_records[pos])
            findings.add(table, idx, "INCONSISTENT_REPEAT", name, value=value,
                         row=int(rep["_row"].iloc[pos]), other_value=first,
                         other_row=table.raw.at[idx, "_row"], group_field=f"référence {spec.name}",
                         group_key=keys[repeated].iloc[pos])
