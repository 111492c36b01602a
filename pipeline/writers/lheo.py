"""lheo.xml: the accepted offers in LHÉO 2.3, UTF-8, valid against the official XSD.

Written from the nested offer records (records.py), so `fasd import` and
`fasd export records.jsonl` share it. One LHÉO action per FASD session: in LHÉO the
place, rhythm, durations, publics and funders sit on the action, in FASD on the
session and its dispositifs. FASD action fields repeat on each of its sessions'
LHÉO actions (same `numero`). What LHÉO cannot express, or not exactly, travels in
`<extras info="fasd">` (pipeline/lheo/__init__.py), and the whole directory in
`<extras info="fasd-annuaire">`, so reading the file back gives the same records.
The file is written incrementally, one formation at a time, as text (xmltext.py: the
same bytes lxml would write, without an lxml element per value); a block that repeats
on every session (a site, a contact, the FASD action's extras) is rendered once.
A formation read from another producer's flow is written from its own element
(`lheo_origine`), so what FASD does not model stays in place (`origin_element`).
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Iterable

from lxml import etree

from ..lheo import (
    NS_23,
    PLACEHOLDER_END,
    PLACEHOLDER_TEXT,
)
from ..lheo.codes import (
    CONTACT_TYPES,
    MODALITES_PEDAGOGIQUES,
    PARCOURS,
    TOUT_PUBLIC,
    VALIDATION,
    VALIDATION_MIXTE,
    integer_text,
    lheo_date,
    money_text,
)
from ..model.activity import published
from .atomic import atomic_open
from .parts import Part, copy_text
from .xmltext import NOT_XML, XmlOut, attr, attr_value, xml_text

from .lheo_elements import (
    Directory,
    MAX_FINANCEURS,
    Render,
    contact_element,
    extras,
    financeur_element,
    first,
    fits,
    formateur_element,
    inscription_element,
    lieu_element,
    responsable_element,
    wrap,
)
from .lheo_origin import origin_element

__all__ = ["NOT_XML", "write_lheo", "write_offers", "xml_text"]
NESTED = {"actions", "sessions", "dispositifs", "provenance"}
DECLARATION = "<?xml version='1.0' encoding='utf-8'?>\n"


# -- offers ------------------------------------------------------------------------------
def formation_xml(f: dict, directory: Directory) -> str | None:
    """One `formation` as text, or None when it has no published session (LHÉO needs
    one; an ended session is not an open offer: activity.py)."""
    if f.get("lheo_origine"):
        el = origin_element(f, directory)
        return None if el is None else etree.tostring(el, encoding="unicode", pretty_print=True)
    pairs = [(a, s) for a in f.get("actions", []) for s in a.get("sessions", []) if published(s)]
    if not pairs:
        return None
    first_action, first_session = pairs[0]
    out = XmlOut()
    out.raw(f'<formation xmlns="{NS_23}" numero="{attr_value(f["ref_formation"])}">\n')
    overrides = []
    dom = out.open(1, "domaine-formation")
    for c in f.get("formacodes", [])[:5]:
        out.leaf(2, "code-FORMACODE", c)
    for c in [c for c in f.get("codes_nsf", []) if len(c) == 3][:3]:
        out.leaf(2, "code-NSF", c)
    for c in f.get("codes_rome", [])[:5]:
        out.leaf(2, "code-ROME", c)
    out.close(1, "domaine-formation", dom)

    def required(element: str, name: str, value=None, limit=3000):
        value = value if value is not None else f.get(name)
        if not fits(value, 1, limit):
            if name:
                overrides.append(name)
            value = PLACEHOLDER_TEXT
        out.leaf(1, element, value)

    required("intitule-formation", "intitule", limit=255)
    required("objectif-formation", "objectif_formation")
    required("resultats-attendus", "", first_action.get("resultats_attendus"))
    required("contenu-formation", "contenu_formation")
    out.leaf(1, "certifiante", "1" if f.get("certifinfo") else "0")
    referent = first_session.get("referent_pmr")
    directory.block(
        out,
        1,
        ("contact-formation", referent),
        lambda o, d: contact_element(o, d, "contact-formation", referent, None, directory),
    )
    parcours = (first_session.get("types_parcours") or ["collectif"])[0]
    out.leaf(1, "parcours-de-formation", PARCOURS.get(parcours, "1"))
    out.leaf(1, "code-niveau-entree", first_action.get("niveau_entree") or "0")
    if f.get("objectif_general"):
        out.leaf(1, "objectif-general-formation", f["objectif_general"])
    if any(f.get(k) for k in ("code_rncp", "code_certifinfo", "code_rs")):
        cert = out.open(1, "certification")
        for name, element in (
            ("code_rncp", "code-RNCP"),
            ("code_certifinfo", "code-CERTIFINFO"),
            ("code_rs", "code-RS"),
        ):
            if f.get(name):
                out.leaf(2, element, f[name])
        out.close(1, "certification", cert)
    if f.get("niveau_sortie"):
        out.leaf(1, "code-niveau-sortie", f["niveau_sortie"])
    if fits(f.get("url_formation"), 3, 400):
        wrap(out, 1, "url-formation", "urlweb", f["url_formation"])
    formation = FormationParts(f)
    for action, session in pairs:
        action_xml(out, f, action, session, directory, formation)
    directory.block(
        out,
        1,
        ("responsable", first_session.get("code_site_responsable"), referent),
        lambda o, d: responsable_element(o, d, first_session.get("code_site_responsable"), referent, directory),
    )
    extras(out, 1, "formation", f, overrides=overrides)
    out.raw("</formation>\n")
    return out.getvalue()


class FormationParts:
    """What every session of a formation, or of one of its actions, repeats: rendered once."""

    def __init__(self, f: dict) -> None:
        self.f = f
        self._parts: dict[tuple, str] = {}

    def _rendered(self, key: tuple, build: Render) -> str:
        xml = self._parts.get(key)
        if xml is None:
            part = XmlOut()
            build(part, key[-1])
            xml = self._parts[key] = part.getvalue()
        return xml

    def blocs(self, depth: int) -> str:
        """The formation's blocs-competences, written in each of its sessions."""
        return self._rendered(("blocs", depth), lambda out, d: blocs_competences(out, d, self.f))

    def action_extras(self, depth: int, a: dict) -> str:
        """The FASD action's extras, written in the LHÉO action of each of its sessions."""
        return self._rendered(("action", id(a), depth), lambda out, d: extras(out, d, "action", a))


