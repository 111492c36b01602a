"""LHÉO free text read as the SOFI lists, when the words leave no doubt.

`rythme-formation` is free text in LHÉO ("Continu temps plein, Modulaire", "FOAD",
"Temps plein"); SOFI wants values of its lists. Each known expression found in the
text gives its value; an expression and its opposite together (continu and
discontinu, temps plein and temps partiel) give nothing, and words that name no
rythme ("Modulaire") are left out: the text itself is kept in lheo.xml.
"""

from __future__ import annotations

import re

from ..model.text import fold

# folded expression -> (SOFI list, value). Longest expressions are tried first.
EXPRESSIONS = {
    "discontinu": ("rythmes", "discontinu"),
    "continu": ("rythmes", "continu"),
    "temps plein": ("rythmes", "temps plein"),
    "plein temps": ("rythmes", "temps plein"),
    "temps complet": ("rythmes", "temps plein"),
    "temps partiel": ("rythmes", "temps partiel"),
    "mi temps": ("rythmes", "temps partiel"),
    "foad": ("modalites_pedagogiques", "à distance"),
    "formation a distance": ("modalites_pedagogiques", "à distance"),
    "formation ouverte et a distance": ("modalites_pedagogiques", "à distance"),
}
OPPOSITES = ({"continu", "discontinu"}, {"temps plein", "temps partiel"})
_PATTERN = re.compile(r"\b(" + "|".join(sorted(map(re.escape, EXPRESSIONS), key=len, reverse=True)) + r")\b")


def read_rythme(text: str) -> dict[str, list[str]]:
    """{'rythmes': [...], 'modalites_pedagogiques': [...]} found in a rythme-formation text."""
    found: dict[str, list[str]] = {}
    for expression in _PATTERN.findall(fold(text)):
        field, value = EXPRESSIONS[expression]
        if value not in found.setdefault(field, []):
            found[field].append(value)
    rythmes = set(found.get("rythmes", []))
    for pair in OPPOSITES:
        if pair <= rythmes:
            found["rythmes"] = [v for v in found["rythmes"] if v not in pair]
    return {k: v for k, v in found.items() if v}
