"""LHÉO XML (2.3 or 2.2, UTF-8 or ISO-8859-1) -> the raw tables of the workbook readers.

The file is streamed: `lxml.etree.iterparse` hands over one `formation` at a time,
which is mapped to rows and then cleared (with its already-read siblings), so
memory follows one formation, not the file. The parser never resolves entities,
never loads a DTD and never touches the network; a DOCTYPE that declares entities
or an external DTD is refused before any content is read.

Mapping (docs/lheo-mapping.md): formation > action > session as in FASD, one FASD
session per LHÉO session; organisme-formation-responsable, organisme-formateur,
lieu-de-formation and the contacts become sites and contacts (a code is derived
from the SIRET when the element has no `numero`); organisme-financeur becomes a
dispositif. Files written by this project carry the FASD fields LHÉO cannot express
in `extras` (see pipeline/lheo/__init__.py), which makes the round trip exact.
Elements the mapping does not use are counted and reported (LHEO_UNUSED, one
information line per path) and kept: a formation holding some is kept whole as
written (`Table.origins`, then `lheo_origine` in records.jsonl) and lheo.xml is
written from it (writers/lheo.py `origin_element`).
"""
from __future__ import annotations

import copy
import datetime as dt
import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterator

import pandas as pd
from lxml import etree

from ..findings import Findings
from ..lheo import ANNUAIRE, FASD, NAMESPACES, NS_22, NS_23, ORIGIN_REF, PLACEHOLDERS
from ..lheo.codes import (CONTACT_TYPES_BACK, MODALITES_PEDAGOGIQUES_BACK, PARCOURS_BACK,
                          VALIDATION_MIXTE, financeur_label, iso_date)
from ..lheo.formacode import public_v12, public_version
from ..lheo.mapping import ANNUAIRE_PATH, SITE_ELEMENTS, STANDARD, read_paths
from ..lheo.freetext import read_rythme
from ..model import ENTITIES
from ..placeholders import is_placeholder
from ..tables import SourceColumn, Table, conform
from .errors import InputError

PARSER_OPTIONS = dict(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                      remove_comments=True, remove_pis=True)
NUMBER = re.compile(r"\s*\d+(?:[.,]\d+)?\s*(?:€|EUR|euros?)?\s*", re.IGNORECASE)
VALIDATION_BACK = {"0": "partielle", "1": "totale", VALIDATION_MIXTE: "totale"}


@dataclass
class Bundle:
    """What one formation (or the root directory extras) gives: rows and the unused."""
    rows: dict[str, list[dict]] = field(default_factory=lambda: {e: [] for e in ENTITIES})
    annuaire: bool = False
    unused: Counter = field(default_factory=Counter)
    paths: dict = field(default_factory=dict)
    publics: Counter = field(default_factory=Counter)  # (code, version, V12 code or "") -> count
    origins: dict = field(default_factory=dict)        # formation line -> its XML, when FASD leaves some out


def _short(message: str) -> str:
    return message.split(", line ")[0].strip().rstrip(".")[:150]


