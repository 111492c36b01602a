"""The formation form of SOFI: what « Référence Certif Info » oui / non implies.

Certifying (oui), as the seed's Fiche Formation shows it:
- objectif général is « Certification » (filled so when empty: DEFAULT_APPLIED;
  another value is OBJECTIF_CERTIFICATION);
- « Souhaitez-vous individualiser le parcours par bloc » is required;
- validation: empty means totale (DEFAULT_APPLIED); without individualisation it is
  totale with every bloc, so « partielle » is VALIDATION_INDIVIDUALISATION.
Not certifying (non): no Certif Info / RNCP / RS code, no blocs and no partial
validation (NOT_CERTIFYING: they would be published unchecked), and an objectif
général other than « Certification ».
"""

from __future__ import annotations

import pandas as pd

from ..model.findings import Findings
from ..model.tables import Table
from .registry import Context, Hits, check, rule

CERTIFICATION = "6"  # dict-AIS code of « Certification »
DEFAULT_VALIDATION = "totale"
CERTIFICATION_FIELDS = ("code_certifinfo", "code_rncp", "code_rs", "blocs", "libelles_blocs")


def _blank(table: Table, name: str) -> pd.Series:
    return table.raw[name].fillna("").astype(str).str.strip() == ""


def _set(table: Table, idx, name: str, value) -> None:
    column = table.typed[name].astype(object)
    column.at[idx] = value
    table.typed[name] = column


@rule("REQUIRED", "formation")
def required_by_certification(table: Table, ctx: Context) -> list[Hits]:
    """Required or not depending on « Référence Certif Info ».

    Certifiante (oui): a Certif Info or RNCP code is needed; title, objective and
    programme then come from the reference. Not certifiante: those three are required.
    """
    t = table.typed
    blank = {name: _blank(table, name) for name in table.raw.columns if not name.startswith("_")}
    certified = t["certifinfo"] == True  # noqa: E712 - NA stays False
    not_certified = t["certifinfo"] == False  # noqa: E712
    return [
        Hits(certified & blank["code_certifinfo"] & blank["code_rncp"], field="code_certifinfo"),
        *(Hits(not_certified & blank[f.name], field=f.name) for f in table.spec.fields if f.from_reference),
    ]


@check(
    "REQUIRED",
    "DEFAULT_APPLIED",
    "VALIDATION_INDIVIDUALISATION",
    "OBJECTIF_CERTIFICATION",
    "NOT_CERTIFYING",
    entity="formation",
)
def certifying_form(ctx: Context, findings: Findings) -> None:
    """What « Référence Certif Info » oui / non implies for the other fields of the form."""
    table = ctx.tables["formation"]
    t = table.typed
    certifying = (t["certifinfo"] == True).fillna(False).astype(bool)  # noqa: E712 - NA stays False
    not_certifying = (t["certifinfo"] == False).fillna(False).astype(bool)  # noqa: E712
    blank = {
        name: _blank(table, name)
        for name in ("individualisation", "validation", "objectif_general", *CERTIFICATION_FIELDS)
    }

    for idx in t.index[certifying & blank["individualisation"]]:
        findings.add(table, idx, "REQUIRED", "individualisation")
    for idx in t.index[certifying & blank["validation"]]:
        _set(table, idx, "validation", DEFAULT_VALIDATION)
        findings.add(
            table,
            idx,
            "DEFAULT_APPLIED",
            "validation",
            default=DEFAULT_VALIDATION,
            reason="validation par défaut d'une formation certifiante, comme dans SOFI",
        )
    partial = t["validation"] == "partielle"
    no_individual = (t["individualisation"] == False).fillna(False).astype(bool)  # noqa: E712
    for idx in t.index[certifying & no_individual & partial]:
        findings.add(table, idx, "VALIDATION_INDIVIDUALISATION", "validation")
    for idx in t.index[certifying & blank["objectif_general"]]:
        _set(table, idx, "objectif_general", CERTIFICATION)
        findings.add(
            table, idx, "DEFAULT_APPLIED", "objectif_general", default="Certification", reason="formation certifiante"
        )
    objectif = t["objectif_general"]
    for idx in t.index[certifying & objectif.notna() & (objectif != CERTIFICATION)]:
        findings.add(
            table,
            idx,
            "OBJECTIF_CERTIFICATION",
            "objectif_general",
            problem="une formation certifiante a l'objectif général « Certification »",
        )
    for idx in t.index[not_certifying & (objectif == CERTIFICATION)]:
        findings.add(
            table,
            idx,
            "OBJECTIF_CERTIFICATION",
            "objectif_general",
            problem="une formation non certifiante ne peut pas viser « Certification »",
        )

    for name in CERTIFICATION_FIELDS:
        for idx in t.index[not_certifying & ~blank[name]]:
            findings.add(table, idx, "NOT_CERTIFYING", name)
    for idx in t.index[not_certifying & partial]:
        findings.add(table, idx, "NOT_CERTIFYING", "validation")
