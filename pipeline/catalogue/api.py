"""The catalogue's Python API (re-exported by the package: `from pipeline import catalogue`).

A Python API for the command line and the web page alike; each call opens the base
named by `base` (a SQLite file path or a postgresql:// URL) and closes it:

    init(base)                                   create or upgrade the schema
    apply(result, base, perimetre=…, dry_run=…)  apply a whole run → ChangeReport (one transaction)
    Application(base, …)                         a run applied chunk by chunk as it is checked
    history(base, ref)                           every version of a record, with its runs
    export(base, out, organisation=…, since=…)   the live offer as LHÉO 2.3
    stats(base, organisation=…)                  the dashboard counters
    run_report(base, run_id)                     an applied run's change report, again

Errors a person can act on are `BaseError` (a French line; the CLI exits 2).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sys
from pathlib import Path
from typing import Any

from sqlalchemy.exc import OperationalError

from .upsert import organisation_code, start as apply_start
from .versions import input_files
from .base import check_schema, connection_error, init_base, open_engine
from ..writers.changes import ChangeReport
from .options import DEFAULT_WAIT
from .read import Catalogue, history as _history


def init(base: str, *, validation: bool | None = None) -> tuple[str | None, str | None]:
    """Create the base or bring its schema to the current revision: (revision before, after).
    `validation=False` (`--sans-validation`): imports publish at once; True: they wait for
    the CARIF-OREF's validation (the default of a new base); None leaves the setting as it is."""
    before, after = init_base(base)
    if validation is not None:
        from .validation import set_validation

        with _connection(base) as conn, conn.begin():
            set_validation(conn, validation)
    return before, after


@contextlib.contextmanager
def _connection(base: str, wait: float = DEFAULT_WAIT):
    engine = open_engine(base, wait=wait)
    try:
        with engine.connect() as conn:
            check_schema(conn, base)
            conn.rollback()  # the schema check must not hold a read lock into the import's transaction
            yield conn
    except OperationalError as exc:
        raise connection_error(exc, base) from None
    finally:
        engine.dispose()


class Application:
    """A run applied to the base as it is checked, chunk by chunk, in one transaction.

    Opened before the run (`with Application(...) as application`: the lock is taken
    then), given to the run as its `on_chunk`; `finish(result)` applies what needs the
    whole file and commits (rolls back for a dry run). Leaving the `with` without
    `finish` rolls everything back: a run that fails changes nothing."""

    def __init__(
        self,
        base: str,
        *,
        inputs: list,
        today: dt.date,
        organisation: str | tuple[str, ...] | list[str] | None = None,
        perimetre: str = "partiel",
        dry_run: bool = False,
        wait: float = DEFAULT_WAIT,
        hold=None,
        draft: bool = False,
    ) -> None:
        self.base, self.wait, self.dry_run = base, wait, dry_run
        self.inputs = input_files(inputs)
        self.options = dict(
            today=today,
            organisation_value=organisation,
            perimetre=perimetre,
            wait=wait,
            dry_run=dry_run,
            hold=hold,
            draft=draft,
        )
        self.conn: Any = None
        self.trans: Any = None
        self.job: Any = None
        self._connection: Any = None

    @classmethod
    def for_run(cls, options, *, hold=None) -> "Application":
        """The application a run's options ask for (engine/options.py `RunOptions`, whose
        `base` is a BaseOptions): its inputs, day and establishments, and the base side."""
        base = options.base
        return cls(
            base.url,
            inputs=list(options.inputs),
            today=options.today,
            organisation=options.organisme,
            perimetre=base.perimetre,
            dry_run=base.dry_run,
            wait=base.wait,
            hold=hold,
            draft=base.draft,
        )

    def __enter__(self) -> "Application":
        self._connection = _connection(self.base, self.wait)
        self.conn = self._connection.__enter__()
        try:
            self._start()
        except BaseException:
            self.__exit__(*sys.exc_info())
            raise
        return self

    def _start(self) -> None:
        self.trans = self.conn.begin()
        self.job = apply_start(self.conn, base=self.base, inputs=self.inputs, **self.options)

    def __call__(self, chunk) -> None:
        self.job.add_chunk(chunk)

    def restart(self) -> None:
        """The run reads its input again from the start: what was applied is undone."""
        self.trans.rollback()
        self._start()

    def finish(self, result, before_commit=None, confirm=None) -> ChangeReport:
        """The rest of the run applied; `before_commit(report)` inside the transaction (the
        outputs written then, so a committed run always has its report); `confirm(report)`
        (a complete upload from a terminal) may refuse: then nothing is applied and the
        report is that of a dry run. Commits unless a dry run or refused."""
        report = self.job.finish(result)
        self.job.release()
        if confirm is not None and not report.dry_run and not confirm(report):
            report.dry_run, report.run_id = True, None
        if before_commit is not None:
            before_commit(report)
        if report.dry_run:
            self.trans.rollback()
        else:
            self.trans.commit()
        self.trans = None
        return report

    def __exit__(self, *exc) -> None:
        try:
            if self.trans is not None:
                self.trans.rollback()
                self.trans = None
        finally:
            connection, self._connection = self._connection, None
            if connection is not None:
                connection.__exit__(*exc)


