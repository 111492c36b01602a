"""A closed list by name, and the nearest choice to a misspelt value.

Apart from enums.py because the list of dispositifs can be replaced per run (dispositifs.py),
and dispositifs.py itself reads the other lists from enums.py."""

from __future__ import annotations

import difflib
from functools import lru_cache

from .dispositifs import current
from .enums import Choice, Enumeration, enumerations
from .text import fold


def enumeration(name: str) -> Enumeration:
    if name == "dispositifs":  # replaceable per run (--dispositifs): see dispositifs.py
        return current().enumeration
    return enumerations()[name]


SUGGEST_CUTOFF = 0.75  # similarity (difflib ratio, 0..1) a value must reach to be suggested


def closest(name: str, text: str) -> Choice | None:
    """The choice whose spelling is nearest to `text` (a typo, a truncated label), or None.

    Each label is also compared by its parts ("PROGRAMME REGION" of "PROGRAMME REGION -
    Formations…"), so a short or misspelt value still finds the long SOFI label."""
    target = fold(text)
    if not target:
        return None
    best, score = None, SUGGEST_CUTOFF
    for choice in enumeration(name).choices:
        for spelling in _spellings(choice):
            ratio = difflib.SequenceMatcher(None, target, spelling).ratio()
            if ratio > score or (ratio == score and best is None):
                best, score = choice, ratio
    return best


@lru_cache(maxsize=None)
def _spellings(choice: Choice) -> tuple[str, ...]:
    spellings = [fold(s) for s in (choice.label, choice.code, *choice.aliases)]
    for sep in (" - ", " (", ", ", ": "):
        spellings += [fold(p) for p in choice.label.split(sep) if len(p) > 3]
    return tuple(dict.fromkeys(s for s in spellings if s))
