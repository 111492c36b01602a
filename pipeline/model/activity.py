"""Active and inactive sessions, as SOFI's dashboard counts them.

A session whose end date is past on the run date is inactive (état I on SOFI's
session list): it stays in records.jsonl with `"etat": "I"` (the catalogue keeps it)
but is not published as an open offer, so lheo.xml leaves it out. An active session
(état A) ending within ENDING_SOON_DAYS becomes inactive soon: summary.json counts
those, as the dashboard's « Sessions de formation inactives dans moins d'un mois ».
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

ACTIVE, INACTIVE = "A", "I"
ENDING_SOON_DAYS = 30  # « dans moins d'un mois »
PUBLISH_ENDED = False  # True: ended sessions are written to lheo.xml as well


def etat(date_fin: str | None, today: dt.date) -> str:
    """'I' when the session ended before `today` (ISO date strings compare as dates)."""
    return INACTIVE if date_fin and date_fin < today.isoformat() else ACTIVE


def published(session: dict) -> bool:
    """Whether a session record goes to lheo.xml as an open offer."""
    return PUBLISH_ENDED or session.get("etat") != INACTIVE


def session_counts(ends: pd.Series, today: dt.date) -> dict[str, int]:
    """Accepted sessions by state: active, ended, and active but ending within a month."""
    ends = pd.to_datetime(ends, errors="coerce")
    day = pd.Timestamp(today)
    ended = ends < day
    soon = (ends >= day) & (ends < day + pd.Timedelta(days=ENDING_SOON_DAYS))
    return {"active": int((~ended).sum()), "ended": int(ended.sum()), "ending_within_a_month": int(soon.sum())}