def action_xml(out: XmlOut, f: dict, a: dict, s: dict, directory: Directory, parts: FormationParts) -> None:
    """One LHÉO action (level 1 in its formation) for the FASD session `s` of action `a`."""
    act = out.open(1, "action", f' numero="{attr_value(a["ref_action"])}"')
    leaf = out.leaf
    dispositifs = s.get("dispositifs", [])
    leaf(2, "rythme-formation", "; ".join(s.get("rythmes", [])) or PLACEHOLDER_TEXT)
    publics = list(dict.fromkeys(p for d in dispositifs for p in d.get("publics", []) if len(p) == 5))
    for code in publics[:10] or [TOUT_PUBLIC]:
        leaf(2, "code-public-vise", code)
    leaf(2, "niveau-entree-obligatoire", "1" if a.get("niveau_entree_obligatoire") else "0")
    modalites = s.get("modalites_pedagogiques", [])
    leaf(2, "modalites-alternance", "Formation en alternance" if "alternance" in modalites else "Sans objet")
    leaf(2, "modalites-enseignement", s.get("modalite_enseignement") or "0")
    prerequis = a.get("prerequis")
    leaf(2, "conditions-specifiques", prerequis if fits(prerequis, 1, 3000) else "Aucune")
    leaf(2, "prise-en-charge-frais-possible", "1" if any(d.get("prise_en_charge_frais") for d in dispositifs) else "0")
    lieu_code = s.get("code_site_lieu")
    lieu_site = directory.site(lieu_code)
    directory.block(out, 2, ("lieu", lieu_code), lambda o, d: lieu_element(o, d, lieu_code, lieu_site))
    leaf(2, "modalites-entrees-sorties", "1" if s.get("entrees_sorties_permanentes") else "0")
    if fits(a.get("url_action"), 3, 400):
        wrap(out, 2, "url-action", "urlweb", a["url_action"])
    session_xml(out, 2, s, lieu_site, directory, parts)
    for day in s.get("informations_collectives", [])[:3]:
        wrap(out, 2, "date-information", "date", lheo_date(day))
    for code in [MODALITES_PEDAGOGIQUES[m] for m in modalites if m in MODALITES_PEDAGOGIQUES][:5]:
        leaf(2, "code-modalite-pedagogique", code)
    if a.get("type_equipement"):
        equipement = out.open(2, "equipement")
        leaf(3, "type-equipement", a["type_equipement"])
        if integer_text(a.get("cout_equipement")):
            leaf(3, "cout-indicatif-equipement", integer_text(a["cout_equipement"]))
        if fits(a.get("commentaire_equipement"), 1, 500):
            leaf(3, "commentaire", a["commentaire_equipement"])
        out.close(2, "equipement", equipement)
    restant = next((d["frais_additionnels"] for d in dispositifs if d.get("frais_additionnels") is not None), None)
    if restant is not None:
        leaf(2, "frais-restants", money_text(restant))
    ttc = next((d["frais_ttc"] for d in dispositifs if d.get("frais_ttc") is not None), None)
    if ttc is not None and fits(money_text(ttc), 1, 10):
        leaf(2, "prix-total-TTC", money_text(ttc))
    for name, element in (
        ("duree_centre_h", "nombre-heures-centre"),
        ("duree_entreprise_h", "nombre-heures-entreprise"),
    ):
        if integer_text(s.get(name)):
            leaf(2, element, integer_text(s[name]))
    formateur_code = a.get("code_site_dispensateur")
    directory.block(
        out,
        2,
        ("formateur", formateur_code),
        lambda o, d: formateur_element(o, d, formateur_code, directory.site(formateur_code)),
    )
    for d in dispositifs[:MAX_FINANCEURS]:
        financeur_element(out, 2, d)
    if len(dispositifs) > MAX_FINANCEURS:

        def more(o: XmlOut, depth: int) -> None:
            extra = o.open(depth, "extra", attr("info", "dispositifs"))
            for d in dispositifs[MAX_FINANCEURS:]:
                financeur_element(o, depth + 1, d)
            o.close(depth, "extra", extra)

        extras(out, 2, "action", a, more=more)
    else:
        out.raw(parts.action_extras(2, a))
    out.close(1, "action", act)