def apply(
    result,
    base: str,
    *,
    organisation: str | tuple[str, ...] | list[str] | None = None,
    perimetre: str = "partiel",
    dry_run: bool = False,
    wait: float = DEFAULT_WAIT,
    hold=None,
    draft: bool = False,
    before_commit=None,
) -> ChangeReport:
    """Apply a whole run's accepted records to the base in one transaction (rolled back when
    dry_run): the run as one chunk. A run made with an Application as its `on_chunk` was
    applied as it was checked; this is for a Result held whole.

    `organisation`: the SIRETs / SIRENs of the upload (`--organisme`), whose establishments a
    complete upload withdraws within; None: those the file holds. `draft`: the changed
    actions stay « en cours de saisie ». `before_commit(report)` as in Application.finish."""
    with Application(
        base,
        inputs=result.inputs,
        today=result.today,
        organisation=organisation,
        perimetre=perimetre,
        dry_run=dry_run,
        wait=wait,
        hold=hold,
        draft=draft,
    ) as application:
        if result.tables:
            application(result)
        return application.finish(result, before_commit)


def history(base: str, ref: str, *, organisation: str | None = None) -> list[dict]:
    """Each record keyed `ref` (or of FAS code `ref`), with all its versions."""
    with _connection(base) as conn:
        return _history(conn, ref, organisation_code(organisation) if organisation else None)


def _codes(organisation) -> list[str] | None:
    """`organisation`: None, one SIRET / SIREN, or several; as digits."""
    if not organisation:
        return None
    values = [organisation] if isinstance(organisation, str) else list(organisation)
    return list(dict.fromkeys(organisation_code(v) for v in values)) or None


def live_offers(base: str, *, organisation=None, since: dt.date | None = None, today: dt.date | None = None):
    """(offers, sites, contacts) of the live offer, as records.jsonl dicts; `organisation`: SIRETs
    or SIRENs (one or several), None for the whole base."""
    with _connection(base) as conn:
        cat = Catalogue(conn, _codes(organisation), today or dt.date.today())
        return list(cat.live_offers(since)), cat.directory("site"), cat.directory("contact")


def export(
    base: str, out: Path, *, organisation=None, since: dt.date | None = None, today: dt.date | None = None
) -> int:
    """Write the live offer (or the formations changed since `since`) as LHÉO 2.3; formations written."""
    from ..writers.lheo import write_offers

    offers, sites, contacts = live_offers(base, organisation=organisation, since=since, today=today)
    if since is not None:
        write_withdrawn(withdrawn(base, since, organisation=organisation), withdrawn_path(Path(out)))
    return write_offers(offers, sites, contacts, Path(out))


def withdrawn_path(out: Path) -> Path:
    """The companion file of a delta export: flux.xml -> flux.retraits.csv."""
    return out.with_name(out.stem + ".retraits.csv")


def write_withdrawn(rows: list[dict], path: Path) -> None:
    """`;`, UTF-8 with BOM, like changes.csv: entite;code_fas;retire_le."""
    import csv

    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["entite", "code_fas", "retire_le"], delimiter=";")
        writer.writeheader()
        writer.writerows(rows)


def stats(base: str, *, organisation=None, today: dt.date | None = None) -> dict:
    """The dashboard counters (COUNTERS keys) of some establishments / organisations, or of the whole base."""
    from .dashboard import counters

    return counters(dashboard(base, organisation=organisation, today=today))


def dashboard(base: str, *, organisation=None, today: dt.date | None = None) -> dict[str, list[dict]]:
    """Each dashboard counter's list (COUNTERS keys; rows keyed by the seed's columns)."""
    from .dashboard import lists

    with _connection(base) as conn:
        return lists(conn, _codes(organisation), today or dt.date.today())


def withdrawn(base: str, since: dt.date, *, organisation=None) -> list[dict]:
    """The formations, actions and sessions withdrawn (unpublished) since `since`: {entite, code_fas, retire_le}."""
    with _connection(base) as conn:
        return Catalogue(conn, _codes(organisation), dt.date.today()).withdrawn_since(since)


def run_report(base: str, run_id: int) -> ChangeReport:
    """The change report of an applied run, as its import made it (catalogue/reports.py)."""
    from .reports import load

    with _connection(base) as conn:
        return load(conn, run_id, base)


def establishments(base: str) -> list[dict]:
    """The establishments of the base (SIRET, nom, SIREN, organisation), for the page's choice."""
    from .read import establishments as listed

    with _connection(base) as conn:
        return listed(conn)
