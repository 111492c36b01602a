"""lheo.xml: the accepted offers in LHÉO 2.3, UTF-8, valid against the official XSD.

Written from the nested offer records (records.py), so `fasd import` and
`fasd export records.jsonl` share it. One LHÉO action per FASD session: in LHÉO the
place, rhythm, durations, publics and funders sit on the action, in FASD on the
session and its dispositifs. FASD action fields repeat on each of its sessions'
LHÉO actions (same `numero`). What LHÉO cannot express, or not exactly, travels in
`<extras info="fasd">` (pipeline/lheo/__init__.py), and the whole directory in
`<extras info="fasd-annuaire">`, so reading the file back gives the same records.
The file is written incrementally (lxml xmlfile), one formation at a time.
A formation read from another producer's flow is written from its own element
(`lheo_origine`), so what FASD does not model stays in place (`origin_element`).
"""
from __future__ import annotations

import copy
import re
import textwrap
from pathlib import Path
from typing import Iterable

from lxml import etree

from ..lheo import (ANNUAIRE, FASD, NS_23, ORIGIN_REF, PLACEHOLDER_NDA, PLACEHOLDER_POSTCODE,
                    PLACEHOLDER_SIRET, PLACEHOLDER_TEXT, PLACEHOLDERS, STANDARD)
from ..lheo.formacode import correspondences
from ..lheo.order import insert_child
from ..placeholders import is_placeholder
from ..lheo.codes import (CONTACT_TYPES, MODALITES_PEDAGOGIQUES, PARCOURS, TOUT_PUBLIC, VALIDATION,
                          VALIDATION_MIXTE, cell_text, financeur_code, integer_text, lheo_date, money_text)
from ..activity import published
from ..model import ENTITIES
from .atomic import atomic_path

NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
MAX_FINANCEURS = 8  # organisme-financeur per action in the XSD
NESTED = {"actions", "sessions", "dispositifs", "provenance"}


def q(name: str) -> str:
    return f"{{{NS_23}}}{name}"


def xml_text(value) -> str:
    """Text that XML can carry: characters XML 1.0 forbids are dropped."""
    return NOT_XML.sub("", str(value))


def standalone(name: str, **attrs):
    return etree.Element(q(name), {k: xml_text(v) for k, v in attrs.items() if v not in (None, "")})


def sub(parent, name: str, text=None, **attrs):
    el = etree.SubElement(parent, q(name), {k: xml_text(v) for k, v in attrs.items() if v not in (None, "")})
    if text is not None:
        el.text = xml_text(text)
    return el


def first(value):
    """The first of a multi-valued field (records of older runs hold a single value)."""
    return value[0] if isinstance(value, list) else value


def fits(value, low: int, high: int) -> bool:
    return value is not None and low <= len(str(value)) <= high


def extras(parent, entity: str, record: dict, *, overrides=(), more=None) -> None:
    """`<extras info="fasd">` with every non-standard field of the record (and overrides)."""
    box = etree.Element(q("extras"), info=FASD)
    standard = STANDARD[entity]
    for name in ENTITIES[entity].names:
        if name in overrides:
            sub(box, "extra", "", info=name)
        elif name not in standard and record.get(name) not in (None, "", []):
            sub(box, "extra", cell_text(record[name]), info=name)
    if more is not None:
        box.append(more)
    parent.append(box)


# -- directory ---------------------------------------------------------------------------
def address_lines(text: str) -> list[str]:
    lines = textwrap.wrap(" ".join(str(text).split()), 50, break_long_words=True)[:4]
    return lines or [PLACEHOLDER_TEXT]


def site_coordonnees(parent, site: dict):
    co = sub(parent, "coordonnees")
    adresse = sub(co, "adresse")
    if fits(site.get("nom"), 1, 255):
        sub(adresse, "denomination", site["nom"])
    for line in address_lines(site.get("adresse", "")):
        sub(adresse, "ligne", line)
    postcode = site.get("code_postal", "")
    sub(adresse, "codepostal", postcode if fits(postcode, 5, 5) else PLACEHOLDER_POSTCODE)
    sub(adresse, "ville", site["ville"] if fits(site.get("ville"), 1, 50) else PLACEHOLDER_TEXT)
    if fits(site.get("code_insee_commune"), 5, 5):
        sub(adresse, "code-INSEE-commune", site["code_insee_commune"])
    if fits(site.get("telephone"), 1, 25):
        sub(sub(co, "telfixe"), "numtel", site["telephone"])
    if fits(site.get("courriel"), 3, 160):
        sub(co, "courriel", site["courriel"])
    if fits(site.get("web"), 3, 400):
        sub(sub(co, "web"), "urlweb", site["web"])
    return co