def check_prolog(path: Path) -> str:
    """Namespace of the `lheo` root; InputError for a DOCTYPE, a wrong root or bad XML."""
    name = path.name
    try:
        for _, root in etree.iterparse(str(path), events=("start",), **PARSER_OPTIONS):
            break
        else:
            raise InputError(f"{name} : fichier XML vide.")
    except etree.XMLSyntaxError as exc:
        raise InputError(f"{name} : XML mal formé ligne {exc.lineno} ({_short(exc.msg)}).") from None
    except OSError as exc:
        raise InputError(f"{name} : fichier illisible ({exc.strerror or exc}).") from None
    info = root.getroottree().docinfo
    dtd = info.internalDTD
    entities = list(dtd.entities()) if dtd is not None else []
    external = [e for e in entities if e.system_url]
    if external:
        raise InputError(f"{name} : entité externe « {external[0].name} » vers « {external[0].system_url} » "
                         "(XXE) refusée : un flux LHÉO ne doit pas déclarer d'entités.")
    if entities:
        raise InputError(f"{name} : déclarations d'entités ({', '.join(e.name for e in entities[:3])}…) "
                         "refusées (risque d'expansion exponentielle) : un flux LHÉO ne doit pas en contenir.")
    if info.system_url or info.public_id:
        raise InputError(f"{name} : DTD externe « {info.system_url or info.public_id} » refusée : "
                         "le lecteur ne charge aucune DTD et n'accède pas au réseau.")
    qname = etree.QName(root)
    if qname.localname != "lheo" or qname.namespace not in NAMESPACES:
        found = f"{{{qname.namespace}}}{qname.localname}" if qname.namespace else qname.localname
        raise InputError(f"{name} : racine « {found} » inattendue ; un flux LHÉO commence par « lheo » "
                         f"dans l'espace de noms {NAMESPACES[0]} ou {NAMESPACES[1]}.")
    return qname.namespace


def stream_lheo(path: Path) -> Iterator[Bundle]:
    """One Bundle per formation (and one for the directory extras), clearing as it goes."""
    path = Path(path)
    ns = check_prolog(path)
    formation_tag, extras_tag, root_tag, offres_tag = (f"{{{ns}}}{n}" for n in ("formation", "extras", "lheo", "offres"))
    paths: dict = {}
    kinds: set = set()
    context = etree.iterparse(str(path), events=("end",), tag=(formation_tag, extras_tag), **PARSER_OPTIONS)
    try:
        for _, el in context:
            parent = el.getparent()
            if el.tag == formation_tag:
                yield FormationMapper(ns, paths, kinds).formation(el)
            elif parent is not None and parent.tag in (root_tag, offres_tag):
                yield FormationMapper(ns, paths, kinds).root_extras(el)
            else:
                continue
            el.clear(keep_tail=False)
            while el.getprevious() is not None:
                del parent[0]
    except etree.XMLSyntaxError as exc:
        raise InputError(f"{path.name} : XML mal formé ligne {exc.lineno} ({_short(exc.msg)}).") from None
    finally:
        del context


@lru_cache(maxsize=None)
def _qname(ns: str, name: str) -> str:
    return f"{{{ns}}}{name}"


def _hash(*parts: str) -> str:
    return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()[:8].upper()


def _clean(text: str) -> str:
    """Element text, or "" for a placeholder: ours (writers/lheo.py) and the shared list
    (`-`, `00000000`…, pipeline/placeholders.py), so one element of a list is blanked alone."""
    stripped = text.strip()
    return "" if stripped in PLACEHOLDERS or is_placeholder(stripped) else text


