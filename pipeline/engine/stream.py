"""The one sequence of every run, over chunks of whole formations (issues 15 and 24).

Formations are independent once the sites, contacts and the keys already seen are
known, so a run reads its input as chunks of whole formations and runs the same
stages on each (readers, normalise, validators, cascade), then hands each chunk's
accepted offers to the writers (and to a catalogue application, `on_chunk`) before
reading on. A chunk comes from one of three sources:
- a workbook, several inputs, `--defauts` or a small CSV: everything read at once
  (readers.read_inputs), one chunk;
- a large flat CSV: a stream cut where a new formation starts;
- a large LHÉO flow: read once, its offers spilled in chunks (stream_lheo.py).
What is kept between chunks is small: the directory tables (sites, contacts), the keys
already seen (duplicates across chunks), the sites dispensateurs of another SIREN than
their offers (validators/organisation.py), the owners, the findings (few), counters,
and the raw cells of each chunk spilled to a temporary file for report.xlsx (the only
chunk of a small file stays in memory).

The results do not depend on the cut, byte for byte; where a chunk could see
something else than the whole file would, the run reads the input again as one chunk
and says so (`StreamFallback`, a French line for the person):
- a formation, action or session whose rows are not contiguous (its key seen again
  in a later chunk);
- a date column proven month first in a chunk (the order is decided per column over
  the whole file, normalise.py);
- a header decided by its content whose sample the first chunk does not hold;
- a CSV that csv.reader refuses (the whole-file reader may still read it).
The owner of an offer (validators/organisation.py) is decided within its formation,
which a chunk holds whole, against the sites known before the first chunk: no chunk
needs another's answer. The subcontracted sites are gathered over the chunks and said
once, at the end.
"""

from __future__ import annotations

import itertools
import pickle
import shutil
import weakref
from collections import Counter
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any, Iterator

import pandas as pd

from ..model.causes import counts as cause_counts
from ..writers.scratch import mkdtemp as scratch_folder
from ..model.errors import InputError
from ..model.findings import Findings
from ..model.fields import ENTITIES, OFFER_ENTITIES
from ..readers.normalise import normalise_table
from ..readers.placeholders import is_placeholder
from ..validators.profiles import apply_profile
from ..readers.defaults import apply_defaults
from ..readers import CSV_SUFFIXES, XML_SUFFIXES as LHEO_SUFFIXES, read_inputs
from .chunk import DIRECTORY, KEYS, Checker, Decided, SpillPart, spill_of, tally
from .options import RunOptions
from .result import Result, Stopwatch
from ..readers.grid import Header, find_header_row, read_header
from ..readers.layout import HEADER_SEARCH_ROWS, require_header
from ..readers.sanitise import sanitise_table
from ..readers.csv_stream import Decoding, StreamFallback, csv_rows
from ..model.tables import Table, concat_tables, empty_table, rename_sources
from ..model.text import column_letter
from ..validators.cascade import decide
from ..validators.cross import run_cross_checks
from ..validators.fields import flagged_cells, validate_fields
from ..validators.organisation import (
    owner_names,
    owners_summary,
    site_sirets,
    subcontracting,
)

CHUNK_ROWS = 20_000  # rows of a chunk, at least (cut at the next formation)
HEAD_ROWS = 1_000  # rows read before the header is decided (content decisions, samples)
STREAM_MIN_BYTES = 32 * 1024 * 1024  # `stream=None`: a CSV this large is streamed
SHEET_ROWS = 1_048_575  # records one sheet of report.xlsx holds below its header
CONTENT_SAMPLE = 200  # headers.decide_by_content looks at this many non-blank values
SAMPLES = 3  # headers.samples_of


def streamable(options: RunOptions) -> Path | None:
    """The CSV or LHÉO flow to cut in chunks, or None to read the inputs as one chunk.

    One flat CSV or LHÉO file (plus an optional directory workbook), no `--defauts`;
    `stream=None` streams it from STREAM_MIN_BYTES, True always."""
    inputs, stream = options.inputs, options.stream
    if stream is False or len(inputs) != 1 or options.defauts is not None:
        return None
    path = Path(inputs[0])
    if path.suffix.lower() not in CSV_SUFFIXES | LHEO_SUFFIXES or not path.is_file():
        return None
    if stream is None and path.stat().st_size < STREAM_MIN_BYTES:
        return None
    return path


