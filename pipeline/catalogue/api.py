"""The catalogue's Python API (re-exported by the package: `from pipeline import catalogue`).

A Python API for the command line and the web page alike; each call opens the base
named by `base` (a SQLite file path or a postgresql:// URL) and closes it:

    init(base)                                   create or upgrade the schema
    apply(result, base, perimetre=…, dry_run=…)  apply a run → ChangeReport (one transaction)
    history(base, ref)                           every version of a record, with its runs
    export(base, out, organisation=…, since=…)   the live offer as LHÉO 2.3
    stats(base, organisation=…)                  the dashboard counters

Errors a person can act on are `BaseError` (a French line; the CLI exits 2).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from pathlib import Path

from sqlalchemy.exc import OperationalError

from .upsert import apply_result, organisation_code
from .base import check_schema, connection_error, init_base, open_engine
from .changes import ChangeReport
from .options import DEFAULT_WAIT
from .read import Catalogue, history as _history


def init(base: str) -> tuple[str | None, str | None]:
    """Create the base or bring its schema to the current revision: (revision before, after)."""
    return init_base(base)


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


def apply(
    result,
    base: str,
    *,
    organisation: str | tuple[str, ...] | list[str] | None = None,
    perimetre: str = "partiel",
    dry_run: bool = False,
    wait: float = DEFAULT_WAIT,
    hold=None,
    before_commit=None,
) -> ChangeReport:
    """Apply a run's accepted records to the base in one transaction (rolled back when dry_run).

    `organisation`: the SIRETs / SIRENs of the upload (`--organisme`), whose establishments a
    complete upload withdraws within; None: those the file holds.

    `before_commit(report)` is called inside the transaction once the change report is
    final: the outputs are written then, so a committed run always has its report
    (writers/output.py); if it raises, nothing is committed."""
    with _connection(base, wait) as conn:
        trans = conn.begin()
        try:
            report = apply_result(
                conn,
                result,
                base=base,
                organisation_value=organisation,
                perimetre=perimetre,
                wait=wait,
                dry_run=dry_run,
                hold=hold,
            )
            if before_commit is not None:
                before_commit(report)
        except BaseException:
            trans.rollback()
            raise
        if dry_run:
            trans.rollback()
        else:
            trans.commit()
    return report


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
    return write_offers(offers, sites, contacts, Path(out))


def stats(base: str, *, organisation=None, today: dt.date | None = None) -> dict:
    """The dashboard counters (COUNTERS) of some establishments / organisations, or of the whole base."""
    with _connection(base) as conn:
        cat = Catalogue(conn, _codes(organisation), today or dt.date.today())
        return cat.stats()


def establishments(base: str) -> list[dict]:
    """The establishments of the base (SIRET, nom, SIREN, organisation), for the page's choice."""
    from .read import establishments as listed

    with _connection(base) as conn:
        return listed(conn)
