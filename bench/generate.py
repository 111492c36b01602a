"""Seeded, realistic benchmark workloads: flat xlsx, the same as CSV, the template
workbook and LHÉO XML, at any number of sessions.

Realistic means what a hospital group or a regional network exports: formations
with texts of real length repeated on every flat row, several actions per formation,
several sessions per action, one to three dispositifs per session, the certifications
of the sample reference (DEAS 111669 / RNCP35830 and the illustrative DEAP, DEAES),
and about 1 % of records carrying a planted mistake of one of many kinds.

Files are cached under bench/work/ keyed by generator version, size and seed:
generating 100 000 sessions takes about a minute, reading them is what we measure.

    python bench/generate.py --sessions 10000 100000 --seed 1
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pipeline.model.fields import ENTITIES, OFFER_ENTITIES  # noqa: E402

WORK = HERE / "work"
WORKBOOK_MAX_SESSIONS = 600_000  # ~1.55 flat rows a session: a sheet holds 1 048 576 rows
VERSION = 3  # bump when the generated content changes: the cache key includes it
TODAY = "2026-03-01"  # the --today of every benchmark run: sessions start after it
MISTAKE_RATE = 0.01

# Certifications of the sample reference (see the reference extract). DEAS is a real
# fact; DEAP and DEAES are illustrative and marked so in the reference files.
CERTIFICATIONS = [
    {
        "certifinfo": "111669",
        "rncp": "RNCP35830",
        "level": "Niveau 4",
        "title": "Diplôme d'État d'aide-soignant - DEAS",
        "blocs": 4,
        "formacodes": "43436; 43412",
        "rome": "J1501",
        "nsf": "331t",
    },
    {
        "certifinfo": "111670",
        "rncp": "RNCP35832",
        "level": "Niveau 4",
        "title": "Diplôme d'État d'auxiliaire de puériculture - DEAP",
        "blocs": 5,
        "formacodes": "43439; 44041",
        "rome": "J1304",
        "nsf": "331t",
    },
    {
        "certifinfo": "109868",
        "rncp": "RNCP36004",
        "level": "Niveau 3",
        "title": "Diplôme d'État d'accompagnant éducatif et social - DEAES",
        "blocs": 4,
        "formacodes": "44030; 43414",
        "rome": "K1302",
        "nsf": "332t",
    },
]
NON_CERTIFYING = [
    ("Prévention des troubles musculo-squelettiques en établissement de santé", "43412"),
    ("Accompagnement de la fin de vie et soins palliatifs", "43414"),
    ("Bientraitance et prévention de la maltraitance en EHPAD", "43412; 43414"),
    ("Hygiène hospitalière et prévention des infections associées aux soins", "43412"),
    ("Accueil du jeune enfant en situation de handicap", "44041"),
]
CITIES = [
    ("Nantes", "44000", "44109"),
    ("Angers", "49000", "49007"),
    ("Le Mans", "72000", "72181"),
    ("Laval", "53000", "53130"),
    ("La Roche-sur-Yon", "85000", "85191"),
    ("Saint-Nazaire", "44600", "44184"),
    ("Cholet", "49300", "49099"),
    ("Saumur", "49400", "49328"),
]
STREETS = [
    "rue de la Paix",
    "boulevard des Anglais",
    "avenue du Général de Gaulle",
    "rue Jean Jaurès",
    "quai de la Fosse",
    "rue de Strasbourg",
    "allée des Tilleuls",
    "place du Commerce",
]
FIRST_NAMES = [
    "Marie",
    "Jean",
    "Sophie",
    "Pierre",
    "Camille",
    "Nathalie",
    "Thomas",
    "Isabelle",
    "Julien",
    "Claire",
    "Nicolas",
    "Aurélie",
]
LAST_NAMES = [
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefèvre",
    "Michel",
    "Garcia",
    "Guérin",
]
DISPOSITIFS = [
    ("PROGRAMME REGION - Formations sanitaires et sociales", "demandeur d'emploi"),
    ("Formation avec autres financements (entreprise, individuel)", "salarié; particulier"),
    ("Transition Pro", "salarié"),
    ("Contrat de professionnalisation", "salarié; demandeur d'emploi"),
    ("Plan de développement des compétences (employeur)", "salarié; agent de la fonction publique"),
]

# Sentence material for texts of real length (objectives, programmes, results).
SUBJECTS = [
    "L'apprenant",
    "Le stagiaire",
    "Le futur professionnel",
    "La personne en formation",
    "Le candidat",
    "L'élève aide-soignant",
    "Le participant",
]
VERBS = [
    "sera capable d'",
    "apprend à",
    "met en œuvre les moyens d'",
    "développe les compétences pour",
    "acquiert les savoirs nécessaires pour",
    "s'exerce à",
    "sait",
]
ACTIONS = [
    "accompagner la personne dans les actes essentiels de la vie quotidienne",
    "évaluer l'état clinique d'une personne à partir d'observations pertinentes",
    "mettre en œuvre des soins adaptés en collaboration avec l'infirmier",
    "identifier les situations à risque et alerter l'équipe pluriprofessionnelle",
    "transmettre les informations utiles à la continuité des soins",
    "entretenir l'environnement immédiat de la personne et les matériels de soins",
    "établir une communication adaptée avec la personne et son entourage",
    "organiser son travail au sein d'une équipe en tenant compte des priorités",
    "respecter les règles d'hygiène, de sécurité et d'ergonomie",
    "participer à l'accueil et à l'accompagnement des nouveaux professionnels",
    "repérer les signes de maltraitance et y répondre de façon appropriée",
    "adapter sa posture professionnelle aux situations de handicap et de dépendance",
]
CONTEXTS = [
    "en établissement de santé",
    "à domicile",
    "en structure médico-sociale",
    "en EHPAD",
    "en service de pédiatrie",
    "en maternité",
    "dans le respect du projet de vie de la personne",
    "en lien avec les familles",
    "dans le cadre réglementaire de la profession",
]
MODULES = [
    "Module {n} - Accompagnement de la personne dans les activités de sa vie quotidienne ({h} h)",
    "Module {n} - Repérage et prévention des situations à risque ({h} h)",
    "Module {n} - Évaluation de l'état clinique d'une personne ({h} h)",
    "Module {n} - Mise en œuvre des soins adaptés, évaluation et réajustement ({h} h)",
    "Module {n} - Accompagnement de la mobilité de la personne aidée ({h} h)",
    "Module {n} - Relation et communication avec les personnes et leur entourage ({h} h)",
    "Module {n} - Accompagnement des personnes en formation et communication avec les pairs ({h} h)",
    "Module {n} - Entretien des locaux et des matériels et prévention des risques associés ({h} h)",
    "Module {n} - Traitement des informations ({h} h)",
    "Module {n} - Travail en équipe pluri-professionnelle, qualité et gestion des risques ({h} h)",
]


def sentence(rng: random.Random) -> str:
    verb = rng.choice(VERBS)
    joiner = "" if verb.endswith("'") else " "
    return f"{rng.choice(SUBJECTS)} {verb}{joiner}{rng.choice(ACTIONS)} {rng.choice(CONTEXTS)}."


def paragraph(rng: random.Random, low: int, high: int) -> str:
    """French prose between `low` and `high` characters."""
    target = rng.randint(low, high)
    parts: list[str] = []
    size = 0
    while size < target:
        s = sentence(rng)
        parts.append(s)
        size += len(s) + 1
    text = " ".join(parts)
    return text[:high].rstrip()


def programme(rng: random.Random, low: int, high: int) -> str:
    target = rng.randint(low, high)
    lines = []
    n = 1
    while sum(len(x) + 1 for x in lines) < target:
        lines.append(rng.choice(MODULES).format(n=n, h=rng.choice([35, 70, 105, 140])))
        if rng.random() < 0.5:
            lines.append("  " + sentence(rng))
        n += 1
    return "\n".join(lines)[:high].rstrip()


def siret(rng: random.Random, siren: str | None = None) -> str:
    """A 14-digit SIRET whose SIREN (9 digits) and whole number both pass Luhn."""
    from stdnum import luhn

    if siren is None:
        siren = "".join(str(rng.randint(0, 9)) for _ in range(8))
        siren += luhn.calc_check_digit(siren)
    body = siren + "".join(str(rng.randint(0, 9)) for _ in range(4))
    return body + luhn.calc_check_digit(body)


def fr_date(d: dt.date) -> str:
    return d.strftime("%d/%m/%Y")


def fr_number(x: float) -> str:
    return (f"{x:.2f}".rstrip("0").rstrip(".") if x != int(x) else str(int(x))).replace(".", ",")


@dataclass
class Dataset:
    """Records as a person would type them: field name -> text (or number / date)."""

    sessions: int
    seed: int
    sites: list[dict] = field(default_factory=list)
    contacts: list[dict] = field(default_factory=list)
    formations: list[dict] = field(default_factory=list)
    actions: list[dict] = field(default_factory=list)
    session_rows: list[dict] = field(default_factory=list)
    dispositifs: list[dict] = field(default_factory=list)
    flat_overrides: dict[int, dict] = field(default_factory=dict)  # flat row -> field -> value
    planted: dict[str, int] = field(default_factory=dict)

    def plant(self, kind: str) -> None:
        self.planted[kind] = self.planted.get(kind, 0) + 1


def build(sessions: int, seed: int) -> Dataset:
    """The offer of one large organisation with `sessions` sessions."""
    rng = random.Random(seed)
    ds = Dataset(sessions, seed)
    n_sites = max(5, min(120, sessions // 800))
    organisation = siret(rng)[:9]  # one upload, one organisation: every site shares its SIREN
    for i in range(n_sites):
        city, cp, insee = rng.choice(CITIES)
        ds.sites.append(
            {
                "code_site": str(36000 + i),
                "siret": siret(rng, organisation),
                "nom": f"IFSI-IFAS {city} site {i + 1}",
                "numero_activite": f"52{rng.randint(10**8, 10**9 - 1)}",
                "adresse": f"{rng.randint(1, 120)} {rng.choice(STREETS)}",
                "code_postal": cp,
                "ville": city,
                "code_insee_commune": insee,
                "telephone": f"02{rng.randint(10**7, 10**8 - 1)}",
                "courriel": f"contact.site{i + 1}@ifsi-pdl.fr",
                "web": "https://www.ifsi-pdl.fr",
            }
        )
    n_contacts = n_sites * 4
    for i in range(n_contacts):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        ds.contacts.append(
            {
                "code_contact": str(1900 + i),
                "nom": last,
                "prenom": first,
                "civilite": rng.choice(["M.", "Mme"]),
                "telephone": f"02{rng.randint(10**7, 10**8 - 1)}",
                "courriel": f"{first.lower()}.{last.lower()}@ifsi-pdl.fr".replace("è", "e").replace("é", "e"),
                "code_site": ds.sites[i % n_sites]["code_site"],
            }
        )
    site_codes = [s["code_site"] for s in ds.sites]
    contact_codes = [c["code_contact"] for c in ds.contacts]

    start0 = dt.date(2026, 4, 1)
    f_no = 0
    while len(ds.session_rows) < sessions:
        f_no += 1
        ref_f = f"F{f_no:05d}"
        if rng.random() < 0.8:
            cert = rng.choice(CERTIFICATIONS)
            total = rng.random() < 0.7
            n_blocs = cert["blocs"] if total else rng.randint(1, cert["blocs"] - 1)
            prefix = cert["rncp"]
            formation = {
                "ref_formation": ref_f,
                "certifinfo": "oui",
                "code_certifinfo": int(cert["certifinfo"]),
                "code_rncp": prefix,
                "intitule": cert["title"],
                "objectif_general": "Certification",
                "objectif_formation": paragraph(rng, 500, 1400),
                "contenu_formation": programme(rng, 900, 2800),
                "formacodes": cert["formacodes"],
                "codes_rome": cert["rome"],
                "codes_nsf": cert["nsf"],
                "niveau_sortie": cert["level"],
                "individualisation": "oui" if (not total or rng.random() < 0.3) else "non",
                "validation": "totale" if total else "partielle",
                "blocs": "; ".join(f"{prefix}BC{k:02d}" for k in range(1, n_blocs + 1)),
                "url_formation": f"https://www.ifsi-pdl.fr/formations/{ref_f.lower()}",
            }
        else:
            title, codes = rng.choice(NON_CERTIFYING)
            formation = {
                "ref_formation": ref_f,
                "certifinfo": "non",
                "intitule": title,
                "objectif_general": "Perfectionnement, élargissement des compétences",
                "objectif_formation": paragraph(rng, 300, 900),
                "contenu_formation": programme(rng, 500, 1500),
                "formacodes": codes,
                "individualisation": "non",
                "validation": "totale",
                "url_formation": f"https://www.ifsi-pdl.fr/formations/{ref_f.lower()}",
            }
        ds.formations.append(formation)
        individual = formation["individualisation"] == "oui"
        for a_no in range(1, rng.randint(3, 7) + 1):
            if len(ds.session_rows) >= sessions:
                break
            ref_a = f"{ref_f}-A{a_no:02d}"
            site = rng.choice(site_codes)
            action = {
                "ref_action": ref_a,
                "ref_formation": ref_f,
                "code_site_dispensateur": site,
                "complement_intitule": f"Promotion {2026 + a_no % 2} - site {site}",
                "complement_programme": paragraph(rng, 200, 700),
                "objectifs": paragraph(rng, 200, 800),
                "resultats_attendus": paragraph(rng, 300, 900),
                "plus_formation": paragraph(rng, 80, 240),
                "url_action": f"https://www.ifsi-pdl.fr/actions/{ref_a.lower()}",
                "niveau_entree": "sans niveau spécifique",
                "niveau_entree_obligatoire": "non",
                "prerequis": paragraph(rng, 100, 400),
                "commentaire_prerequis": "Sélection sur dossier et entretien.",
            }
            if rng.random() < 0.3:
                action.update(
                    {
                        "type_equipement": "Tenue professionnelle",
                        "cout_equipement": 85.0,
                        "commentaire_equipement": "Deux tenues fournies par l'institut.",
                    }
                )
            ds.actions.append(action)
            for s_no in range(1, rng.randint(5, 15) + 1):
                if len(ds.session_rows) >= sessions:
                    break
                ref_s = f"{ref_a}-S{s_no:03d}"
                debut = start0 + dt.timedelta(days=rng.randint(0, 540))
                weeks = rng.randint(20, 48)
                fin = debut + dt.timedelta(weeks=weeks)
                centre = weeks * rng.choice([17, 21, 28, 35]) // 2
                session = {
                    "ref_session": ref_s,
                    "ref_action": ref_a,
                    "code_site_lieu": site,
                    "date_debut": debut,
                    "date_fin": fin,
                    "entrees_sorties_permanentes": "non",
                    "rythmes": rng.choice(["continu; temps plein", "discontinu; temps partiel", "continu"]),
                    "periodes": rng.choice(["cours de jour", "cours de jour; week-end"]),
                    "types_parcours": "modulaire; individualisé"
                    if individual
                    else rng.choice(["collectif", "collectif; modulaire"]),
                    "modalites_pedagogiques": rng.choice(
                        [
                            "en organisme de formation; alternance",
                            "en organisme de formation",
                            "en organisme de formation; à distance",
                        ]
                    ),
                    "modalite_enseignement": rng.choice(["présentiel", "présentiel", "hybride"]),
                    "duree_centre_h": float(centre),
                    "duree_entreprise_h": float(rng.choice([0, 245, 490, 770])),
                    "duree_hebdo_h": 35.0,
                    "commentaire_duree": "Stages cliniques répartis sur la formation.",
                    "cycle_annee": f"{debut.year}-{debut.year + 1}",
                    "code_site_responsable": site_codes[0],
                    "etat_recrutement": "ouvert",
                    "modalites_recrutement": "dossier; entretien ou RDV individuel",
                    "informations_collectives": "; ".join(fr_date(debut - dt.timedelta(days=d)) for d in (60, 30)),
                    "inscription_type": "inscription",
                    "inscription_debut": debut - dt.timedelta(days=120),
                    "inscription_fin": debut - dt.timedelta(days=15),
                    "referent_pmr": rng.choice(contact_codes),
                    "referent_mobilite": rng.choice(contact_codes),
                    "mail_liaison": f"inscriptions.{site}@ifsi-pdl.fr",
                }
                ds.session_rows.append(session)
                n_disp = rng.choices([1, 2, 3], weights=[55, 35, 10])[0]
                for d_no, (name, publics) in enumerate(rng.sample(DISPOSITIFS, n_disp), start=1):
                    places = rng.choice([10, 12, 15, 20, 25, 30, 40])
                    ht = float(rng.choice([0, 1200, 3500, 6200, 7450.5]))
                    tva = 0.2 if rng.random() < 0.2 else 0.0
                    ds.dispositifs.append(
                        {
                            "ref_dispositif": f"D{d_no}",
                            "ref_session": ref_s,
                            "dispositif": name,
                            "publics": publics,
                            "nb_places": places,
                            "nb_places_restantes": rng.randint(0, places),
                            "effectif_minimal": min(places, 8),
                            "capacite_simultanee": places,
                            "frais_ht": ht,
                            "taux_tva": tva,
                            "frais_ttc": round(ht * (1 + tva), 2),
                            "frais_certification": "oui",
                            "prise_en_charge_frais": rng.choice(["oui", "non"]),
                        }
                    )
    plant_mistakes(ds, rng)
    return ds


def plant_mistakes(ds: Dataset, rng: random.Random) -> None:
    """About 1 % of the records get one mistake, of a kind drawn among many."""
    session_kinds = [
        ("BAD_FORMAT date", lambda s: s.update(date_debut="31/02/2026")),
        ("DATE_ORDER", lambda s: s.update(date_debut=s["date_fin"], date_fin=s["date_debut"])),
        ("BAD_ENUM rythmes", lambda s: s.update(rythmes="continue; temps plien")),
        ("ORPHAN site", lambda s: s.update(code_site_lieu="99999")),
        ("ORPHAN contact", lambda s: s.update(referent_pmr="7777")),
        ("REQUIRED modalite", lambda s: s.update(modalite_enseignement="")),
        ("OUT_OF_RANGE hebdo", lambda s: s.update(duree_hebdo_h=75.0)),
        ("BAD_FORMAT email", lambda s: s.update(mail_liaison="inscriptions.ifsi-pdl.fr")),
        ("BAD_FORMAT heures", lambda s: s.update(duree_centre_h="environ 700 h")),
    ]
    dispositif_kinds = [
        ("PLACES zero", lambda d: d.update(nb_places=0)),
        ("PLACES restantes", lambda d: d.update(nb_places_restantes=d["nb_places"] + 5)),
        ("PRICE_TTC", lambda d: d.update(frais_ttc=d["frais_ttc"] + 100.0)),
        ("BAD_ENUM publics", lambda d: d.update(publics="demandeurs emploi longue duree")),
        ("REQUIRED dispositif", lambda d: d.update(dispositif="")),
        ("BAD_FORMAT places", lambda d: d.update(nb_places="vingt")),
    ]
    action_kinds = [
        ("TOO_LONG plus_formation", lambda a: a.update(plus_formation=paragraph(rng, 300, 400))),
        ("ORPHAN site dispensateur", lambda a: a.update(code_site_dispensateur="88888")),
        ("BAD_ENUM niveau", lambda a: a.update(niveau_entree="bac")),
        ("BAD_FORMAT url", lambda a: a.update(url_action="www.ifsi-pdl.fr/actions")),
    ]
    formation_kinds = [
        ("BAD_FORMAT formacode", lambda f: f.update(formacodes="43436; 99999")),
        ("BLOC_UNKNOWN", lambda f: f.update(blocs=(f.get("blocs") or "RNCP35830BC01") + "; RNCP35830BC09")),
        ("CERTIFINFO_UNKNOWN", lambda f: f.update(code_certifinfo=999999) if f.get("code_certifinfo") else None),
        ("BAD_ENUM objectif", lambda f: f.update(objectif_general="Diplômante")),
    ]
    for records, kinds in (
        (ds.session_rows, session_kinds),
        (ds.dispositifs, dispositif_kinds),
        (ds.actions, action_kinds),
        (ds.formations, formation_kinds),
    ):
        count = max(1, round(len(records) * MISTAKE_RATE))
        for i in rng.sample(range(len(records)), count):
            name, apply = rng.choice(kinds)
            apply(records[i])
            ds.plant(name)
    # Directory mistakes (one each) and flat-only ones: a repeated formation column
    # that disagrees, a dispositif reference used twice in one session.
    # The directory ones go on extra, unreferenced entries: a wrong SIRET on a used
    # site would reject half the offer through the cascade, not 1 % of it.
    bad_site = dict(ds.sites[0], code_site="36999", nom="Antenne fermée")
    bad_site["siret"] = bad_site["siret"][:13] + str((int(bad_site["siret"][13]) + 1) % 10)
    ds.sites.append(bad_site)
    ds.plant("BAD_FORMAT siret")
    ds.contacts.append(dict(ds.contacts[0], code_contact="1899", courriel="secretariat-at-ifsi-pdl.fr"))
    ds.plant("BAD_FORMAT contact email")
    n_flat = len(ds.dispositifs)
    for i in rng.sample(range(n_flat), max(1, n_flat // 1000)):
        ds.flat_overrides[i] = {"intitule": "Intitulé saisi différemment sur cette ligne"}
        ds.plant("INCONSISTENT_REPEAT (flat only)")
    by_session: dict[str, list[dict]] = {}
    for d in ds.dispositifs:
        by_session.setdefault(d["ref_session"], []).append(d)
    multi = [v for v in by_session.values() if len(v) > 1]
    for group in rng.sample(multi, max(1, len(multi) // 500)):
        group[1]["ref_dispositif"] = group[0]["ref_dispositif"]
        ds.plant("DUPLICATE_KEY dispositif")


# ---- layouts -------------------------------------------------------------------


def flat_fields() -> list:
    """Flat columns: every offer field once, in model order (shared refs once)."""
    seen, out = set(), []
    for entity in OFFER_ENTITIES:
        for f in ENTITIES[entity].fields:
            if f.name not in seen:
                seen.add(f.name)
                out.append(f)
    return out


def flat_rows(ds: Dataset):
    """One dict per session × dispositif, parents repeated."""
    formations = {f["ref_formation"]: f for f in ds.formations}
    actions = {a["ref_action"]: a for a in ds.actions}
    sessions = {s["ref_session"]: s for s in ds.session_rows}
    for i, d in enumerate(ds.dispositifs):
        s = sessions[d["ref_session"]]
        a = actions[s["ref_action"]]
        row = {**formations[a["ref_formation"]], **a, **s, **d}
        if i in ds.flat_overrides:
            row.update(ds.flat_overrides[i])
        yield row


def xlsx_value(value):
    if isinstance(value, dt.date) or isinstance(value, (int, float)):
        return value
    return value if value not in (None, "") else None


def csv_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return fr_date(value)
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, (int, float)):
        return fr_number(value)
    return str(value)


def _write_sheet(book, title: str, fields: list, records) -> None:
    ws = book.create_sheet(title)
    ws.append([f.label for f in fields])
    names = [f.name for f in fields]
    for r in records:
        ws.append([xlsx_value(r.get(n)) for n in names])


def write_flat_xlsx(ds: Dataset, path: Path) -> None:
    """The export of a large organisation: one flat sheet plus Sites and Contacts."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    _write_sheet(book, "Offre", flat_fields(), flat_rows(ds))
    _write_sheet(book, "Sites", list(ENTITIES["site"].fields), ds.sites)
    _write_sheet(book, "Contacts", list(ENTITIES["contact"].fields), ds.contacts)
    _save(book, path)


