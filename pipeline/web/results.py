"""What the result page shows, computed from the run's own report files.

The page reads `out/summary.json` and `out/report.json`, the files the CLI writes, so
it can never say something the downloaded report does not.
"""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ..model.fields import ENTITIES, SHEETS
from ..model.codes import ERROR, RULES, SEVERITY_LABELS, WARNING
from ..writers.report import CONSEQUENCES
from .jobs import read_json

PAGE_SIZE = 100
SORTS = {  # sort key of the findings table -> the fields it orders by
    "gravite": ("severity",),
    "code": ("code",),
    "entite": ("entity", "key"),  # entities in the model's order (site … dispositif)
    "feuille": ("source", "sheet", "row", "line"),
    "cle": ("key",),
}


def number(n) -> str:
    """12 345 as French typography writes it (narrow no-break space between thousands)."""
    return f"{int(n):,}".replace(",", "\u202f")


@dataclass
class Run:
    summary: dict
    findings: list[dict]


def load(folder: Path) -> Run | None:
    summary_path = folder / "out" / "summary.json"
    try:
        stamp = summary_path.stat().st_mtime_ns
    except OSError:
        return None
    return _load(str(folder), stamp)


@functools.lru_cache(maxsize=4)
def _load(folder: str, _stamp: int) -> Run | None:
    summary = read_json(Path(folder) / "out" / "summary.json")
    report = read_json(Path(folder) / "out" / "report.json")
    if summary is None or report is None:
        return None
    findings = report.get("findings", [])
    for i, f in enumerate(findings):
        f["_order"] = i
        rule = RULES.get(f["code"])
        f["_title"] = rule.title if rule else ""
    return Run(summary, findings)


def entity_rows(summary: dict) -> list[dict]:
    """Read / accepted / rejected per entity, and accepted but *à compléter* (profile lheo)."""
    to_complete = summary.get("a_completer", {})
    return [
        {"entity": name, "label": SHEETS.get(name, name), **counts, "to_complete": to_complete.get(name, 0)}
        for name, counts in summary["entities"].items()
    ]


def records_read(summary: dict) -> int:
    """Offer records read (sites and contacts alone are not an offer)."""
    return sum(c["read"] for name, c in summary["entities"].items() if name not in ("site", "contact"))


def chart(findings: list[dict]) -> list[dict]:
    """One bar per code, longest first; width in % of the longest bar."""
    counts = Counter(f["code"] for f in findings)
    severity = {f["code"]: f["severity"] for f in findings}
    top = max(counts.values(), default=1)
    bars = []
    for code, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        rule = RULES.get(code)
        bars.append(
            {
                "code": code,
                "count": n,
                "severity": severity[code],
                "title": rule.title if rule else code,
                "cascade": code in CONSEQUENCES,
                "width": round(100 * n / top, 1),
            }
        )
    return bars


def cascade_groups(cascades: list[dict], findings: list[dict], limit: int = 200) -> list[dict]:
    """One group per cause: what it rejects in consequence, and those findings (for <details>).

    `findings`: every finding of the run, to point at the cause's own first error."""
    from ..model.causes import consequence_text, consequences, record_label

    by_cause: dict[tuple[str, str], list[dict]] = {}
    for f in cascades:
        by_cause.setdefault((f.get("cause_entity") or "", f.get("cause_key") or ""), []).append(f)
    first: dict[tuple[str, str], dict] = {}
    for f in findings:
        if not f.get("cause_entity") and f["severity"] == ERROR:
            first.setdefault((f.get("entity") or "", f.get("key") or ""), f)
    counts = consequences(cascades)
    groups: list[dict] = []
    for cause, rows in by_cause.items():
        what = record_label(*cause)
        head = first.get(cause)
        groups.append(
            {
                "label": what[0].upper() + what[1:],
                "text": consequence_text(counts[cause]),
                "rows": rows,
                "count": len(rows),
                "cause": head,
                "order": head["_order"] if head else len(findings),
            }
        )
    groups.sort(key=lambda g: int(g["order"]))
    return groups[:limit]


def where(f: dict) -> str:
    """The place of a finding as a person finds it: cell, row or XML line."""
    if f.get("cell"):
        return str(f["cell"])
    if f.get("row") is not None:
        return f"ligne {f['row']}"
    if f.get("line") is not None:
        return f"ligne XML {f['line']}"
    return ""


def worst_rows(findings: list[dict], limit: int = 10) -> list[dict]:
    """The rows with the most findings of their own (cascades left out), most errors first."""
    rows: dict[tuple, dict] = {}
    for f in findings:
        if f["code"] in CONSEQUENCES or (f.get("row") is None and f.get("line") is None):
            continue
        place = (f.get("source") or "", f.get("sheet") or "", f.get("row"), f.get("line"))
        if f["severity"] not in (ERROR, WARNING):
            continue
        row = rows.setdefault(
            place,
            {
                "source": place[0],
                "sheet": place[1],
                "row": place[2],
                "line": place[3],
                "entity": f.get("entity") or "",
                "key": f.get("key") or "",
                "errors": 0,
                "warnings": 0,
                "codes": Counter(),
            },
        )
        row["errors" if f["severity"] == ERROR else "warnings"] += 1
        row["codes"][f["code"]] += 1
    ranked = sorted(
        rows.values(),
        key=lambda r: (
            -r["errors"],
            -(r["errors"] + r["warnings"]),
            r["source"],
            r["sheet"],
            r["row"] or 0,
            r["line"] or 0,
        ),
    )
    ranked = [r for r in ranked if r["errors"] + r["warnings"] > 1] or ranked
    for r in ranked:
        r["codes"] = ", ".join(code for code, _ in r["codes"].most_common())
    return ranked[:limit]


def choices(findings: list[dict]) -> dict[str, list[str]]:
    """The values the filters offer: only those present in this run."""

    def values(key):
        return sorted({f.get(key) or "" for f in findings} - {""})

    entities = [e for e in ENTITIES if e in set(values("entity"))]
    return {
        "code": values("code"),
        "entity": entities,
        "sheet": values("sheet"),
        "severity": [s for s in SEVERITY_LABELS if s in set(values("severity"))],
    }


def select(
    findings: list[dict],
    *,
    code: str = "",
    entity: str = "",
    sheet: str = "",
    severity: str = "",
    sort: str = "",
    descending: bool = False,
) -> list[dict]:
    """Filter by exact values (empty: any), then sort by one of SORTS (default: report order)."""
    chosen = [
        f
        for f in findings
        if (not code or f["code"] == code)
        and (not entity or f.get("entity") == entity)
        and (not sheet or f.get("sheet") == sheet)
        and (not severity or f["severity"] == severity)
    ]
    fields = SORTS.get(sort)
    if fields:
        chosen.sort(key=lambda f: tuple(_sortable(f.get(k)) for k in fields) + (f["_order"],), reverse=descending)
        chosen.sort(key=lambda f: f.get(fields[0]) in (None, ""))  # blanks last either way
    elif descending:
        chosen.reverse()
    return chosen


ENTITY_RANK = {name: i for i, name in enumerate(ENTITIES)}


def _sortable(value):
    if value is None or value == "":
        return (1, "")
    if value in ENTITY_RANK:
        return (0, ENTITY_RANK[value])
    return (0, value) if isinstance(value, (int, float)) else (0, str(value).casefold())