def session_xml(out: XmlOut, depth: int, s: dict, lieu_site: dict, directory: Directory, parts: FormationParts) -> None:
    ses = out.open(depth, "session", f' numero="{attr_value(s["ref_session"])}"')
    d1, d2 = depth + 1, depth + 2
    periode = out.open(d1, "periode")
    out.leaf(d2, "debut", lheo_date(s["date_debut"]) if s.get("date_debut") else "00000000")
    out.leaf(d2, "fin", lheo_date(s["date_fin"]) if s.get("date_fin") else PLACEHOLDER_END)
    out.close(d1, "periode", periode)
    directory.block(
        out, d1, ("inscription", s.get("code_site_lieu")), lambda o, d: inscription_element(o, d, lieu_site)
    )
    if s.get("inscription_debut") and s.get("inscription_fin"):
        # LHÉO has one periode-inscription: the first; every period travels in the extras
        out.open(d1, "periode-inscription")
        out.open(d2, "periode")
        out.leaf(d2 + 1, "debut", lheo_date(first(s["inscription_debut"])))
        out.leaf(d2 + 1, "fin", lheo_date(first(s["inscription_fin"])))
        out.end(d2, "periode")
        out.end(d1, "periode-inscription")
    if s.get("etat_recrutement"):
        out.leaf(d1, "etat-recrutement", s["etat_recrutement"])
    for code in s.get("modalites_recrutement", []):
        wrap(out, d1, "recrutement", "modalite-recrutement", code)
    for field, role in CONTACT_TYPES.items():
        if s.get(field):
            code = s[field]
            directory.block(
                out,
                d1,
                ("contact-session", code, role),
                lambda o, d, code=code, role=role: contact_element(o, d, "contact-session", code, role, directory),
            )
    out.raw(parts.blocs(d1))
    extras(out, d1, "session", s)
    out.close(depth, "session", ses)


