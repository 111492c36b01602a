"""LHÉO 2.3 <-> FASD: the namespaces, the extras convention and the code tables.

Shared by the reader (`pipeline/readers/lheo.py`), the writer
(`pipeline/writers/lheo.py`) and `fasd export`. The field mapping is the table of
`pipeline/lheo/mapping.py` (rendered in `docs/lheo-mapping.md`).

Extras convention (what LHÉO cannot express, or not exactly):
  <extras info="fasd"><extra info="FIELD">cell text</extra>...</extras>
inside the element of the entity (formation, LHÉO action for the FASD action,
session, organisme-financeur for the dispositif). When an element carries such
extras, they are authoritative: a field of the entity that is not standard
(`mapping.STANDARD`) and is missing from them is empty, and an extra naming a
standard field overrides the standard element (used for required LHÉO elements
whose FASD field is empty). The whole directory
(sites and contacts) travels in `<extras info="fasd-annuaire">` under the root.

May import: model/.
"""

from __future__ import annotations

# The fields carried by the standard LHÉO elements (or the nesting); every other field
# of the entity travels in its fasd extras. Declared in the mapping table.
from .mapping import STANDARD as STANDARD

NS_23 = "http://lheo.gouv.fr/2.3"
NS_22 = "http://www.lheo.org/2.2"
NAMESPACES = (NS_23, NS_22)

FASD = "fasd"  # @info of the extras holding FASD fields
ORIGIN_REF = "fasd-ref"  # attribute stamped on a producer's elements kept with a record
# (its FASD key); removed when lheo.xml is written
ANNUAIRE = "fasd-annuaire"  # @info of the root extras holding the directory

# Values written where LHÉO requires an element and FASD has nothing; the reader
# reads them back as empty.
PLACEHOLDER_TEXT = "Non renseigné"
PLACEHOLDER_SIRET = "00000000000000"
PLACEHOLDER_NDA = "00000000000"
PLACEHOLDER_POSTCODE = "00000"
PLACEHOLDER_END = "99999999"  # an end date not known (00000000, a start not known, is in the shared list)
PLACEHOLDERS = frozenset(
    {PLACEHOLDER_TEXT, "Non renseignée", PLACEHOLDER_SIRET, PLACEHOLDER_NDA, PLACEHOLDER_POSTCODE, PLACEHOLDER_END}
)
