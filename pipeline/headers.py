"""Lenient header matching: "Date début *", "date_debut", "Date de début" are one column."""
from __future__ import annotations

import difflib
from functools import lru_cache

from .model import ENTITIES
from .text import fold

# Columns our own outputs add to a sheet (report.xlsx): read back without complaint.
IGNORED_HEADERS = {fold(h) for h in ("Statut", "Statut de la ligne", "Constats")}


@lru_cache(maxsize=None)
def header_index(entities: tuple[str, ...]) -> dict[str, str]:
    """Folded spelling -> canonical field name, for the fields of `entities`.

    With several entities (the flat layout), a field name shared by a child and its
    parent (`ref_formation` in formations and actions) is one column, as intended.
    """
    index: dict[str, str] = {}
    for name in entities:
        for f in ENTITIES[name].fields:
            for spelling in (f.name, f.label, *f.synonyms):
                index.setdefault(fold(spelling), f.name)
    return index


def match_header(header: str, entities: tuple[str, ...]) -> str | None:
    return header_index(entities).get(fold(header))


def closest_header(header: str, entities: tuple[str, ...]) -> str | None:
    """The template label nearest to an unrecognised header, for the suggestion."""
    labels = {fold(f.label): f.label for e in entities for f in ENTITIES[e].fields}
    best = difflib.get_close_matches(fold(header), list(labels), n=1, cutoff=0.6)
    return labels[best[0]] if best else None