def contact_coordonnees(parent, contact: dict):
    co = sub(parent, "coordonnees")
    for name, element in (("civilite", "civilite"), ("nom", "nom"), ("prenom", "prenom")):
        if fits(contact.get(name), 1, 50):
            sub(co, element, contact[name])
    if fits(contact.get("telephone"), 1, 25):
        sub(sub(co, "telfixe"), "numtel", contact["telephone"])
    if fits(contact.get("courriel"), 3, 160):
        sub(co, "courriel", contact["courriel"])
    return co


def siret(site: dict) -> str:
    value = site.get("siret", "")
    return value if fits(value, 14, 14) else PLACEHOLDER_SIRET


class Directory:
    """Accepted sites and contacts by code; an unknown code gives placeholders."""

    def __init__(self, sites: dict[str, dict], contacts: dict[str, dict]) -> None:
        self.sites = sites
        self.contacts = contacts
        self._blocks: dict = {}

    def block(self, parent, key, build) -> None:
        """Append a copy of what `build()` makes once per key: the same site or contact
        repeats on every session, and copying a built element is much cheaper."""
        el = self._blocks.get(key)
        if el is None:
            el = self._blocks[key] = build()
        parent.append(copy.deepcopy(el))

    def site(self, code) -> dict:
        return self.sites.get(code) or {"code_site": code}

    def contact(self, code) -> dict:
        return self.contacts.get(code) or {"code_contact": code}

    def annuaire(self):
        box = etree.Element(q("extras"), info=ANNUAIRE, nsmap={None: NS_23})
        for entity, items in (("site", self.sites), ("contact", self.contacts)):
            for record in items.values():
                group = sub(box, "extras", info=entity)
                for name in ENTITIES[entity].names:
                    if record.get(name) not in (None, "", []):
                        sub(group, "extra", cell_text(record[name]), info=name)
        return box


# -- offers ------------------------------------------------------------------------------
def formation_element(f: dict, directory: Directory):
    """One `formation`, or None when it has no published session (LHÉO needs one; an
    ended session is not an open offer: activity.py)."""
    if f.get("lheo_origine"):
        return origin_element(f, directory)
    pairs = [(a, s) for a in f.get("actions", []) for s in a.get("sessions", []) if published(s)]
    if not pairs:
        return None
    first_action, first_session = pairs[0]
    el = etree.Element(q("formation"), {"numero": xml_text(f["ref_formation"])}, nsmap={None: NS_23})
    overrides = []
    dom = sub(el, "domaine-formation")
    for c in f.get("formacodes", [])[:5]:
        sub(dom, "code-FORMACODE", c)
    for c in [c for c in f.get("codes_nsf", []) if len(c) == 3][:3]:
        sub(dom, "code-NSF", c)
    for c in f.get("codes_rome", [])[:5]:
        sub(dom, "code-ROME", c)

    def required(element: str, name: str, text=None, limit=3000):
        value = text if text is not None else f.get(name)
        if not fits(value, 1, limit):
            if name:
                overrides.append(name)
            value = PLACEHOLDER_TEXT
        sub(el, element, value)

    required("intitule-formation", "intitule", limit=255)
    required("objectif-formation", "objectif_formation")
    required("resultats-attendus", "", first_action.get("resultats_attendus"))
    required("contenu-formation", "contenu_formation")
    sub(el, "certifiante", "1" if f.get("certifinfo") else "0")
    referent = first_session.get("referent_pmr")
    directory.block(el, ("contact-formation", referent),
                    lambda: contact_element("contact-formation", referent, None, directory))
    parcours = (first_session.get("types_parcours") or ["collectif"])[0]
    sub(el, "parcours-de-formation", PARCOURS.get(parcours, "1"))
    sub(el, "code-niveau-entree", first_action.get("niveau_entree") or "0")
    if f.get("objectif_general"):
        sub(el, "objectif-general-formation", f["objectif_general"])
    if any(f.get(k) for k in ("code_rncp", "code_certifinfo", "code_rs")):
        cert = sub(el, "certification")
        for name, element in (("code_rncp", "code-RNCP"), ("code_certifinfo", "code-CERTIFINFO"),
                              ("code_rs", "code-RS")):
            if f.get(name):
                sub(cert, element, f[name])
    if f.get("niveau_sortie"):
        sub(el, "code-niveau-sortie", f["niveau_sortie"])
    if fits(f.get("url_formation"), 3, 400):
        sub(sub(el, "url-formation"), "urlweb", f["url_formation"])
    for action, session in pairs:
        el.append(action_element(f, action, session, directory))
    responsable(el, first_session.get("code_site_responsable"), referent, directory)
    extras(el, "formation", f, overrides=overrides)
    return el


