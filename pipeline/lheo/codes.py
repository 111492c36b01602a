"""Code correspondences between FASD values and LHÉO tables.

The LHÉO tables themselves are loaded from the definition (enums.py); this module
only says which FASD value goes to which LHÉO code where the two vocabularies differ
(SOFI lists, dispositif names, contact roles). Every mapping is lossy in at least
one direction, which is why the exact FASD value also travels in the extras.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

from ..model.lists import enumeration
from ..model.text import fold

# SOFI type de parcours <-> dict-type-parcours.
PARCOURS = {"collectif": "1", "individualisé": "2", "modulaire": "3", "mixte": "4"}
PARCOURS_BACK = {v: k for k, v in PARCOURS.items()}

# SOFI modalités pédagogiques -> Formacode (type OUT$MOD) for code-modalite-pedagogique.
# AFEST and "pédagogie adaptée" have no Formacode of their own: extras only.
MODALITES_PEDAGOGIQUES = {
    "alternance": "95005",  # FORMATION EN ALTERNANCE
    "à distance": "96029",  # E-FORMATION (VIA RESEAUX)
    "en entreprise": "96040",  # STAGE AVEC PERIODE EN ENTREPRISE
    "en organisme de formation": "96002",  # COURS EN CENTRE DE FORMATION
}
MODALITES_PEDAGOGIQUES_BACK = {v: k for k, v in MODALITES_PEDAGOGIQUES.items()}

# Session referents <-> dict-type-contact.
CONTACT_TYPES = {"referent_pmr": "1", "referent_mobilite": "2", "referent_prf": "3"}
CONTACT_TYPES_BACK = {v: k for k, v in CONTACT_TYPES.items()}

# validation (+ individualisation) <-> dict-type-validation-blocs.
VALIDATION = {"partielle": "0", "totale": "1"}
VALIDATION_MIXTE = "2"

# Dispositif name outside the dispositif list (records of an older run) -> dict-financeurs
# code: first folded keyword that occurs wins.
FINANCEUR_RULES = (
    (("region", "regional", "conseil regional", "prf"), "2"),
    (("agefiph",), "7"),
    (("opco",), "16"),
    (("transition pro", "ptp", "cif"), "17"),
    (("pole emploi", "france travail", "aif"), "4"),
    (("fse", "fonds social europeen"), "3"),
    (("departement", "conseil general", "conseil departemental"), "8"),
    (("commune", "mairie", "municipal"), "9"),
    (("entreprise", "employeur", "plan de developpement"), "5"),
    (("individuel", "personnel", "beneficiaire", "autofinancement", "cpf"), "10"),
    (("etat", "ministere"), "13"),
)
FINANCEUR_OTHER = "0"
TOUT_PUBLIC = "80056"  # Formacode TOUT PUBLIC, when no dispositif names a public


def financeur_code(dispositif: str) -> str:
    """The funder code of the dispositif list entry; keywords only for a name outside the list."""
    from ..model.dispositifs import current

    entry = current().get(dispositif or "")
    if entry is not None:
        return entry.financeur
    words = f" {fold(dispositif)} "
    for keywords, code in FINANCEUR_RULES:
        if any(f" {k} " in words for k in keywords):
            return code
    return FINANCEUR_OTHER


def financeur_label(code: str) -> str:
    """The dict-financeurs label, the dispositif name of a foreign organisme-financeur."""
    choice = enumeration("financeurs").by_code(code)
    return choice.label if choice else f"Financeur {code}"


def lheo_date(iso) -> str:
    """'2026-09-07' -> '20260907' (LHÉO dates); an information collective gives its date."""
    if isinstance(iso, dict):
        iso = iso.get("date", "")
    return iso.replace("-", "")[:8]


_LHEO_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")


@lru_cache(maxsize=1 << 16)  # a flow repeats its days on every session
def iso_date(text: str) -> str:
    """'20260907' -> '2026-09-07'; anything else is returned as given, for the report."""
    t = text.strip()
    m = _LHEO_DATE.fullmatch(t)
    if m:
        try:
            return dt.date(*(int(x) for x in m.groups())).isoformat()
        except ValueError:
            return t
    return t


def cell_text(value) -> str:
    """A typed record value as the cell text normalisation turns back into it."""
    cls = value.__class__  # exact types first: the most frequent values of lheo.xml's extras
    if cls is bool:
        return "oui" if value else "non"
    if cls is int:
        return str(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, list):
        return "; ".join([v if v.__class__ is str else cell_text(v) for v in value])
    if isinstance(value, dict) and "date" in value:  # an information collective and its place
        day = dt.date.fromisoformat(value["date"]).strftime("%d/%m/%Y")
        return f"{day} à {value['lieu']}" if value.get("lieu") else day
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def integer_text(value) -> str | None:
    """A number as an xs:long, or None when it is not a whole number."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return None


def money_text(value) -> str:
    """12000.5 -> '12000.50' (prix-total-TTC, frais-restants)."""
    return f"{float(value):.2f}"
