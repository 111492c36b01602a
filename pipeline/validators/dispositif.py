"""Dispositif rules of SOFI's Fiche Dispositif that need the dispositif list.

DISPOSITIF_PUBLICS: each public of a dispositif must be one its list entry admits
(a Programme Région offer is for jobseekers, not for « salarié »). An entry with no
publics admits every public. REQUIRED: a dispositif has at least one public (seed:
« associés à un ou plusieurs publics »); a bad one is left out of the list like a bad
optional value, so the rule looks at the publics that remain.
"""

from __future__ import annotations

from ..model.dispositifs import current
from ..model.enums import Enumeration
from ..model.lists import enumeration
from ..model.findings import Findings
from ..model.tables import Table
from .registry import Context, Hits, check, rule


@rule("REQUIRED", "dispositif", "publics")
def publics_required(table: Table, ctx: Context) -> Hits:
    """No public left: SOFI's dispositif is « associé à un ou plusieurs publics »."""
    return Hits(~table.typed["publics"].map(lambda v: isinstance(v, list) and len(v) > 0))


def _public_label(publics: Enumeration, code: str) -> str:
    """A public as the list of allowed ones names it: its short alias, else its label."""
    choice = publics.by_code(code)
    if choice is None:
        return code
    return choice.aliases[0] if choice.aliases else choice.label


@check("DISPOSITIF_PUBLICS", entity="dispositif", fields=("publics",))
def publics_of_dispositif(ctx: Context, findings: Findings) -> None:
    """Each public of a dispositif must be one its entry of the dispositif list admits."""
    table = ctx.tables["dispositif"]
    t = table.typed
    dispositifs = current()
    publics = enumeration("publics")
    for idx, name, values in zip(t.index, t["dispositif"].tolist(), t["publics"].tolist()):
        if not isinstance(values, list) or not isinstance(name, str):
            continue
        entry = dispositifs.get(name)
        if entry is None or not entry.publics:
            continue
        for code in values:
            if code not in entry.publics:
                choice = publics.by_code(code)
                allowed = ", ".join(sorted(_public_label(publics, c) for c in entry.publics))
                findings.add(
                    table,
                    idx,
                    "DISPOSITIF_PUBLICS",
                    "publics",
                    dispositif=entry.label,
                    public=choice.label if choice else code,
                    allowed=allowed,
                )
