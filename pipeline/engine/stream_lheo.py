"""A LHÉO flow for the streamed run (stream.py): read once, its offers spilled in chunks.

A flow's sites and contacts are inline: each formation repeats its organismes and
lieux, merged field by field over the whole flow, and the `fasd-annuaire` extras that
win over them come after the offers (readers/lheo_flow.py `Directory`). So no formation
can be checked before the whole flow is read. This module reads it with the loop of
readers/lheo.read_lheo (readers/lheo_flow.py `LheoFlow`: same mapper, same merging,
same file-level findings), but takes the offer rows of every CHUNK_ROWS records to a
temporary file instead of keeping them; the checks then take the chunks back one by
one, with the directory complete. Memory holds the directory and one chunk, not the flow.
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Iterator

from ..model.findings import Findings
from ..readers.lheo import stream_lheo
from ..readers.lheo_flow import OFFERS, LheoFlow, fewer_collections, flow_table, frame_of
from ..model.tables import Table


class LheoChunks:
    """`read` the flow (spilling the offers), then `units` gives them back (`chunk_tables`)."""

    def __init__(self, path: Path, spill: Path, chunk_rows: int) -> None:
        self.path = Path(path)
        self.spill = spill
        self.chunk_rows = max(1, chunk_rows)
        self.flow = LheoFlow(self.path)
        self.count = 0  # chunks spilled

    def read(self, input_rows: list[dict]) -> dict[str, Table]:
        """The whole flow: the offers spilled, the file-level findings appended to `input_rows`;
        returns the inline directory tables (sites, contacts)."""
        flow = self.flow
        with open(self.spill, "wb") as fh, fewer_collections():
            for held in flow.gather(stream_lheo(self.path)):
                if held >= self.chunk_rows:  # a chunk ends with a whole formation
                    pickle.dump(flow.take(), fh, protocol=pickle.HIGHEST_PROTOCOL)
                    self.count += 1
            if flow.holds():
                pickle.dump(flow.take(), fh, protocol=pickle.HIGHEST_PROTOCOL)
                self.count += 1
        tables = {entity: flow.table(entity, frame, {}) for entity, frame in flow.directory_frames().items()}
        findings = Findings()
        flow.file_findings(findings)
        input_rows.extend(findings._rows)
        return tables

    def units(self) -> Iterator[tuple[dict[str, dict[str, list]], dict]]:
        """The offer columns and formation origins of each spilled chunk, as spilled: what
        `chunk_tables` makes the chunk's tables of (here, or in a worker process: engine/workers.py)."""
        with open(self.spill, "rb") as fh:
            while True:
                try:
                    yield pickle.load(fh)
                except EOFError:
                    break
        self.spill.unlink(missing_ok=True)


def chunk_tables(source: str, paths: dict, unit: tuple[dict[str, dict[str, list]], dict]) -> dict[str, Table]:
    """The offer tables (index from 0) of one spilled chunk of the flow `source`."""
    data, origins = unit
    return {entity: flow_table(source, paths, entity, frame_of(data[entity]), origins) for entity in OFFERS}