def blocs_competences(out: XmlOut, depth: int, f: dict) -> None:
    blocs = [b for b in f.get("blocs", []) if fits(b, 8, 40)]
    if not blocs:
        return
    group = out.open(depth, "blocs-competences")
    d1 = depth + 1
    validation = VALIDATION.get(f.get("validation"), "0")
    if validation == "1" and f.get("individualisation"):
        validation = VALIDATION_MIXTE
    out.leaf(d1, "validation-blocs", validation)
    ref = out.open(d1, "reference-certification")
    if f.get("code_rncp"):
        out.leaf(d1 + 1, "reference-code-RNCP", f["code_rncp"])
    elif f.get("code_certifinfo"):
        out.leaf(d1 + 1, "reference-code-CERTIFINFO", f["code_certifinfo"])
    out.close(d1, "reference-certification", ref)
    titles = dict(zip(f.get("blocs", []), f.get("libelles_blocs", [])))
    for code in blocs:
        bloc = out.open(d1, "bloc-competences")
        title = titles.get(code)
        out.leaf(d1 + 1, "libelle-bloc", title if fits(title, 1, 500) else code)  # the code when no title is known
        out.leaf(d1 + 1, "code-bloc", code)
        out.close(d1, "bloc-competences", bloc)
    out.close(depth, "blocs-competences", group)


def write_offers(offers: Iterable, sites: dict[str, dict], contacts: dict[str, dict], path: Path) -> int:
    """Write the offers as LHÉO 2.3; returns the number of formations written.

    `offers`: offer records, or among them a worker's `parts.Part`, whose formations
    are copied in at its place. LHÉO needs at least one formation: with none, no file
    is written (and a stale one from an earlier run is removed, so it cannot be
    mistaken for this run's).
    """
    path = Path(path)
    directory = Directory(sites, contacts)

    def pieces():
        for f in offers:
            if isinstance(f, Part):
                if f.formations and f.lheo is not None:
                    yield f
            else:
                xml = formation_xml(f, directory)
                if xml is not None:
                    yield xml

    formations = pieces()
    first_xml = next(formations, None)
    if first_xml is None:
        path.unlink(missing_ok=True)
        return 0
    count = 0
    with atomic_open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write(f'{DECLARATION}<lheo xmlns="{NS_23}">\n<offres>\n')
        for xml in itertools.chain([first_xml], formations):
            if isinstance(xml, Part):
                copy_text(xml.lheo, fh)  # type: ignore[arg-type]
                count += xml.formations
            else:
                fh.write(xml)
                count += 1
        fh.write("</offres>\n")
        fh.write(directory.annuaire())
        fh.write("</lheo>")
    return count


def write_lheo(result, path: Path) -> int:
    """The accepted offers of a run (picked up by writers/output.py)."""
    from ..model.records import directory_records, offer_records

    return write_offers(
        offer_records(result), directory_records(result, "site"), directory_records(result, "contact"), path
    )
