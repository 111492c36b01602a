"""What a run gives back: its tables, the accepted records, its findings and counts.

A Result is the whole of a run held in memory (a file read as one chunk); a streamed
run's StreamResult (stream.py) holds the counts and findings, its offers written as
they were checked. The writers and the catalogue read either.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..model.activity import session_counts
from ..model.causes import counts as cause_counts
from ..model.codes import SEVERITIES
from ..model.fields import ENTITIES
from ..model.tables import Table


@dataclass
class Result:
    inputs: list[str]
    tables: dict[str, Table]
    accepted: dict[str, pd.Series]
    findings: pd.DataFrame
    today: dt.date
    timings: dict[str, float] = field(default_factory=dict)
    # entity -> record index -> labels of the fields SOFI still needs (profiles.py)
    incomplete: dict[str, dict[int, list[str]]] = field(default_factory=dict)
    columns: list[dict] = field(default_factory=list)  # what each header was read as (headers.py)
    # Input file per name shown in reports, when the files on disk are named otherwise
    # (the web page stores uploads under generic names and shows the user's names).
    files: dict[str, Path] = field(default_factory=dict)
    # entity -> record index -> fields filled from --defauts (defaults.py)
    filled: dict[str, dict[int, list[str]]] = field(default_factory=dict)
    # Lines for the person, in French, about how the run went (stream.py: a file read whole)
    notes: list[str] = field(default_factory=list)

    def to_complete(self, entity: str) -> int:
        """Accepted records of `entity` that are *à compléter*."""
        missing = self.incomplete.get(entity, {})
        return sum(1 for idx in missing if bool(self.accepted[entity].get(idx, False)))

    catalogue: Any = None  # the ChangeReport when the run was applied to a base (issue 14)
    organisme: dict = field(default_factory=dict)  # the establishments of the upload (validators/organisation.py)
    owners: dict = field(default_factory=dict)  # ref_formation -> (owner SIRET, site code)
    sheets: dict = field(default_factory=dict)  # offer workbooks as read, by path, for report.xlsx (Findings.sheets)

    def accepted_frame(self, entity: str) -> pd.DataFrame:
        return self.tables[entity].typed[self.accepted[entity]]

    def summary(self) -> dict:
        """Counts per entity and findings by severity and code (summary.json)."""
        entities = {}
        for name in ENTITIES:
            read = len(self.tables[name])
            ok = int(self.accepted[name].sum())
            entities[name] = {"read": read, "accepted": ok, "rejected": read - ok}
        f = self.findings
        catalogue = {} if self.catalogue is None else {"catalogue": self.catalogue.summary()}
        return {
            "inputs": self.inputs,
            "today": self.today.isoformat(),
            "organisme": self.organisme,
            "entities": entities,
            # accepted sessions: active, ended (not published in lheo.xml), ending within a month
            "sessions": session_counts(self.accepted_frame("session")["date_fin"], self.today),
            # accepted records that SOFI still needs completed (the lheo profile)
            "a_completer": {name: self.to_complete(name) for name in ENTITIES},
            "findings": {
                "total": len(f),
                "by_severity": {s: int((f["severity"] == s).sum()) for s in SEVERITIES},
                "by_code": {str(k): int(v) for k, v in f["code"].value_counts().sort_index().items()},
                **cause_counts(f),  # errors to fix apart from rows rejected in consequence
            },
            **catalogue,
        }


class Stopwatch:
    """Wall time per stage, for the benchmark and `--verbose`."""

    def __init__(self) -> None:
        self.times: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.times[stage] = self.times.get(stage, 0.0) + now - self._last
        self._last = now