def write_annuaire_xlsx(ds: Dataset, path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    _write_sheet(book, "Sites", list(ENTITIES["site"].fields), ds.sites)
    _write_sheet(book, "Contacts", list(ENTITIES["contact"].fields), ds.contacts)
    _save(book, path)


def write_template_xlsx(ds: Dataset, path: Path) -> None:
    """The project's template workbook: one sheet per entity, Field.label headers."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    for entity, records in (
        ("site", ds.sites),
        ("contact", ds.contacts),
        ("formation", ds.formations),
        ("action", ds.actions),
        ("session", ds.session_rows),
        ("dispositif", ds.dispositifs),
    ):
        _write_sheet(book, ENTITIES[entity].sheet, list(ENTITIES[entity].fields), records)
    _save(book, path)


def write_flat_csv(ds: Dataset, path: Path) -> None:
    """The flat layout as a French Excel CSV: ';', decimal comma, dd/mm/yyyy."""
    fields = flat_fields()
    names = [f.name for f in fields]
    tmp = path.with_suffix(".part")
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow([f.label for f in fields])
        for r in flat_rows(ds):
            w.writerow([csv_value(r.get(n)) for n in names])
    tmp.replace(path)


def _save(book, path: Path) -> None:
    tmp = path.with_name(path.name + ".part")
    book.save(tmp)
    tmp.replace(path)


def lheo_available() -> bool:
    try:
        from pipeline.writers.lheo import write_lheo  # noqa: F401
        from pipeline.readers import lheo  # noqa: F401
    except ImportError:
        return False
    return True


def write_lheo_xml(ds: Dataset, path: Path) -> None:
    """LHÉO through the project's own writer: the template workbook, imported, written out.

    The writer only writes accepted offers, so this workload carries no planted mistake.
    Above WORKBOOK_MAX_SESSIONS no workbook can hold the offer: see write_lheo_by_chunks.
    """
    if ds.sessions > WORKBOOK_MAX_SESSIONS:
        write_lheo_by_chunks(ds, path)
        return
    from pipeline.engine.run import run
    from pipeline.writers.lheo import write_lheo

    template = workload_path("template", ds.sessions, ds.seed)
    result = run([template], today=dt.date.fromisoformat(TODAY))
    tmp = path.with_name(path.name + ".part")
    write_lheo(result, tmp)
    tmp.replace(path)


def chunks(ds: Dataset, sessions_per_chunk: int):
    """The dataset cut into datasets of whole formations (about `sessions_per_chunk` sessions
    each), every one with all the sites and contacts; flat overrides follow their rows."""
    actions = {a["ref_action"]: a["ref_formation"] for a in ds.actions}
    session_formation = {s["ref_session"]: actions[s["ref_action"]] for s in ds.session_rows}
    formation_of = lambda d: session_formation[d["ref_session"]]  # noqa: E731
    chunk_formations: list[set] = [set()]
    count = 0
    for s in ds.session_rows:
        f = actions[s["ref_action"]]
        if count >= sessions_per_chunk and f not in chunk_formations[-1]:
            chunk_formations.append(set())
            count = 0
        chunk_formations[-1].add(f)
        count += 1
    for refs in chunk_formations:
        part = Dataset(0, ds.seed, sites=ds.sites, contacts=ds.contacts)
        part.formations = [f for f in ds.formations if f["ref_formation"] in refs]
        part.actions = [a for a in ds.actions if a["ref_formation"] in refs]
        part.session_rows = [s for s in ds.session_rows if session_formation[s["ref_session"]] in refs]
        part.sessions = len(part.session_rows)
        for i, d in enumerate(ds.dispositifs):
            if formation_of(d) in refs:
                if i in ds.flat_overrides:
                    part.flat_overrides[len(part.dispositifs)] = ds.flat_overrides[i]
                part.dispositifs.append(d)
        yield part


def write_lheo_by_chunks(ds: Dataset, path: Path, sessions_per_chunk: int = 50_000) -> None:
    """LHÉO for an offer too large for a workbook: each chunk of whole formations is written
    as a flat CSV, imported by the pipeline, and its accepted offers streamed into one
    lheo.xml by the project's writer. Memory stays that of one chunk's import."""
    import tempfile
    from pipeline.model.records import directory_records, offer_records
    from pipeline.engine.run import run
    from pipeline.writers.lheo import write_offers

    today = dt.date.fromisoformat(TODAY)
    with tempfile.TemporaryDirectory(prefix="fasd-lheo-gen-") as tmp:
        annuaire = Path(tmp) / "annuaire.xlsx"
        write_annuaire_xlsx(ds, annuaire)
        parts = chunks(ds, sessions_per_chunk)

        def imported(part):
            csv_path = Path(tmp) / "chunk.csv"
            write_flat_csv(part, csv_path)
            return run([csv_path], annuaire=annuaire, today=today)

        held = {"first": imported(next(parts))}  # popped when written: one chunk's result at a time
        sites, contacts = directory_records(held["first"], "site"), directory_records(held["first"], "contact")

        def offers():
            yield from offer_records(held.pop("first"))
            for part in parts:
                yield from offer_records(imported(part))

        tmp_xml = path.with_name(path.name + ".part")
        write_offers(offers(), sites, contacts, tmp_xml)
        tmp_xml.replace(path)


WRITERS = {
    "flat": ("xlsx", write_flat_xlsx),
    "csv": ("csv", write_flat_csv),
    "template": ("xlsx", write_template_xlsx),
    "annuaire": ("xlsx", write_annuaire_xlsx),
    "lheo": ("xml", write_lheo_xml),
}


def workload_path(kind: str, sessions: int, seed: int) -> Path:
    ext = WRITERS[kind][0]
    return WORK / f"{kind}-{sessions}-s{seed}-v{VERSION}.{ext}"


def manifest_path(sessions: int, seed: int) -> Path:
    return WORK / f"manifest-{sessions}-s{seed}-v{VERSION}.json"


def ensure(kinds: list[str], sessions: int, seed: int, log=print) -> dict[str, Path]:
    """Generate the missing workloads of one size; return kind -> path."""
    WORK.mkdir(parents=True, exist_ok=True)
    paths = {k: workload_path(k, sessions, seed) for k in kinds}
    if "lheo" in kinds and "template" not in kinds and sessions <= WORKBOOK_MAX_SESSIONS:
        paths_needed = list(kinds) + ["template"]
    else:
        paths_needed = list(kinds)
    missing = [k for k in paths_needed if not workload_path(k, sessions, seed).exists()]
    if not missing and manifest_path(sessions, seed).exists():
        return paths
    t0 = time.perf_counter()
    ds = build(sessions, seed)
    log(
        f"  données {sessions} sessions générées en {time.perf_counter() - t0:.1f} s "
        f"({len(ds.formations)} formations, {len(ds.actions)} actions, {len(ds.dispositifs)} dispositifs)"
    )
    manifest = {
        "sessions": sessions,
        "seed": seed,
        "version": VERSION,
        "counts": {
            "site": len(ds.sites),
            "contact": len(ds.contacts),
            "formation": len(ds.formations),
            "action": len(ds.actions),
            "session": len(ds.session_rows),
            "dispositif": len(ds.dispositifs),
            "flat_rows": len(ds.dispositifs),
        },
        "planted": dict(sorted(ds.planted.items())),
    }
    manifest_path(sessions, seed).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    order = [k for k in ("flat", "csv", "template", "annuaire", "lheo") if k in missing]
    for kind in order:
        t0 = time.perf_counter()
        WRITERS[kind][1](ds, workload_path(kind, sessions, seed))
        log(f"  {workload_path(kind, sessions, seed).name} écrit en {time.perf_counter() - t0:.1f} s")
    return paths


def manifest(sessions: int, seed: int) -> dict:
    return json.loads(manifest_path(sessions, seed).read_text(encoding="utf-8"))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="Génère les jeux de données du banc d'essai.")
    parser.add_argument("--sessions", type=int, nargs="+", default=[10000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--kinds", nargs="+", default=["flat", "csv", "template", "annuaire"], choices=sorted(WRITERS))
    args = parser.parse_args(argv)
    for n in args.sessions:
        ensure(args.kinds, n, args.seed)


if __name__ == "__main__":
    main()
