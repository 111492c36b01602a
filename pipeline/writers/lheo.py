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
import textwrap
from pathlib import Path
from typing import Callable, Iterable

from lxml import etree

from ..lheo import (
    ANNUAIRE,
    FASD,
    NS_23,
    ORIGIN_REF,
    PLACEHOLDER_END,
    PLACEHOLDER_NDA,
    PLACEHOLDER_POSTCODE,
    PLACEHOLDER_SIRET,
    PLACEHOLDER_TEXT,
    PLACEHOLDERS,
    STANDARD,
)
from ..model.formacode import correspondences
from ..lheo.order import insert_child
from ..readers.placeholders import is_placeholder
from ..lheo.codes import (
    CONTACT_TYPES,
    MODALITES_PEDAGOGIQUES,
    PARCOURS,
    TOUT_PUBLIC,
    VALIDATION,
    VALIDATION_MIXTE,
    cell_text,
    financeur_code,
    integer_text,
    lheo_date,
    money_text,
)
from ..model.activity import published
from ..model.fields import ENTITIES
from .atomic import atomic_open
from .parts import Part, copy_text
from .xmltext import NOT_XML, XmlOut, attr, attr_value, fragment, text, xml_text

__all__ = ["NOT_XML", "write_lheo", "write_offers", "xml_text"]

MAX_FINANCEURS = 8  # organisme-financeur per action in the XSD
NESTED = {"actions", "sessions", "dispositifs", "provenance"}
DECLARATION = "<?xml version='1.0' encoding='utf-8'?>\n"
FASD_INFO = attr("info", FASD)


def q(name: str) -> str:
    return f"{{{NS_23}}}{name}"


def standalone(name: str, **attrs):
    return etree.Element(q(name), {k: xml_text(v) for k, v in attrs.items() if v not in (None, "")})


def first(value):
    """The first of a multi-valued field (records of older runs hold a single value)."""
    return value[0] if isinstance(value, list) else value


def fits(value, low: int, high: int) -> bool:
    return value is not None and low <= len(str(value)) <= high


# The fields of each entity in model order, and whether LHÉO has a standard element for
# them (those travel in the extras only when overridden by a placeholder).
_FIELDS = {entity: tuple((name, name in STANDARD[entity]) for name in ENTITIES[entity].names) for entity in STANDARD}
_EXTRA_FIELDS = {entity: tuple(name for name, standard in fields if not standard) for entity, fields in _FIELDS.items()}
_EXTRA_STARTS = {
    entity: tuple((name, f"<extra{attr('info', name)}>") for name in names) for entity, names in _EXTRA_FIELDS.items()
}


def extras(out: XmlOut, depth: int, entity: str, record: dict, *, overrides=(), more=None) -> None:
    """`<extras info="fasd">` with every non-standard field of the record (and overrides);
    `more(out, depth)` writes one more child."""
    mark = out.open(depth, "extras", FASD_INFO)
    inner = depth + 1
    if overrides:
        for name, standard in _FIELDS[entity]:
            if name in overrides:
                out.leaf(inner, "extra", "", attr("info", name))
            elif not standard and record.get(name) not in (None, "", []):
                out.leaf(inner, "extra", cell_text(record[name]), attr("info", name))
    elif out.__class__ is XmlOut:  # lheo.xml: one leaf per field of every session, formatted here
        pad, nl = out.indent(inner), "\n" if out.pretty else ""
        append, get = out.parts.append, record.get
        for name, start in _EXTRA_STARTS[entity]:
            value = get(name)
            if value is None or value.__class__ is str:
                if value:
                    append(f"{pad}{start}{text(value)}</extra>{nl}")
            elif value not in ("", []):
                append(f"{pad}{start}{text(cell_text(value))}</extra>{nl}")
    else:  # a fragment (extras_element) counts its leaves: through out.leaf
        for name in _EXTRA_FIELDS[entity]:
            value = record.get(name)
            if value not in (None, "", []):
                out.leaf(inner, "extra", cell_text(value), attr("info", name))
    if more is not None:
        more(out, inner)
    out.close(depth, "extras", mark)


def extras_element(entity: str, record: dict):
    """The same extras as an lxml element (a producer's formation, patched)."""
    return fragment(NS_23, lambda out, depth: extras(out, depth, entity, record))


