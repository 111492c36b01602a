"""Accepted tables -> nested offer records (formation > actions > sessions > dispositifs).

The one shape of an accepted offer: `records.jsonl` is these dicts, one formation a
line, and the LHÉO writer and `fasd export` read them. Fields are named as in the
spec's dictionary; values are typed (ISO dates, numbers, booleans, lists; enumerations
as their LHÉO / Formacode code); empty fields are left out.
"""
from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from typing import Iterator

import pandas as pd

from .model import ENTITIES

PROVENANCE_KEYS = {"_source": "source", "_sheet": "sheet", "_row": "row", "_line": "line"}


def plain(value):
    """A typed cell as a JSON-ready value, or None when empty."""
    if value is None:
        return None
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        return None if pd.isna(value) else value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalar
        value = value.item()
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return int(value) if value.is_integer() else value
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def frame_records(frame: pd.DataFrame, entity: str) -> list[dict]:
    names = ENTITIES[entity].names
    out = []
    columns = names + list(PROVENANCE_KEYS)
    for row in frame[columns].itertuples(index=False, name=None):
        record = {}
        for name, value in zip(names, row[:len(names)]):
            v = plain(value)
            if v is not None and v != []:
                record[name] = v
        prov = {}
        for key, value in zip(PROVENANCE_KEYS.values(), row[len(names):]):
            v = plain(value)
            if v not in (None, ""):
                prov[key] = v
        record["provenance"] = prov
        out.append(record)
    return out


def _group(records: list[dict], key: str) -> dict[str, list[dict]]:
    groups: dict[str, list[dict]] = defaultdict(list)
    for r in records:
        groups[r.get(key)].append(r)
    return groups


def offer_records(result) -> Iterator[dict]:
    """Accepted formations, each with its accepted actions, sessions and dispositifs."""
    dispositifs = _group(frame_records(result.accepted_frame("dispositif"), "dispositif"), "ref_session")
    sessions = _group(frame_records(result.accepted_frame("session"), "session"), "ref_action")
    actions = _group(frame_records(result.accepted_frame("action"), "action"), "ref_formation")
    for formation in frame_records(result.accepted_frame("formation"), "formation"):
        formation["actions"] = actions.get(formation["ref_formation"], [])
        for action in formation["actions"]:
            action["sessions"] = sessions.get(action["ref_action"], [])
            for session in action["sessions"]:
                session["dispositifs"] = dispositifs.get(session["ref_session"], [])
        yield formation


def directory_records(result, entity: str) -> dict[str, dict]:
    """Accepted sites or contacts by code, for writers that inline them (LHÉO)."""
    key = ENTITIES[entity].key[0]
    return {r[key]: r for r in frame_records(result.accepted_frame(entity), entity)}
