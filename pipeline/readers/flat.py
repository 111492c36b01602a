"""The flat layout: one row per session × dispositif, parents repeated on each row.

Splits the flat frame into formation, action, session and dispositif tables, the way
a person reads such a sheet:
- a row whose formation (action, session) cells are all blank belongs to the
  formation (action, session) of the row above — the grouped layout, and what merged
  cells show;
- a blank cell of a formation (action, session) takes the value its other rows give;
- two different non-blank values for one key are an INCONSISTENT_REPEAT, pointed at
  the row that differs from the first one.
Placeholder cells (`-`, `NC`…, see placeholders.py) count as blank here too.
"""

from __future__ import annotations

import pandas as pd

from ..findings import Findings
from ..model import ENTITIES, OFFER_ENTITIES
from ..placeholders import blank_placeholders
from ..tables import SourceColumn, Table, conform

FLAT_ENTITIES = OFFER_ENTITIES  # a flat sheet holds the offer, one row per session × dispositif


def split_flat(
    frame: pd.DataFrame, columns: dict[str, SourceColumn], *, source: str, sheet: str, findings: Findings
) -> dict[str, Table]:
    frame = frame.copy()
    for name in columns:
        frame[name] = blank_placeholders(frame[name].astype(object))
    text = {name: _stripped(frame[name]) for name in columns}
    for entity in FLAT_ENTITIES[:-1]:
        _fill_down_keys(frame, text, entity, columns)
    tables: dict[str, Table] = {}
    for entity in FLAT_ENTITIES:
        spec = ENTITIES[entity]
        own_columns = {k: v for k, v in columns.items() if k in spec.by_name}
        full = conform(entity, frame)
        if entity == "dispositif":
            tables[entity] = Table(entity, full.reset_index(drop=True), {(source, sheet): own_columns})
            continue
        key = spec.key[0]
        keys = text[key] if key in text else _stripped(full[key])
        first = ~keys.duplicated() | (keys == "")
        grouped = keys != ""
        names = [n for n in own_columns if n != key]
        filled = _inherit(full, text, keys, grouped, names)
        records = filled[first].reset_index(drop=True)
        table = Table(entity, records, {(source, sheet): own_columns})
        tables[entity] = table
        _check_repeats(table, full, text, keys, grouped, names, findings)
    return tables


def _stripped(column: pd.Series) -> pd.Series:
    """Cells as stripped text in one pass (pandas' string accessor is several times slower)."""
    return pd.Series(
        [v.strip() if v.__class__ is str else ("" if v is None or v != v else str(v).strip()) for v in column.tolist()],
        index=column.index,
        dtype=object,
    )


def _fill_down_keys(frame: pd.DataFrame, text: dict, entity: str, columns: dict) -> None:
    """A row with every cell of `entity` blank (key included) takes the key of the row above.

    The parent field (`ref_formation` of an action) is not the action's own content: a
    row that names only the formation still continues the action above.
    """
    spec = ENTITIES[entity]
    key = spec.key[0]
    if key not in frame:
        return
    own = [n for n in columns if n in spec.by_name and n != spec.parent_field]
    blank_row = pd.Series(True, index=frame.index)
    for name in own:
        blank_row &= text[name] == ""
    if not blank_row.any() or blank_row.all():
        return
    keys = frame[key].where(~blank_row)
    frame[key] = keys.ffill().fillna("")
    text[key] = _stripped(frame[key])


def _inherit(full: pd.DataFrame, text: dict, keys: pd.Series, grouped: pd.Series, names: list[str]) -> pd.DataFrame:
    """Blank cells of a keyed group take the group's first non-blank value."""
    out = full.copy()
    for name in names:
        blank = text[name] == ""
        if not (blank & grouped).any():
            continue
        values = full[name].where(~blank)
        first = values[grouped].groupby(keys[grouped], sort=False).transform("first")
        fill = blank & grouped & first.reindex(full.index).notna()
        out.loc[fill, name] = first.reindex(full.index)[fill]
    return out


def _check_repeats(
    table: Table,
    full: pd.DataFrame,
    text: dict,
    keys: pd.Series,
    grouped: pd.Series,
    names: list[str],
    findings: Findings,
) -> None:
    """INCONSISTENT_REPEAT for each non-blank cell that differs from its group's first non-blank one."""
    spec = table.spec
    key = spec.key[0]
    record_of_key = pd.Series(table.raw.index, index=table.raw[key].str.strip())
    record_of_key = record_of_key[~record_of_key.index.duplicated()]
    for name in names:
        cells = text[name]
        present = grouped & (cells != "")
        if not present.any():
            continue
        firsts = cells[present].groupby(keys[present], sort=False).transform("first")
        differ = firsts[cells[present] != firsts].index
        if not len(differ):
            continue
        first_row = full["_row"][present].groupby(keys[present], sort=False).transform("first")
        for pos in differ:
            group_key = keys[pos]
            idx = int(record_of_key[group_key])
            findings.add(
                table,
                idx,
                "INCONSISTENT_REPEAT",
                name,
                value=cells[pos],
                row=int(full.at[pos, "_row"]),
                other_value=firsts[pos],
                other_row=first_row[pos],
                group_field=f"référence {spec.name}",
                group_key=group_key,
            )