class FormationMapper:
    """Maps one `formation` element to rows, remembering which elements it used."""

    def __init__(self, ns: str, paths: dict | None = None, kinds: set | None = None) -> None:
        self.ns = ns
        self.seen: set = set()
        self.bundle = Bundle()
        # Shared by the mappers of one file: element path of each field, kinds already noted.
        self.paths: dict[tuple[str, str], str] = {} if paths is None else paths
        self.kinds: set = set() if kinds is None else kinds
        self._index: dict = {}
        self.refs: dict = {}  # action, session, organisme-financeur element -> FASD key it became

    # -- element access that records what was used ---------------------------------
    def q(self, name: str) -> str:
        return _qname(self.ns, name)

    def index(self, el) -> dict[str, list]:
        """Children of `el` by tag, built once (find() re-parses its path on every call)."""
        idx = self._index.get(el)
        if idx is None:
            idx = {}
            for c in el.iterchildren(tag=etree.Element):
                idx.setdefault(c.tag, []).append(c)
            self._index[el] = idx
        return idx

    def kid(self, el, *names):
        for name in names:
            if el is None:
                return None
            found = self.index(el).get(_qname(self.ns, name))
            if not found:
                return None
            el = found[0]
            self.seen.add(el)
        return el

    def kids(self, el, name: str) -> list:
        if el is None:
            return []
        found = self.index(el).get(_qname(self.ns, name), [])
        self.seen.update(found)
        return found

    def text(self, el, *names) -> str:
        el = self.kid(el, *names)
        if el is None:
            return ""
        value = (el.text or "") if len(el) == 0 else "".join(el.itertext())
        return _clean(value)

    def texts(self, el, name: str) -> list[str]:
        return [t for t in (_clean(e.text or "") for e in self.kids(el, name)) if t.strip()]

    def note(self, entity: str, name: str, path: str) -> None:
        self.paths.setdefault((entity, name), path)

    def extras(self, el) -> dict[str, str] | None:
        """The FASD fields of `<extras info="fasd">`, or None when the element has none."""
        found = None
        for x in self.kids(el, "extras"):
            if x.get("info") != FASD:
                self.seen.discard(x)
                continue
            found = {} if found is None else found
            for e in self.kids(x, "extra"):
                if e.get("info") and e.get("info") != "dispositifs":
                    found[e.get("info")] = e.text or ""
        return found

    @staticmethod
    def apply(entity: str, row: dict, extras: dict | None) -> None:
        """Authoritative extras: every non-standard field from them, overrides too."""
        if extras is None:
            return
        standard = STANDARD[entity]
        for name in ENTITIES[entity].names:
            if name in extras:
                row[name] = extras[name]
            elif name not in standard:
                row[name] = ""

    def keep(self, entity: str, row: dict, base: str, extras: dict | None, standard_paths: dict) -> None:
        """Add the row; note its fields' element paths once per kind of element."""
        self.bundle.rows[entity].append(row)
        kind = (entity, extras is not None)
        if kind in self.kinds:
            return
        self.kinds.add(kind)
        for name in row:
            if name.startswith("_"):
                continue
            if extras is not None and (name in extras or name not in STANDARD[entity]):
                self.note(entity, name, f"{base}/extras/extra[@info='{name}']")
            elif name in standard_paths:
                self.note(entity, name, standard_paths[name])

    def finish(self, top, where: str = "") -> Bundle:
        """Count the elements under `top` that the mapping did not use, by path."""
        for el in top.iter(etree.Element):
            if el not in self.seen and (el is not top or where):
                names = []
                e = el
                while e is not None and e is not top:
                    names.append(etree.QName(e).localname)
                    e = e.getparent()
                names.append(etree.QName(top).localname)
                self.bundle.unused[where + "/".join(reversed(names))] += 1
        self.bundle.paths = self.paths
        if self.bundle.unused and etree.QName(top).localname == "formation":
            self.bundle.origins[top.sourceline] = self.origin(top)
        return self.bundle

    def origin(self, f) -> str:
        """The formation as written, in the 2.3 namespace, each action, session and
        funder stamped with the FASD key it became (`fasd-ref`, see ORIGIN_REF): the
        writer starts from it, so what FASD does not model is written back in place."""
        copied = copy.deepcopy(f)
        for original, el in zip(f.iter(), copied.iter()):
            if not isinstance(el.tag, str):
                continue
            qname = etree.QName(el)
            if qname.namespace == NS_22:
                el.tag = f"{{{NS_23}}}{qname.localname}"
            if original in self.refs:
                el.set(ORIGIN_REF, self.refs[original])
        root = etree.Element(copied.tag, dict(copied.attrib), nsmap={None: NS_23})
        root.text = copied.text
        root[:] = copied[:]
        etree.cleanup_namespaces(root)
        return etree.tostring(root, encoding="unicode")

    def date_of(self, f):
        """The date of the offer as its producer wrote it: datemaj, datecrea, else the
        first session start (decides the Formacode version of public codes)."""
        texts = [f.get("datemaj"), f.get("datecrea")]
        texts += [d.text for d in f.iterfind(f"{{{self.ns}}}action/{{{self.ns}}}session/{{{self.ns}}}periode/{{{self.ns}}}debut")]
        days = [iso_date(t or "") for t in texts if t]
        days = sorted(d for d in days if re.fullmatch(r"\d{4}-\d{2}-\d{2}", d))
        chosen = next((iso_date(t) for t in texts[:2] if t and re.fullmatch(r"\d{8}", t.strip())), None) or \
            (days[0] if days else None)
        try:
            return dt.date.fromisoformat(chosen) if chosen else None
        except ValueError:
            return None

    def publics(self, a) -> str:
        """Public codes of an action in Formacode V12 (formacode.py); the others are noted."""
        codes = []
        for el in self.kids(a, "code-public-vise"):
            code = _clean(el.text or "").strip()
            if not code:
                continue
            version = public_version(el.get("ref"), getattr(self, "flow_date", None))
            v12 = public_v12(code, version)
            if version != "V12":
                self.bundle.publics[(code, version, v12 or "")] += 1
            if v12:
                codes.append(v12)
        return "; ".join(dict.fromkeys(codes))

    # -- directory ---------------------------------------------------------------------
    def coordonnees(self, co, row: dict) -> None:
        """Site fields from a `coordonnees` element (address, phone, mail, web)."""
        if co is None:
            return
        adresse = self.kid(co, "adresse")
        nom = self.text(adresse, "denomination") or self.text(co, "nom")
        if not row.get("nom"):
            row["nom"] = nom
        lines = self.texts(adresse, "ligne") or self.texts(co, "ligne")
        row["adresse"] = " ".join(t.strip() for t in lines)
        row["code_postal"] = self.text(adresse, "codepostal")
        row["ville"] = self.text(adresse, "ville")
        row["code_insee_commune"] = self.text(adresse, "code-INSEE-commune")
        row["telephone"] = self.text(co, "telfixe", "numtel") or self.text(co, "portable", "numtel")
        row["courriel"] = self.text(co, "courriel")
        row["web"] = self.text(co, "web", "urlweb")

    def site(self, el, numero: str, siret: str, row: dict, path: str) -> str:
        row = {k: v for k, v in row.items() if v}
        code = numero or siret or "L" + _hash(row.get("nom", ""), row.get("adresse", ""),
                                             row.get("code_postal", ""), row.get("ville", ""))
        row.update(code_site=code, siret=siret, _line=el.sourceline)
        self.bundle.rows["site"].append(row)
        if ("site", path) not in self.kinds:
            self.kinds.add(("site", path))
            for name in ENTITIES["site"].names:
                self.note("site", name, path)
        return code

    def responsable(self, el) -> str:
        if el is None:
            return ""
        nom, raison_sociale = self.text(el, "nom-organisme"), self.text(el, "raison-sociale")
        row = {"nom": nom or raison_sociale,
               "numero_activite": self.text(el, "numero-activite")}
        self.coordonnees(self.kid(el, "coordonnees-organisme", "coordonnees"), row)
        for c in self.kids(el, "contact-organisme"):
            self.contact(c, self.kid(c, "coordonnees"))
            self.kid(c, "type-contact")
        return self.site(el, el.get("numero", ""), self.text(el, "SIRET-organisme-formation", "SIRET"), row,
                         SITE_ELEMENTS["responsable"])

    def lieu(self, el) -> str:
        row: dict = {}
        self.coordonnees(self.kid(el, "coordonnees"), row)
        return self.site(el, el.get("numero", ""), self.text(el, "SIRET-lieu-formation", "SIRET"), row,
                         SITE_ELEMENTS["lieu"])

    def formateur(self, el) -> str:
        row = {"nom": self.text(el, "raison-sociale-formateur")}
        for c in self.kids(el, "contact-formateur"):
            self.contact(c, self.kid(c, "coordonnees"))
            self.kid(c, "type-contact")
        return self.site(el, el.get("numero", ""), self.text(el, "SIRET-formateur", "SIRET"), row,
                         SITE_ELEMENTS["formateur"])

    def contact(self, holder, co) -> str:
        """A contact from `coordonnees`; its code is the holder's numero, or derived."""
        if co is None:
            return ""
        row = {"civilite": self.text(co, "civilite"), "nom": self.text(co, "nom"),
               "prenom": self.text(co, "prenom"), "courriel": self.text(co, "courriel"),
               "telephone": self.text(co, "telfixe", "numtel") or self.text(co, "portable", "numtel")}
        numero = holder.get("numero") or co.get("numero") or ""
        person = row["nom"] or row["prenom"] or (numero and etree.QName(holder).localname == "contact-session")
        if not person:
            for sub in co.iter(etree.Element):
                self.seen.add(sub)  # no person: an address or a switchboard (kept in lheo.xml)
            return ""
        code = numero or "C" + _hash(row["nom"], row["prenom"], row["courriel"], row["telephone"])
        row = {k: v for k, v in row.items() if v}
        row.update(code_contact=code, _line=co.sourceline)
        self.bundle.rows["contact"].append(row)
        if "contact" not in self.kinds:
            self.kinds.add("contact")
            for name in ENTITIES["contact"].names:
                self.note("contact", name, f"{etree.QName(holder).localname}/coordonnees")
        return code

    # -- offers ------------------------------------------------------------------------
    def formation(self, f) -> Bundle:
        base = "formation"
        ex = self.extras(f)
        self.flow_date = self.date_of(f)
        row = {"_line": f.sourceline, "ref_formation": f.get("numero") or f"F-L{f.sourceline}"}
        dom = self.kid(f, "domaine-formation")
        row["formacodes"] = "; ".join(self.texts(dom, "code-FORMACODE"))
        row["codes_rome"] = "; ".join(self.texts(dom, "code-ROME"))
        row["codes_nsf"] = "; ".join(self.texts(dom, "code-NSF"))
        row["intitule"] = self.text(f, "intitule-formation")
        row["objectif_formation"] = self.text(f, "objectif-formation")
        row["contenu_formation"] = self.text(f, "contenu-formation")
        row["certifinfo"] = self.text(f, "certifiante")
        certifications = self.kids(f, "certification")
        if certifications:
            cert = certifications[0]
            row["code_certifinfo"] = self.text(cert, "code-CERTIFINFO")
            row["code_rncp"] = self.text(cert, "code-RNCP")
            row["code_rs"] = self.text(cert, "code-RS")
            for extra in certifications[1:]:
                self.seen.discard(extra)
        row["objectif_general"] = self.text(f, "objectif-general-formation")
        row["niveau_sortie"] = self.text(f, "code-niveau-sortie")
        row["url_formation"] = self.text(f, "url-formation", "urlweb")
        context = {
            "niveau_entree": self.text(f, "code-niveau-entree"),
            "resultats_attendus": self.text(f, "resultats-attendus"),
            "types_parcours": PARCOURS_BACK.get(p := self.text(f, "parcours-de-formation").strip(), p),
            "code_site_responsable": self.responsable(self.kid(f, "organisme-formation-responsable")),
        }
        for c in self.kids(f, "contact-formation"):
            self.contact(c, self.kid(c, "coordonnees"))
            self.kid(c, "type-contact")
        blocs: dict = {}
        actions: dict[str, dict] = {}
        for a in self.kids(f, "action"):
            self.action(a, row["ref_formation"], context, actions, blocs)
        if ex is None and blocs:
            row["validation"] = VALIDATION_BACK.get(blocs["validation"], blocs["validation"])
            row["individualisation"] = "oui" if blocs["validation"] == VALIDATION_MIXTE else ""
            row["blocs"] = blocs["blocs"]
        self.apply("formation", row, ex)
        self.keep("formation", row, base, ex, read_paths("formation"))
        return self.finish(f)

    def action(self, a, ref_formation: str, context: dict, actions: dict, blocs: dict) -> None:
        base = "formation/action"
        ex = self.extras(a)
        ref = a.get("numero") or f"{ref_formation}-A{a.sourceline}"
        self.refs[a] = ref
        formateurs = self.kids(a, "organisme-formateur")
        lieux = self.kids(a, "lieu-de-formation")
        row = {"_line": a.sourceline, "ref_action": ref, "ref_formation": ref_formation,
               "code_site_dispensateur": (self.formateur(formateurs[0]) if formateurs
                                          else context["code_site_responsable"]),
               "niveau_entree": context["niveau_entree"], "resultats_attendus": context["resultats_attendus"],
               "niveau_entree_obligatoire": self.text(a, "niveau-entree-obligatoire"),
               "prerequis": self.text(a, "conditions-specifiques"),
               "url_action": self.text(a, "url-action", "urlweb")}
        for other in formateurs[1:]:
            self.formateur(other)
        equipement = self.kid(a, "equipement")
        if equipement is not None:
            row["type_equipement"] = self.text(equipement, "type-equipement")
            row["cout_equipement"] = self.text(equipement, "cout-indicatif-equipement")
            row["commentaire_equipement"] = self.text(equipement, "commentaire")
        self.apply("action", row, ex)
        previous = actions.get(ref)
        if previous is None or {k: v for k, v in previous.items() if k != "_line"} != \
                {k: v for k, v in row.items() if k != "_line"}:
            actions[ref] = row
            self.keep("action", row, base, ex, read_paths("action"))
        self.kid(a, "modalites-alternance")  # required by LHÉO, nothing in FASD
        rythme = self.text(a, "rythme-formation")
        read = read_rythme(rythme)
        modalites = [MODALITES_PEDAGOGIQUES_BACK.get(c.strip(), c) for c in self.texts(a, "code-modalite-pedagogique")]
        shared = {
            "code_site_lieu": (self.lieu(lieux[0]) if lieux else context["code_site_responsable"]),
            "code_site_responsable": context["code_site_responsable"],
            # no rythme in the text: empty when it said something else ("FOAD"), else as
            # given so that the report shows it (lheo/freetext.py)
            "rythmes": "; ".join(read.get("rythmes", [])) or ("" if read else rythme),
            "types_parcours": context["types_parcours"],
            "entrees_sorties_permanentes": self.text(a, "modalites-entrees-sorties"),
            "modalite_enseignement": self.text(a, "modalites-enseignement"),
            "modalites_pedagogiques": "; ".join(modalites or read.get("modalites_pedagogiques", [])),
            "duree_centre_h": self.text(a, "nombre-heures-centre"),
            "duree_entreprise_h": self.text(a, "nombre-heures-entreprise"),
            "informations_collectives": "; ".join(iso_date(self.text(d, "date"))
                                                  for d in self.kids(a, "date-information")),
        }
        for other in lieux[1:]:
            self.lieu(other)
        money = {}
        for name, element in (("frais_ttc", "prix-total-TTC"), ("frais_additionnels", "frais-restants")):
            found = self.index(a).get(self.q(element))
            el = found[0] if found else None
            if el is not None and NUMBER.fullmatch(el.text or ""):
                money[name] = self.text(a, element)
        dispositif_defaults = {
            "publics": self.publics(a),
            "prise_en_charge_frais": self.text(a, "prise-en-charge-frais-possible"), **money}
        financeurs = list(self.kids(a, "organisme-financeur"))
        for x in self.index(a).get(self.q("extras"), []):
            if x.get("info") == FASD:
                for e in self.index(x).get(self.q("extra"), []):
                    if e.get("info") == "dispositifs":
                        self.seen.add(e)
                        financeurs += self.kids(e, "organisme-financeur")
        for s in self.kids(a, "session"):
            self.session(s, ref, shared, financeurs, dispositif_defaults, blocs)

    def session(self, s, ref_action: str, shared: dict, financeurs: list, defaults: dict, blocs: dict) -> None:
        base = "formation/action/session"
        ex = self.extras(s)
        row = {"_line": s.sourceline, "ref_session": s.get("numero") or f"{ref_action}-S{s.sourceline}",
               "ref_action": ref_action, **shared,
               "date_debut": iso_date(self.text(s, "periode", "debut")),
               "date_fin": iso_date(self.text(s, "periode", "fin")),
               "etat_recrutement": self.text(s, "etat-recrutement"),
               "modalites_recrutement": "; ".join(self.text(r, "modalite-recrutement")
                                                  for r in self.kids(s, "recrutement"))}
        inscription = self.kid(s, "periode-inscription", "periode")
        if inscription is not None:
            row["inscription_debut"] = iso_date(self.text(inscription, "debut"))
            row["inscription_fin"] = iso_date(self.text(inscription, "fin"))
        adresse = self.kid(s, "adresse-inscription")
        if adresse is not None:  # the place of registration: the session's place in FASD
            for el in adresse.iter(etree.Element):
                self.seen.add(el)
        for cs in self.kids(s, "contact-session"):
            code = self.contact(cs, self.kid(cs, "coordonnees"))
            role = CONTACT_TYPES_BACK.get(self.text(cs, "type-contact").strip())
            if role and code and not row.get(role):
                row[role] = code
        for b in self.kids(s, "blocs-competences"):
            codes = [self.text(bc, "code-bloc") for bc in self.kids(b, "bloc-competences")]
            for bc in b.iter(etree.Element):  # labels and reference: known, not needed
                self.seen.add(bc)
            if not blocs:
                blocs.update(validation=self.text(b, "validation-blocs").strip(), blocs="; ".join(codes))
        self.apply("session", row, ex)
        self.refs[s] = row["ref_session"]
        self.keep("session", row, base, ex, read_paths("session"))
        used: Counter = Counter()
        for of in financeurs:
            self.dispositif(of, row["ref_session"], defaults, used)
        if not financeurs:  # LHÉO does not require a funder: publics and fees still need a home
            self.keep("dispositif", {"_line": s.sourceline, "ref_session": row["ref_session"], "ref_dispositif": "",
                                     "dispositif": "", "nb_places": "", **defaults},
                      "formation/action/organisme-financeur", None,
                      {k: v for k, v in read_paths("dispositif").items() if k in ("publics", "prise_en_charge_frais")})

    def dispositif(self, of, ref_session: str, defaults: dict, used: Counter) -> None:
        base = "formation/action/organisme-financeur"
        ex = self.extras(of)
        code = self.text(of, "code-financeur").strip()
        used[code] += 1
        row = {"_line": of.sourceline, "ref_session": ref_session,
               "ref_dispositif": code if used[code] == 1 else f"{code}-{used[code]}",
               "dispositif": financeur_label(code) if code else "",
               "nb_places": self.text(of, "nb-places-financees"), **defaults}
        self.apply("dispositif", row, ex)
        self.refs[of] = row["ref_dispositif"] or ""
        self.keep("dispositif", row, base, ex, read_paths("dispositif"))

    def root_extras(self, x) -> Bundle:
        """`<extras info="fasd-annuaire">`: the exact directory written by this project."""
        if x.get("info") == ANNUAIRE and etree.QName(x.getparent()).localname == "lheo":
            self.seen.add(x)
            self.bundle.annuaire = True
            for group in self.kids(x, "extras"):
                entity = group.get("info")
                if entity not in ("site", "contact"):
                    self.seen.discard(group)
                    continue
                row = {e.get("info"): e.text or "" for e in self.kids(group, "extra") if e.get("info")}
                row["_line"] = group.sourceline
                self.bundle.rows[entity].append(row)
                for name in row:
                    if not name.startswith("_"):
                        self.note(entity, name, ANNUAIRE_PATH.format(entity=entity, field=name))
        return self.finish(x, where=etree.QName(x.getparent()).localname + "/")


