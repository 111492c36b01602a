"""Who owns each offer, and whether the upload may carry it (issue 22, docs/catalogue.md).

An offer (a formation and everything under it) belongs to an establishment: the SIRET
of its organisme responsable (the first of its sessions whose `code_site_responsable`
names a site with a valid SIRET; LHÉO `organisme-formation-responsable`), else the SIRET
of the site dispensateur of its first such action. The SIREN of that SIRET is the
owner's organisation. Sites used as site dispensateur or site lieu may be of any
SIREN: a subcontracted trainer (LHÉO `organisme-formateur`), a hospital, a rented room.
A site dispensateur of another SIREN than its offers' owners is said once, as
information (SOUS_TRAITANCE); it is never an error.

`--organisme` (repeatable, SIRET or SIREN; `--organismes FICHIER`) names the
establishments the upload is for: an offer whose owner is outside them gets
ORGANISME_AUTRE on its formation and is rejected with its subtree; every other offer
is judged on its own. Without it, every owner's offers are accepted, and summary.json
says which establishments the file holds.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import pandas as pd
from stdnum.fr import siret as stdnum_siret

from ..model.errors import UsageError
from ..model.findings import Findings
from ..model.tables import Table


@dataclass(frozen=True)
class Scope:
    """The establishments an upload is for: SIRETs (one establishment) and SIRENs (all of theirs)."""

    values: tuple[str, ...]  # as normalised digits, in the order given

    def holds(self, siret: str) -> bool:
        return any(siret == v or siret[:9] == v for v in self.values)

    def label(self) -> str:
        return ", ".join(self.values)


def organisme_digits(text: str) -> str:
    """A SIRET or SIREN as digits (spaces, dots and dashes allowed); UsageError when neither."""
    digits = re.sub(r"[\s.\-]", "", str(text))
    if not (digits.isdigit() and len(digits) in (9, 14)):
        raise UsageError(f"--organisme attend un SIRET (14 chiffres) ou un SIREN (9 chiffres), pas « {text} ».")
    return digits


def upload_scope(organisme: str | Iterable[str] | None) -> Scope | None:
    """The Scope of `--organisme` (one value or several); None when none is given."""
    if organisme is None:
        return None
    values = [organisme] if isinstance(organisme, str) else list(organisme)
    digits = tuple(dict.fromkeys(organisme_digits(v) for v in values if str(v).strip()))
    return Scope(digits) if digits else None


def read_organismes_file(path: Path) -> list[str]:
    """`--organismes FICHIER`: one SIRET or SIREN per line; blank lines and `#` comments skipped."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(
            f"--organismes {path} : fichier illisible ({getattr(exc, 'strerror', None) or exc})."
        ) from None
    values = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip().strip(";,")
        if not line:
            continue
        try:
            values.append(organisme_digits(line))
        except UsageError:
            raise UsageError(
                f"--organismes {path}, ligne {number} : « {line} » n'est ni un SIRET (14 chiffres) "
                "ni un SIREN (9 chiffres)."
            ) from None
    if not values:
        raise UsageError(f"--organismes {path} : aucun SIRET ni SIREN dans le fichier.")
    return values


def column_values(table: Table, name: str) -> list:
    """The typed values of a column, NaN as None (empty for a table without it)."""
    t = table.typed
    if t is None or t.empty or name not in t:
        return []
    return [None if (v is None or (isinstance(v, float) and pd.isna(v))) else v for v in t[name].tolist()]


def site_sirets(tables: dict[str, Table]) -> dict[str, tuple[object, str, str]]:
    """code_site -> (record index, valid SIRET, name) of the first site of each code."""
    sites = tables["site"]
    out: dict[str, tuple[object, str, str]] = {}
    t = sites.typed
    if t is None or t.empty:
        return out
    for idx, code, value, name in zip(
        t.index, column_values(sites, "code_site"), column_values(sites, "siret"), column_values(sites, "nom")
    ):
        if code is not None and code not in out and isinstance(value, str) and stdnum_siret.is_valid(value):
            out[code] = (idx, value, str(name or ""))
    return out


