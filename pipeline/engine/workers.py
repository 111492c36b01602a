"""`--jobs N`: the chunks of a streamed run checked and written in N worker processes.

A streamed run (stream.py) cuts its input in chunks of whole formations; with `jobs`
above 1 and two chunks at least, each chunk goes to a worker process with what it needs
(a `chunk.Checker`: the directory, the options, the CSV header), which builds its
tables, checks and decides them, spills its raw cells for report.xlsx and writes its
records.jsonl lines and lheo.xml formations to files of the run's spool (writers/parts.py).
It gives back what the run gathers: its findings, counts, owners, keys. The run's
process reads the input, merges the chunks in input order, copies the parts into the
output files, and applies the base (`on_chunk`) in its own transaction: every output
is byte for byte that of `jobs=1`, which checks the chunks in the run's process.

What a chunk cannot know in a worker, the merge checks:
- a formation, action or session key met in an earlier chunk: the run is read again as
  one chunk (StreamFallback), as with `jobs=1`;
- the duplicate keys across chunks (`findings.seen_keys`, check_duplicate_keys): a worker
  checks its chunk against its own keys only and gives them back; a chunk sharing a key
  with an earlier chunk (a SOFI code reused far away, rare) is checked again here,
  against the keys of every earlier chunk, so its DUPLICATE_KEY names the first record;
- the accepted sites and contacts (lheo.xml's annuaire): the first chunk's, as with `jobs=1`.

Memory: the run's process holds the chunks in flight (`jobs + 1` at most) besides its
own state; each worker holds one chunk. Ctrl-C, SIGTERM or an error stop the workers
(killed, not waited for) before the spool is removed; a worker whose run's process is
gone (kill -9) exits by itself.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import signal
import threading
import time
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import pandas as pd

from ..model.fields import OFFER_ENTITIES
from ..model.tables import rename_sources
from .chunk import DIRECTORY, Checker, SpillPart, directory_records, spill_of, tally
from .result import Result, Stopwatch

MAX_DEFAULT_JOBS = 8  # the default's cap: past it, the run's own process (reading, merging) is the limit


def default_jobs() -> int:
    """The cores this process may run on (os.sched_getaffinity), at most MAX_DEFAULT_JOBS."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return max(1, min(MAX_DEFAULT_JOBS, cores))


@dataclass
class Task:
    """One chunk for a worker: its number (from 1), the unit to read it from (CSV rows and
    the number of the first, or a LHÉO chunk as spilled), and what to write."""

    number: int
    unit: Any
    folder: Path  # the run's spool folder
    with_offers: bool
    with_tables: bool  # a base applies the chunk: its tables come back


@dataclass
class Outcome:
    """What a worker gives back of one chunk (the tables only for a base)."""

    number: int
    rows: list[dict]  # the chunk's findings, record indexes of the chunk
    keys: dict[str, set]  # typed formation, action and session keys (contiguity)
    seen: dict | None  # the keys check_duplicate_keys met in the chunk; None: checked against the run's
    owners: dict
    subcontracted: dict[str, set[str]]
    owners_read: Any
    owners_accepted: Any
    counts: dict  # chunk.tally
    spill: Path  # its raw cells (report.xlsx), indexes of the chunk
    part: Any = None  # writers.parts.Part: its records.jsonl lines and lheo.xml formations
    tables: dict | None = None
    accepted: dict | None = None
    incomplete: dict = field(default_factory=dict)
    directory: dict | None = None  # the first chunk's accepted sites and contacts (lheo.xml)
    times: dict[str, float] = field(default_factory=dict)


# -- in the worker --------------------------------------------------------------------------
_checker: Checker | None = None
_lheo_directory: Any = None  # writers.lheo.Directory of the worker: its rendered blocks kept


def _start(checker: bytes, dispositifs, limits, parent: int) -> None:
    """A worker's start: the run's checker and settings; signals left to the run's process."""
    global _checker
    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_IGN)  # the run's process stops us
    threading.Thread(target=_watch, args=(parent,), daemon=True).start()
    from ..model import dispositifs as dispositif_lists
    from ..readers import limits as reading_limits

    dispositif_lists._current.set(dispositifs)
    reading_limits._current.set(limits)
    _checker = pickle.loads(checker)


def _watch(parent: int) -> None:
    """Exit when the run's process is gone (a kill -9 cannot stop its workers)."""
    while True:
        time.sleep(0.5)
        try:
            os.kill(parent, 0)
        except ProcessLookupError:
            os._exit(1)
        except OSError:
            pass


