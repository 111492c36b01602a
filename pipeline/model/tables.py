"""The tables that travel through the pipeline, with their way back to the file.

A reader produces one `Table` per entity: `raw` holds every cell as text exactly as
given (the report shows it back), plus the provenance columns `_source`, `_sheet`,
`_row` (Excel row number) and `_line` (XML line). Column letters and headers do not
vary by row, so they are kept once per (source, sheet) in `columns`.
Normalisation adds `typed`, same index, one typed column per field.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from .fields import ENTITIES, PROVENANCE


@dataclass(frozen=True)
class SourceColumn:
    letter: str  # "D" for a sheet; an element path for XML
    header: str  # the header as written in the file


@dataclass
class Table:
    entity: str
    raw: pd.DataFrame
    columns: dict[tuple[str, str], dict[str, SourceColumn]] = field(default_factory=dict)
    typed: pd.DataFrame = field(default_factory=pd.DataFrame)  # empty until normalise fills it
    # (source, XML line) -> the producer's element as written, for what FASD does not
    # model (LHÉO formations; readers/lheo.py, writers/lheo.py)
    origins: dict[tuple[str, int], str] = field(default_factory=dict)

    @property
    def spec(self):
        return ENTITIES[self.entity]

    def __len__(self) -> int:
        return len(self.raw)


def empty_raw(entity: str) -> pd.DataFrame:
    cols = ENTITIES[entity].names + list(PROVENANCE)
    return pd.DataFrame({c: pd.Series([], dtype=object) for c in cols})


def empty_table(entity: str) -> Table:
    return Table(entity, empty_raw(entity))


def conform(entity: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Give a raw frame every field and provenance column, text cells as str."""
    spec = ENTITIES[entity]
    out = {}
    n = len(frame)
    for name in spec.names:
        out[name] = (
            frame[name].astype(object) if name in frame else pd.Series([""] * n, index=frame.index, dtype=object)
        )
    for name in PROVENANCE:
        out[name] = frame[name] if name in frame else pd.Series([None] * n, index=frame.index, dtype=object)
    return pd.DataFrame(out, index=frame.index)


def concat_tables(entity: str, tables: list[Table]) -> Table:
    """Join the same entity read from several inputs into one table, index 0..n-1."""
    tables = [t for t in tables if t is not None]
    if not tables:
        return empty_table(entity)
    raw = pd.concat([conform(entity, t.raw) for t in tables], ignore_index=True)
    columns: dict = {}
    origins: dict = {}
    for t in tables:
        columns.update(t.columns)
        origins.update(t.origins)
    return Table(entity, raw, columns, origins=origins)


def rename_sources(table: Table, names: dict[str, str]) -> None:
    """The table's source file names replaced in place: `names` maps a stored file name to
    the name shown (the web page stores uploads under generic names)."""
    if not names:
        return
    table.raw["_source"] = table.raw["_source"].replace(names)
    if table.typed is not None and "_source" in table.typed:
        table.typed["_source"] = table.typed["_source"].replace(names)
    table.columns = {(names.get(src, src), sheet): cols for (src, sheet), cols in table.columns.items()}
