"""SOFI numbers that must agree: the FAS code (formation-action-session).

SOFI numbers its records once; `code_formation`, `code_action`, `code_session` mean
"update this existing record". A session's code may be given as SOFI shows it, the
whole FAS code `19482-89393-143842` (an action's as `19482-89393`): the leading
numbers must then be those of its action and formation, when these carry a SOFI
code (FAS_MISMATCH). The typed code keeps the record's own number (the last part).
"""

from __future__ import annotations

import pandas as pd

from ..model.findings import Findings
from ..model.tables import Table
from .registry import Context, check

# entity, its SOFI code, parent entity, parent's SOFI code, parent key field
CHAIN = (
    ("action", "code_action", "formation", "code_formation", "ref_formation"),
    ("session", "code_session", "action", "code_action", "ref_action"),
)


def _codes(table: Table, field: str) -> dict:
    """Record index -> the parts of its SOFI code (digits split on '-'); typed keeps the last."""
    t = table.typed
    parts = {}
    for idx, value in zip(t.index, t[field].tolist()):
        if isinstance(value, str) and value:
            parts[idx] = value.split("-")
    if any(len(p) > 1 for p in parts.values()):
        column = t[field].astype(object)
        for idx, p in parts.items():
            column.at[idx] = p[-1]
        t[field] = column
    return parts


def _by_key(table: Table, key: str, field: str) -> dict:
    t = table.typed
    first = ~t[key].duplicated() & t[key].notna()
    return dict(zip(t.loc[first, key], t.loc[first, field]))


@check("FAS_MISMATCH")
def fas_codes(ctx: Context, findings: Findings) -> None:
    """A FAS code whose leading numbers are not its action's and formation's SOFI codes.

    Runs first: the typed codes become the records' own numbers before DUPLICATE_KEY."""
    tables = ctx.tables
    if any(tables[e].typed.empty for e in ("formation", "action")):
        return
    parts = {"action": _codes(tables["action"], "code_action")}
    if not tables["session"].typed.empty:
        parts["session"] = _codes(tables["session"], "code_session")
    formation_code = _by_key(tables["formation"], "ref_formation", "code_formation")
    action_code = _by_key(tables["action"], "ref_action", "code_action")
    action_formation = _by_key(tables["action"], "ref_action", "ref_formation")
    for entity, field, parent, _parent_field, parent_key in CHAIN:
        if entity not in parts:
            continue
        table = tables[entity]
        t = table.typed
        for idx, own in parts[entity].items():
            ref = t.at[idx, parent_key]
            known = formation_code if parent == "formation" else action_code
            if pd.isna(ref) or ref not in known:
                continue  # no parent: ORPHAN or REQUIRED already says so
            expected = [known[ref]]
            if entity == "session":
                ref_formation = action_formation.get(ref)
                expected = [formation_code.get(ref_formation), known[ref]]
            for number, code, which in zip(own[:-1][::-1], expected[::-1], (parent, "formation")):
                if not _blank(code) and number != str(code):  # a parent without a code cannot disagree
                    label = "l'action" if which == "action" else "la formation"
                    findings.add(
                        table,
                        idx,
                        "FAS_MISMATCH",
                        field,
                        problem=f"le code FAS désigne {label} {number}, mais {label} de la ligne a le code SOFI {code}",
                    )
                    break


def _blank(value) -> bool:
    return value is None or (isinstance(value, float) and pd.isna(value)) or value == ""