# -- directory ---------------------------------------------------------------------------
def address_lines(text: str) -> list[str]:
    lines = textwrap.wrap(" ".join(str(text).split()), 50, break_long_words=True)[:4]
    return lines or [PLACEHOLDER_TEXT]


def site_coordonnees(out: XmlOut, depth: int, site: dict) -> None:
    co = out.open(depth, "coordonnees")
    d1, d2 = depth + 1, depth + 2
    adresse = out.open(d1, "adresse")
    if fits(site.get("nom"), 1, 255):
        out.leaf(d2, "denomination", site["nom"])
    for line in address_lines(site.get("adresse", "")):
        out.leaf(d2, "ligne", line)
    postcode = site.get("code_postal", "")
    out.leaf(d2, "codepostal", postcode if fits(postcode, 5, 5) else PLACEHOLDER_POSTCODE)
    out.leaf(d2, "ville", site["ville"] if fits(site.get("ville"), 1, 50) else PLACEHOLDER_TEXT)
    if fits(site.get("code_insee_commune"), 5, 5):
        out.leaf(d2, "code-INSEE-commune", site["code_insee_commune"])
    out.close(d1, "adresse", adresse)
    if fits(site.get("telephone"), 1, 25):
        wrap(out, d1, "telfixe", "numtel", site["telephone"])
    if fits(site.get("courriel"), 3, 160):
        out.leaf(d1, "courriel", site["courriel"])
    if fits(site.get("web"), 3, 400):
        wrap(out, d1, "web", "urlweb", site["web"])
    out.close(depth, "coordonnees", co)


def wrap(out: XmlOut, depth: int, outer: str, inner: str, value) -> None:
    """`<outer><inner>value</inner></outer>`."""
    out.open(depth, outer)
    out.leaf(depth + 1, inner, value)
    out.end(depth, outer)


def contact_coordonnees(out: XmlOut, depth: int, contact: dict) -> None:
    co = out.open(depth, "coordonnees")
    d1 = depth + 1
    for name in ("civilite", "nom", "prenom"):
        if fits(contact.get(name), 1, 50):
            out.leaf(d1, name, contact[name])
    if fits(contact.get("telephone"), 1, 25):
        wrap(out, d1, "telfixe", "numtel", contact["telephone"])
    if fits(contact.get("courriel"), 3, 160):
        out.leaf(d1, "courriel", contact["courriel"])
    out.close(depth, "coordonnees", co)


def siret(site: dict) -> str:
    value = site.get("siret", "")
    return value if fits(value, 14, 14) else PLACEHOLDER_SIRET


Render = Callable[[XmlOut, int], None]


class Directory:
    """Accepted sites and contacts by code; an unknown code gives placeholders."""

    def __init__(self, sites: dict[str, dict], contacts: dict[str, dict]) -> None:
        self.sites = sites
        self.contacts = contacts
        self._blocks: dict = {}

    def block(self, out: XmlOut, depth: int, key, build: Render) -> None:
        """Add what `build(out, depth)` writes, rendered once per key and level: the same
        site or contact repeats on every session."""
        cache_key = (key, depth, out.pretty)
        xml = self._blocks.get(cache_key)
        if xml is None:
            part = XmlOut(out.pretty)
            build(part, depth)
            xml = self._blocks[cache_key] = part.getvalue()
        out.raw(xml)

    def site(self, code) -> dict:
        return self.sites.get(code) or {"code_site": code}

    def contact(self, code) -> dict:
        return self.contacts.get(code) or {"code_contact": code}

    def annuaire(self) -> str:
        out = XmlOut()
        box = out.open(0, "extras", f' xmlns="{NS_23}"' + attr("info", ANNUAIRE))
        for entity, items in (("site", self.sites), ("contact", self.contacts)):
            for record in items.values():
                group = out.open(1, "extras", attr("info", entity))
                for name in ENTITIES[entity].names:
                    if record.get(name) not in (None, "", []):
                        out.leaf(2, "extra", cell_text(record[name]), attr("info", name))
                out.close(1, "extras", group)
        out.close(0, "extras", box)
        return out.getvalue()


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