def check_unit(task: Task, checker: Checker | None = None, seen: dict | None = None) -> Outcome:
    """Check, decide and write one chunk (in a worker, or in the run's process with its
    `checker` and the run's `seen` keys, completed in place)."""
    global _lheo_directory
    here = checker is not None
    checker = checker if checker is not None else _checker
    assert checker is not None
    clock = Stopwatch()
    offers, findings = checker.tables_of(task.unit)
    clock.lap("read")
    seen_here: dict = {} if seen is None else seen
    decided = checker.check(offers, findings, seen_here, None, clock)
    counts = tally(offers, decided.accepted, decided.incomplete, checker.today)
    spill = task.folder / f"raw-{task.number}.pickle"
    with open(spill, "wb") as fh:
        pickle.dump(spill_of(offers, decided.accepted), fh, protocol=pickle.HIGHEST_PROTOCOL)
    for entity in OFFER_ENTITIES:
        rename_sources(offers[entity], checker.names)  # the names shown, before anything is written
    chunk = Result([], decided.tables, decided.accepted, pd.DataFrame(), checker.today, incomplete=decided.incomplete)
    part = None
    if task.with_offers:
        from ..model.records import offer_records
        from ..writers.lheo import Directory
        from ..writers.offers import write_part
        from ..writers.parts import Part

        if here:
            directory = Directory(checker.sites, checker.contacts)
        else:
            if _lheo_directory is None:
                _lheo_directory = Directory(checker.sites, checker.contacts)
            directory = _lheo_directory
        part = Part(task.folder / f"records-{task.number}.jsonl", task.folder / f"lheo-{task.number}.xml", 0, 0)
        write_part(offer_records(chunk), directory, part)
        clock.lap("write_records+lheo.xml")
    first = None
    if task.number == 1:
        first = {"records": directory_records(decided.tables, decided.accepted)}
        first["accepted"] = {e: decided.accepted[e] for e in DIRECTORY}
    return Outcome(
        task.number,
        findings._rows,
        decided.keys,
        None if seen is not None else {k: v for k, v in seen_here.items() if k[0] not in DIRECTORY},
        decided.owners,
        decided.subcontracted,
        decided.owners_read,
        decided.owners_accepted,
        counts,
        spill,
        part,
        tables={e: offers[e] for e in OFFER_ENTITIES} if task.with_tables else None,
        accepted=decided.accepted if task.with_tables else None,
        incomplete=decided.incomplete if task.with_tables else {},
        directory=first,
        times=clock.times,
    )


# -- in the run's process -------------------------------------------------------------------
SOCKET_PATH_MAX = 100  # a Unix socket's path (the forkserver's) must be shorter than 108 bytes


def _context():
    """forkserver where there is one (the workers fork from a process that imported the
    pipeline once, not from this one and its threads), its socket inside this process's
    scratch folder; else spawn (each worker imports the pipeline)."""
    if "forkserver" in multiprocessing.get_all_start_methods() and _temporary_folder():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([__name__])
        return context
    return multiprocessing.get_context("spawn")


def _temporary_folder() -> bool:
    """multiprocessing's own temporary folder (the forkserver's socket) inside this process's
    scratch folder, so a kill -9 leaves it to the next run's sweep (writers/scratch.py);
    False when a socket's path there would be too long."""
    from ..writers.scratch import mkdtemp

    config = multiprocessing.current_process()._config  # type: ignore[attr-defined]
    if config.get("tempdir") is not None and Path(config["tempdir"]).is_dir():
        return len(os.fsencode(config["tempdir"])) + len("/listener-12345678") < SOCKET_PATH_MAX
    folder = mkdtemp("mp-")
    if len(os.fsencode(str(folder))) + len("/listener-12345678") >= SOCKET_PATH_MAX:
        folder.rmdir()
        return False
    config["tempdir"] = str(folder)
    return True


