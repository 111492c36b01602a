"""A producer's own LHÉO formation written back (records.py `lheo_origine`): its elements
kept in place, with only the accepted actions, sessions and funders, and FASD's values
where FASD changed or added one (issue 23: a flow keeps what FASD does not model)."""

from __future__ import annotations


from lxml import etree

from ..lheo import (
    NS_23,
    ORIGIN_REF,
    PLACEHOLDERS,
)
from ..model.formacode import correspondences
from ..lheo.order import insert_child
from ..readers.placeholders import is_placeholder
from ..lheo.codes import (
    CONTACT_TYPES,
    MODALITES_PEDAGOGIQUES,
)
from .xmltext import fragment, xml_text

from .lheo_elements import (
    MAX_FINANCEURS,
    Directory,
    contact_element,
    extras_element,
    financeur_element,
    fits,
    q,
    standalone_text,
)


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
        if action is None or not kept:
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
            of = fragment(
                NS_23, lambda out, depth, d=d: financeur_element(out, depth, d)
            )  # a funder given by --defauts
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
                    NS_23,
                    lambda out, depth, code=code, role=role: contact_element(
                        out, depth, "contact-session", code, role, directory
                    ),
                ),
            )
