"""Refused imports are runs too (issue 25, D5): who tried, when, with which file, and why.

An import into a base that stops with exit 2 — an unreadable file, a complete upload
without any formation, a base busy too long — applied nothing; it still leaves one `run`
row with `refused` (the French reason), so the base tells since when an offer is stale.
Best effort in a transaction of its own: a base that cannot take the row (not initialised,
unreachable, locked) is left alone and the import's own error is what the person sees.
"""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import insert
from sqlalchemy.exc import SQLAlchemyError

from .base import BaseError, check_schema, open_engine
from .schema import run


def record_refused(base: str, inputs, today: dt.date | None, perimetre: str, reason: str) -> None:
    from .versions import input_files

    now = dt.datetime.now(dt.timezone.utc)
    try:
        engine = open_engine(base, wait=1)
    except BaseError:
        return
    try:
        with engine.begin() as conn:
            check_schema(conn, base)
            conn.execute(
                insert(run).values(
                    started_at=now,
                    finished_at=now,
                    today=today or now.date(),
                    perimetre=perimetre,
                    inputs=json.dumps(input_files(inputs), ensure_ascii=False),
                    refused=reason,
                )
            )
    except (BaseError, SQLAlchemyError):
        pass
    finally:
        engine.dispose()
