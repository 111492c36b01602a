"""A LHÉO flow for the streamed run (stream.py): read once, its offers spilled in chunks.

A flow's sites and contacts are inline: each formation repeats its organismes and
lieux, merged field by field over the whole flow, and the `fasd-annuaire` extras that
win over them come after the offers (readers/lheo.py `Directory`). So no formation can
be checked before the whole flow is read. This module reads it exactly as
readers/lheo.read_lheo does (same mapper, same merging, same file-level findings),
but writes the offer rows of every CHUNK_ROWS records to a temporary file instead of
keeping them; the checks then take the chunks back one by one, with the directory
complete. Memory holds the directory and one chunk, not the flow.
"""

from __future__ import annotations

import pickle
from collections import Counter
from pathlib import Path
from typing import Iterator

from .findings import Findings
from .model import ENTITIES
from .readers.lheo import Columns, Directory, stream_lheo
from .tables import SourceColumn, Table, conform

DIRECTORY = ("site", "contact")
OFFERS = tuple(e for e in ENTITIES if e not in DIRECTORY)


class LheoChunks:
    """`read` the flow (spilling the offers), then `chunks` gives them back."""

    def __init__(self, path: Path, spill: Path, chunk_rows: int) -> None:
        self.path = Path(path)
        self.spill = spill
        self.chunk_rows = max(1, chunk_rows)
        self.columns: dict[str, dict] = {}

    def read(self, input_rows: list[dict]) -> dict[str, Table]:
        """The whole flow: the offers spilled, the file-level findings appended to `input_rows`;
        returns the inline directory tables (sites, contacts)."""
        source = self.path.name
        directory = {e: Directory(e) for e in DIRECTORY}
        unused: Counter = Counter()
        publics: Counter = Counter()
        paths: dict[tuple[str, str], str] = {}
        pool: dict[str, str] = {}
        offers = {e: Columns(e, pool) for e in OFFERS}
        origins: dict[tuple[str, int], str] = {}
        held = 0
        with open(self.spill, "wb") as fh:
            for bundle in stream_lheo(self.path):
                publics.update(bundle.publics)
                origins.update(((source, line), xml) for line, xml in bundle.origins.items())
                for entity, items in bundle.rows.items():
                    if entity in directory:
                        for row in items:
                            directory[entity].add(row, bundle.annuaire)
                    else:
                        for row in items:
                            offers[entity].add(row)
                        held += len(items)
                unused.update(bundle.unused)
                for k, v in bundle.paths.items():
                    paths.setdefault(k, v)
                if held >= self.chunk_rows:  # a chunk ends with a whole formation
                    pickle.dump(({e: c.data for e, c in offers.items()}, origins), fh, protocol=pickle.HIGHEST_PROTOCOL)
                    pool = {}
                    offers = {e: Columns(e, pool) for e in OFFERS}
                    origins, held = {}, 0
            if held or any(c.data[c.names[0]] for c in offers.values()):
                pickle.dump(({e: c.data for e, c in offers.items()}, origins), fh, protocol=pickle.HIGHEST_PROTOCOL)
        self.columns = {
            entity: {name: SourceColumn(p, p) for (e, name), p in paths.items() if e == entity} for entity in ENTITIES
        }
        tables = {}
        for entity, d in directory.items():
            found = Columns(entity, pool)
            for row in d.rows():
                found.add(row)
            tables[entity] = self._table(entity, found.frame(), {})
        findings = Findings()
        for (code, version, v12), count in sorted(publics.items()):
            where = "formation/action/code-public-vise"
            if v12:
                findings.add_file(
                    "PUBLIC_VERSION", source, column=where, value=code, count=count, version=version, v12=v12
                )
            else:
                findings.add_file("PUBLIC_UNMAPPED", source, column=where, value=code, count=count, version=version)
        for element_path, count in sorted(unused.items()):
            findings.add_file(
                "LHEO_UNUSED", source, column=element_path, value=str(count), count=count, path=element_path
            )
        input_rows.extend(findings._rows)
        return tables

    def _table(self, entity: str, frame, origins: dict) -> Table:
        source = self.path.name
        frame["_source"] = source
        frame["_sheet"] = ""
        frame["_row"] = None
        return Table(
            entity,
            conform(entity, frame),
            {(source, ""): self.columns[entity]},
            origins=origins if entity == "formation" else {},
        )

    def chunks(self) -> Iterator[tuple[dict[str, Table], Findings]]:
        """The offer tables of each spilled chunk (index from 0), with an empty findings table."""
        import pandas as pd

        with open(self.spill, "rb") as fh:
            while True:
                try:
                    data, origins = pickle.load(fh)
                except EOFError:
                    break
                tables = {}
                for entity in OFFERS:
                    frame = pd.DataFrame({n: pd.Series(v, dtype=object) for n, v in data[entity].items()})
                    tables[entity] = self._table(entity, frame, origins)
                del data
                yield tables, Findings()
        self.spill.unlink(missing_ok=True)
