"""The column mappings of the page's matching step, kept per establishment (migration 0007).

An establishment (SIRET) has at most one mapping per set of headers (`signature`, made
by web/matching.py); choosing again replaces it. Only the establishment's own uploads
read it: every call names the SIRET, and no call lists another's.
"""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import OperationalError

from .base import check_schema, connection_error, open_engine
from .schema import column_mapping


def _engine(base: str):
    engine = open_engine(base)
    try:
        with engine.connect() as conn:
            check_schema(conn, base)
    except OperationalError as exc:
        engine.dispose()
        raise connection_error(exc, base) from None
    except Exception:
        engine.dispose()
        raise
    return engine


def has_mappings(base: str, siret: str) -> bool:
    """Whether the establishment has kept any mapping (a cheap look before reading headers)."""
    engine = _engine(base)
    try:
        with engine.connect() as conn:
            query = select(column_mapping.c.id).where(column_mapping.c.siret == siret).limit(1)
            return conn.execute(query).first() is not None
    finally:
        engine.dispose()


def saved_mapping(base: str, siret: str, signature: str) -> str | None:
    """The mapping file the establishment chose for these headers, or None."""
    engine = _engine(base)
    try:
        with engine.connect() as conn:
            query = select(column_mapping.c.mapping).where(
                column_mapping.c.siret == siret, column_mapping.c.signature == signature
            )
            return conn.execute(query).scalar()
    finally:
        engine.dispose()


def save_mapping(
    base: str, siret: str, signature: str, headers: list[str], mapping: str, account_id: int | None = None
) -> None:
    """Keep (or replace) the establishment's mapping for these headers, in one transaction."""
    engine = _engine(base)
    try:
        with engine.begin() as conn:
            conn.execute(
                delete(column_mapping).where(column_mapping.c.siret == siret, column_mapping.c.signature == signature)
            )
            conn.execute(
                insert(column_mapping).values(
                    siret=siret,
                    signature=signature,
                    headers=json.dumps(headers, ensure_ascii=False),
                    mapping=mapping,
                    account_id=account_id,
                    saved_at=dt.datetime.now(dt.timezone.utc),
                )
            )
    finally:
        engine.dispose()
