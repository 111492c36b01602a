"""report.csv (French Excel friendly), report.json and summary.json."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from ..findings import COLUMNS
from .atomic import atomic_open

SEVERITY_ORDER = {"error": 0, "warning": 1}


def ordered(findings: pd.DataFrame) -> pd.DataFrame:
    """Findings in reading order: file, sheet, row, then errors before warnings."""
    f = findings[COLUMNS].copy()
    f["_sev"] = f["severity"].map(SEVERITY_ORDER)
    f = f.sort_values(["source", "sheet", "row", "line", "_sev", "column"], na_position="first", kind="stable")
    return f.drop(columns="_sev").reset_index(drop=True)


def write_report_csv(findings: pd.DataFrame, path: Path) -> None:
    # utf-8-sig: the BOM makes a French Excel open accents correctly; ';' is its separator.
    with atomic_open(path, "w", encoding="utf-8-sig", newline="") as fh:
        ordered(findings).to_csv(fh, sep=";", index=False, lineterminator="\r\n")


def _json_findings(findings: pd.DataFrame) -> list[dict]:
    out = []
    for record in ordered(findings).to_dict("records"):
        out.append({k: (None if v is None or v is pd.NA or (isinstance(v, float) and pd.isna(v)) else
                        (int(v) if k in ("row", "line") else v)) for k, v in record.items()})
    return out


def write_report_json(summary: dict, findings: pd.DataFrame, path: Path) -> None:
    with atomic_open(path, "w", encoding="utf-8") as fh:
        json.dump({"summary": summary, "findings": _json_findings(findings)}, fh, ensure_ascii=False, indent=1)


def write_summary(summary: dict, path: Path) -> None:
    with atomic_open(path, "w", encoding="utf-8") as fh:
        json.dump(summary, fh, ensure_ascii=False, indent=2)
