"""LHÉO elements -> FASD rows: formation > action > session > dispositif, sites, contacts.

The mapping of pipeline/lheo/mapping.py, applied: one FASD session per LHÉO session;
organisme-formation-responsable, organisme-formateur, lieu-de-formation and the
contacts become sites and contacts (a code is derived from the SIRET, or a hash, when
the element has no `numero`); organisme-financeur becomes a dispositif. Files written
by this project carry the FASD fields LHÉO cannot express in `extras`
(pipeline/lheo/__init__.py), which makes the round trip exact. The element paths a
field is read from, and which fields are standard, come from the mapping table; what
needs logic (free-text rythmes, Formacode versions of publics, LHÉO actions folded
back into FASD actions, funders without a name) is here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import Counter

from lxml import etree

from ..model.lists import enumeration
from ..lheo import ANNUAIRE, FASD
from ..lheo.codes import (
    CONTACT_TYPES_BACK,
    MODALITES_PEDAGOGIQUES_BACK,
    PARCOURS_BACK,
    VALIDATION_MIXTE,
    financeur_label,
    iso_date,
)
from ..model.formacode import public_v12, public_version
from ..lheo.freetext import read_rythme
from ..lheo.mapping import ANNUAIRE_PATH, SITE_ELEMENTS, read_paths, steps
from ..model.fields import ENTITIES
from .lheo_elements import Bundle, ElementReader, clean

NUMBER = re.compile(r"\s*\d+(?:[.,]\d+)?\s*(?:€|EUR|euros?)?\s*", re.IGNORECASE)
VALIDATION_BACK = {"0": "partielle", "1": "totale", VALIDATION_MIXTE: "totale"}


def site_paths() -> dict[str, str]:
    """Where a site's field is inside its element (responsable, formateur or lieu): the
    coordinates' path is the same in all three; the SIRET and the name have another
    element in each, so the report names them by their label."""
    paths = read_paths("site")
    for name in ("siret", "nom", "numero_activite"):
        paths[name] = ENTITIES["site"].field(name).plain_label
    return paths


def _hash(*parts: str) -> str:
    return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()[:8].upper()


class FormationMapper(ElementReader):
    """Maps one `formation` element (or the root directory extras) to rows."""

    def field_text(self, el, entity: str, name: str, under: str) -> str:
        """The text of a field's element below `el`, the element at path `under`, where
        the mapping table puts it."""
        return self.text(el, *steps(entity, name, under))

    def field_texts(self, el, entity: str, name: str, under: str) -> list[str]:
        """The texts of a multi-valued field's elements below `el` (one per value)."""
        *parents, last = steps(entity, name, under)
        return self.texts(self.kid(el, *parents) if parents else el, last)

    def date_of(self, f):
        """The date of the offer as its producer wrote it: datemaj, datecrea, else the
        first session start (decides the Formacode version of public codes)."""
        texts = [f.get("datemaj"), f.get("datecrea")]
        starts = "/".join(f"{{{self.ns}}}{n}" for n in ("action", "session", "periode", "debut"))
        texts += [d.text for d in f.iterfind(starts)]
        days = [iso_date(t or "") for t in texts if t]
        days = sorted(d for d in days if re.fullmatch(r"\d{4}-\d{2}-\d{2}", d))
        chosen = next((iso_date(t) for t in texts[:2] if t and re.fullmatch(r"\d{8}", t.strip())), None) or (
            days[0] if days else None
        )
        try:
            return dt.date.fromisoformat(chosen) if chosen else None
        except ValueError:
            return None

    def publics(self, a) -> str:
        """Public codes of an action in Formacode V12 (formacode.py); a code of an older
        version without a known V12 code is kept as written. Both are noted."""
        codes = []
        for el in self.kids(a, steps("dispositif", "publics", "formation/action")[0]):
            code = clean(el.text or "").strip()
            if not code:
                continue
            version = public_version(el.get("ref"), getattr(self, "flow_date", None))
            v12 = public_v12(code, version)
            if version != "V12":
                self.bundle.publics[(code, version, v12 or "")] += 1
                self.bundle.as_written |= v12 is None
            codes.append(v12 or code)
        # a code outside the list of publics (a domain Formacode): the record leaves it out, lheo.xml keeps it
        self.bundle.as_written |= any(enumeration("publics").match(c) is None for c in codes)
        return "; ".join(dict.fromkeys(codes))

    def modalites(self, a, base: str) -> list[str]:
        """SOFI's modalités pédagogiques of the Formacodes it knows; another Formacode is
        kept as written (the profile says it is outside SOFI's list, lheo.xml keeps it)."""
        codes = [c.strip() for c in self.field_texts(a, "session", "modalites_pedagogiques", base)]
        self.bundle.as_written |= any(c not in MODALITES_PEDAGOGIQUES_BACK for c in codes)
        return [MODALITES_PEDAGOGIQUES_BACK.get(c, c) for c in codes]

    # -- directory ---------------------------------------------------------------------
    def coordonnees(self, co, row: dict) -> None:
        """Site fields from a `coordonnees` element (address, phone, mail, web)."""
        if co is None:
            return
        adresse = self.kid(co, "adresse")
        lines = self.texts(adresse, "ligne")
        free = self.texts(co, "ligne")  # free lines beside the address: the place's name (Onisep)
        nom = self.text(adresse, "denomination") or self.text(co, "nom") or (" ".join(free) if lines else "")
        if not row.get("nom"):
            row["nom"] = nom.strip()
        row["adresse"] = " ".join(t.strip() for t in lines or free)
        for name in ("code_postal", "ville", "code_insee_commune"):
            row[name] = self.field_text(adresse, "site", name, "coordonnees/adresse")
        row["telephone"] = self.field_text(co, "site", "telephone", "coordonnees") or self.text(
            co, "portable", "numtel"
        )
        for name in ("courriel", "web"):
            row[name] = self.field_text(co, "site", name, "coordonnees")

    def site(self, el, numero: str, siret: str, row: dict, path: str) -> str:
        row = {k: v for k, v in row.items() if v}
        code = (
            numero
            or siret
            or "L" + _hash(row.get("nom", ""), row.get("adresse", ""), row.get("code_postal", ""), row.get("ville", ""))
        )
        row.update(code_site=code, siret=siret, _line=el.sourceline)
        self.bundle.rows["site"].append(row)
        if "site" not in self.kinds:  # one path per field for the three elements; the line says which
            self.kinds.add("site")
            for name, where in site_paths().items():
                self.note("site", name, where)
        return code

    def responsable(self, el) -> str:
        if el is None:
            return ""
        nom, raison_sociale = self.text(el, "nom-organisme"), self.text(el, "raison-sociale")
        row = {"nom": nom or raison_sociale, "numero_activite": self.text(el, "numero-activite")}
        self.coordonnees(self.kid(el, "coordonnees-organisme", "coordonnees"), row)
        for c in self.kids(el, "contact-organisme"):
            self.contact(c, self.kid(c, "coordonnees"))
            self.kid(c, "type-contact")
        return self.site(
            el,
            el.get("numero", ""),
            self.text(el, "SIRET-organisme-formation", "SIRET"),
            row,
            SITE_ELEMENTS["responsable"],
        )

    def lieu(self, el) -> str:
        row: dict = {}
        self.coordonnees(self.kid(el, "coordonnees"), row)
        return self.site(
            el, el.get("numero", ""), self.text(el, "SIRET-lieu-formation", "SIRET"), row, SITE_ELEMENTS["lieu"]
        )

    def formateur(self, el) -> str:
        row = {"nom": self.text(el, "raison-sociale-formateur")}
        for c in self.kids(el, "contact-formateur"):
            self.contact(c, self.kid(c, "coordonnees"))
            self.kid(c, "type-contact")
        return self.site(
            el, el.get("numero", ""), self.text(el, "SIRET-formateur", "SIRET"), row, SITE_ELEMENTS["formateur"]
        )

    def contact(self, holder, co) -> str:
        """A contact from `coordonnees`; its code is the holder's numero, or derived."""
        if co is None:
            return ""
        row = {
            name: self.field_text(co, "contact", name, "coordonnees")
            for name in ("civilite", "nom", "prenom", "courriel")
        }
        row["telephone"] = self.field_text(co, "contact", "telephone", "coordonnees") or self.text(
            co, "portable", "numtel"
        )
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
            for name, where in read_paths("contact").items():
                self.note("contact", name, where)
        return code

    # -- offers ------------------------------------------------------------------------
    def formation(self, f) -> Bundle:
        base = "formation"
        ex = self.extras(f)
        self.flow_date = self.date_of(f)
        row = {"_line": f.sourceline, "ref_formation": f.get("numero") or f"F-L{f.sourceline}"}
        for name in ("formacodes", "codes_rome", "codes_nsf"):
            row[name] = "; ".join(self.field_texts(f, "formation", name, base))
        for name in ("intitule", "objectif_formation", "contenu_formation", "certifinfo"):
            row[name] = self.field_text(f, "formation", name, base)
        certifications = self.kids(f, "certification")
        if certifications:  # the first one
            for name in ("code_certifinfo", "code_rncp", "code_rs"):
                row[name] = self.field_text(certifications[0], "formation", name, "formation/certification")
            for extra in certifications[1:]:
                self.seen.discard(extra)
        for name in ("objectif_general", "niveau_sortie", "url_formation"):
            row[name] = self.field_text(f, "formation", name, base)
        context = {
            "niveau_entree": self.field_text(f, "action", "niveau_entree", base),
            "resultats_attendus": self.field_text(f, "action", "resultats_attendus", base),
            "types_parcours": PARCOURS_BACK.get(p := self.field_text(f, "session", "types_parcours", base).strip(), p),
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
        row = {
            "_line": a.sourceline,
            "ref_action": ref,
            "ref_formation": ref_formation,
            "code_site_dispensateur": (
                self.formateur(formateurs[0]) if formateurs else context["code_site_responsable"]
            ),
            "niveau_entree": context["niveau_entree"],
            "resultats_attendus": context["resultats_attendus"],
            **{
                name: self.field_text(a, "action", name, base)
                for name in ("niveau_entree_obligatoire", "prerequis", "url_action")
            },
        }
        for other in formateurs[1:]:
            self.formateur(other)
        equipement = self.kid(a, "equipement")
        if equipement is not None:
            for name in ("type_equipement", "cout_equipement", "commentaire_equipement"):
                row[name] = self.field_text(equipement, "action", name, f"{base}/equipement")
        self.apply("action", row, ex)
        previous = actions.get(ref)
        if previous is None or {k: v for k, v in previous.items() if k != "_line"} != {
            k: v for k, v in row.items() if k != "_line"
        }:
            actions[ref] = row
            self.keep("action", row, base, ex, read_paths("action"))
        self.kid(a, "modalites-alternance")  # required by LHÉO, nothing in FASD
        rythme = self.field_text(a, "session", "rythmes", base)
        read = read_rythme(rythme)
        modalites = self.modalites(a, base)
        shared = {
            "code_site_lieu": (self.lieu(lieux[0]) if lieux else context["code_site_responsable"]),
            "code_site_responsable": context["code_site_responsable"],
            # no rythme in the text: empty when it said something else ("FOAD"), else as
            # given so that the report shows it (lheo/freetext.py)
            "rythmes": "; ".join(read.get("rythmes", [])) or ("" if read else rythme),
            "types_parcours": context["types_parcours"],
            "entrees_sorties_permanentes": self.field_text(a, "session", "entrees_sorties_permanentes", base),
            "modalite_enseignement": self.field_text(a, "session", "modalite_enseignement", base),
            "modalites_pedagogiques": "; ".join(modalites or read.get("modalites_pedagogiques", [])),
            "duree_centre_h": self.field_text(a, "session", "duree_centre_h", base),
            "duree_entreprise_h": self.field_text(a, "session", "duree_entreprise_h", base),
            "informations_collectives": "; ".join(
                iso_date(self.text(d, "date")) for d in self.kids(a, "date-information")
            ),
        }
        for other in lieux[1:]:
            self.lieu(other)
        money = {}
        for name in ("frais_ttc", "frais_additionnels"):
            (element,) = steps("dispositif", name, base)
            found = self.index(a).get(self.q(element))
            el = found[0] if found else None
            if el is not None and NUMBER.fullmatch(el.text or ""):
                money[name] = self.text(a, element)
        dispositif_defaults = {
            "publics": self.publics(a),
            "prise_en_charge_frais": self.field_text(a, "dispositif", "prise_en_charge_frais", base),
            **money,
        }
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
        row = {
            "_line": s.sourceline,
            "ref_session": s.get("numero") or f"{ref_action}-S{s.sourceline}",
            "ref_action": ref_action,
            **shared,
            "date_debut": iso_date(self.field_text(s, "session", "date_debut", base)),
            "date_fin": iso_date(self.field_text(s, "session", "date_fin", base)),
            "etat_recrutement": self.field_text(s, "session", "etat_recrutement", base),
            "modalites_recrutement": "; ".join(
                self.text(r, "modalite-recrutement") for r in self.kids(s, "recrutement")
            ),
        }
        inscription = self.kid(s, "periode-inscription", "periode")
        if inscription is not None:
            for name in ("inscription_debut", "inscription_fin"):
                row[name] = iso_date(
                    self.field_text(inscription, "session", name, f"{base}/periode-inscription/periode")
                )
            # a bound unknown (00000000): absent, the period to complete; lheo.xml keeps it as written
            self.bundle.as_written |= bool(row["inscription_debut"]) != bool(row["inscription_fin"])
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
            self.keep(
                "dispositif",
                {
                    "_line": s.sourceline,
                    "ref_session": row["ref_session"],
                    "ref_dispositif": "",
                    "dispositif": "",
                    "nb_places": "",
                    **defaults,
                },
                "formation/action/organisme-financeur",
                None,
                {k: v for k, v in read_paths("dispositif").items() if k in ("publics", "prise_en_charge_frais")},
            )

    def dispositif(self, of, ref_session: str, defaults: dict, used: Counter) -> None:
        base = "formation/action/organisme-financeur"
        ex = self.extras(of)
        code = self.field_text(of, "dispositif", "ref_dispositif", base).strip()
        used[code] += 1
        row = {
            "_line": of.sourceline,
            "ref_session": ref_session,
            "ref_dispositif": code if used[code] == 1 else f"{code}-{used[code]}",
            "dispositif": financeur_label(code) if code else "",
            "nb_places": self.field_text(of, "dispositif", "nb_places", base),
            **defaults,
        }
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
