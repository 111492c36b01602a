"""The values producers write for "empty": one list, applied to every input format.

Exports and LHÉO flows fill unknown cells with `-`, `NC`, `00000000`…; read as content
they would pass a required field or fail a format check. The list is data
(`data/placeholders.csv`, with why each value is there) so a Carif-Oref can extend it.
"""
from __future__ import annotations

import csv
import unicodedata
from functools import lru_cache
from importlib import resources

from .text import fold


@lru_cache(maxsize=1)
def placeholder_values() -> frozenset[str]:
    """The folded placeholder values; punctuation-only cells are handled by `is_placeholder`."""
    with resources.files("pipeline").joinpath("data/placeholders.csv").open(encoding="utf-8") as fh:
        rows = csv.DictReader(fh, delimiter=";")
        return frozenset(fold(row["valeur"]) for row in rows if fold(row["valeur"]))


def is_placeholder(text: str) -> bool:
    """True for a cell that means "no value": a listed placeholder or punctuation alone."""
    stripped = text.strip()
    if not stripped:
        return False
    folded = fold(stripped)
    if not folded:  # "-", "/", "…": punctuation with nothing to say (not "١٢" nor "東京")
        return all(unicodedata.category(c)[0] in "PSZ" for c in stripped)
    return folded in placeholder_values()


def blank_placeholders(column):
    """The column (pandas Series of text) with its placeholder cells made empty.

    Looked up once per distinct value, so a long column costs its distinct texts."""
    values = column.dropna().unique()
    found = [v for v in values if isinstance(v, str) and is_placeholder(v)]
    return column.mask(column.isin(found), "") if found else column
