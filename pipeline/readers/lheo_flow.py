"""A LHÉO flow gathered bundle by bundle: the one loop behind read_lheo and the streamed run.

`LheoFlow.gather` walks the flow's bundles (readers/lheo.py `stream_lheo`, one per
formation), merges the inline directory by code as it goes (`Directory`), keeps the
offer rows column-wise (`Columns`) and counts what the file-level findings need
(public codes of another Formacode version, unused elements). After each formation it
hands back how many offer rows it holds, so that a caller may `take` them: read_lheo
takes them once at the end, the streamed run (stream_lheo.py) every chunk of whole
formations. The directory, the file-level findings and the tables' shape are the same
for both.
"""

from __future__ import annotations

import gc
import threading
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pandas as pd

from ..model.findings import Findings
from ..model.fields import ENTITIES
from ..model.tables import SourceColumn, Table, conform
from .lheo_elements import Bundle

DIRECTORY = ("site", "contact")
OFFERS = tuple(e for e in ENTITIES if e not in DIRECTORY)
YOUNG_COLLECTION = 100_000  # allocations between two young collections while a flow is mapped

_collector = threading.Lock()
_mapping = [0, None]  # flows being mapped, the collector's thresholds before the first


@contextmanager
def fewer_collections():
    """The cyclic collector run less often while a flow is mapped. Every element handed
    to the mapper and every row is an allocation: at the default threshold (700) a young
    collection runs every few elements and a full one, which walks every live object
    (pandas, the reference tables), every few formations. The mapping makes no cycles,
    so those collections find nothing; refcounting frees what it drops."""
    with _collector:
        if _mapping[0] == 0:
            _mapping[1] = gc.get_threshold()
            gc.set_threshold(YOUNG_COLLECTION, *_mapping[1][1:])
        _mapping[0] += 1
    try:
        yield
    finally:
        with _collector:
            _mapping[0] -= 1
            if _mapping[0] == 0:
                gc.set_threshold(*_mapping[1])


class Directory:
    """Sites or contacts by code, merged as they stream in: memory follows the codes."""

    def __init__(self, entity: str) -> None:
        self.key = ENTITIES[entity].key[0]
        self.exact: dict[str, dict] = {}  # from the fasd-annuaire extras
        self.inline: dict[str, dict] = {}  # from the offers' elements, merged field by field

    def add(self, row: dict, exact: bool) -> None:
        code = row.get(self.key, "")
        if exact:
            self.exact.setdefault(code, row)
            return
        target = self.inline.get(code)
        if target is None:
            self.inline[code] = dict(row)
            return
        for name, value in row.items():
            if value and not target.get(name):
                target[name] = value

    def rows(self) -> list[dict]:
        """The exact directory wins; inline records fill in the codes it lacks."""
        return list(self.exact.values()) + [r for c, r in self.inline.items() if c not in self.exact]


class Columns:
    """Rows of one entity stored column-wise; repeated short values share one string."""

    def __init__(self, entity: str, pool: dict) -> None:
        self.names = ENTITIES[entity].names + ["_line"]
        self.data: dict[str, list] = {n: [] for n in self.names}
        self.pool = pool

    def add(self, row: dict) -> None:
        pool = self.pool
        for name in self.names:
            value = row.get(name, "")
            if isinstance(value, str) and len(value) < 64:
                value = pool.setdefault(value, value)
            self.data[name].append(value)

    def frame(self) -> pd.DataFrame:
        return frame_of(self.data)


def frame_of(data: dict[str, list]) -> pd.DataFrame:
    """The raw frame of columns of cells (every cell an object, as the workbook readers give)."""
    return pd.DataFrame({n: pd.Series(v, dtype=object) for n, v in data.items()})


def flow_table(source: str, paths: dict, entity: str, frame: pd.DataFrame, origins: dict) -> Table:
    """The raw Table of an entity of the flow `source` (`paths`: LheoFlow.paths), as the
    workbook readers shape theirs; a function, so a worker process builds it too (engine/workers.py)."""
    frame["_source"] = source
    frame["_sheet"] = ""
    frame["_row"] = None
    columns = {name: SourceColumn(p, p) for (e, name), p in paths.items() if e == entity}
    return Table(
        entity,
        conform(entity, frame),
        {(source, ""): columns},
        origins=origins if entity == "formation" else {},
    )


class LheoFlow:
    """What a flow's bundles add up to; the offers held until the caller takes them."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.source = self.path.name
        self.directory = {e: Directory(e) for e in DIRECTORY}
        self.unused: Counter = Counter()
        self.publics: Counter = Counter()  # (code, version, V12 code or "") -> count
        self.paths: dict[tuple[str, str], str] = {}
        self._start()

    def _start(self) -> None:
        self.pool: dict[str, str] = {}
        self.offers = {e: Columns(e, self.pool) for e in OFFERS}
        self.origins: dict[tuple[str, int], str] = {}
        self.held = 0  # offer rows held

    def gather(self, bundles: Iterator[Bundle]) -> Iterator[int]:
        """Add each bundle; after each, the offer rows held (a formation is never split)."""
        source, directory, offers = self.source, self.directory, None
        for bundle in bundles:
            offers = self.offers
            self.publics.update(bundle.publics)
            self.origins.update(((source, line), xml) for line, xml in bundle.origins.items())
            for entity, items in bundle.rows.items():
                if entity in directory:
                    for row in items:
                        directory[entity].add(row, bundle.annuaire)
                else:
                    add = offers[entity].add
                    for row in items:
                        add(row)
                    self.held += len(items)
            self.unused.update(bundle.unused)
            for k, v in bundle.paths.items():
                self.paths.setdefault(k, v)
            yield self.held

    def holds(self) -> bool:
        """Whether offer rows are held (a last chunk to take)."""
        return bool(self.held or any(c.data[c.names[0]] for c in self.offers.values()))

    def take(self) -> tuple[dict[str, dict[str, list]], dict]:
        """The offer columns held and their formations' origins; the flow holds none after."""
        taken = ({e: c.data for e, c in self.offers.items()}, self.origins)
        self._start()
        return taken

    def directory_frames(self) -> dict[str, pd.DataFrame]:
        """The inline directory, merged over the whole flow (after `gather`)."""
        frames = {}
        for entity, d in self.directory.items():
            found = Columns(entity, self.pool)
            for row in d.rows():
                found.add(row)
            frames[entity] = found.frame()
        return frames

    def table(self, entity: str, frame: pd.DataFrame, origins: dict) -> Table:
        """The raw Table of an entity, as the workbook readers shape theirs."""
        return flow_table(self.source, self.paths, entity, frame, origins)

    def file_findings(self, findings: Findings) -> None:
        """Public codes of another Formacode version (or none), elements FASD does not use."""
        source = self.source
        for (code, version, v12), count in sorted(self.publics.items()):
            where = "formation/action/code-public-vise"
            if v12:
                findings.add_file(
                    "PUBLIC_VERSION", source, column=where, value=code, count=count, version=version, v12=v12
                )
            else:
                findings.add_file("PUBLIC_UNMAPPED", source, column=where, value=code, count=count, version=version)
        for element_path, count in sorted(self.unused.items()):
            findings.add_file(
                "LHEO_UNUSED", source, column=element_path, value=str(count), count=count, path=element_path
            )