def formation_owners(tables: dict[str, Table], sites: dict | None = None) -> dict[str, tuple[str, str]]:
    """ref_formation -> (owner SIRET, code of the site it comes from), for every owned formation."""
    sites = site_sirets(tables) if sites is None else sites
    actions = tables["action"]
    formation_of = {}
    for ref, parent in zip(column_values(actions, "ref_action"), column_values(actions, "ref_formation")):
        if ref is not None and ref not in formation_of:
            formation_of[ref] = parent
    owners: dict[str, tuple[str, str]] = {}
    sessions = tables["session"]
    for action, code in zip(column_values(sessions, "ref_action"), column_values(sessions, "code_site_responsable")):
        formation = formation_of.get(action)
        if formation is not None and formation not in owners and code in sites:
            owners[formation] = (sites[code][1], code)
    for formation, code in zip(
        column_values(actions, "ref_formation"), column_values(actions, "code_site_dispensateur")
    ):
        if formation is not None and formation not in owners and code in sites:
            owners[formation] = (sites[code][1], code)
    return owners


def check_owners(tables: dict[str, Table], findings: Findings, scope: Scope | None, sites: dict) -> dict:
    """ORGANISME_AUTRE on each formation owned outside `scope`; the owners of the formations."""
    owners = formation_owners(tables, sites)
    formations = tables["formation"]
    if scope is not None:
        for idx, ref in zip(formations.typed.index, column_values(formations, "ref_formation")):
            owner = owners.get(ref)
            if owner is not None and not scope.holds(owner[0]):
                findings.add(
                    formations, idx, "ORGANISME_AUTRE", None, siret=owner[0], site=owner[1], organismes=scope.label()
                )
    return owners


def check_organisation(tables: dict[str, Table], findings: Findings, organisme) -> dict:
    """ORGANISME_AUTRE on the formations owned outside `--organisme`, SOUS_TRAITANCE once per
    site dispensateur of another SIREN; {"owners", "scope", "sites"} for `owners_summary`."""
    scope = upload_scope(organisme)
    sites = site_sirets(tables)
    owners = check_owners(tables, findings, scope, sites)
    subcontracting(tables, findings, owners, sites)
    return {"owners": owners, "scope": scope, "sites": sites}


def subcontracted_sites(tables: dict[str, Table], owners: dict, sites: dict) -> dict[str, set[str]]:
    """code_site -> SIRENs of the owners of the offers it delivers, for sites of another SIREN."""
    out: dict[str, set[str]] = {}
    actions = tables["action"]
    for formation, code in zip(
        column_values(actions, "ref_formation"), column_values(actions, "code_site_dispensateur")
    ):
        owner = owners.get(formation)
        if owner is None or code not in sites:
            continue
        if sites[code][1][:9] != owner[0][:9]:
            out.setdefault(code, set()).add(owner[0][:9])
    return out


def subcontracting(tables, findings: Findings, owners: dict, sites: dict, known: dict | None = None) -> None:
    """SOUS_TRAITANCE (information), once per site: from `known` (a streamed run's) or the tables."""
    found = subcontracted_sites(tables, owners, sites) if known is None else known
    for code in sorted(found, key=lambda c: sites[c][0]):
        idx, value, _ = sites[code]
        findings.add(tables["site"], idx, "SOUS_TRAITANCE", "siret", owners=", ".join(sorted(found[code])))


def owners_summary(outcome: dict, read: Counter, accepted: Counter, names: dict[str, str]) -> dict:
    """summary.json's `organisme`: the establishments the file holds, with their offers read and accepted."""
    scope = outcome.get("scope")
    establishments = [
        {
            "siret": siret,
            "siren": siret[:9],
            "nom": names.get(siret, ""),
            "formations": int(read[siret]),
            "acceptees": int(accepted[siret]),
            "dans_l_envoi": scope is None or scope.holds(siret),
        }
        for siret in sorted(read)
    ]
    return {
        "source": "--organisme" if scope is not None else "fichier",
        "organismes": list(scope.values) if scope is not None else [],
        "etablissements": establishments,
    }


def owner_counts(formations: Table, accepted: pd.Series, owners: dict) -> tuple[Counter, Counter]:
    """Formations read and accepted per owner SIRET."""
    read: Counter = Counter()
    ok: Counter = Counter()
    t = formations.typed
    if t is None or t.empty:
        return read, ok
    for idx, ref in zip(t.index, column_values(formations, "ref_formation")):
        owner = owners.get(ref)
        if owner is None:
            continue
        read[owner[0]] += 1
        if bool(accepted.get(idx, False)):
            ok[owner[0]] += 1
    return read, ok


def owner_names(outcome: dict) -> dict[str, str]:
    """SIRET -> the name of the first site carrying it."""
    names: dict[str, str] = {}
    for _, siret, name in outcome["sites"].values():
        names.setdefault(siret, name)
    return names
