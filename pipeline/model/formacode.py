"""Formacode versions of a LHÉO flow: which version a public code is written in.

LHÉO says the `ref` attribute names the Formacode version (V10, V11, V12…). Files of
2017–2018 write their public codes (`code-public-vise`) in V10 while tagging them
`ref="V12"` (shared/real/README.md), and the V10 codes overlap V12 codes of another
meaning (V10 80006 "demandeur d'emploi" is V12 80006 "cadre d'entreprise"). So:
an explicit V10/V11 is believed; `V12` or no `ref` in a flow dated before 2019 is
read as V10. A code of another version is translated with the correspondence table
`data/formacode-publics-correspondance.csv` (each row with its source); a code it
gives no V12 code for is kept as written, in the publics and in lheo.xml, with a
PUBLIC_UNMAPPED warning (the table's rows without a V12 code are such codes seen in
real flows: the list of publics takes them).
"""

from __future__ import annotations

import csv
import datetime as dt
from functools import lru_cache
from importlib import resources

CURRENT = "V12"
V12_SINCE = dt.date(2019, 1, 1)  # flows dated before: public codes written in V10


@lru_cache(maxsize=1)
def _table() -> tuple[dict[str, str], ...]:
    with resources.files("pipeline").joinpath("data/formacode-publics-correspondance.csv").open(encoding="utf-8") as fh:
        rows = csv.DictReader(fh, delimiter=";")  # the source may hold more « ; »: what follows is not read
        return tuple({k: (v or "").strip() for k, v in row.items() if k is not None} for row in rows)


@lru_cache(maxsize=1)
def correspondences() -> dict[tuple[str, str], str]:
    """(version, code) -> V12 code."""
    return {(row["version"].upper(), row["code"]): row["code_v12"] for row in _table() if row["code_v12"]}


def kept_as_written() -> dict[tuple[str, str], str]:
    """(version, code) -> label, of the codes the table knows to have no V12 code."""
    return {(row["version"].upper(), row["code"]): row["libelle"] for row in _table() if not row["code_v12"]}


def public_version(ref: str | None, flow_date: dt.date | None) -> str:
    """The Formacode version a `code-public-vise` is written in."""
    ref = (ref or "").strip().upper()
    if ref and ref != CURRENT:
        return ref
    if flow_date is not None and flow_date < V12_SINCE:
        return "V10"
    return CURRENT


def public_v12(code: str, version: str) -> str | None:
    """The V12 code of a public, or None when the table has no correspondence."""
    if version == CURRENT:
        return code
    return correspondences().get((version, code))