# -- the run ------------------------------------------------------------------------------
@dataclass
class Spool:
    """Temporary files of a streamed run: the offers, and each chunk's raw cells for report.xlsx."""

    folder: Path
    records: Path
    lheo: Path
    raw: Path

    @classmethod
    def create(cls) -> "Spool":
        folder = scratch_folder("stream-")  # the process's scratch folder: removed even after kill -9
        return cls(folder, folder / "records.jsonl", folder / "lheo.xml", folder / "raw.pickle")

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


class Stream:
    """One pass over the CSV: a generator of offer records plus what the report needs."""

    def __init__(
        self,
        path: Path | None,
        options: RunOptions,
        *,
        chunk_rows: int,
        clock,
        steps,
        spool: Spool,
        with_offers: bool = True,
    ) -> None:
        self.path = path  # None: every input read at once, one chunk
        self.name, self.stem = (path.name, path.stem) if path is not None else ("", "")
        self.inputs = options.inputs
        self.annuaire = options.annuaire
        self.reference = options.reference
        self.today = options.today
        self.profil = options.profil
        self.strict = options.strict
        self.organisme = options.organisme
        self.mapping = options.colonnes
        self.defauts = options.defauts
        self.on_chunk = options.on_chunk
        self.names = options.names
        self.chunk_rows = max(1, chunk_rows)
        self.clock = clock
        self.steps = steps
        self.spool = spool
        self.with_offers = with_offers
        self.chunks = 0
        self.findings = Findings()  # the run's findings, chunk after chunk
        self.findings.mapping = self.mapping
        self.findings.strict = self.strict
        self.sites: dict[str, dict] = {}  # accepted directory records, for lheo.xml
        self.contacts: dict[str, dict] = {}
        self.read: Counter[str] = Counter()
        self.accepted: Counter[str] = Counter()
        self.complete: Counter[str] = Counter()  # accepted records à compléter
        self.sessions: Counter[str] = Counter()
        self.seen_keys: dict = {}  # check_duplicate_keys across chunks
        self.chunk_keys: dict[str, set] = {e: set() for e in KEYS}
        self.scope = options.scope
        self.subcontracted: dict[str, set[str]] = {}  # code_site -> SIRENs of the offers it delivers
        self.owners_read: Counter[str] = Counter()  # formations per owner SIRET
        self.owners_accepted: Counter[str] = Counter()
        self.organisation: dict = {}
        self.input_rows: list[dict] = []  # findings of reading the offer input (file-level)
        self.offer_rows: list[dict] = []  # findings of the chunks' records
        self.lheo = path is not None and path.suffix.lower() in LHEO_SUFFIXES
        self.header: Header  # set by _head, before any chunk
        self.decoding = Decoding(name=path.name if path is not None else "")
        self.filled: dict = {}  # entity -> record index -> fields filled from --defauts (one chunk)
        self.incomplete: dict[str, dict[int, list[str]]] = {e: {} for e in ENTITIES}
        self.owners: dict = {}  # ref_formation -> (owner SIRET, site code), over the chunks
        self.sheets: dict = {}  # offer workbooks as read (Findings.sheets), for report.xlsx
        self.held: tuple | None = None  # the first chunk (tables, accepted), until a second comes
        self._estimate: int | None = None  # the read stage's total, from the file's size
        self._text_done = 0  # characters of the rows checked so far
        self.jobs = max(1, int(getattr(options, "jobs", 1) or 1))  # --jobs: worker processes (workers.py)
        self.workers: Any = None  # the running workers.Workers, while the chunks are checked in them
        self.worker_times: dict[str, float] = {}  # seconds per stage in the workers, summed over them

    # -- directory ------------------------------------------------------------------------
    def _empty_offers(self) -> dict[str, Table]:
        tables = {}
        scratch = Findings()
        for entity in OFFER_ENTITIES:
            tables[entity] = empty_table(entity)
            normalise_table(tables[entity], scratch)
        return tables

    def _check_directory(self, tables: dict[str, Table], findings: Findings) -> None:
        """The stages of run.py on the sites and contacts, once (their findings)."""
        for entity in DIRECTORY:
            sanitise_table(tables[entity], findings)
        for entity in DIRECTORY:
            normalise_table(tables[entity], findings)
        already = flagged_cells(findings.frame())
        for entity in DIRECTORY:
            validate_fields(tables[entity], findings, already)
        everything = {**tables, **self._empty_offers()}
        findings.seen_keys = None
        run_cross_checks(everything, findings, self.today)

    # -- the stream -----------------------------------------------------------------------
    def offers(self) -> Iterator[dict]:
        """Read, check and decide chunk after chunk, yielding each accepted formation record."""
        units: Iterator
        read_rows = None
        flow = None
        self.expected: int | None = None  # the chunks to come, when known before they are read
        if self.path is None:
            inline, read_rows, chunks = self._whole()
            units = iter(())
        elif self.lheo:
            from .stream_lheo import LheoChunks

            source = LheoChunks(self.path, self.spool.folder / "chunks.pickle", self.chunk_rows)
            units = source.units()
            inline = source.read(self.input_rows)  # the whole flow, spilled in chunks: its sites and contacts
            flow = (source.flow.source, source.flow.paths)
            self.expected = source.count
        else:
            rows, _ = csv_rows(self.path, self.decoding)
            head = self._head(rows)
            units = self._csv_units(head, rows)
            inline = {}
        if self.clock:
            self.clock.lap("read")
        self._directory(inline, read_rows)
        self.checker.flow = flow
        if self.clock:
            self.clock.lap("validate")
        if self.path is None:
            for offers, findings in chunks:
                yield from self._check_chunk(offers, findings)
        elif self.jobs > 1:
            yield from self._in_workers(units)
        else:
            for unit in units:
                yield from self._check_chunk(*self.checker.tables_of(unit))
        self._finish()

    def _in_workers(self, units: Iterator) -> Iterator:
        """The chunks checked in worker processes (workers.py), merged in input order; a
        run of one chunk is checked here."""
        first, second = next(units, None), next(units, None)
        if second is None:
            if first is not None:
                yield from self._check_chunk(*self.checker.tables_of(first))
            return
        from .workers import Workers

        with Workers(self, self._worker_count(first)) as workers:
            self.workers = workers
            yield from workers.run(itertools.chain([first, second], units))
        self.workers = None

    def _worker_count(self, first) -> int:
        """--jobs, but never more than the chunks (a CSV's: its size over the first chunk's)."""
        expected = self.expected
        if expected is None and self.path is not None:
            size = text_size(first[0]) or 1
            try:
                expected = -(-self.path.stat().st_size // size)
            except OSError:
                expected = None
        return max(2, min(self.jobs, expected or self.jobs))

    def _whole(self) -> tuple[dict[str, Table], list[dict], Iterator[tuple[dict[str, Table], Findings]]]:
        """Every input (and --annuaire) read at once: the directory tables, the findings of
        reading them, and the offers as the one chunk (with the findings of reading them)."""
        findings = self._chunk_findings()
        findings.defaults = self.defauts  # type: ignore[assignment]
        tables = read_inputs(list(self.inputs), findings, self.annuaire, progress=self.steps)
        self.filled = apply_defaults(tables, self.defauts)
        self.sheets = findings.sheets
        self.findings.columns.extend(findings.columns)
        read_rows = [r for r in findings._rows if r["entity"] in DIRECTORY]
        findings._rows = [r for r in findings._rows if r["entity"] not in DIRECTORY]
        offers = {e: tables[e] for e in OFFER_ENTITIES}
        return {e: tables[e] for e in DIRECTORY}, read_rows, iter([(offers, findings)])

    def _directory(self, inline: dict[str, Table], read_rows: list[dict] | None = None) -> None:
        """The sites and contacts of the run (the flow's, then --annuaire's, as read_inputs
        joins them), checked once; their findings and the records they reject.
        `read_rows`: the findings of reading them when the inputs were read at once."""
        from ..readers import _without_keys, read_one

        findings = Findings()
        findings.mapping = self.mapping
        findings.strict = self.strict
        if read_rows is not None:  # read with the offers, --annuaire joined (read_inputs)
            self.directory = {e: inline[e] for e in DIRECTORY}
            self.directory_read_rows = []
            findings._rows = list(read_rows)
        else:
            parts: dict[str, list[Table]] = {e: [inline[e]] if e in inline else [] for e in DIRECTORY}
            if self.annuaire is not None:
                for entity, table in read_one(Path(self.annuaire), findings, directory_only=True).items():
                    parts[entity] = [_without_keys(t, table) for t in parts[entity]] + [table]
            self.directory = {e: concat_tables(e, parts[e]) for e in DIRECTORY}
            self.directory_read_rows = list(findings._rows)
            self.findings.columns.extend(findings.columns)
            self.findings.missing_columns |= findings.missing_columns
            findings._rows.clear()
        for table in self.directory.values():
            rename_sources(table, self.names)
        self._check_directory(self.directory, findings)
        self.sites_by_code = site_sirets(self.directory)
        self.directory_incomplete = apply_profile(self.directory, findings, self.profil)
        self.directory_rows = list(findings._rows)
        self.checker = Checker(self, self.sites, self.contacts)

    def _head(self, rows: Iterator[list[str]]) -> list[list[str]]:
        """The first rows, enough to find and resolve the header as the whole file would."""
        head: list[list[str]] = []
        for row in rows:
            head.append(row)
            if len(head) >= max(HEAD_ROWS, HEADER_SEARCH_ROWS + 1):
                break
        self.head_is_all = len(head) < max(HEAD_ROWS, HEADER_SEARCH_ROWS + 1)
        source, sheet = self.name, self.stem
        try:
            require_header(head, OFFER_ENTITIES, source)
        except InputError:
            if self.head_is_all:
                raise
            raise StreamFallback(f"{source} : début de fichier sans offre ; fichier lu en entier.") from None
        self.extra_header = find_header_row(head, OFFER_ENTITIES)
        self._header_cells = head[self.extra_header]
        header_findings = Findings()
        header_findings.mapping = self.mapping
        self.header = read_header(head, source=source, sheet=sheet, entities=OFFER_ENTITIES, findings=header_findings)
        self.findings.columns.extend(header_findings.columns)
        self.findings.missing_columns |= header_findings.missing_columns
        self.input_rows.extend(header_findings._rows)
        if self.extra_header != self.header.index:
            raise StreamFallback(f"{source} : ligne d'en-tête ambiguë ; fichier lu en entier.")
        if header_findings.sessionless:
            raise StreamFallback(f"{source} : catalogue sans sessions ; fichier lu en entier.")
        self.letters = [column_letter(j) for j in range(len(head[self.header.index]))]
        self._samples_pending(head[self.header.index + 1 :])
        return head

    def _samples_pending(self, body: list[list[str]]) -> None:
        """Decisions whose samples (or content sample) the head may not hold in full."""
        self.pending = []
        for d in self.findings.columns[: len(self.header.decisions)]:
            j = [i for i, letter in enumerate(self.letters) if letter == d.letter]
            if not j:
                continue
            values = [r[j[0]] if j[0] < len(r) else "" for r in body]
            filled = sum(1 for v in values if v and v.strip())
            if d.how == "contenu" and filled < CONTENT_SAMPLE and not self.head_is_all:
                raise StreamFallback(
                    f"{self.name} : en-tête « {d.header} » décidé par son contenu, "
                    "trop peu de valeurs en tête de fichier ; fichier lu en entier."
                )
            if len(d.samples) < SAMPLES:
                self.pending.append((d, j[0]))

    def _more_samples(self, body: list[list[str]]) -> None:
        from ..readers.headers import samples_of

        if not self.pending:
            return
        still = []
        shortest = min(map(len, body), default=0)
        for d, j in self.pending:
            cells = map(itemgetter(j), body) if j < shortest else (r[j] if j < len(r) else "" for r in body)
            d.samples = samples_of(d.samples + list(filter(None, cells)))  # empty cells are no samples
            if len(d.samples) < SAMPLES:
                still.append((d, j))
        self.pending = still

    def _chunks(self, head: list[list[str]], rows: Iterator[list[str]]) -> Iterator[tuple[list, int]]:
        """(body rows, Excel number of the first) cut before a row that starts a new formation."""
        header = self.header
        h = header.index
        fields = header.fields
        cols = [fields.get(KEYS[e]) for e in ("formation", "action", "session")]
        can_cut = None not in cols
        jf, ja, js = cols if can_cut else (0, 0, 0)
        number = header.row + 1
        chunk: list[list[str]] = []
        first_number = number
        previous = ""

        def key(row, j) -> str:
            text = row[j].strip() if j < len(row) else ""
            return "" if is_placeholder(text) else text

        body = iter(head[h + 1 :])
        for source in (body, rows):
            for row in source:
                if can_cut and len(chunk) >= self.chunk_rows:
                    here = key(row, jf)
                    if here and previous and here != previous and key(row, ja) and key(row, js):
                        yield chunk, first_number
                        chunk, first_number = [], number
                if can_cut:
                    previous = key(row, jf)
                chunk.append(row)
                number += 1
        if chunk or first_number == header.row + 1:
            yield chunk, first_number

    def _csv_units(self, head: list[list[str]], rows: Iterator[list[str]]) -> Iterator[tuple[list, int]]:
        """Each chunk of the CSV (its rows, the Excel number of the first), what the whole
        file learns of it noted (extra cells, header samples, the size read); the checker
        makes its tables (Checker.csv_tables)."""
        for body, first_number in self._chunks(head, rows):
            extra = Findings()
            self._extra_cells(body, first_number, extra)
            self.input_rows.extend(extra._rows)
            self._more_samples(body)
            self._text_done += text_size(body)
            yield body, first_number

    def _chunk_findings(self) -> Findings:
        findings = Findings()
        findings.mapping = self.mapping
        findings.strict = self.strict
        findings.missing_columns = self.findings.missing_columns
        return findings

    def _check_chunk(self, offers: dict[str, Table], findings: Findings) -> Iterator[dict]:
        """run.py's stages on one chunk of offers (Checker.check), the directory beside it;
        its accepted offers."""
        if self.clock:
            self.clock.lap("read")
        if self.path is None and self.steps is not None:  # read at once: the checks, a stage of their own
            self.steps.start("check", total=sum(len(t) for t in [*offers.values(), *self.directory.values()]))
        contiguous = self._check_contiguous if self.path is not None else None
        decided = self.checker.check(offers, findings, self.seen_keys, contiguous, self.clock)
        self._gather(decided)
        tables, accepted, incomplete, owners = decided.tables, decided.accepted, decided.incomplete, decided.owners
        self._account(offers, accepted, incomplete, findings)
        self.chunks += 1
        chunk = Result(
            [str(p) for p in self.inputs],
            tables,
            accepted,
            pd.DataFrame(),
            self.today,
            incomplete=incomplete,
            filled=self.filled,
            owners=owners,
        )
        if self.steps is not None:
            directory = sum(len(t) for t in self.directory.values()) if self.path is None else 0
            self.steps.advance(
                sum(len(offers[e]) for e in OFFER_ENTITIES) + directory,
                detail=f"{self.name}, lot {self.chunks} (contrôle et écriture par lots)"
                if self.path is not None
                else "contrôles",
            )
            self._estimate_total()
        for entity in OFFER_ENTITIES:
            rename_sources(offers[entity], self.names)  # the names shown, before anything is written
        if self.on_chunk is not None:
            self.on_chunk(chunk)
        if self.with_offers:
            from ..model.records import offer_records

            whole = self.path is None and self.steps is not None
            if whole:  # read at once: writing the offers, a stage of its own
                self.steps.start("write", total=int(accepted["formation"].sum()), detail="records.jsonl, lheo.xml")
            for formation in offer_records(chunk):
                yield formation
                if whole:
                    self.steps.advance(1)
            if self.clock:
                self.clock.lap("write_records+lheo.xml")

    def _estimate_total(self) -> None:
        """The read stage's total from the file's size: records so far × size / the size of
        the rows they came from (a CSV; a LHÉO flow is read whole before it is checked).

        The rows' size is counted in characters, which a file's bytes never undercount
        (accents take two bytes, quotes are not in the cells): the estimate errs high and,
        kept only when lower than the last one, the bar moves only forward."""
        if self.lheo or self.path is None or not self._text_done:
            return
        try:
            size = self.path.stat().st_size
        except OSError:
            return
        done = self.steps.done
        estimate = max(done, round(done * size / self._text_done))
        if self._estimate is None or estimate < self._estimate:
            self._estimate = estimate
            self.steps.total(estimate)

    def _extra_cells(self, body: list[list[str]], first_number: int, findings: Findings) -> None:
        """EXTRA_CELLS as readers/csv.py reports them (its header row found without --colonnes)."""
        head = self.header
        row0 = self._header_cells
        width = len(row0)
        while width and not str(row0[width - 1]).strip():
            width -= 1
        for i, row in enumerate(body, start=first_number):
            if len(row) <= width:
                continue
            extra = [str(v).strip() for v in row[width:] if str(v).strip()]
            if extra:
                findings.add_file("EXTRA_CELLS", head.source, head.sheet, row=i, value=extra[0][:80], count=len(extra))

    def _gather(self, decided: "Decided | Any") -> None:
        """What the run gathers over the chunks from one chunk decided (a Decided, or a
        worker's Outcome: workers.py): owners, sites used."""
        self.owners.update(decided.owners)
        for code, sirens in decided.subcontracted.items():
            self.subcontracted.setdefault(code, set()).update(sirens)
        self.owners_read.update(decided.owners_read)
        self.owners_accepted.update(decided.owners_accepted)

    def _check_contiguous(self, chunk_keys: dict[str, set]) -> None:
        """A formation, action or session key (typed: as the checks compare them) met in an
        earlier chunk: its records would be linked and decided across chunks."""
        for entity in KEYS:
            keys = chunk_keys[entity]
            if keys & self.chunk_keys[entity]:
                what = {
                    "formation": "d'une même formation",
                    "action": "d'une même action",
                    "session": "d'une même session",
                }[entity]
                raise StreamFallback(
                    f"{self.name} : les lignes {what} ne se suivent pas (ou sa référence "
                    "est reprise plus loin) ; fichier lu en entier."
                )
            self.chunk_keys[entity] |= keys

    def _account(self, offers: dict[str, Table], accepted: dict, incomplete: dict, findings: Findings) -> None:
        """Counters, the chunk's findings (record indexes made global) and its raw cells spilled."""
        offsets = self._count(tally(offers, accepted, incomplete, self.today), findings._rows)
        spill = spill_of(offers, accepted, offsets)
        if self.held is None and not self.chunks:  # the first chunk stays in memory, whole
            self.held = (offers, {e: accepted[e] for e in OFFER_ENTITIES}, spill)
            return
        if self.held is not None:  # a second chunk: the first goes to the spill too
            self._spill(self.held[2])
            self.held = None
        self._spill(spill)

    def _count(self, counts: dict, rows: list[dict]) -> dict[str, int]:
        """A chunk's counts (chunk.tally) added, its findings' record indexes made the whole
        file's; the offsets of its records."""
        offsets = {e: self.read[e] for e in OFFER_ENTITIES}
        for r in rows:
            if r.get("_index") is not None and r["entity"] in offsets:
                r["_index"] = int(r["_index"]) + offsets[r["entity"]]
        self.offer_rows.extend(rows)
        self.sessions.update(counts["sessions"])
        for entity in OFFER_ENTITIES:
            self.read[entity] += counts["read"][entity]
            self.accepted[entity] += counts["accepted"][entity]
            self.complete[entity] += counts["complete"][entity]
            missing = counts["incomplete"][entity]
            self.incomplete[entity].update({int(idx) + offsets[entity]: labels for idx, labels in missing.items()})
        return offsets

    def _spill(self, spill: "dict | SpillPart") -> None:
        with open(self.spool.raw, "ab") as fh:
            pickle.dump(spill, fh, protocol=pickle.HIGHEST_PROTOCOL)

    def _finish(self) -> None:
        """After the last chunk: the organisation, the directory's cascade, then every finding
        in the order the whole-file run adds them (reading, directory, chunks, organisation, cascade)."""
        if self.path is not None and not any(self.read[e] for e in OFFER_ENTITIES):
            raise InputError(
                f"{self.name} : aucune offre lue (aucune ligne de formation, d'action, de session ni de dispositif)."
            )
        organisation = Findings()
        subcontracting(self.directory, organisation, {}, self.sites_by_code, known=self.subcontracted)
        outcome = {"scope": self.scope, "sites": self.sites_by_code}
        self.organisation = owners_summary(outcome, self.owners_read, self.owners_accepted, owner_names(outcome))
        directory = Findings()
        directory.missing_columns = self.findings.missing_columns
        directory._rows = list(self.directory_rows) + organisation._rows
        before = len(directory._rows)
        tables = {**self.directory, **self._empty_offers()}
        accepted = decide(tables, directory)
        for entity in DIRECTORY:
            ok = accepted[entity]
            self.read[entity] = len(self.directory[entity])
            self.accepted[entity] = int(ok.sum())
            missing = self.directory_incomplete.get(entity, {})
            self.complete[entity] = sum(1 for idx in missing if bool(ok.get(idx, False)))
            self.incomplete[entity] = dict(missing)
        self.directory_final = accepted
        mixed = Findings()
        for line in self.decoding.mixed_lines():  # a streamed CSV's (readers/csv.py says its own)
            mixed.add_file("MIXED_ENCODING", self.name, self.stem, row=line)
        self.findings._rows = (
            mixed._rows
            + self.input_rows
            + self.directory_read_rows
            + self.directory_rows
            + self.offer_rows
            + organisation._rows
            + directory._rows[before:]
        )


def run_chunks(options: RunOptions) -> "StreamResult":
    """The run of `options`: its input cut in chunks when it can be (`streamable`), else read
    as one chunk; read again as one chunk, with a note, when a chunk cannot stand alone."""
    path = streamable(options)
    if path is not None:
        try:
            return _run(path, options)
        except StreamFallback as exc:
            if options.on_chunk is not None and hasattr(options.on_chunk, "restart"):
                options.on_chunk.restart()  # what it was given is given again
            result = _run(None, options)
            result.notes.append(str(exc))
            return result
    return _run(None, options)


def _run(path: Path | None, options: RunOptions) -> "StreamResult":
    """One pass of the sequence; a StreamResult whose offers are already written (spooled),
    unless `write_offers` is False (`fasd check`: no records.jsonl nor lheo.xml)."""
    from ..model.progress import tracker
    from ..writers.offers import write_offer_stream

    clock = Stopwatch()
    steps = tracker(options.progress)
    with_offers = options.write_offers
    spool = Spool.create()
    steps.start("read", detail=path.name if path is not None else "")
    stream: Stream | None = None
    try:
        stream = Stream(
            path,
            options,
            chunk_rows=(options.chunk_rows or CHUNK_ROWS) if path is not None else 1,
            clock=clock,
            steps=steps,
            spool=spool,
            with_offers=with_offers,
        )
        if with_offers:
            write_offer_stream(stream.offers(), stream.sites, stream.contacts, spool.records, spool.lheo)
        else:
            for _ in stream.offers():
                pass
    except BaseException:
        if stream is not None and stream.workers is not None:  # stopped before their files go (Ctrl-C, an error)
            stream.workers.stop()
        spool.remove()
        raise
    finally:
        steps.finish()
    assert stream is not None
    result = StreamResult.of(stream)
    result.timings = clock.times
    return result


def text_size(rows: list[list[str]], sample: int = 200) -> int:
    """Characters of `rows` as a CSV line holds them (cells and separators), from a sample."""
    if not rows:
        return 0
    step = max(1, len(rows) // sample)
    picked = rows[::step]
    chars = sum(sum(map(len, row)) + len(row) for row in picked)
    return round(chars * len(rows) / len(picked))


@dataclass
class StreamResult(Result):
    """A streamed run: the findings and counts of the whole file; the offers already written
    (spooled, moved into the output folder by writers/output.py); the raw cells of each
    chunk spilled, read back only for report.xlsx (`load_tables`)."""

    spool: Spool | None = None
    counts: dict = field(default_factory=dict)
    directory: dict = field(default_factory=dict)
    report_note: str | None = None
    chunks: int = 0  # the chunks the input was cut in (1: read at once)
    worker_timings: dict = field(default_factory=dict)  # --jobs: seconds per stage in the workers, summed

    @classmethod
    def of(cls, stream: Stream) -> "StreamResult":
        entities = {}
        for name in ENTITIES:
            read, ok = stream.read[name], stream.accepted[name]
            entities[name] = {"read": read, "accepted": ok, "rejected": read - ok}
        counts = {
            "entities": entities,
            "sessions": {k: int(stream.sessions[k]) for k in ("active", "ended", "ending_within_a_month")},
            "a_completer": {name: int(stream.complete[name]) for name in ENTITIES},
        }
        result = cls(
            [str(p) for p in stream.inputs],
            {},
            {},
            stream.findings.frame(),
            stream.today,
            incomplete=stream.incomplete,
            columns=[d.as_dict() for d in stream.findings.columns],
            filled=stream.filled,
            spool=stream.spool,
            counts=counts,
            directory={e: (stream.directory[e], stream.directory_final[e]) for e in DIRECTORY},
        )
        result.organisme = stream.organisation
        result.owners = stream.owners
        result.sheets = stream.sheets
        result.chunks = stream.chunks
        result.worker_timings = dict(stream.worker_times)
        if stream.held is not None or not stream.chunks:  # one chunk: its tables, as they were checked
            offers, accepted = stream.held[:2] if stream.held is not None else (stream._empty_offers(), {})
            tables = {**{e: t for e, (t, _) in result.directory.items()}, **offers}
            decided = {**{e: ok for e, (_, ok) in result.directory.items()}, **accepted}
            result.tables = {e: tables[e] for e in ENTITIES}
            result.accepted = {e: decided.get(e, pd.Series(False, index=tables[e].typed.index)) for e in ENTITIES}
        weakref.finalize(result, stream.spool.remove)
        return result

    def summary(self) -> dict:
        f = self.findings
        catalogue = {} if self.catalogue is None else {"catalogue": self.catalogue.summary()}
        return {
            "inputs": self.inputs,
            "today": self.today.isoformat(),
            "organisme": self.organisme,
            "entities": self.counts["entities"],
            "sessions": self.counts["sessions"],
            "a_completer": self.counts["a_completer"],
            "findings": {
                "total": len(f),
                "by_severity": {s: int((f["severity"] == s).sum()) for s in ("error", "warning", "info")},
                "by_code": {str(k): int(v) for k, v in f["code"].value_counts().sort_index().items()},
                **cause_counts(f),
            },
            **catalogue,
        }

    def load_tables(self) -> None:
        """The raw cells and decisions of every record, read back from the spill (report.xlsx).

        More records of an entity than a sheet holds: none are read back, report.xlsx then
        holds the Rapport and Colonnes sheets only, and says why (`report_note`)."""
        if self.tables or self.spool is None:
            return
        too_many = [ENTITIES[e].sheet for e in OFFER_ENTITIES if self.counts["entities"][e]["read"] > SHEET_ROWS]
        if too_many:
            self.report_note = (
                f"Trop d'enregistrements pour les recopier dans ce classeur ({', '.join(too_many)} : "
                f"plus de {SHEET_ROWS} lignes, le maximum d'une feuille) : seuls les constats "
                "sont listés ; report.csv et report.json donnent le même détail."
            )
            self.tables = {e: empty_table(e) for e in ENTITIES}
            self.accepted = {e: pd.Series([], dtype=bool) for e in ENTITIES}
            return
        parts: dict[str, list] = {e: [] for e in OFFER_ENTITIES}
        with open(self.spool.raw, "rb") as fh:
            while True:
                try:
                    spill = pickle.load(fh)
                except EOFError:
                    break
                if isinstance(spill, SpillPart):  # a worker's chunk (workers.py), indexed from 0
                    spill = spill.load()
                for entity, part in spill.items():
                    parts[entity].append(part)
        tables, accepted = {}, {}
        for entity in ENTITIES:
            if entity in DIRECTORY:
                tables[entity], accepted[entity] = self.directory[entity]
                continue
            chunks = parts[entity]
            raw = pd.concat([p[0] for p in chunks])
            columns: dict = {}
            origins: dict = {}
            for p in chunks:
                columns.update(p[2])
                origins.update(p[3])
            tables[entity] = Table(entity, raw, columns, origins=origins)
            accepted[entity] = pd.concat([p[1] for p in chunks])
        self.tables, self.accepted = tables, accepted