class Directory:
    """Sites or contacts by code, merged as they stream in: memory follows the codes."""

    def __init__(self, entity: str) -> None:
        self.key = ENTITIES[entity].key[0]
        self.exact: dict[str, dict] = {}    # from the fasd-annuaire extras
        self.inline: dict[str, dict] = {}   # from the offers' elements, merged field by field

    def add(self, row: dict, exact: bool) -> None:
        code = row.get(self.key, "")
        if exact:
            self.exact.setdefault(code, row)
            return
        target = self.inline.get(code)
        if target is None:
            self.inline[code] = dict(row)
            return
        for name, value in row.items():
            if value and not target.get(name):
                target[name] = value

    def rows(self) -> list[dict]:
        """The exact directory wins; inline records fill in the codes it lacks."""
        return list(self.exact.values()) + [r for c, r in self.inline.items() if c not in self.exact]


class Columns:
    """Rows of one entity stored column-wise; repeated short values share one string."""

    def __init__(self, entity: str, pool: dict) -> None:
        self.names = ENTITIES[entity].names + ["_line"]
        self.data: dict[str, list] = {n: [] for n in self.names}
        self.pool = pool

    def add(self, row: dict) -> None:
        pool = self.pool
        for name in self.names:
            value = row.get(name, "")
            if isinstance(value, str) and len(value) < 64:
                value = pool.setdefault(value, value)
            self.data[name].append(value)

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame({n: pd.Series(v, dtype=object) for n, v in self.data.items()})


