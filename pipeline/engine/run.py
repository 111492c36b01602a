"""The pipeline as one function: inputs + reference + options -> (tables, findings).

Pure core: no output files, no printing. The CLI and the tests call `run`.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..model.activity import session_counts
from ..model.dispositifs import using as using_dispositifs
from ..model.causes import counts as cause_counts
from ..model.findings import Findings
from ..model.fields import ENTITIES
from ..readers.normalise import normalise_table
from ..readers.defaults import apply_defaults
from .options import RunOptions
from ..validators.profiles import apply_profile
from ..model.progress import tracker
from ..readers import read_inputs
from ..model.codes import SEVERITIES
from ..readers.sanitise import sanitise
from ..model.tables import Table
from ..validators.cascade import decide
from ..validators.cross import run_cross_checks
from ..validators.organisation import (
    check_organisation,
    owner_counts,
    owner_names,
    owners_summary,
)
from ..validators.fields import flagged_cells, validate_fields


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

    catalogue: object = None  # the ChangeReport when the run was applied to a base (issue 14)
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


def run(options: RunOptions | list[Path] | tuple[Path, ...], **keywords) -> Result:
    """Read, normalise, validate, resolve and decide. Raises InputError for unreadable inputs.

    `options`: a RunOptions (engine/options.py), built once by the caller and checked
    when built. A list of inputs plus its keywords is accepted too and builds one:
    `profil`: "sofi" or "lheo" for every record; None = lheo for records read from
    LHÉO XML, sofi for the others (profiles.py). `progress` (a callback taking a
    progress.Step, or a Progress) hears the `read` and `check` stages; see
    pipeline/model/progress.py. `dispositifs`: a dispositif list replacing the bundled one
    (see dispositifs.py). `colonnes`: a mapping.ColumnMapping (`--colonnes`), the field
    of each header. `defauts`: a defaults file (or a loaded defaults.Defaults) filling
    the empty cells it covers (defaults.py). `strict`: a bad optional value is an error,
    not a warning that leaves it out of the record. `organisme`: the SIRETs or SIRENs the
    upload is for (`--organisme`, one or several; default: every owner's offers).
    `stream`: True reads a flat CSV in chunks of whole formations (stream.py, same
    results, memory of the largest chunk), None does so for a large CSV, False never;
    `chunk_rows`: the rows of a chunk (tests force small ones). A streamed run's offers
    are already written when it returns (a StreamResult), unless `write_offers` is False."""
    if not isinstance(options, RunOptions):
        options = RunOptions(inputs=tuple(options), **keywords)
    elif keywords:
        options = options.with_(**keywords)
    with using_dispositifs(options.dispositifs):
        notes = []
        if options.stream is not False:
            from . import stream as streaming

            path = streaming.streamable(options)
            if path is not None:
                clock = Stopwatch()
                try:
                    result = streaming.stream_run(path, options, clock=clock)
                    result.timings = clock.times
                    return result
                except streaming.StreamFallback as exc:
                    notes.append(str(exc))
        result = _run(options)
        result.notes.extend(notes)
        return result


def _run(options: RunOptions) -> Result:
    inputs, annuaire, reference, today = options.inputs, options.annuaire, options.reference, options.today
    profil, progress, colonnes, strict, organisme = (
        options.profil,
        options.progress,
        options.colonnes,
        options.strict,
        options.organisme,
    )
    defauts = options.defauts
    clock = Stopwatch()
    steps = tracker(progress)
    findings = Findings()
    findings.mapping = colonnes
    findings.strict = strict
    findings.defaults = defauts
    steps.start("read")
    tables = read_inputs([Path(p) for p in inputs], findings, annuaire, progress=steps)
    steps.finish()
    filled = apply_defaults(tables, defauts)
    clock.lap("read")
    sanitise(tables, findings)
    steps.start("check", total=sum(len(t) for t in tables.values()))
    for table in tables.values():
        steps.advance(0, detail=f"formats : {ENTITIES[table.entity].sheet}")
        normalise_table(table, findings)
    clock.lap("normalise")
    already = flagged_cells(findings.frame())
    for table in tables.values():
        steps.advance(0, detail=f"règles : {ENTITIES[table.entity].sheet}")
        validate_fields(table, findings, already)
        steps.advance(len(table))
    steps.advance(0, detail="règles entre enregistrements")
    run_cross_checks(tables, findings, today)
    organisation = check_organisation(tables, findings, organisme)
    clock.lap("validate")
    if reference is not None:
        from ..validators.certification import resolve_certifications

        steps.advance(0, detail="certifications")
        resolve_certifications(tables, findings, reference, today)
    clock.lap("resolve")
    incomplete = apply_profile(tables, findings, profil)
    steps.advance(0, detail="décision")
    accepted = decide(tables, findings)
    clock.lap("decide")
    steps.finish()
    frame = findings.frame()
    result = Result(
        [str(p) for p in inputs],
        tables,
        accepted,
        frame,
        today,
        clock.times,
        incomplete,
        [d.as_dict() for d in findings.columns],
        filled=filled,
    )
    read, ok = owner_counts(tables["formation"], accepted["formation"], organisation["owners"])
    result.organisme = owners_summary(organisation, read, ok, owner_names(organisation))
    result.owners = organisation["owners"]
    result.sheets = findings.sheets
    return result