def responsable(parent, code, referent, directory: Directory) -> None:
    directory.block(parent, ("responsable", code, referent), lambda: responsable_element(code, referent, directory))


def responsable_element(code, referent, directory: Directory):
    site = directory.site(code)
    org = standalone("organisme-formation-responsable", numero=code)
    nda = site.get("numero_activite", "")
    sub(org, "numero-activite", nda if fits(nda, 11, 11) else PLACEHOLDER_NDA)
    sub(sub(org, "SIRET-organisme-formation"), "SIRET", siret(site))
    name = site["nom"] if fits(site.get("nom"), 1, 250) else PLACEHOLDER_TEXT
    sub(org, "nom-organisme", name)
    sub(org, "raison-sociale", name)
    site_coordonnees(sub(org, "coordonnees-organisme"), site)
    contact = sub(org, "contact-organisme", numero=referent)
    contact_coordonnees(contact, directory.contact(referent) if referent else {})
    return org


def contact_element(tag: str, code, role: str | None, directory: Directory):
    el = standalone(tag, numero=code)
    if role is not None:
        sub(el, "type-contact", role)
    contact_coordonnees(el, directory.contact(code) if code else {})
    return el


def lieu_element(code, site: dict):
    lieu = standalone("lieu-de-formation", numero=code)
    if fits(site.get("siret"), 14, 14):
        sub(sub(lieu, "SIRET-lieu-formation"), "SIRET", site["siret"])
    site_coordonnees(lieu, site)
    return lieu


def formateur_element(code, site: dict):
    formateur = standalone("organisme-formateur", numero=code)
    sub(sub(formateur, "SIRET-formateur"), "SIRET", siret(site))
    sub(formateur, "raison-sociale-formateur", site.get("nom", "")[:250] or PLACEHOLDER_TEXT)
    return formateur


def inscription_element(site: dict):
    inscription = standalone("adresse-inscription")
    adresse = sub(inscription, "adresse")
    for line in address_lines(site.get("adresse", "")):
        sub(adresse, "ligne", line)
    postcode = site.get("code_postal", "")
    sub(adresse, "codepostal", postcode if fits(postcode, 5, 5) else PLACEHOLDER_POSTCODE)
    sub(adresse, "ville", site["ville"] if fits(site.get("ville"), 1, 50) else PLACEHOLDER_TEXT)
    return inscription


