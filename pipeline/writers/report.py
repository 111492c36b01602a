"""report.csv (French Excel friendly), report.json and summary.json."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from ..model.causes import is_cascade
from ..model.findings import CAUSE_COLUMNS, COLUMNS
from ..model.fields import ENTITIES
from ..model.codes import SEVERITIES
from ..readers.sanitise import visible
from .atomic import atomic_open
from .safe import spreadsheet_safe

SEVERITY_ORDER = {s: i for i, s in enumerate(SEVERITIES)}
CONSEQUENCES = {"PARENT_REJECTED", "NO_CHILD"}
SHEET_ORDER = {e.sheet: i for i, e in enumerate(ENTITIES.values())}


def ordered(findings: pd.DataFrame, columns: list[str] = COLUMNS) -> pd.DataFrame:
    """Findings in reading order: causes before their cascades, then file, sheet, row."""
    f = findings.reindex(columns=columns, fill_value="")
    keys = {
        "_consequence": is_cascade(findings).to_numpy(),
        "_sheet_rank": f["sheet"].map(SHEET_ORDER).fillna(-1),
        "_sev": f["severity"].map(SEVERITY_ORDER),
    }
    f = f.assign(**keys).sort_values(
        ["_consequence", "source", "_sheet_rank", "sheet", "row", "line", "_sev", "column"],
        na_position="first",
        kind="stable",
    )
    return f.drop(columns=list(keys)).reset_index(drop=True)


def _csv_text(value):
    """A cell of report.csv: invisible characters as their code, formula-like text as text."""
    return spreadsheet_safe(visible(value) if isinstance(value, str) else value)


def _shown(value):
    """A value of report.json, its texts with invisible characters as their code."""
    if isinstance(value, str):
        return visible(value)
    if isinstance(value, dict):
        return {k: _shown(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shown(v) for v in value]
    return value


def write_report_csv(findings: pd.DataFrame, path: Path) -> None:
    # utf-8-sig: the BOM makes a French Excel open accents correctly; ';' is its separator.
    frame = ordered(findings)
    for column in frame.columns:
        if not pd.api.types.is_numeric_dtype(frame[column]):
            frame[column] = frame[column].map(_csv_text)
    with atomic_open(path, "w", encoding="utf-8-sig", newline="") as fh:
        frame.to_csv(fh, sep=";", index=False, lineterminator="\r\n")


def _json_findings(findings: pd.DataFrame) -> list[dict]:
    out = []
    for record in ordered(findings, COLUMNS + CAUSE_COLUMNS).to_dict("records"):
        out.append(
            {
                k: (
                    None
                    if v is None or v is pd.NA or (isinstance(v, float) and pd.isna(v))
                    else (int(v) if k in ("row", "line") else _shown(v))
                )
                for k, v in record.items()
            }
        )
    return out


def write_report_json(summary: dict, findings: pd.DataFrame, path: Path, columns: list[dict] | None = None) -> None:
    """`columns`: what each header of each input was read as (headers.ColumnDecision.as_dict)."""
    with atomic_open(path, "w", encoding="utf-8") as fh:
        json.dump(
            {"summary": summary, "columns": _shown(columns or []), "findings": _json_findings(findings)},
            fh,
            ensure_ascii=False,
            indent=1,
        )


def write_summary(summary: dict, path: Path) -> None:
    with atomic_open(path, "w", encoding="utf-8") as fh:
        json.dump(summary, fh, ensure_ascii=False, indent=2)
