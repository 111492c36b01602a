"""Dispositif rules of SOFI's Fiche Dispositif that need the dispositif list.

DISPOSITIF_PUBLICS: each public of a dispositif must be one its list entry admits
(a Programme Région offer is for jobseekers, not for « salarié »). An entry with no
publics admits every public.
"""

from __future__ import annotations

from ..dispositifs import current
from ..enums import Enumeration, enumeration
from ..findings import Findings
from .registry import Context, check


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
