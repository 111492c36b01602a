"""Multi-valued lists of SOFI whose values exclude each other, and texts SOFI refuses.

CONTRADICTORY_VALUES: the seed's rythmes are two choices, continu / discontinu and
temps partiel / temps plein (one of each pair at most); « type de parcours inconnu »
goes with no other type. SPECIAL_CHARACTERS: SOFI's « Objectifs » takes no special
characters (seed): symbols and emojis (Unicode So), private-use, unassigned and
control characters other than tabs and line breaks.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from ..model.findings import Findings
from ..model.fields import ENTITIES
from .registry import Context, check

# (entity, field) -> groups of values of which a cell may hold one at most (Field.exclusive)
EXCLUSIVE = {(e.name, f.name): f.exclusive for e in ENTITIES.values() for f in e.fields if f.exclusive}
# (entity, field) -> a value that goes alone (Field.alone)
ALONE = {(e.name, f.name): f.alone for e in ENTITIES.values() for f in e.fields if f.alone}
# fields whose text SOFI refuses with special characters (Field.plain_characters)
SPECIAL_CHAR_FIELDS = tuple((e.name, f.name) for e in ENTITIES.values() for f in e.fields if f.plain_characters)
REFUSED_CATEGORIES = {"So", "Co", "Cn", "Cs", "Cc", "Cf"}
ALLOWED_CONTROLS = {"\t", "\n", "\r"}


@check("CONTRADICTORY_VALUES")
def contradictions(ctx: Context, findings: Findings) -> None:
    """Values of a multi-valued cell that exclude each other."""
    tables = ctx.tables
    for (entity, field), groups in EXCLUSIVE.items():
        table = tables[entity]
        for idx, values in zip(table.typed.index, table.typed[field].tolist()):
            if not isinstance(values, list):
                continue
            for group in groups:
                present = [v for v in group if v in values]
                if len(present) > 1:
                    findings.add(
                        table,
                        idx,
                        "CONTRADICTORY_VALUES",
                        field,
                        values=" et ".join(f"« {v} »" for v in present),
                        hint=" ou ".join(group),
                    )
    for (entity, field), alone in ALONE.items():
        table = tables[entity]
        for idx, values in zip(table.typed.index, table.typed[field].tolist()):
            if isinstance(values, list) and alone in values and len(set(values)) > 1:
                others = [v for v in dict.fromkeys(values) if v != alone]
                findings.add(
                    table,
                    idx,
                    "CONTRADICTORY_VALUES",
                    field,
                    values=" et ".join(f"« {v} »" for v in [alone, *others]),
                    hint=f"« {alone} » ou les types connus",
                )


def special_characters(text: str) -> list[str]:
    """The refused characters of `text`, each once, in the order they first appear.

    Each distinct character is looked at once (`dict.fromkeys` keeps the first
    occurrence): objectives are long texts of few distinct characters."""
    return [ch for ch in dict.fromkeys(text) if ch not in ALLOWED_CONTROLS and _refused(ch)]


@lru_cache(maxsize=4096)
def _refused(ch: str) -> bool:
    return unicodedata.category(ch) in REFUSED_CATEGORIES


def _shown(ch: str) -> str:
    if unicodedata.category(ch) in {"Cc", "Cf", "Co", "Cn", "Cs"}:
        return f"U+{ord(ch):04X} (invisible)"
    return f"« {ch} »"


@check("SPECIAL_CHARACTERS")
def special_characters_refused(ctx: Context, findings: Findings) -> None:
    """Symbols, emojis and invisible characters that SOFI refuses in a text."""
    for entity, field in SPECIAL_CHAR_FIELDS:
        table = ctx.tables[entity]
        for idx, text in zip(table.typed.index, table.typed[field].tolist()):
            if isinstance(text, str):
                found = special_characters(text)
                if found:
                    findings.add(table, idx, "SPECIAL_CHARACTERS", field, chars=", ".join(map(_shown, found)))
