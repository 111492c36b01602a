"""What a person fixes apart from what follows by itself: causes and their cascades.

A cascade finding (PARENT_REJECTED, NO_CHILD with rejected children) names the record
whose own errors it follows from (`cause_entity`, `cause_key`, set by
validators/cascade.py). Counting them with the errors made a flawed file read « 42
erreurs » where 15 were to fix; every count a person reads (terminal, page, Rapport
sheet, summary.json) comes from here, so they all say the same.
"""

from __future__ import annotations

from collections import Counter

import pandas as pd

from .fields import ENTITIES, ENTITY_ORDER
from .codes import ERROR, INFO, RULES, WARNING


def plural(n: int, singular: str, several: str | None = None) -> str:
    """« 1 erreur », « 15 erreurs » (French: 0 and 1 take the singular)."""
    word = singular if abs(n) < 2 else (several or singular + "s")
    return f"{n:,}".replace(",", "\u202f") + f" {word}"


def is_cascade(findings: pd.DataFrame) -> pd.Series:
    """Findings that follow from another record's errors (they go away once it is fixed)."""
    if "cause_entity" not in findings:
        return pd.Series(False, index=findings.index)
    cause = findings["cause_entity"]
    return cause.notna() & (cause != "")


def counts(findings: pd.DataFrame) -> dict:
    """The counts summary.json adds to `by_severity` / `by_code` (backward compatible keys)."""
    cascade = is_cascade(findings)
    errors = findings["severity"] == ERROR
    return {
        "to_fix": int((errors & ~cascade).sum()),
        "cascades": int(cascade.sum()),
        "cascades_by_code": by_code(findings.loc[cascade, "code"]),
    }


def by_code(codes: pd.Series) -> dict[str, int]:
    return {str(k): int(v) for k, v in codes.value_counts().sort_index().items()}


def headline(summary_findings: dict) -> str:
    """« 15 erreurs à corriger — 27 lignes rejetées en conséquence — 5 avertissements à vérifier »."""
    sev = summary_findings["by_severity"]
    to_fix = summary_findings.get("to_fix", sev.get(ERROR, 0))
    cascades = summary_findings.get("cascades", 0)
    parts = [plural(to_fix, "erreur") + " à corriger"]
    if cascades:
        parts.append(plural(cascades, "ligne rejetée", "lignes rejetées") + " en conséquence")
    parts.append(plural(sev.get(WARNING, 0), "avertissement") + " à vérifier")
    if sev.get(INFO, 0):
        parts.append(plural(sev[INFO], "information"))
    return " — ".join(parts)


def code_groups(summary_findings: dict) -> list[tuple[str, dict[str, int]]]:
    """(heading, {code: count}) for the terminal: to fix, to check, for information, in consequence."""
    cascades = summary_findings.get("cascades_by_code", {})
    groups: dict[str, dict[str, int]] = {ERROR: {}, WARNING: {}, INFO: {}}
    for code, n in summary_findings["by_code"].items():
        own = n - cascades.get(code, 0)
        rule = RULES.get(code)
        if own and rule is not None:
            groups[rule.severity][code] = own
    return [
        ("À corriger", groups[ERROR]),
        ("À vérifier", groups[WARNING]),
        ("Pour information", groups[INFO]),
        ("Rejetées en conséquence (acceptées une fois leur cause corrigée)", dict(cascades)),
    ]


def label(code: str) -> str:
    """« Valeur mal formée (BAD_FORMAT) »: the catalogue's French title, the code for reference."""
    rule = RULES.get(code)
    return f"{rule.title} ({code})" if rule else code


def consequences(findings) -> dict[tuple[str, str], Counter]:
    """(cause entity, cause key) -> rejected records per entity, from findings as dicts or a frame."""
    rows = findings.to_dict("records") if isinstance(findings, pd.DataFrame) else findings
    out: dict[tuple[str, str], Counter] = {}
    for f in rows:
        entity = f.get("cause_entity") or ""
        if entity:
            out.setdefault((entity, f.get("cause_key") or ""), Counter())[f.get("entity") or ""] += 1
    return out


def consequence_text(rejected: Counter) -> str:
    """« entraîne le rejet de 3 sessions, 6 dispositifs » (entities in the model's order)."""
    parts = [plural(rejected[e], e) for e in ENTITY_ORDER if rejected.get(e)]
    return "entraîne le rejet de " + ", ".join(parts) if parts else ""


def record_label(entity: str, key: str) -> str:
    """« la formation « F-DEAS » », for a line naming a cause."""
    spec = ENTITIES.get(entity)
    return f"{spec.label} « {key} »" if spec else f"« {key} »"
