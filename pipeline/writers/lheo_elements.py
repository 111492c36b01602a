"""The small LHÉO 2.3 elements that lheo.xml is made of, shared by the writer of FASD's own
formations (lheo.py) and that of a producer's formation written back (lheo_origin.py):
qualified names, FASD extras, coordinates, the directory of sites and contacts, referents,
places and funders."""

from __future__ import annotations

import textwrap
from typing import Callable

from lxml import etree

from ..lheo import (
    ANNUAIRE,
    FASD,
    NS_23,
    PLACEHOLDER_NDA,
    PLACEHOLDER_POSTCODE,
    PLACEHOLDER_SIRET,
    PLACEHOLDER_TEXT,
    STANDARD,
)
from ..lheo.codes import (
    cell_text,
    financeur_code,
    integer_text,
)
from ..model.fields import ENTITIES
from .xmltext import XmlOut, attr, fragment, text, xml_text


MAX_FINANCEURS = 8  # organisme-financeur per action in the XSD
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


def financeur_element(out: XmlOut, depth: int, d: dict) -> None:
    of = out.open(depth, "organisme-financeur")
    out.leaf(depth + 1, "code-financeur", financeur_code(d.get("dispositif", "")))
    if integer_text(d.get("nb_places")):
        out.leaf(depth + 1, "nb-places-financees", integer_text(d["nb_places"]))
    extras(out, depth + 1, "dispositif", d)
    out.close(depth, "organisme-financeur", of)


def standalone_text(name: str, text: str, **attrs):
    el = standalone(name, **attrs)
    el.text = xml_text(text)
    return el
