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

import numpy as np
import pandas as pd

from ..model.findings import Findings
from ..model.fields import ENTITIES, OFFER_ENTITIES
from .placeholders import blank_placeholders, is_placeholder
from ..model.tables import SourceColumn, Table, conform

FLAT_ENTITIES = OFFER_ENTITIES  # a flat sheet holds the offer, one row per session × dispositif


def split_flat(
    frame: pd.DataFrame, columns: dict[str, SourceColumn], *, source: str, sheet: str, findings: Findings
) -> dict[str, Table]:
    frame = frame.copy()
    text: dict[str, pd.Series] = {}
    empty: dict[str, np.ndarray] = {}  # text[name] == "", computed once
    codes: dict[str, np.ndarray] = {}  # text[name] as codes: equal texts, equal codes
    for name in columns:
        frame[name], text[name], empty[name], codes[name] = _cells(frame[name].astype(object))
    for entity in FLAT_ENTITIES[:-1]:
        _fill_down_keys(frame, text, empty, codes, entity, columns)
    tables: dict[str, Table] = {}
    sessionless = (source, sheet) in findings.sessionless  # readers/sessionless.py: no session to read
    for entity in FLAT_ENTITIES:
        spec = ENTITIES[entity]
        own_columns = {k: v for k, v in columns.items() if k in spec.by_name}
        full = conform(entity, frame)
        if sessionless and entity in ("session", "dispositif"):
            tables[entity] = Table(entity, full.iloc[0:0].reset_index(drop=True), {(source, sheet): own_columns})
            continue
        if entity == "dispositif":
            tables[entity] = Table(entity, full.reset_index(drop=True), {(source, sheet): own_columns})
            continue
        key = spec.key[0]
        keys = text[key] if key in text else _stripped(full[key])
        no_key = empty[key] if key in empty else (keys == "").to_numpy()
        first = ~keys.duplicated() | no_key
        grouped = ~no_key
        groups = pd.factorize(keys.to_numpy(dtype=object))[0]  # the group of each row, by its key
        names = [n for n in own_columns if n != key]
        filled = _inherit(full, empty, groups, grouped, names)
        records = filled[first].reset_index(drop=True)
        table = Table(entity, records, {(source, sheet): own_columns})
        tables[entity] = table
        _check_repeats(table, full, text, empty, codes, keys, groups, grouped, names, findings)
    return tables


def _stripped(column: pd.Series) -> pd.Series:
    """Cells as stripped text in one pass (pandas' string accessor is several times slower)."""
    return pd.Series(
        [v.strip() if v.__class__ is str else ("" if v is None or v != v else str(v).strip()) for v in column.tolist()],
        index=column.index,
        dtype=object,
    )


def _cells(column: pd.Series) -> tuple[pd.Series, pd.Series, np.ndarray, np.ndarray]:
    """The column with its placeholders blanked (placeholders.blank_placeholders), its
    cells as stripped text (`_stripped`), which of those are empty, and codes of the
    texts (equal texts, equal codes): each distinct cell looked at once, the cells then
    picked from the distinct ones by their code."""
    codes, uniques = pd.factorize(column.to_numpy(dtype=object))  # a missing cell: -1
    if not all(v.__class__ is str for v in uniques):
        blanked = blank_placeholders(column)
        text = _stripped(blanked)
        return blanked, text, (text == "").to_numpy(), _codes(text)
    n = len(uniques)
    placeholder = np.zeros(n + 1, dtype=bool)
    stripped = np.empty(n + 1, dtype=object)
    for i, v in enumerate(uniques):
        placeholder[i] = is_placeholder(v)
        stripped[i] = "" if placeholder[i] else v.strip()
    stripped[n] = ""  # picked by code -1
    text = pd.Series(stripped[codes], index=column.index, dtype=object)
    empty = (stripped == "")[codes]
    blanked = column.mask(placeholder[codes], "") if placeholder.any() else column
    return blanked, text, empty, pd.factorize(stripped)[0][codes]


def _codes(text: pd.Series) -> np.ndarray:
    return pd.factorize(text.to_numpy(dtype=object))[0]


def _fill_down_keys(frame: pd.DataFrame, text: dict, empty: dict, codes: dict, entity: str, columns: dict) -> None:
    """A row with every cell of `entity` blank (key included) takes the key of the row above.

    The parent field (`ref_formation` of an action) is not the action's own content: a
    row that names only the formation still continues the action above.
    """
    spec = ENTITIES[entity]
    key = spec.key[0]
    if key not in frame:
        return
    own = [n for n in columns if n in spec.by_name and n != spec.parent_field]
    blank_row = np.ones(len(frame), dtype=bool)
    for name in own:
        blank_row &= empty[name]
    if not blank_row.any() or blank_row.all():
        return
    keys = frame[key].where(~blank_row)
    frame[key] = keys.ffill().fillna("")
    text[key] = _stripped(frame[key])
    empty[key] = (text[key] == "").to_numpy()
    codes[key] = _codes(text[key])


def _first_of_group(groups: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The groups met among `rows` (positions, ascending), sorted, and the first row of each."""
    met, first = np.unique(groups[rows], return_index=True)
    return met, rows[first]


def _inherit(
    full: pd.DataFrame, empty: dict, groups: np.ndarray, grouped: np.ndarray, names: list[str]
) -> pd.DataFrame:
    """Blank cells of a keyed group take the group's first non-blank value."""
    out = full.copy()
    for name in names:
        blank = empty[name]
        targets = np.flatnonzero(blank & grouped)
        if not len(targets):
            continue
        met, source = _first_of_group(groups, np.flatnonzero(grouped & ~blank))
        if not len(met):
            continue
        at = np.minimum(np.searchsorted(met, groups[targets]), len(met) - 1)
        found = met[at] == groups[targets]
        if not found.any():
            continue
        cells = out[name].to_numpy(dtype=object).copy()
        cells[targets[found]] = full[name].to_numpy(dtype=object)[source[at[found]]]
        out[name] = pd.Series(cells, index=full.index, dtype=object)
    return out


def _check_repeats(
    table: Table,
    full: pd.DataFrame,
    text: dict,
    empty: dict,
    codes: dict,
    keys: pd.Series,
    groups: np.ndarray,
    grouped: np.ndarray,
    names: list[str],
    findings: Findings,
) -> None:
    """INCONSISTENT_REPEAT for each non-blank cell that differs from its group's first non-blank one."""
    spec = table.spec
    key = spec.key[0]
    record_of_key = pd.Series(table.raw.index, index=table.raw[key].str.strip())
    record_of_key = record_of_key[~record_of_key.index.duplicated()]
    labels = full.index
    for name in names:
        present = np.flatnonzero(grouped & ~empty[name])
        if not len(present):
            continue
        cells, code = text[name], codes[name]
        met, first = _first_of_group(groups, present)
        firsts = first[np.searchsorted(met, groups[present])]  # the group's first row, for each
        differ = code[present] != code[firsts]
        for pos, other in zip(present[differ], firsts[differ]):
            label = labels[pos]
            group_key = keys[label]
            idx = int(record_of_key[group_key])
            findings.add(
                table,
                idx,
                "INCONSISTENT_REPEAT",
                name,
                value=cells[label],
                row=int(full.at[label, "_row"]),
                other_value=cells.iloc[other],
                other_row=full["_row"].iloc[other],
                group_field=f"référence {spec.name}",
                group_key=group_key,
            )
