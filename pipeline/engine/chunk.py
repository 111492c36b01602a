"""The stages of one chunk of whole formations, in the run's process or a worker's.

stream.py's `Stream` reads the input, checks the directory once and cuts the offers in
chunks; a `Checker` holds what checking one chunk needs (the directory and its
findings, the run's options, the CSV header or the LHÉO flow's column paths) and runs
the stages of run.py on it: readers/flat.py (a CSV chunk), sanitise, normalise,
validators, certification, profiles, cascade. It is small and picklable, so with
`--jobs N` (workers.py) each worker process gets one and checks the chunks it is given;
the `Stream` merges what they decide, in input order.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pandas as pd

from ..model.fields import ENTITIES, OFFER_ENTITIES
from ..model.findings import Findings
from ..model.tables import Table
from ..readers.csv_stream import StreamFallback
from ..readers.dates import MONTH_FIRST, column_proof
from ..readers.flat import split_flat
from ..readers.grid import body_frame
from ..readers.normalise import normalise_table, stripped_text
from ..readers.sanitise import sanitise_table
from ..validators.cascade import decide
from ..validators.cross import run_cross_checks
from ..validators.fields import flagged_cells, validate_fields
from ..validators.organisation import check_owners, owner_counts, subcontracted_sites
from ..validators.profiles import apply_profile

DIRECTORY = ("site", "contact")
KEYS = {e: ENTITIES[e].key[0] for e in ("formation", "action", "session")}


@dataclass
class Decided:
    """One chunk checked and decided: its tables (the directory's beside its offers), the
    accepted masks, what the run gathers over the chunks."""

    offers: dict[str, Table]
    tables: dict[str, Table]
    accepted: dict[str, pd.Series]
    incomplete: dict
    owners: dict
    subcontracted: dict[str, set[str]]
    owners_read: Any
    owners_accepted: Any
    keys: dict[str, set] = field(default_factory=dict)  # typed formation, action, session keys


def chunk_keys(offers: dict[str, Table]) -> dict[str, set]:
    """The typed formation, action and session keys of a chunk (as the checks compare them)."""
    return {entity: set(offers[entity].typed[key].dropna().tolist()) - {""} for entity, key in KEYS.items()}


def directory_records(tables: dict[str, Table], accepted: dict[str, pd.Series]) -> dict[str, dict[str, dict]]:
    """The accepted sites and contacts by code, as lheo.xml names them."""
    from ..model.records import frame_records

    out = {}
    for entity in DIRECTORY:
        key = ENTITIES[entity].key[0]
        frame = tables[entity].typed[accepted[entity]]
        out[entity] = {r[key]: r for r in frame_records(frame, entity)}
    return out


class Checker:
    """What checking a chunk needs, and the stages that check it (see the module)."""

    def __init__(self, stream, sites: dict, contacts: dict) -> None:
        self.name = stream.name
        self.streamed = stream.path is not None
        self.directory = stream.directory
        self.directory_rows = stream.directory_rows
        self.sites_by_code = stream.sites_by_code
        self.scope = stream.scope
        self.today = stream.today
        self.profil = stream.profil
        self.reference = stream.reference
        self.names = stream.names
        self.mapping = stream.mapping
        self.strict = stream.strict
        self.missing_columns = stream.findings.missing_columns
        self.header = getattr(stream, "header", None)  # a CSV's
        self.flow: tuple[str, dict] | None = None  # a LHÉO flow's source name and column paths
        # the accepted sites and contacts (lheo.xml), from the first chunk decided here
        self.sites, self.contacts = sites, contacts
        self.directory_accepted: dict[str, pd.Series] = {}

    # -- the chunk's tables -----------------------------------------------------------------
    def chunk_findings(self) -> Findings:
        findings = Findings()
        findings.mapping = self.mapping
        findings.strict = self.strict
        findings.missing_columns = self.missing_columns
        return findings

    def csv_tables(self, body: list[list[str]], first_number: int) -> tuple[dict[str, Table], Findings]:
        """The offer tables of a chunk of CSV rows (`first_number`: the Excel number of the first)."""
        header = self.header
        assert header is not None
        findings = self.chunk_findings()
        frame = body_frame(body, header, range(first_number, first_number + len(body)))
        offers = split_flat(frame, header.columns, source=header.source, sheet=header.sheet, findings=findings)
        return offers, findings

    def lheo_tables(self, unit: tuple[dict, dict]) -> tuple[dict[str, Table], Findings]:
        """The offer tables of a spilled chunk of a LHÉO flow (stream_lheo.py)."""
        from .stream_lheo import chunk_tables

        assert self.flow is not None
        return chunk_tables(*self.flow, unit), self.chunk_findings()

    def tables_of(self, unit) -> tuple[dict[str, Table], Findings]:
        """A unit of the stream (CSV rows and their first number, or a LHÉO chunk) as tables."""
        if self.flow is not None:
            return self.lheo_tables(unit)
        return self.csv_tables(*unit)

    # -- the stages -------------------------------------------------------------------------
    def check(
        self,
        offers: dict[str, Table],
        findings: Findings,
        seen_keys: dict,
        contiguous: Callable[[dict[str, set]], None] | None = None,
        clock=None,
    ) -> Decided:
        """run.py's stages on one chunk of offers, the directory beside it.

        `seen_keys`: the keys of the earlier chunks (check_duplicate_keys), completed with
        this chunk's; `contiguous(keys)` hears the chunk's formation, action and session
        keys once they are typed (stream.py raises StreamFallback there when one was met
        in an earlier chunk)."""
        for entity in OFFER_ENTITIES:
            sanitise_table(offers[entity], findings)
        for entity in OFFER_ENTITIES:
            if self.streamed:  # a chunk of a stream; read at once, the file decides
                self.check_dates(offers[entity])
            normalise_table(offers[entity], findings)
        keys = chunk_keys(offers) if self.streamed else {}
        if contiguous is not None:
            contiguous(keys)
        if clock:
            clock.lap("normalise")
        already = flagged_cells(findings.frame())
        for entity in OFFER_ENTITIES:
            validate_fields(offers[entity], findings, already)
        tables = {**self.directory, **offers}
        findings.seen_keys = seen_keys
        run_cross_checks(tables, findings, self.today)
        findings._rows = [r for r in findings._rows if r["entity"] not in DIRECTORY]
        owners = check_owners(tables, findings, self.scope, self.sites_by_code)
        subcontracted = subcontracted_sites(tables, owners, self.sites_by_code)
        if clock:
            clock.lap("validate")
        if self.reference is not None:
            from ..validators.certification import resolve_certifications

            resolve_certifications(tables, findings, self.reference, self.today)
        if clock:
            clock.lap("resolve")
        incomplete = apply_profile(offers, findings, self.profil)
        accepted = self.decide(tables, findings)
        read, ok = owner_counts(offers["formation"], accepted["formation"], owners)
        if clock:
            clock.lap("decide")
        return Decided(offers, tables, accepted, incomplete, owners, subcontracted, read, ok, keys)

    def check_dates(self, table: Table) -> None:
        """A chunk proving a date column month first may not read as the whole file would."""
        for f in table.spec.fields:
            if f.kind == "date" and not f.multi:
                if column_proof(stripped_text(table.raw[f.name]).unique()) == MONTH_FIRST:
                    raise StreamFallback(f"{self.name} : dates au format mois/jour ; fichier lu en entier.")

    def decide(self, tables: dict[str, Table], findings: Findings) -> dict[str, pd.Series]:
        """cascade.decide on the chunk, the directory's own errors given to it, the
        directory's cascade findings left out."""
        injected = [r for r in self.directory_rows if r["severity"] == "error"]
        before = len(findings._rows)
        findings._rows.extend(injected)
        accepted = decide(tables, findings)
        new = findings._rows[before + len(injected) :]
        findings._rows = findings._rows[:before] + [r for r in new if r["entity"] not in DIRECTORY]
        if not self.directory_accepted:
            records = directory_records(tables, accepted)
            for entity, target in (("site", self.sites), ("contact", self.contacts)):
                self.directory_accepted[entity] = accepted[entity]
                target.update(records[entity])
        return accepted


def tally(offers: dict[str, Table], accepted: dict[str, pd.Series], incomplete: dict, today) -> dict:
    """A chunk's counts: records read, accepted, accepted « à compléter » per entity, the fields
    missing per record (indexes of the chunk), accepted sessions by state."""
    from ..model.activity import session_counts

    counts: dict = {"read": {}, "accepted": {}, "complete": {}, "incomplete": {}}
    counts["sessions"] = session_counts(offers["session"].typed[accepted["session"]]["date_fin"], today)
    for entity in OFFER_ENTITIES:
        ok = accepted[entity]
        missing = incomplete.get(entity, {})
        counts["read"][entity] = len(offers[entity])
        counts["accepted"][entity] = int(ok.sum())
        counts["complete"][entity] = sum(1 for idx in missing if bool(ok.get(idx, False)))
        counts["incomplete"][entity] = dict(missing)
    return counts


def spill_of(offers: dict[str, Table], accepted: dict[str, pd.Series], offsets: dict[str, int] | None = None) -> dict:
    """What report.xlsx needs of a chunk, per entity: raw cells and decisions (indexes moved
    by `offsets`: the whole file's), the columns read and the formations' origins."""
    spill = {}
    for entity in OFFER_ENTITIES:
        raw, ok = offers[entity].raw, accepted[entity]
        shift = offsets[entity] if offsets else 0
        spill[entity] = (
            raw.set_axis(raw.index + shift),
            ok.set_axis(ok.index + shift),
            offers[entity].columns,
            offers[entity].origins,
        )
    return spill


@dataclass
class SpillPart:
    """A chunk's raw cells spilled by a worker process (workers.py) to a file of its own,
    its indexes from 0: `offsets` make them the whole file's when read back."""

    path: Path
    offsets: dict[str, int]

    def load(self) -> dict:
        with open(self.path, "rb") as fh:
            spill = pickle.load(fh)
        out = {}
        for entity, (raw, ok, *rest) in spill.items():
            shift = self.offsets[entity]
            out[entity] = (raw.set_axis(raw.index + shift), ok.set_axis(ok.index + shift), *rest)
        return out