def responsable_element(out: XmlOut, depth: int, code, referent, directory: Directory) -> None:
    site = directory.site(code)
    org = out.open(depth, "organisme-formation-responsable", attr("numero", code))
    d1 = depth + 1
    nda = site.get("numero_activite", "")
    out.leaf(d1, "numero-activite", nda if fits(nda, 11, 11) else PLACEHOLDER_NDA)
    wrap(out, d1, "SIRET-organisme-formation", "SIRET", siret(site))
    name = site["nom"] if fits(site.get("nom"), 1, 250) else PLACEHOLDER_TEXT
    out.leaf(d1, "nom-organisme", name)
    out.leaf(d1, "raison-sociale", name)
    coordonnees = out.open(d1, "coordonnees-organisme")
    site_coordonnees(out, d1 + 1, site)
    out.close(d1, "coordonnees-organisme", coordonnees)
    contact = out.open(d1, "contact-organisme", attr("numero", referent))
    contact_coordonnees(out, d1 + 1, directory.contact(referent) if referent else {})
    out.close(d1, "contact-organisme", contact)
    out.close(depth, "organisme-formation-responsable", org)


def contact_element(out: XmlOut, depth: int, tag: str, code, role: str | None, directory: Directory) -> None:
    el = out.open(depth, tag, attr("numero", code))
    if role is not None:
        out.leaf(depth + 1, "type-contact", role)
    contact_coordonnees(out, depth + 1, directory.contact(code) if code else {})
    out.close(depth, tag, el)


def lieu_element(out: XmlOut, depth: int, code, site: dict) -> None:
    lieu = out.open(depth, "lieu-de-formation", attr("numero", code))
    if fits(site.get("siret"), 14, 14):
        wrap(out, depth + 1, "SIRET-lieu-formation", "SIRET", site["siret"])
    site_coordonnees(out, depth + 1, site)
    out.close(depth, "lieu-de-formation", lieu)


def formateur_element(out: XmlOut, depth: int, code, site: dict) -> None:
    formateur = out.open(depth, "organisme-formateur", attr("numero", code))
    wrap(out, depth + 1, "SIRET-formateur", "SIRET", siret(site))
    out.leaf(depth + 1, "raison-sociale-formateur", site.get("nom", "")[:250] or PLACEHOLDER_TEXT)
    out.close(depth, "organisme-formateur", formateur)


def inscription_element(out: XmlOut, depth: int, site: dict) -> None:
    inscription = out.open(depth, "adresse-inscription")
    adresse = out.open(depth + 1, "adresse")
    d2 = depth + 2
    for line in address_lines(site.get("adresse", "")):
        out.leaf(d2, "ligne", line)
    postcode = site.get("code_postal", "")
    out.leaf(d2, "codepostal", postcode if fits(postcode, 5, 5) else PLACEHOLDER_POSTCODE)
    out.leaf(d2, "ville", site["ville"] if fits(site.get("ville"), 1, 50) else PLACEHOLDER_TEXT)
    out.close(depth + 1, "adresse", adresse)
    out.close(depth, "adresse-inscription", inscription)


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
                lambda o, d: contact_element(o, d, "contact-session", code, role, directory),
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


def financeur_element(out: XmlOut, depth: int, d: dict) -> None:
    of = out.open(depth, "organisme-financeur")
    out.leaf(depth + 1, "code-financeur", financeur_code(d.get("dispositif", "")))
    if integer_text(d.get("nb_places")):
        out.leaf(depth + 1, "nb-places-financees", integer_text(d["nb_places"]))
    extras(out, depth + 1, "dispositif", d)
    out.close(depth, "organisme-financeur", of)


# -- a producer's formation, written back ---------------------------------------------
BLANK_PARSER = etree.XMLParser(remove_blank_text=True, resolve_entities=False, no_network=True, load_dtd=False)


def _clean_text(el) -> str:
    text = (el.text or "").strip() if el is not None else ""
    return "" if text in PLACEHOLDERS or is_placeholder(text) else text