def action_element(f: dict, a: dict, s: dict, directory: Directory):
    act = etree.Element(q("action"), {"numero": xml_text(a["ref_action"])})
    dispositifs = s.get("dispositifs", [])
    sub(act, "rythme-formation", "; ".join(s.get("rythmes", [])) or PLACEHOLDER_TEXT)
    publics = list(dict.fromkeys(p for d in dispositifs for p in d.get("publics", []) if len(p) == 5))
    for code in publics[:10] or [TOUT_PUBLIC]:
        sub(act, "code-public-vise", code)
    sub(act, "niveau-entree-obligatoire", "1" if a.get("niveau_entree_obligatoire") else "0")
    modalites = s.get("modalites_pedagogiques", [])
    sub(act, "modalites-alternance", "Formation en alternance" if "alternance" in modalites else "Sans objet")
    sub(act, "modalites-enseignement", s.get("modalite_enseignement") or "0")
    prerequis = a.get("prerequis")
    sub(act, "conditions-specifiques", prerequis if fits(prerequis, 1, 3000) else "Aucune")
    sub(act, "prise-en-charge-frais-possible",
        "1" if any(d.get("prise_en_charge_frais") for d in dispositifs) else "0")
    lieu_code = s.get("code_site_lieu")
    lieu_site = directory.site(lieu_code)
    directory.block(act, ("lieu", lieu_code), lambda: lieu_element(lieu_code, lieu_site))
    sub(act, "modalites-entrees-sorties", "1" if s.get("entrees_sorties_permanentes") else "0")
    if fits(a.get("url_action"), 3, 400):
        sub(sub(act, "url-action"), "urlweb", a["url_action"])
    act.append(session_element(f, s, lieu_site, directory))
    for day in s.get("informations_collectives", [])[:3]:
        sub(sub(act, "date-information"), "date", lheo_date(day))
    for code in [MODALITES_PEDAGOGIQUES[m] for m in modalites if m in MODALITES_PEDAGOGIQUES][:5]:
        sub(act, "code-modalite-pedagogique", code)
    if a.get("type_equipement"):
        equipement = sub(act, "equipement")
        sub(equipement, "type-equipement", a["type_equipement"])
        if integer_text(a.get("cout_equipement")):
            sub(equipement, "cout-indicatif-equipement", integer_text(a["cout_equipement"]))
        if fits(a.get("commentaire_equipement"), 1, 500):
            sub(equipement, "commentaire", a["commentaire_equipement"])
    restant = next((d["frais_additionnels"] for d in dispositifs if d.get("frais_additionnels") is not None), None)
    if restant is not None:
        sub(act, "frais-restants", money_text(restant))
    ttc = next((d["frais_ttc"] for d in dispositifs if d.get("frais_ttc") is not None), None)
    if ttc is not None and fits(money_text(ttc), 1, 10):
        sub(act, "prix-total-TTC", money_text(ttc))
    for name, element in (("duree_centre_h", "nombre-heures-centre"), ("duree_entreprise_h", "nombre-heures-entreprise")):
        if integer_text(s.get(name)):
            sub(act, element, integer_text(s[name]))
    formateur_code = a.get("code_site_dispensateur")
    directory.block(act, ("formateur", formateur_code),
                    lambda: formateur_element(formateur_code, directory.site(formateur_code)))
    for d in dispositifs[:MAX_FINANCEURS]:
        act.append(financeur_element(d))
    more = None
    if len(dispositifs) > MAX_FINANCEURS:
        more = etree.Element(q("extra"), info="dispositifs")
        for d in dispositifs[MAX_FINANCEURS:]:
            more.append(financeur_element(d))
    extras(act, "action", a, more=more)
    return act


def session_element(f: dict, s: dict, lieu_site: dict, directory: Directory):
    ses = etree.Element(q("session"), {"numero": xml_text(s["ref_session"])})
    periode = sub(ses, "periode")
    sub(periode, "debut", lheo_date(s["date_debut"]) if s.get("date_debut") else "00000000")
    sub(periode, "fin", lheo_date(s["date_fin"]) if s.get("date_fin") else "99999999")
    directory.block(ses, ("inscription", s.get("code_site_lieu")), lambda: inscription_element(lieu_site))
    if s.get("inscription_debut") and s.get("inscription_fin"):
        # LHÉO has one periode-inscription: the first; every period travels in the extras
        p = sub(sub(ses, "periode-inscription"), "periode")
        sub(p, "debut", lheo_date(first(s["inscription_debut"])))
        sub(p, "fin", lheo_date(first(s["inscription_fin"])))
    if s.get("etat_recrutement"):
        sub(ses, "etat-recrutement", s["etat_recrutement"])
    for code in s.get("modalites_recrutement", []):
        sub(sub(ses, "recrutement"), "modalite-recrutement", code)
    for field, role in CONTACT_TYPES.items():
        if s.get(field):
            code = s[field]
            directory.block(ses, ("contact-session", code, role),
                            lambda: contact_element("contact-session", code, role, directory))
    blocs = [b for b in f.get("blocs", []) if fits(b, 8, 40)]
    if blocs:
        group = sub(ses, "blocs-competences")
        validation = VALIDATION.get(f.get("validation"), "0")
        if validation == "1" and f.get("individualisation"):
            validation = VALIDATION_MIXTE
        sub(group, "validation-blocs", validation)
        ref = sub(group, "reference-certification")
        if f.get("code_rncp"):
            sub(ref, "reference-code-RNCP", f["code_rncp"])
        elif f.get("code_certifinfo"):
            sub(ref, "reference-code-CERTIFINFO", f["code_certifinfo"])
        titles = dict(zip(f.get("blocs", []), f.get("libelles_blocs", [])))
        for code in blocs:
            bloc = sub(group, "bloc-competences")
            title = titles.get(code)
            sub(bloc, "libelle-bloc", title if fits(title, 1, 500) else code)  # the code when no title is known
            sub(bloc, "code-bloc", code)
    extras(ses, "session", s)
    return ses


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
                extras(of, "dispositif", next(d for d in dispositifs if d.get("ref_dispositif", "") == of.get(ORIGIN_REF)))
        patch_action(act, [s for _, s in kept], dispositifs)
        for ses, record in kept:
            patch_session(ses, record, directory)
            extras(ses, "session", record)
        extras(act, "action", action)
    if el.find(q("action")) is None:
        return None
    for name, element in (("intitule", "intitule-formation"), ("objectif_formation", "objectif-formation"),
                          ("contenu_formation", "contenu-formation")):
        target = el.find(q(element))
        if target is not None and fits(f.get(name), 1, 3000) and _clean_text(target) != f[name].strip():
            target.text = xml_text(f[name])   # the certification reference's text, or a default
    extras(el, "formation", f)
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
    for code in [p for p in publics if p not in present][:max(0, 10 - len(present))]:
        insert_child(act, standalone_text("code-public-vise", code, ref="V12"))
    modalites = [MODALITES_PEDAGOGIQUES[m] for s in sessions for m in s.get("modalites_pedagogiques", [])
                 if m in MODALITES_PEDAGOGIQUES]
    if modalites and act.find(q("code-modalite-pedagogique")) is None:
        for code in list(dict.fromkeys(modalites))[:5]:
            insert_child(act, standalone_text("code-modalite-pedagogique", code, ref="V12"))
    for d in dispositifs:
        if not d.get("ref_dispositif") and d.get("dispositif") and \
                len(act.findall(q("organisme-financeur"))) < MAX_FINANCEURS:
            of = financeur_element(d)   # a funder given by --defauts
            insert_child(act, of)


