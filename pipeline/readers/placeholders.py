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

from ..model.text import fold


@lru_cache(maxsize=1)
def placeholder_values() -> frozenset[str]:
    """The folded placeholder values; punctuation-only cells are handled by `is_placeholder`."""
    with resources.files("pipeline").joinpath("data/placeholders.csv").open(encoding="utf-8") as fh:
        rows = csv.DictReader(fh, delimiter=";")
        return frozenset(fold(row["valeur"]) for row in rows if fold(row["valeur"]))


@lru_cache(maxsize=1)
def _longest() -> int:
    return max((len(v) for v in placeholder_values()), default=0)


HEAD = 64  # characters folded first: a long text is told apart from a placeholder by its start


def is_placeholder(text: str) -> bool:
    """True for a cell that means "no value": a listed placeholder or punctuation alone."""
    stripped = text.strip()
    if not stripped:
        return False
    if len(stripped) > HEAD:
        return not _too_long(stripped[:HEAD]) and _placeholder(stripped)
    return _short_placeholder(stripped)


@lru_cache(maxsize=1 << 16)
def _short_placeholder(stripped: str) -> bool:
    """`_placeholder` of a short text, remembered: the same codes and labels come back in
    every column and chunk (each column of a flat file is looked at twice, in
    readers/flat.py and normalise.py)."""
    return _placeholder(stripped)


def _placeholder(stripped: str) -> bool:
    folded = fold(stripped)
    if not folded:  # "-", "/", "…": punctuation with nothing to say (not "١٢" nor "東京")
        return all(unicodedata.category(c)[0] in "PSZ" for c in stripped)
    return folded in placeholder_values()


@lru_cache(maxsize=1 << 16)
def _too_long(head: str) -> bool:
    """True when the folded text is surely longer than every placeholder, judged on its
    first characters: folding keeps, in order, each letter and digit (accents removed,
    ligatures split), so the letters and digits of a beginning are at least those of
    the whole. Spares folding the whole of long texts (objectives, programmes)."""
    return len(fold(head).replace(" ", "")) > _longest()


def blank_placeholders(column):
    """The column (pandas Series of text) with its placeholder cells made empty.

    Looked up once per distinct value, so a long column costs its distinct texts."""
    values = column.dropna().unique()
    found = [v for v in values if isinstance(v, str) and is_placeholder(v)]
    return column.mask(column.isin(found), "") if found else column
