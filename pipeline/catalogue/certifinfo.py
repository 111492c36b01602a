"""Certif Info codes replaced by the CARIF-OREF (issue 25, item 4).

When Certif Info replaces a certification by another (`remplacee_par`: a continuity
file, or the open data's `ancien_code`), `fasd validation certifinfo --reference FILE`
writes the successor code into each formation of the base that still carries the old
one — a new version of the formation, a decision of the CARIF-OREF with who and when —
and marks its actions (`record.certifinfo_remplace`: the old code), which the dashboard
counts (« … dont le code Certifinfo a été remplacé par le CARIF-OREF »). A formation
whose old version was published gets the new one published at once: the CARIF-OREF made
the change itself. The organisation's next import of that formation with another code
than the old one (the new code, as it should) clears the mark (`clear_marks`).
"""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from .schema import record, record_version


def replace_codes(conn: Connection, reference, *, by: str) -> list[dict]:
    """Apply the reference's successor codes; [{formation, code_fas, ancien, nouveau}]."""
    from .versions import canonical

    now = dt.datetime.now(dt.timezone.utc)
    done = []
    query = select(
        record.c.id,
        record.c.organisation_id,
        record.c.key,
        record.c.fas_code,
        record.c.version,
        record.c.published_version,
        record.c.status,
        record.c.content,
    ).where(record.c.entity == "formation", record.c.status == "actif")
    for row in conn.execute(query).all():
        content = json.loads(row.content)
        old = content.get("code_certifinfo")
        cert = reference.by_certifinfo(str(old)) if old else None
        successors = [c for c in (cert.successeurs if cert else []) if c and c != old]
        if not successors:
            continue
        new = successors[0]
        content["code_certifinfo"] = new
        text, digest = canonical(content)
        version = row.version + 1
        conn.execute(
            insert(record_version).values(
                record_id=row.id,
                version=version,
                run_id=None,
                change="certifinfo",
                status=row.status,
                content=text,
                fields=json.dumps({"code_certifinfo": [old, new]}, ensure_ascii=False),
                decided_by=by,
                decided_at=now,
                note=f"code Certif Info {old} remplacé par {new}",
            )
        )
        values: dict = {"version": version, "content": text, "digest": digest}
        if row.published_version is not None:
            values["published_version"] = version
        conn.execute(update(record).where(record.c.id == row.id).values(**values))
        conn.execute(
            update(record)
            .where(
                record.c.organisation_id == row.organisation_id,
                record.c.entity == "action",
                record.c.parent_key == row.key,
                record.c.status == "actif",
            )
            .values(certifinfo_remplace=str(old))
        )
        done.append({"formation": row.key, "code_fas": str(row.fas_code), "ancien": str(old), "nouveau": new})
    return done


def clear_marks(conn: Connection, job) -> None:
    """After an import: the actions of each formation imported with another code than the
    one the CARIF-OREF replaced lose their mark."""
    formations = {(org, key) for (org, entity, key) in job.seen if entity == "formation"}
    if not formations:
        return
    marked = conn.execute(
        select(record.c.id, record.c.organisation_id, record.c.parent_key, record.c.certifinfo_remplace).where(
            record.c.entity == "action", record.c.certifinfo_remplace.isnot(None)
        )
    ).all()
    wanted = [m for m in marked if (m.organisation_id, m.parent_key) in formations]
    for m in wanted:
        code = conn.execute(
            select(record.c.content).where(
                record.c.organisation_id == m.organisation_id,
                record.c.entity == "formation",
                record.c.key == m.parent_key,
            )
        ).scalar()
        if code is not None and str(json.loads(code).get("code_certifinfo")) != m.certifinfo_remplace:
            conn.execute(update(record).where(record.c.id == m.id).values(certifinfo_remplace=None))
