"""Each applied run's change report, kept in the base (issue 29, migration 0005).

The outputs of an import into a base are written before the base commits and swapped
in after (writers/output.py); a kill between the two, or an output folder lost later,
must not lose what the run changed. So the import stores its report in the same
transaction as its changes (`keep`), and `fasd changements --run N` rebuilds it
(`load`) and writes changes.csv, changes.json and changes.xlsx again with the import's
own writers.
"""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from ..model.fields import ENTITIES
from .base import BaseError
from ..writers.changes import KINDS, Change, ChangeReport
from .schema import run, run_change, run_report

CHUNK = 2000  # rows per INSERT


def keep(conn: Connection, report: ChangeReport) -> None:
    """Store `report` under its run, in the caller's transaction (not for a dry run)."""
    if report.run_id is None:
        return
    summary = {k: v for k, v in report.summary().items() if k != "base"}  # the URL may hold a password
    conn.execute(insert(run_report).values(run_id=report.run_id, summary=json.dumps(summary, ensure_ascii=False)))
    rows = [
        {
            "run_id": report.run_id,
            "position": i,
            "entity": c.entity,
            "key": c.key,
            "change": c.change,
            "code_fas": c.code_fas,
            "fields": json.dumps(c.fields, ensure_ascii=False, default=str) if c.fields else None,
            "reason": c.reason,
        }
        for i, c in enumerate(report.changes)
    ]
    for start in range(0, len(rows), CHUNK):
        conn.execute(insert(run_change), rows[start : start + CHUNK])


def load(conn: Connection, run_id: int, base: str) -> ChangeReport:
    """The change report of run `run_id`, as the import made it; BaseError when there is none."""
    found = conn.execute(select(run.c.id, run.c.refused).where(run.c.id == run_id)).first()
    if found is None:
        raise BaseError(f"--run {run_id} : aucun import n° {run_id} dans cette base (voir fasd historique).")
    if found.refused:
        raise BaseError(f"l'import n° {run_id} a été refusé ({found.refused}) : il n'a rien changé dans la base.")
    text = conn.execute(select(run_report.c.summary).where(run_report.c.run_id == run_id)).scalar()
    if text is None:
        raise BaseError(
            f"l'import n° {run_id} date d'avant que la base garde le rapport de chaque import : "
            "ses changements ne peuvent pas être réécrits (voir fasd historique pour chaque enregistrement)."
        )
    summary = json.loads(text)
    counts = {e: {k: 0 for k in KINDS} for e in ENTITIES}
    for entity, kinds in summary.get("entities", {}).items():
        counts.setdefault(entity, {k: 0 for k in KINDS}).update(kinds)
    report = ChangeReport(
        base=base,
        organisation=summary.get("organisation", ""),
        perimetre=summary.get("perimetre", "partiel"),
        today=dt.date.fromisoformat(summary["today"]),
        dry_run=False,
        run_id=run_id,
        etablissements=list(summary.get("etablissements", [])),
        counts=counts,
    )
    rows = conn.execute(select(run_change).where(run_change.c.run_id == run_id).order_by(run_change.c.position))
    report.changes = [
        Change(
            entity=r.entity,
            key=r.key,
            change=r.change,
            code_fas=r.code_fas,
            fields=json.loads(r.fields) if r.fields else {},
            reason=r.reason,
        )
        for r in rows
    ]
    return report
