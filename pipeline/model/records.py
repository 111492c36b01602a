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

import numpy as np
import pandas as pd

from .activity import etat
from .fields import ENTITIES

PROVENANCE_KEYS = {"_source": "source", "_sheet": "sheet", "_row": "row", "_line": "line"}


def plain(value):
    """A typed cell as a JSON-ready value, or None when empty."""
    cls = value.__class__  # exact built-in types first: most cells, and no numpy subclass
    if cls is str or cls is bool or cls is int:
        return value
    if cls is float:
        return None if math.isnan(value) else (int(value) if value.is_integer() else value)
    if value is None:
        return None
    if isinstance(value, list):
        return [v if v.__class__ is str else plain(v) for v in value]
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


def plain_column(series: pd.Series) -> list:
    """plain() of every cell of a column: dates converted as a whole, text cells as is."""
    dtype = series.dtype
    if isinstance(dtype, np.dtype) and dtype.kind == "M":
        values = series.to_numpy()
        days = np.datetime_as_string(values, unit="D").tolist()
        return [None if nat else day for day, nat in zip(days, np.isnat(values).tolist())]
    return [v if v is None or v.__class__ is str else plain(v) for v in series.tolist()]


def frame_records(
    frame: pd.DataFrame, entity: str, missing: dict | None = None, filled: dict | None = None
) -> list[dict]:
    """Records of a typed frame; with `missing` (index -> fields SOFI still needs, see
    profiles.py) each record says whether it is complete; with `filled` (index ->
    fields given by --defauts) its provenance names them under "defaut"."""
    names = ENTITIES[entity].names
    prov_keys = list(PROVENANCE_KEYS.values())
    fields = zip(*[plain_column(frame[name]) for name in names])
    provenance = zip(*[plain_column(frame[column]) for column in PROVENANCE_KEYS])
    out = []
    for idx, row, prow in zip(frame.index, fields, provenance):
        record = {name: v for name, v in zip(names, row) if v is not None and v != []}
        if missing is not None:
            record["complet"] = idx not in missing
            if idx in missing:
                record["a_completer"] = list(missing[idx])
        record["provenance"] = {key: v for key, v in zip(prov_keys, prow) if v not in (None, "")}
        if filled and idx in filled:
            record["provenance"]["defaut"] = list(filled[idx])
        out.append(record)
    return out


def _group(records: list[dict], key: str) -> dict[str | None, list[dict]]:
    groups: dict[str | None, list[dict]] = defaultdict(list)
    for r in records:
        groups[r.get(key)].append(r)
    return groups


def offer_records(result) -> Iterator[dict]:
    """Accepted formations, each with its accepted actions, sessions and dispositifs.

    Each session says its `etat` (A active, I ended: activity.py). Every record says
    whether it is `complet`; a formation is complete when it and everything under it is
    (its own missing fields are in `a_completer`). A formation read from a LHÉO flow
    whose elements FASD does not all model carries the flow's `formation` element in
    `lheo_origine`, which lheo.xml is written from."""
    missing = getattr(result, "incomplete", None) or {}
    filled = getattr(result, "filled", None) or {}
    today = result.today

    def records(entity):
        return frame_records(result.accepted_frame(entity), entity, missing.get(entity, {}), filled.get(entity))

    origins = result.tables["formation"].origins if hasattr(result, "tables") else {}
    dispositifs = _group(records("dispositif"), "ref_session")
    sessions = _group(records("session"), "ref_action")
    actions = _group(records("action"), "ref_formation")
    for formation in records("formation"):
        complete = formation["complet"]
        formation["actions"] = actions.get(formation["ref_formation"], [])
        for action in formation["actions"]:
            complete &= action["complet"]
            action["sessions"] = sessions.get(action["ref_action"], [])
            for session in action["sessions"]:
                session["etat"] = etat(session.get("date_fin"), today)
                session["dispositifs"] = dispositifs.get(session["ref_session"], [])
                complete &= session["complet"] and all(d["complet"] for d in session["dispositifs"])
        formation["complet"] = complete
        origin = origins.get((formation["provenance"].get("source"), formation["provenance"].get("line")))
        if origin is not None:  # the producer's LHÉO, for what FASD does not model (writers/lheo.py)
            formation["lheo_origine"] = origin
        yield formation


def directory_records(result, entity: str) -> dict[str, dict]:
    """Accepted sites or contacts by code, for writers that inline them (LHÉO)."""
    key = ENTITIES[entity].key[0]
    return {r[key]: r for r in frame_records(result.accepted_frame(entity), entity)}
