"""One upload, one organisation: SOFI has the user pick the establishment first.

The organisation of an import is `--organisme` (a SIRET or SIREN: its SIREN), else
the only SIREN among the sites that deliver or answer for the offers (site
dispensateur, organisme responsable; the catalogue derives it the same way). Those
sites must belong to it: a site of another SIREN is
ORGANISME_AUTRE; sites of several SIRENs without `--organisme` is ORGANISME_MULTIPLE
on each of them (the import cannot know which organisation it is for). The rejected
site rejects, in cascade, the actions and sessions using it. Sites that no offer
uses (a shared directory) and training places (site lieu: a hospital, a rented room)
are not checked.
"""

from __future__ import annotations

import re

from stdnum.fr import siret as stdnum_siret

from ..errors import UsageError
from ..findings import Findings
from ..tables import Table

USED_SITES = (("action", "code_site_dispensateur"), ("session", "code_site_responsable"))


def organisation_siren(text: str | None) -> str | None:
    """The SIREN of `--organisme` (SIRET or SIREN, spaces allowed); UsageError when neither."""
    if text is None:
        return None
    digits = re.sub(r"[\s.\-]", "", text)
    if not (digits.isdigit() and len(digits) in (9, 14)):
        raise UsageError(f"--organisme attend un SIRET (14 chiffres) ou un SIREN (9 chiffres), pas « {text} ».")
    return digits[:9]


def check_organisation(tables: dict[str, Table], findings: Findings, organisme: str | None) -> dict:
    """Report the used sites outside the organisation; returns {"siren", "source"} for summary.json."""
    sites = tables["site"]
    used: set[str] = set()
    for entity, field in USED_SITES:
        t = tables[entity].typed
        if not t.empty:
            used.update(v for v in t[field].dropna().tolist() if v)
    siren = organisation_siren(organisme)
    t = sites.typed
    rows = []  # (index, siren) of the used sites with a valid SIRET
    if not t.empty:
        for idx, code, value in zip(t.index, t["code_site"].tolist(), t["siret"].tolist()):
            if code in used and isinstance(value, str) and stdnum_siret.is_valid(value):
                rows.append((idx, value[:9]))
    if siren is not None:
        source = "--organisme"
    else:
        found = sorted({s for _, s in rows})
        if len(found) > 1:
            for idx, _ in rows:
                findings.add(sites, idx, "ORGANISME_MULTIPLE", "siret", sirens=", ".join(found))
            return {"siren": None, "source": "plusieurs SIREN : " + ", ".join(found)}
        siren, source = (found[0], "fichier") if found else (None, "aucun site utilisé")
    for idx, own in rows:
        if own != siren:
            findings.add(sites, idx, "ORGANISME_AUTRE", "siret", siren=siren)
    return {"siren": siren, "source": source}
