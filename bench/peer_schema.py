"""The peer's rules: a frictionless Table Schema with the field rules of pipeline.model.fields
that a Table Schema can express (types, required, enumerations, ranges, patterns,
lengths). What it cannot express is left out and listed in RESULTS.md: checksums
(SIRET), lenient spellings, cross-record rules, the certification reference.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from pipeline.model.lists import enumeration  # noqa: E402
from pipeline.model.fields import ENTITIES, OFFER_ENTITIES  # noqa: E402
from pipeline.readers.normalise import NO, YES  # noqa: E402
from pipeline.validators.fields import PATTERNS  # noqa: E402

NOT_EXPRESSIBLE = [
    "clé de contrôle du SIRET",
    "borne stricte (durée en centre > 0)",
    "libellés sans accents ni casse / synonymes",
    "cohérence des lignes répétées",
    "doublons de clé composée",
    "liens parent / site / contact",
    "dates fin ≥ début",
    "places, TTC = HT × (1 + TVA)",
    "référentiel Certif Info / RNCP / blocs",
    "Formacodes existants",
    "cascade de rejet",
]


def _spellings(table: str) -> list[str]:
    out = []
    for c in enumeration(table).choices:
        for s in (c.label, c.code, *c.aliases):
            if s not in out:
                out.append(s)
    return out


def _list_pattern(item: str) -> str:
    return rf"(?:{item})(?:\s*[;,]\s*(?:{item}))*"


def field_descriptor(f) -> dict:
    d: dict = {"name": f.label}
    c: dict = {}
    if f.required:
        c["required"] = True
    if f.kind == "int" and not f.multi:
        d["type"] = "integer"
    elif f.kind == "decimal" and not f.multi:
        d.update(type="number", decimalChar=",")
    elif f.kind == "date" and not f.multi:
        d.update(type="date", format="%d/%m/%Y")
    elif f.kind == "bool":
        d.update(
            type="boolean",
            trueValues=sorted(YES | {"oui", "Oui", "OUI"}),
            falseValues=sorted(NO | {"non", "Non", "NON"}),
        )
    else:
        d["type"] = "string"
    if f.kind in ("int", "decimal") and not f.multi:
        if f.minimum is not None:
            # exclusiveMinimum is refused outside datapackage v2: ≥ instead of > for durée en centre.
            c["minimum"] = f.minimum
        if f.maximum is not None:
            c["maximum"] = f.maximum
    if f.kind == "enum":
        spellings = _spellings(f.table)
        if f.multi:
            c["pattern"] = _list_pattern("|".join(re.escape(s) for s in spellings))
        else:
            c["enum"] = spellings
    elif d["type"] == "string":
        pattern = f.pattern or PATTERNS.get(f.kind)
        if f.kind == "siret":
            pattern = r"\d{14}"
        if f.kind == "date":  # a list of dates
            pattern = r"\d{2}/\d{2}/\d{4}"
        if pattern:
            c["pattern"] = _list_pattern(pattern) if f.multi else pattern
        if f.max_len and not f.multi:
            c["maxLength"] = f.max_len
    if c:
        d["constraints"] = c
    return d


def table_schema(csv_path=None) -> dict:
    """The Table Schema of the flat CSV: one field per flat column, named by its header."""
    seen, fields = set(), []
    for entity in OFFER_ENTITIES:
        for f in ENTITIES[entity].fields:
            if f.name not in seen:
                seen.add(f.name)
                fields.append(field_descriptor(f))
    return {"fields": fields}
