"""References computed from a row's cells, for exports that carry none.

An organisation's own tool rarely exports « Réf. formation » or « Réf. action ». The
mapping file (`--colonnes`) can say where a reference comes from instead of naming a
column for it: a row whose « champ » is a key and whose « en-tête » is
- « Intitulé + Ville » (headers joined by « + »): computed from those columns;
- « (ligne) »: computed from the row's cells of the entity and of its parents (a
  formation from its formation cells, an action from those and its action cells).
The reference is a short digest of the folded values (`F-…`, `A-…`, `S-…`): the same
from one nightly export to the next while the chosen cells are, and blank on a row
where they are all blank (the row then continues the group above: readers/flat.py).
"""

from __future__ import annotations

import hashlib

from ..model.fields import ENTITIES, OFFER_ENTITIES
from ..model.text import fold

FROM_ROW = "(ligne)"
JOIN = "+"
PREFIXES = {"ref_formation": "F", "ref_action": "A", "ref_session": "S", "ref_dispositif": "D"}


def ref_from(prefix: str, parts: list[str]) -> str:
    """A stable reference for these cell texts; "" when they are all blank."""
    if not any(p.strip() for p in parts):
        return ""
    digest = hashlib.sha1("\x1f".join(fold(p) for p in parts).encode("utf-8")).hexdigest()
    return f"{prefix}-{digest[:10].upper()}"


def key_entity(name: str) -> str | None:
    """The entity whose own key `name` is (ref_action: action)."""
    return next((e for e in OFFER_ENTITIES if ENTITIES[e].key[0] == name), None)


def row_fields(name: str) -> list[str]:
    """The fields a reference « from the row » is computed from: its entity's and its parents'."""
    entity = key_entity(name)
    fields: list[str] = []
    while entity:
        spec = ENTITIES[entity]
        fields = [f for f in spec.names if f not in (*spec.key, spec.parent_field)] + fields
        entity = spec.parent
    return fields


def parse_sources(header: str) -> list[str] | None:
    """« A + B » -> the folded headers; « (ligne) » -> []; a plain header -> None (not derived)."""
    text = header.strip()
    if fold(text) == fold(FROM_ROW):
        return []
    if JOIN in text:
        parts = [fold(p) for p in text.split(JOIN) if p.strip()]
        return parts or None
    return None


def plan(derived: dict[str, list[str]], header: list[str], fields: dict[str, int]) -> tuple[dict, list[str]]:
    """field -> the column positions its reference is computed from, and the headers of the
    mapping that the sheet lacks. `header`: the sheet's header cells; `fields`: field ->
    position of the columns read."""
    positions = {fold(h): j for j, h in enumerate(header) if (h or "").strip()}
    out: dict[str, list[int]] = {}
    absent: list[str] = []
    for name, sources in derived.items():
        if sources:
            found = [positions.get(s) for s in sources]
            absent += [s for s, j in zip(sources, found) if j is None]
            cols = [j for j in found if j is not None]
        else:
            cols = [fields[f] for f in row_fields(name) if f in fields]
        if cols:
            out[name] = cols
    return out, absent


def compute(texts, name: str, cols: list[int], n: int) -> list[str]:
    """The reference of each of `n` rows, from columns `cols` of `texts` (ColumnTexts)."""
    columns = [texts(j) for j in cols]
    prefix = PREFIXES.get(name, "R")
    return [ref_from(prefix, [c[i] if i < len(c) else "" for c in columns]) for i in range(n)]