class Workers:
    """The worker processes of one run (a context: stopped when it ends)."""

    def __init__(self, stream, count: int) -> None:
        self.stream = stream
        self.count = max(1, count)
        self.pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> "Workers":
        from ..model import dispositifs
        from ..readers import limits

        self.pool = ProcessPoolExecutor(
            max_workers=self.count,
            mp_context=_context(),
            initializer=_start,
            initargs=(
                pickle.dumps(self.stream.checker, protocol=pickle.HIGHEST_PROTOCOL),
                dispositifs._current.get(),
                limits.current(),
                os.getpid(),
            ),
        )
        return self

    def __exit__(self, kind, value, traceback) -> None:
        if kind is None and self.pool is not None:
            pool, self.pool = self.pool, None
            pool.shutdown(wait=True)
        else:
            self.stop()

    def stop(self) -> None:
        """Kill the workers (their chunk's work is thrown away) and wait for them to go."""
        pool, self.pool = self.pool, None
        if pool is None:
            return
        processes = list((getattr(pool, "_processes", None) or {}).values())  # no public way before 3.14
        for process in processes:
            try:
                process.kill()
            except (OSError, ValueError, AttributeError):
                pass
        pool.shutdown(wait=True, cancel_futures=True)

    def run(self, units) -> Iterator:
        """Each unit checked in a worker, merged in input order; the chunks' Parts (written offers)."""
        assert self.pool is not None
        stream = self.stream
        pending: deque[tuple[Task, Future]] = deque()
        with_offers, with_tables = stream.with_offers, stream.on_chunk is not None
        for number, unit in enumerate(units, start=1):
            task = Task(number, unit, stream.spool.folder, with_offers, with_tables)
            pending.append((task, self.pool.submit(check_unit, task)))
            del unit, task
            if stream.clock:
                stream.clock.lap("read")
            while len(pending) > self.count:  # the chunks in flight: one per worker, one waiting
                yield from self._merge(*pending.popleft())
        while pending:
            yield from self._merge(*pending.popleft())

    def _merge(self, task: Task, future: Future) -> Iterator:
        """One chunk's outcome merged into the run (stream.py's state), as `jobs=1` would."""
        stream = self.stream
        try:
            outcome: Outcome = future.result()
        except BrokenProcessPool:
            raise RuntimeError(
                "un processus de contrôle s'est arrêté (mémoire épuisée ?) ; relancez avec --jobs 1."
            ) from None
        if stream.clock:
            stream.clock.lap("wait_workers")
        stream._check_contiguous(outcome.keys)
        if outcome.directory is not None:  # the first chunk: the accepted sites and contacts, for lheo.xml
            records = outcome.directory["records"]
            stream.sites.update(records["site"])
            stream.contacts.update(records["contact"])
            stream.checker.directory_accepted.update(outcome.directory["accepted"])
        if self._clash(outcome.seen):  # a key of an earlier chunk: checked again here, against them all
            directory = outcome.directory
            outcome = check_unit(task, stream.checker, stream.seen_keys)
            outcome.directory = directory
        else:
            self._remember(outcome.seen)
        stream._gather(outcome)
        offsets = stream._count(outcome.counts, outcome.rows)
        stream._spill(SpillPart(outcome.spill, offsets))
        stream.chunks += 1
        clock = stream.clock
        for stage, seconds in outcome.times.items():  # the workers' stages, summed over them (not wall time)
            stream.worker_times[stage] = stream.worker_times.get(stage, 0.0) + seconds
        if stream.steps is not None:
            stream.steps.advance(
                sum(outcome.counts["read"].values()),
                detail=f"{stream.name}, lot {stream.chunks} (contrôle et écriture par lots, {self.count} processus)",
            )
            stream._estimate_total()
        if stream.on_chunk is not None:
            chunk = Result(
                [str(p) for p in stream.inputs],
                {**stream.directory, **(outcome.tables or {})},
                outcome.accepted or {},
                pd.DataFrame(),
                stream.today,
                incomplete=outcome.incomplete,
                filled=stream.filled,
                owners=outcome.owners,
            )
            stream.on_chunk(chunk)
        if outcome.part is not None:
            yield outcome.part
        if clock:
            clock.lap("merge")

    def _clash(self, seen: dict | None) -> bool:
        """Whether a chunk's keys (an offer's: the directory's findings are dropped) meet the run's."""
        if seen is None:
            return False
        known = self.stream.seen_keys
        for (entity, name), keys in seen.items():
            have = known.get((entity, name))
            if entity not in DIRECTORY and have and not have.keys().isdisjoint(keys.keys()):
                return True
        return False

    def _remember(self, seen: dict | None) -> None:
        known = self.stream.seen_keys
        for (entity, name), keys in (seen or {}).items():
            if entity not in DIRECTORY:
                known.setdefault((entity, name), {}).update(keys)