def patch_session(ses, s: dict, directory: Directory) -> None:
    """Referents and recruitment state the flow did not give (from --defauts)."""
    if s.get("etat_recrutement") and ses.find(q("etat-recrutement")) is None:
        insert_child(ses, standalone_text("etat-recrutement", s["etat_recrutement"]))
    roles = {_clean_text(c.find(q("type-contact"))) for c in ses.findall(q("contact-session"))}
    for field, role in CONTACT_TYPES.items():
        if s.get(field) and role not in roles:
            insert_child(ses, contact_element("contact-session", s[field], role, directory))


def standalone_text(name: str, text: str, **attrs):
    el = standalone(name, **attrs)
    el.text = xml_text(text)
    return el


def financeur_element(d: dict):
    of = etree.Element(q("organisme-financeur"))
    sub(of, "code-financeur", financeur_code(d.get("dispositif", "")))
    if integer_text(d.get("nb_places")):
        sub(of, "nb-places-financees", integer_text(d["nb_places"]))
    extras(of, "dispositif", d)
    return of


def write_offers(offers: Iterable[dict], sites: dict[str, dict], contacts: dict[str, dict], path: Path) -> int:
    """Write the offers as LHÉO 2.3; returns the number of formations written.

    LHÉO needs at least one formation: with none, no file is written (and a stale
    one from an earlier run is removed, so it cannot be mistaken for this run's).
    """
    path = Path(path)
    directory = Directory(sites, contacts)
    elements = (formation_element(f, directory) for f in offers)
    elements = (e for e in elements if e is not None)
    first = next(elements, None)
    if first is None:
        path.unlink(missing_ok=True)
        return 0
    count = 0
    with atomic_path(path) as tmp:
        with etree.xmlfile(str(tmp), encoding="utf-8") as xf:
            xf.write_declaration()
            with xf.element(q("lheo"), nsmap={None: NS_23}):
                xf.write("\n")
                with xf.element(q("offres")):
                    xf.write("\n")
                    for el in _chain(first, elements):
                        xf.write(el, pretty_print=True)
                        count += 1
                xf.write("\n")
                xf.write(directory.annuaire(), pretty_print=True)
    return count


def _chain(first, rest):
    yield first
    yield from rest


def write_lheo(result, path: Path) -> int:
    """The accepted offers of a run (picked up by writers/output.py)."""
    from ..records import directory_records, offer_records
    return write_offers(offer_records(result), directory_records(result, "site"),
                        directory_records(result, "contact"), path)
