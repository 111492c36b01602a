"""The catalogue side of the page (`fasd serve --base`): change report and dashboard views.

The base itself is pipeline/catalogue (issue 14); this module only shapes what its API
returns for the templates, and is imported only when a base is configured.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

from .jobs import read_json
from ..model.fields import SHEETS

MONTHS = ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc.")
CHANGES_SHOWN = 200


def change_view(folder: Path) -> dict | None:
    """out/changes.json for the page: counts per entity and kind, and the first changes."""
    data = read_json(folder / "out" / "changes.json")
    if data is None:
        return None
    from ..writers.changes import KIND_LABELS, KINDS, OPTIONAL_KINDS, key_text, value_text

    summary = data["summary"]
    kinds = [k for k in KINDS if k not in OPTIONAL_KINDS or summary["total"].get(k)]
    rows = [
        {"label": SHEETS.get(e, e), "counts": [counts.get(k, 0) for k in kinds]}
        for e, counts in summary["entities"].items()
    ]
    changes = []
    for c in data["changes"]:
        if c["change"] == "inchange":
            continue
        fields = [(name, value_text(old), value_text(new)) for name, (old, new) in (c.get("fields") or {}).items()]
        changes.append(
            {
                "entity": c["entity"],
                "key": key_text(c["key"]),
                "code_fas": c.get("code_fas") or "",
                "change": KIND_LABELS.get(c["change"], c["change"]),
                "fields": fields,
                "reason": c.get("reason") or "",
            }
        )
    return {
        "dry_run": summary.get("dry_run", False),
        "perimetre": summary.get("perimetre"),
        "organisation": summary.get("organisation"),
        "kinds": [KIND_LABELS[k] for k in kinds],
        "rows": rows,
        "total": [summary["total"].get(k, 0) for k in kinds],
        "changes": changes[:CHANGES_SHOWN],
        "more": max(0, len(changes) - CHANGES_SHOWN),
    }


def sessions_by_month(offers: list[dict]) -> list[dict]:
    """Live sessions per start month, every month between the first and the last."""
    months: Counter[str] = Counter()
    for formation in offers:
        for action in formation.get("actions", []):
            for session in action.get("sessions", []):
                start = session.get("date_debut")
                if start:
                    months[str(start)[:7]] += 1
    if not months:
        return []
    first, last = min(months), max(months)
    year, month = int(first[:4]), int(first[5:7])
    out: list[dict] = []
    while f"{year:04d}-{month:02d}" <= last:
        key = f"{year:04d}-{month:02d}"
        out.append({"month": key, "label": f"{MONTHS[month - 1]} {year}", "count": months.get(key, 0)})
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    top = max(m["count"] for m in out) or 1
    for m in out:
        m["height"] = round(100 * m["count"] / top, 1)
    return out


def dashboard(base: str, today: dt.date | None = None, organismes: list[str] | None = None) -> dict:
    """The seed's counters and the sessions by start month, for /tableau-de-bord: of the whole
    base, or of the establishments (SIRET) / organisations (SIREN) chosen in its list."""
    from ..catalogue import COUNTERS, establishments, live_offers, stats
    from ..catalogue.base import display

    chosen = [c for c in (organismes or []) if c]
    counts = stats(base, today=today, organisation=chosen or None)
    offers, _sites, _contacts = live_offers(base, today=today, organisation=chosen or None)
    return {
        "base": display(base),
        "counters": [(key, label, counts.get(key, 0)) for key, label in COUNTERS.items()],
        "months": sessions_by_month(offers),
        "organisations": establishment_choice(establishments(base)),
        "chosen": chosen,
        "query": urlencode([("organisme", c) for c in chosen]),  # the counters' links keep the choice
    }


def establishment_choice(rows: list[dict]) -> list[dict]:
    """The establishments of the base grouped by organisation, for the page's « liste déroulante »."""
    groups: dict[str, dict] = {}
    for row in rows:
        group = groups.setdefault(row["siren"], {"siren": row["siren"], "nom": row["organisation"], "sites": []})
        group["sites"].append({"siret": row["siret"], "nom": row["nom"]})
    return list(groups.values())