def read_lheo(path: Path, findings: Findings) -> dict[str, Table]:
    """Tables of one LHÉO file: entity -> Table (directory and offers)."""
    path = Path(path)
    source = path.name
    pool: dict[str, str] = {}
    offers = {e: Columns(e, pool) for e in ENTITIES if e not in ("site", "contact")}
    directory = {e: Directory(e) for e in ("site", "contact")}
    unused: Counter = Counter()
    publics: Counter = Counter()
    paths: dict[tuple[str, str], str] = {}
    origins: dict[tuple[str, int], str] = {}
    for bundle in stream_lheo(path):
        publics.update(bundle.publics)
        origins.update(((source, line), xml) for line, xml in bundle.origins.items())
        for entity, items in bundle.rows.items():
            if entity in directory:
                for row in items:
                    directory[entity].add(row, bundle.annuaire)
            else:
                for row in items:
                    offers[entity].add(row)
        unused.update(bundle.unused)
        for k, v in bundle.paths.items():
            paths.setdefault(k, v)
    frames = {e: c.frame() for e, c in offers.items()}
    for entity, d in directory.items():
        items = Columns(entity, pool)
        for row in d.rows():
            items.add(row)
        frames[entity] = items.frame()
    del pool
    tables = {}
    for entity in ENTITIES:
        frame = frames.pop(entity)
        frame["_source"] = source
        frame["_sheet"] = ""
        frame["_row"] = None
        columns = {name: SourceColumn(p, p) for (e, name), p in paths.items() if e == entity}
        tables[entity] = Table(entity, conform(entity, frame), {(source, ""): columns},
                               origins=origins if entity == "formation" else {})
    for (code, version, v12), count in sorted(publics.items()):
        where = "formation/action/code-public-vise"
        if v12:
            findings.add_file("PUBLIC_VERSION", source, column=where, value=code, count=count, version=version,
                              v12=v12)
        else:
            findings.add_file("PUBLIC_UNMAPPED", source, column=where, value=code, count=count, version=version)
    for element_path, count in sorted(unused.items()):
        findings.add_file("LHEO_UNUSED", source, column=element_path, value=str(count), count=count,
                          path=element_path)
    return tables