def origin_element(f: dict, directory: Directory):
    """The producer's `formation` (records.py `lheo_origine`) with only the accepted
    actions, sessions and funders, FASD's values where FASD changed or added one,
    and the FASD fields in extras: every element FASD does not model stays in place."""
    el = etree.fromstring(f["lheo_origine"], BLANK_PARSER)
    actions = {a["ref_action"]: a for a in f.get("actions", [])}
    sessions = {s["ref_session"]: s for a in actions.values() for s in a.get("sessions", [])}
    for act in el.findall(q("action")):
        action = actions.get(act.get(ORIGIN_REF))
        kept = []
        for ses in act.findall(q("session")):
            record = sessions.get(ses.get(ORIGIN_REF))
            if action is None or record is None or record.get("ref_action") != action["ref_action"]:
                act.remove(ses)
            else:
                kept.append((ses, record))
        if not kept:
            el.remove(act)
            continue
        dispositifs = [d for _, s in kept for d in s.get("dispositifs", [])]
        wanted = {d.get("ref_dispositif", "") for d in dispositifs}
        for of in act.findall(q("organisme-financeur")):
            if of.get(ORIGIN_REF) not in wanted:
                act.remove(of)
            else:
                funded = next(d for d in dispositifs if d.get("ref_dispositif", "") == of.get(ORIGIN_REF))
                of.append(extras_element("dispositif", funded))
        patch_action(act, [s for _, s in kept], dispositifs)
        for ses, record in kept:
            patch_session(ses, record, directory)
            ses.append(extras_element("session", record))
        act.append(extras_element("action", action))
    if el.find(q("action")) is None:
        return None
    for name, element in (
        ("intitule", "intitule-formation"),
        ("objectif_formation", "objectif-formation"),
        ("contenu_formation", "contenu-formation"),
    ):
        target = el.find(q(element))
        if target is not None and fits(f.get(name), 1, 3000) and _clean_text(target) != f[name].strip():
            target.text = xml_text(f[name])  # the certification reference's text, or a default
    el.append(extras_element("formation", f))
    for stamped in el.iter():
        if isinstance(stamped.tag, str) and ORIGIN_REF in stamped.attrib:
            del stamped.attrib[ORIGIN_REF]
    return el


def patch_action(act, sessions: list[dict], dispositifs: list[dict]) -> None:
    """Publics in Formacode V12, and what the flow lacked and FASD now has."""
    publics = list(dict.fromkeys(p for d in dispositifs for p in d.get("publics", []) if len(p) == 5))
    for e in act.findall(q("code-public-vise")):
        code = (e.text or "").strip()
        if code in publics:
            continue
        v12 = next((v for (_, c), v in correspondences().items() if c == code and v in publics), None)
        if v12:  # a code of an older Formacode, read as this V12 public (lheo/formacode.py)
            e.text = v12
            e.set("ref", "V12")
    present = {(e.text or "").strip() for e in act.findall(q("code-public-vise"))}
    for code in [p for p in publics if p not in present][: max(0, 10 - len(present))]:
        insert_child(act, standalone_text("code-public-vise", code, ref="V12"))
    modalites = [
        MODALITES_PEDAGOGIQUES[m]
        for s in sessions
        for m in s.get("modalites_pedagogiques", [])
        if m in MODALITES_PEDAGOGIQUES
    ]
    if modalites and act.find(q("code-modalite-pedagogique")) is None:
        for code in list(dict.fromkeys(modalites))[:5]:
            insert_child(act, standalone_text("code-modalite-pedagogique", code, ref="V12"))
    for d in dispositifs:
        if (
            not d.get("ref_dispositif")
            and d.get("dispositif")
            and len(act.findall(q("organisme-financeur"))) < MAX_FINANCEURS
        ):
            of = fragment(NS_23, lambda out, depth: financeur_element(out, depth, d))  # a funder given by --defauts
            insert_child(act, of)


def patch_session(ses, s: dict, directory: Directory) -> None:
    """Referents and recruitment state the flow did not give (from --defauts)."""
    if s.get("etat_recrutement") and ses.find(q("etat-recrutement")) is None:
        insert_child(ses, standalone_text("etat-recrutement", s["etat_recrutement"]))
    roles = {_clean_text(c.find(q("type-contact"))) for c in ses.findall(q("contact-session"))}
    for field, role in CONTACT_TYPES.items():
        if s.get(field) and role not in roles:
            code = s[field]
            insert_child(
                ses,
                fragment(
                    NS_23, lambda out, depth: contact_element(out, depth, "contact-session", code, role, directory)
                ),
            )


def standalone_text(name: str, text: str, **attrs):
    el = standalone(name, **attrs)
    el.text = xml_text(text)
    return el


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
