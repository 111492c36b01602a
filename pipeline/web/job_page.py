"""What an upload's page shows: its progress for people (stages, counts, a bar that never
goes back) and its result (the findings filtered, sorted, paged, causes before cascades)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

from starlette.requests import Request

from . import results
from .jobs import DOWNLOADS, read_state
from ..model.progress import LABELS, STAGES, UNITS
from ..model.codes import ERROR, INFO, WARNING
from ..model.causes import headline
from .worker import percent_of


def progress_view(state: dict) -> dict:
    """The state for people: each stage with its count, and a percentage for the bar."""
    seen = state.get("stages") or {}
    # never below what an earlier poll showed (the worker keeps the highest in the state)
    percent, stages = max(percent_of(seen), float(state.get("percent") or 0)), []
    for key in STAGES:
        step = seen.get(key)
        if step is None:
            status, text = "todo", ""
        else:
            done, total = step.get("done") or 0, step.get("total")
            status = "done" if step.get("finished") else "current"
            count = f"{done:,}".replace(",", "\u202f")
            text = f"{count} / {total:,} {UNITS[key]}".replace(",", "\u202f") if total else f"{count} {UNITS[key]}"
            if step.get("detail") and status == "current":
                text += f" — {step['detail']}"
        stages.append({"key": key, "label": LABELS[key], "status": status, "text": text})
    if state.get("status") == "done":
        percent = 100
    records = (seen.get("read") or {}).get("done") if (seen.get("read") or {}).get("finished") else None
    return {
        "status": state.get("status"),
        "percent": int(percent),
        "stages": stages,
        "records": records,
        "message": state.get("message"),
    }


def result_context(request: Request, folder: Path, run: results.Run) -> dict:
    q = request.query_params
    filters = {k: q.get(k, "") for k in ("code", "entity", "sheet", "severity")}
    sort, descending = q.get("tri", ""), q.get("ordre") == "desc"
    chosen = results.select(run.findings, **filters, sort=sort, descending=descending)
    # The default view lists the findings to fix; their cascades follow, one line per cause
    # (expandable). Filtered or sorted, every finding is a row of the table, as chosen.
    grouped = not sort and not any(filters.values())
    groups = []
    if grouped:
        cascades = [f for f in chosen if f.get("cause_entity")]
        chosen = [f for f in chosen if not f.get("cause_entity")]
        groups = results.cascade_groups(cascades, run.findings)
    pages = max(1, -(-len(chosen) // results.PAGE_SIZE))
    try:
        page = min(max(1, int(q.get("page", "1"))), pages)
    except ValueError:
        page = 1
    start = (page - 1) * results.PAGE_SIZE

    def link(**changes) -> str:
        params = {**filters, "tri": sort, "ordre": "desc" if descending else "", "page": ""}
        params.update(changes)
        return "?" + urlencode({k: v for k, v in params.items() if v}) + "#constats"

    def sort_link(key: str) -> str:
        flip = "desc" if sort == key and not descending else ""
        return link(tri=key, ordre=flip, page="")

    summary = run.summary
    return {
        "summary": summary,
        "entities": results.entity_rows(summary),
        "records_read": results.records_read(summary),
        "errors": summary["findings"]["by_severity"].get(ERROR, 0),
        "warnings": summary["findings"]["by_severity"].get(WARNING, 0),
        "infos": summary["findings"]["by_severity"].get(INFO, 0),
        "bars": results.chart(run.findings),
        "worst": results.worst_rows(run.findings),
        "choices": results.choices(run.findings),
        "filters": filters,
        "sort": sort,
        "descending": descending,
        "findings": chosen[start : start + results.PAGE_SIZE],
        "total_shown": len(chosen) + sum(g["count"] for g in groups),
        "cascade_groups": groups if page == pages else [],  # after the last page of causes
        "headline": headline(summary["findings"]),
        "page": page,
        "pages": pages,
        "link": link,
        "sort_link": sort_link,
        "downloads": [
            name
            for name in DOWNLOADS
            if (folder / "out" / name).is_file()
            and not (name.startswith("changes.") and not read_state(folder).get("applied"))
        ],
    }
