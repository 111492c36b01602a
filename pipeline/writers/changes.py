"""What an import changed in the base: the change report, changes.csv and changes.json.

One `Change` per record created, updated, withdrawn, reactivated or left aside
(conflict); unchanged records are only counted. changes.csv has one line per changed
field (old → new), one per created or withdrawn record, so a person sees exactly
what the night's file did.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..model.fields import ENTITIES
from ..readers.sanitise import visible
from .atomic import atomic_open
from .safe import spreadsheet_safe

KINDS = ("creation", "modification", "reactivation", "retrait", "inchange", "conflit", "rejete")
OPTIONAL_KINDS = ("conflit", "rejete")  # shown only when some record had one
KIND_LABELS = {
    "creation": "création",
    "modification": "modification",
    "reactivation": "réactivation",
    "retrait": "retrait",
    "inchange": "inchangé",
    "conflit": "conflit",
    "rejete": "rejeté, gardé",  # read but rejected: the base keeps its version (rejected.py)
}
CSV_HEADER = ["entite", "cle", "code_fas", "changement", "champ", "ancienne_valeur", "nouvelle_valeur", "motif"]


def key_text(key: str) -> str:
    """A record key as a person reads it (a dispositif: « session / dispositif »)."""
    return key.replace("\x1f", " / ")


def value_text(value) -> str:
    """A field value as one cell: lists joined with « ; », booleans oui/non."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, list):
        return " ; ".join(value_text(v) for v in value)
    return str(value)


@dataclass(slots=True)  # one per changed record: tens of thousands in a run
class Change:
    entity: str
    key: str
    change: str  # one of KINDS
    code_fas: str | None = None
    fields: dict[str, list] = field(default_factory=dict)  # name -> [old, new]
    reason: str | None = None  # why a conflict was left aside


@dataclass
class ChangeReport:
    base: str
    organisation: str  # the SIRENs written under, « , »-joined
    perimetre: str
    today: dt.date
    dry_run: bool = False
    run_id: int | None = None
    etablissements: list[str] = field(default_factory=list)  # SIRETs a complete upload withdraws within
    counts: dict[str, dict[str, int]] = field(default_factory=lambda: {e: {k: 0 for k in KINDS} for e in ENTITIES})
    changes: list[Change] = field(default_factory=list)

    def add(self, change: Change) -> None:
        self.counts[change.entity][change.change] += 1
        self.changes.append(change)

    def count(self, entity: str, kind: str, n: int = 1) -> None:
        self.counts[entity][kind] += n

    @property
    def rows_written(self) -> int:
        """Records created, updated, reactivated or withdrawn (each writes its row and a version)."""
        return sum(c[k] for c in self.counts.values() for k in ("creation", "modification", "reactivation", "retrait"))

    def summary(self) -> dict:
        """The counts that go into summary.json and changes.json."""
        return {
            "base": self.base,
            "organisation": self.organisation,
            "etablissements": self.etablissements,
            "perimetre": self.perimetre,
            "dry_run": self.dry_run,
            "run": self.run_id,
            "today": self.today.isoformat(),
            "entities": self.counts,
            "total": {k: sum(c[k] for c in self.counts.values()) for k in KINDS},
        }

    def csv_rows(self):
        for c in self.changes:
            entity, key = ENTITIES[c.entity].sheet, key_text(c.key)
            label = KIND_LABELS[c.change]
            if c.fields:
                for name, (old, new) in c.fields.items():
                    yield [entity, key, c.code_fas or "", label, name, value_text(old), value_text(new), c.reason or ""]
            else:
                yield [entity, key, c.code_fas or "", label, "", "", "", c.reason or ""]


def write_changes(report: ChangeReport, out: Path) -> list[Path]:
    """changes.csv (French Excel: `;`, BOM; formula-like text as text, writers/safe.py) and
    changes.json in the output folder."""
    out = Path(out)
    csv_path, json_path = out / "changes.csv", out / "changes.json"
    with atomic_open(csv_path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, delimiter=";", lineterminator="\r\n")
        writer.writerow(CSV_HEADER)
        writer.writerows([spreadsheet_safe(visible(v)) for v in row] for row in report.csv_rows())
    payload = {"summary": report.summary(), "changes": [{**asdict(c), "key": key_text(c.key)} for c in report.changes]}
    with atomic_open(json_path, "w", encoding="utf-8") as fh:
        json.dump(payload, fh, ensure_ascii=False, indent=1)
    return [csv_path, json_path]
