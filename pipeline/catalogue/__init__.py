"""The catalogue: the offer kept between imports (issue 14, docs/catalogue.md).

The Python API, for the command line and the web page alike (pipeline/catalogue/api.py):

    init(base)                                   create or upgrade the schema
    apply(result, base, perimetre=…, dry_run=…)  apply a run → ChangeReport (one transaction)
    history(base, ref)                           every version of a record, with its runs
    export(base, out, organisation=…, since=…)   the live offer as LHÉO 2.3
    live_offers(base, …)                         the same as records.jsonl dicts
    stats(base, organisation=…)                  the dashboard counters (COUNTERS)
    dashboard(base, organisation=…)              each counter's list (the seed's columns)
    withdrawn(base, since)                       FAS codes withdrawn since a date
    establishments(base)                         the establishments (SIRET) of the base
    write_changes(report, folder)                changes.csv and changes.json
    run_report(base, run_id)                     an applied run's change report, kept in the base

`base` is a SQLite file path or a postgresql:// URL. Errors a person can act on are
`BaseError` (a FasdError: one French line, exit 2). Loaded on first use, so that the
command line does not import the database libraries unless a command needs them.

May import: model/, lheo/, readers/, reference/, validators/, writers/.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "init": ".api",
    "apply": ".api",
    "history": ".api",
    "export": ".api",
    "live_offers": ".api",
    "stats": ".api",
    "establishments": ".api",
    "run_report": ".api",
    "ChangeReport": "..writers.changes",
    "write_changes": "..writers.changes",
    "KINDS": "..writers.changes",
    "BaseError": ".base",
    "BaseBusy": ".base",
    "COUNTERS": ".dashboard",
    "dashboard": ".api",
    "withdrawn": ".api",
    "PERIMETRES": ".options",
    "DEFAULT_WAIT": ".options",
}
__all__ = list(_EXPORTS)


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module, __name__), name)
