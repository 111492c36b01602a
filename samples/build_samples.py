"""Write every sample file of `samples/` from the data below (deterministic).

    .venv/bin/python samples/build_samples.py

One offer of an illustrative health and social-care training institute of the Pays
de la Loire is written four ways: the template workbook, the same offer as a flat
CSV export (plus the directory workbook it needs), and a flawed copy of the workbook
with planted mistakes. The table of planted mistakes in README.md is rendered from
`PLANTED` (written by hand from the rules of spec §4, not from a pipeline run), so
the README and the flawed file cannot drift apart. Re-running gives byte-identical
files: zip timestamps and workbook properties are fixed.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import io
import re
import sys
import zipfile
from pathlib import Path

import openpyxl
from openpyxl.styles import Alignment, Font
from stdnum.fr import siret as stdnum_siret

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.readers.headers import match_header  # noqa: E402
from pipeline.model.fields import ENTITIES, OFFER_ENTITIES  # noqa: E402
from pipeline.model.text import column_letter  # noqa: E402

HERE = Path(__file__).resolve().parent
FIXED_TIME = dt.datetime(2026, 1, 15, 9, 0, 0)
D = dt.date

PRF = "PROGRAMME REGION - Formations sanitaires et sociales"
AUTRES = "Formation avec autres financements (entreprise, individuel)"
PLAN = "Plan de développement des compétences (employeur)"
PUBLICS_PRF = ["demandeur d'emploi"]
PUBLICS_AUTRES = [
    "intérimaire",
    "demandeur d'emploi",
    "particulier, individuel",
    "profession libérale",
    "salarié",
    "agent de la fonction publique",
]
WEB = "https://www.ligeria-formation.example"

# --------------------------------------------------------------------------- sites
# 36364 is the seed's real site (CARIF-OREF, SIRET 13000511900032); the four sites of
# the institute are illustrative (SIREN 778712349, checksum-valid, not looked up).
SITES = [
    dict(
        code_site="41201",
        siret="77871234900019",
        nom="Institut Ligéria - IFSI-IFAS de Nantes",
        numero_activite="52440123444",
        adresse="14 rue Gaston Turpin",
        code_postal="44000",
        ville="Nantes",
        code_insee_commune="44109",
        telephone="02 40 35 12 00",
        courriel="nantes@ligeria-formation.example",
        web=WEB,
    ),
    dict(
        code_site="41202",
        siret="77871234900027",
        nom="Institut Ligéria - IFAS-IFAP d'Angers",
        numero_activite="52440123444",
        adresse="8 boulevard Daviers",
        code_postal="49100",
        ville="Angers",
        code_insee_commune="49007",
        telephone="02 41 24 56 00",
        courriel="angers@ligeria-formation.example",
        web=WEB,
    ),
    dict(
        code_site="41203",
        siret="77871234900035",
        nom="Institut Ligéria - pôle social du Mans",
        numero_activite="52440123444",
        adresse="27 avenue Rhin et Danube",
        code_postal="72000",
        ville="Le Mans",
        code_insee_commune="72181",
        telephone="02 43 39 80 10",
        courriel="lemans@ligeria-formation.example",
        web=WEB,
    ),
    dict(
        code_site="41204",
        siret="77871234900043",
        nom="Institut Ligéria - IFAS de La Roche-sur-Yon",
        numero_activite="52440123444",
        adresse="3 rue Jacques-Yves Cousteau",
        code_postal="85000",
        ville="La Roche-sur-Yon",
        code_insee_commune="85191",
        telephone="02 51 44 62 30",
        courriel="laroche@ligeria-formation.example",
        web=WEB,
    ),
    dict(
        code_site="36364",
        siret="13000511900032",
        nom="CARIFOREF DES PAYS DE LA LOIRE",
        adresse="Tour Bretagne, place de Bretagne",
        code_postal="44000",
        ville="Nantes",
        code_insee_commune="44109",
        telephone="02 40 20 40 20",
        courriel="offre@cariforef-pdl.org",
    ),
]

CONTACTS = [
    dict(
        code_contact="5101",
        nom="MORVAN",
        prenom="Claire",
        civilite="Mme",
        telephone="02 40 35 12 07",
        courriel="referent.handicap@ligeria-formation.example",
        code_site="41201",
    ),
    dict(
        code_contact="5102",
        nom="LE GOFF",
        prenom="Yann",
        civilite="M.",
        telephone="02 40 35 12 09",
        courriel="mobilite@ligeria-formation.example",
        code_site="41201",
    ),
    dict(
        code_contact="5103",
        nom="BRIAND",
        prenom="Sophie",
        civilite="Mme",
        telephone="02 41 24 56 04",
        courriel="handicap.angers@ligeria-formation.example",
        code_site="41202",
    ),
    dict(
        code_contact="5104",
        nom="BENALI",
        prenom="Karim",
        civilite="M.",
        telephone="02 43 39 80 14",
        courriel="handicap.lemans@ligeria-formation.example",
        code_site="41203",
    ),
    dict(
        code_contact="5105",
        nom="GUILLET",
        prenom="Élodie",
        civilite="Mme",
        telephone="02 51 44 62 35",
        courriel="handicap.laroche@ligeria-formation.example",
        code_site="41204",
    ),
    dict(
        code_contact="5106",
        nom="RICHARD",
        prenom="Anne-Laure",
        civilite="Mme",
        telephone="02 40 35 12 15",
        courriel="programme.region@ligeria-formation.example",
        code_site="41201",
    ),
    dict(code_contact="1902", nom="auto saisie", code_site="36364"),
]

# ---------------------------------------------------------------------- formations
DEAS_OBJECTIF = (
    "Former des professionnels capables de réaliser des soins d'hygiène, de confort et de prévention, "
    "en collaboration avec l'infirmier et dans le cadre du rôle propre de celui-ci, au sein d'une équipe "
    "pluriprofessionnelle. L'aide-soignant accompagne la personne dans les activités de sa vie quotidienne "
    "et de sa vie sociale, évalue son état clinique, met en œuvre des soins adaptés, communique avec elle et "
    "son entourage, entretient son environnement et transmet les informations utiles à la continuité des "
    "soins. Le diplôme d'État d'aide-soignant (niveau 4) est délivré par le ministère chargé de la santé "
    "après validation des quatre blocs de compétences du référentiel de 2021."
)
DEAS_PROGRAMME = (
    "Formation de 1540 heures : 770 heures d'enseignement théorique en institut et 770 heures de stages "
    "cliniques (quatre périodes, dont une en structure d'hébergement de personnes âgées).\n"
    "Module 1 - Accompagnement d'une personne dans les activités de sa vie quotidienne et de sa vie sociale (147 h)\n"
    "Module 2 - Repérage et prévention des situations à risque (21 h)\n"
    "Module 3 - Évaluation de l'état clinique d'une personne (77 h)\n"
    "Module 4 - Mise en œuvre des soins adaptés, évaluation et réajustement (182 h)\n"
    "Module 5 - Accompagnement de la mobilité de la personne aidée (35 h)\n"
    "Module 6 - Relation et communication avec les personnes et leur entourage (70 h)\n"
    "Module 7 - Accompagnement des personnes en formation et communication avec les pairs (21 h)\n"
    "Module 8 - Entretien des locaux et des matériels et prévention des risques associés (35 h)\n"
    "Module 9 - Traitement des informations (35 h)\n"
    "Module 10 - Travail en équipe pluriprofessionnelle, qualité et gestion des risques (70 h)\n"
    "Accompagnement pédagogique individualisé (35 h), suivi pédagogique individualisé (7 h) et travaux "
    "personnels guidés (35 h)."
)
DEAP_OBJECTIF = (
    "Former des professionnels qui dispensent, dans le cadre du rôle propre de l'infirmier ou de la "
    "puéricultrice et en collaboration avec eux, des soins d'hygiène, de confort et d'éveil à l'enfant, "
    "de la naissance à l'adolescence. L'auxiliaire de puériculture accompagne l'enfant dans les activités "
    "de sa vie quotidienne, évalue son état clinique, réalise des soins adaptés, soutient la parentalité "
    "et participe à la prévention en maternité, en service de pédiatrie, en crèche ou en protection de "
    "l'enfance. Le parcours peut être individualisé par bloc de compétences pour les candidats titulaires "
    "d'un autre diplôme du secteur (allègements de formation)."
)
DEAP_PROGRAMME = (
    "Formation de 1540 heures : 770 heures d'enseignement théorique et 770 heures de stages en maternité, "
    "en pédiatrie, en accueil collectif du jeune enfant et en structure d'accueil d'enfants en situation "
    "de handicap.\n"
    "Bloc 1 - Accompagnement et soins de l'enfant dans les activités de sa vie quotidienne et de sa vie sociale\n"
    "Bloc 2 - Évaluation de l'état clinique et mise en œuvre de soins adaptés en collaboration\n"
    "Bloc 3 - Information et accompagnement des personnes et de leur entourage, des professionnels et des apprenants\n"
    "Bloc 4 - Entretien de l'environnement immédiat de la personne et des matériels\n"
    "Bloc 5 - Travail en équipe pluriprofessionnelle et traitement des informations liées aux activités de "
    "soins, à la qualité et à la gestion des risques\n"
    "Les candidats déjà titulaires du DEAS, du DEAES ou du CAP AEPE suivent un parcours modulaire "
    "individualisé limité aux blocs restant à valider."
)
DEAES_OBJECTIF = (
    "Préparer les deux premiers blocs du diplôme d'État d'accompagnant éducatif et social : réaliser un "
    "accompagnement social au quotidien de personnes en situation de handicap, de personnes âgées ou de "
    "familles en difficulté, à domicile, en établissement ou dans le cadre de l'école inclusive ; "
    "compenser les conséquences d'un handicap ou d'une perte d'autonomie en respectant le projet de vie "
    "de la personne. Parcours partiel destiné aux candidats en complément de VAE ou titulaires de "
    "certifications donnant droit à équivalences."
)
DEAES_PROGRAMME = (
    "Bloc 1 - Se positionner comme professionnel dans le champ de l'action sociale : cadre législatif, "
    "éthique et déontologie, connaissance des publics, travail en équipe.\n"
    "Bloc 2 - Accompagner la personne au quotidien et dans la proximité : repérer les besoins, aider aux "
    "actes de la vie quotidienne, prévenir les risques, soutenir l'autonomie et la participation sociale.\n"
    "238 heures en centre et 420 heures de stage pratique répartis sur deux sites qualifiants."
)
TUTORAT_OBJECTIF = (
    "Permettre aux professionnels de santé qui accueillent des stagiaires aides-soignants, auxiliaires de "
    "puériculture ou étudiants en soins infirmiers d'exercer leur mission de tuteur : construire un "
    "parcours de stage à partir du portfolio, conduire les entretiens d'accueil, de mi-stage et de fin de "
    "stage, évaluer les compétences au regard des référentiels de 2021 et rédiger une appréciation "
    "argumentée. Formation conforme aux recommandations nationales pour le tutorat des stagiaires "
    "paramédicaux (quatre jours, dont un jour d'analyse de pratiques à distance du terrain)."
)
TUTORAT_PROGRAMME = (
    "Jour 1 - Les référentiels de formation et de compétences ; le rôle du tuteur et de l'équipe d'accueil.\n"
    "Jour 2 - La démarche réflexive ; le portfolio ; l'entretien d'accueil et l'entretien de mi-stage.\n"
    "Jour 3 - L'évaluation des compétences en situation ; l'écriture de l'appréciation ; la situation "
    "d'échec en stage.\n"
    "Jour 4 (un mois plus tard) - Analyse de pratiques à partir des situations vécues par les participants."
)
ACTU_TITLE = "Actualisation des compétences des aides-soignants diplômés avant la réforme de 2021"
ACTU_OBJECTIF = (
    "Actualiser les compétences des aides-soignants diplômés avant la réforme de 2021 pour qu'ils puissent "
    "réaliser les actes introduits par le nouveau référentiel : mesure de la glycémie capillaire, recueil "
    "de paramètres vitaux avec appareils automatiques, aspiration endotrachéale sur orifice trachéal "
    "cicatrisé, pose de bas de contention, lecture instantanée des données biologiques urinaires."
)
ACTU_PROGRAMME = (
    "Jour 1 - Le nouveau référentiel d'activités et de compétences ; rôle propre et collaboration ; "
    "traçabilité.\nJour 2 - Mesure des paramètres vitaux et glycémie capillaire : pratique simulée.\n"
    "Jour 3 - Soins d'hygiène respiratoire, contention et prévention des risques ; évaluation des acquis."
)

FORMATIONS = [
    dict(
        ref_formation="F-DEAS",
        certifinfo="oui",
        code_certifinfo=111669,
        code_rncp="RNCP35830",
        intitule="Diplôme d'État d'aide-soignant - DEAS",
        objectif_general="Certification",
        type_certification="Autre diplôme d'Etat de niveau 4",
        objectif_formation=DEAS_OBJECTIF,
        contenu_formation=DEAS_PROGRAMME,
        formacodes=["43436"],
        codes_rome=["J1501"],
        codes_nsf=["331"],
        niveau_sortie="Niveau 4",
        individualisation="non",
        validation="totale",
        blocs=["RNCP35830BC01", "RNCP35830BC02", "RNCP35830BC03", "RNCP35830BC04"],
        url_formation=f"{WEB}/formations/aide-soignant",
    ),
    dict(
        ref_formation="F-DEAP",
        certifinfo="oui",
        code_certifinfo=111670,
        code_rncp="RNCP35832",
        intitule="Diplôme d'État d'auxiliaire de puériculture - DEAP",
        objectif_general="Certification",
        type_certification="Autre diplôme d'Etat de niveau 4",
        objectif_formation=DEAP_OBJECTIF,
        contenu_formation=DEAP_PROGRAMME,
        formacodes=["44051", "43439"],
        codes_rome=["J1304"],
        codes_nsf=["331"],
        niveau_sortie="Niveau 4",
        individualisation="oui",
        validation="totale",
        blocs=[f"RNCP35832BC0{i}" for i in range(1, 6)],
        url_formation=f"{WEB}/formations/auxiliaire-de-puericulture",
    ),
    dict(
        ref_formation="F-DEAES-B12",
        certifinfo="oui",
        code_certifinfo=109868,
        code_rncp="RNCP36004",
        intitule="Diplôme d'État d'accompagnant éducatif et social - DEAES",
        objectif_general="Certification",
        objectif_formation=DEAES_OBJECTIF,
        contenu_formation=DEAES_PROGRAMME,
        formacodes=["44022", "44054"],
        codes_rome=["K1301", "K1302"],
        codes_nsf=["332"],
        niveau_sortie="Niveau 3",
        individualisation="oui",
        validation="partielle",
        blocs=["RNCP36004BC01", "RNCP36004BC02"],
        url_formation=f"{WEB}/formations/accompagnant-educatif-et-social",
    ),
    dict(
        ref_formation="F-TUTORAT",
        certifinfo="non",
        intitule="Tutorat des stagiaires paramédicaux : accompagner et évaluer l'apprenant en stage",
        objectif_general="Professionnalisation",
        objectif_formation=TUTORAT_OBJECTIF,
        contenu_formation=TUTORAT_PROGRAMME,
        formacodes=["44588", "43435"],
        codes_nsf=["331"],
        url_formation=f"{WEB}/formations/tutorat",
    ),
    dict(
        ref_formation="F-ACTU-AS",
        certifinfo="non",
        intitule=ACTU_TITLE,
        objectif_general="Perfectionnement, élargissement des compétences",
        objectif_formation=ACTU_OBJECTIF,
        contenu_formation=ACTU_PROGRAMME,
        formacodes=["43436"],
        codes_rome=["J1501"],
    ),
]

# ------------------------------------------------------------------------- actions
RESULTATS_DEAS = (
    "Obtention du diplôme d'État d'aide-soignant (niveau 4) après validation des quatre blocs de "
    "compétences par le jury régional. Taux de réussite 2025 de l'institut : 92 %. Insertion "
    "professionnelle à six mois : 95 % en établissement de santé ou médico-social."
)
PREREQUIS_DEAS = (
    "Avoir 17 ans au moins à la date d'entrée en formation. Aucune condition de diplôme. Sélection sur "
    "dossier et entretien d'une vingtaine de minutes. Vaccinations obligatoires des professionnels de "
    "santé à jour à l'entrée en stage."
)
ACTIONS = [
    dict(
        ref_action="A-DEAS-NTE",
        ref_formation="F-DEAS",
        code_site_dispensateur="41201",
        complement_programme="Les stages se déroulent au CHU de Nantes, dans les EHPAD partenaires de "
        "l'agglomération et en hospitalisation à domicile. Séances de simulation en salle de soins équipée.",
        resultats_attendus=RESULTATS_DEAS,
        plus_formation="Salle de simulation haute fidélité, tutorat renforcé par des aides-soignants "
        "diplômés, préparation aux épreuves en petits groupes.",
        url_pdf=f"{WEB}/docs/plaquette-deas-nantes.pdf",
        url_action=f"{WEB}/formations/aide-soignant/nantes",
        type_equipement="Tenue professionnelle",
        cout_equipement=90,
        commentaire_equipement="Quatre tenues fournies par l'institut ; chaussures de sécurité à la charge de l'élève.",
        niveau_entree="sans niveau spécifique",
        niveau_entree_obligatoire="non",
        prerequis=PREREQUIS_DEAS,
    ),
    dict(
        ref_action="A-DEAS-LRY",
        ref_formation="F-DEAS",
        code_site_dispensateur="41204",
        complement_intitule="Site de La Roche-sur-Yon",
        resultats_attendus=RESULTATS_DEAS,
        url_video="https://www.youtube.com/watch?v=ligeriaDEAS85",
        niveau_entree="sans niveau spécifique",
        niveau_entree_obligatoire="non",
        prerequis=PREREQUIS_DEAS,
        commentaire_prerequis="Un dispositif d'aide à la mobilité est proposé pour les stages en Vendée rurale.",
    ),
    dict(
        ref_action="A-DEAP-ANG",
        ref_formation="F-DEAP",
        code_site_dispensateur="41202",
        complement_programme="Parcours complet ou parcours partiel par blocs pour les titulaires du DEAS, "
        "du DEAES ou du CAP accompagnant éducatif petite enfance, défini lors d'un entretien de positionnement.",
        objectifs="Prendre en soin l'enfant et sa famille en maternité, en pédiatrie et en accueil collectif "
        "du jeune enfant ; adapter la prise en soin à l'âge et à l'état clinique de l'enfant.",
        resultats_attendus="Obtention du diplôme d'État d'auxiliaire de puériculture (niveau 4), totale ou "
        "par blocs de compétences selon le parcours individualisé.",
        type_equipement="Tenue professionnelle",
        cout_equipement=90,
        niveau_entree="sans niveau spécifique",
        prerequis="Avoir 17 ans au moins à l'entrée en formation.",
        commentaire_prerequis="Allègements de formation selon le diplôme détenu (arrêté du 10 juin 2021).",
    ),
    dict(
        ref_action="A-DEAES-LM",
        ref_formation="F-DEAES-B12",
        code_site_dispensateur="41203",
        complement_intitule="Parcours partiel blocs 1 et 2",
        resultats_attendus="Validation des blocs de compétences 1 et 2 du DEAES ; les blocs acquis le "
        "restent sans limitation de durée.",
        niveau_entree="sans niveau spécifique",
        prerequis="Dossier de candidature et entretien ; projet professionnel dans l'accompagnement social.",
    ),
    dict(
        ref_action="A-DEAES-ANG",
        ref_formation="F-DEAES-B12",
        code_site_dispensateur="41202",
        complement_intitule="Parcours partiel blocs 1 et 2",
        resultats_attendus="Validation des blocs de compétences 1 et 2 du DEAES.",
        niveau_entree="sans niveau spécifique",
        prerequis="Dossier de candidature et entretien ; projet professionnel dans l'accompagnement social.",
    ),
    dict(
        ref_action="A-TUT-NTE",
        ref_formation="F-TUTORAT",
        code_site_dispensateur="41201",
        objectifs="Accueillir, accompagner et évaluer un stagiaire paramédical ; utiliser le portfolio ; "
        "conduire les entretiens de stage.",
        resultats_attendus="Attestation de formation au tutorat des stagiaires paramédicaux (28 heures).",
        plus_formation="Animée par des cadres formateurs d'IFSI et d'IFAS ; études de cas issues de vos services.",
        niveau_entree="sans niveau spécifique",
        prerequis="Être professionnel de santé diplômé et accueillir des stagiaires dans son service.",
    ),
    dict(
        ref_action="A-ACTU-LRY",
        ref_formation="F-ACTU-AS",
        code_site_dispensateur="41204",
        resultats_attendus="Attestation de formation permettant la réalisation des nouveaux actes du "
        "référentiel aide-soignant de 2021.",
        niveau_entree="sans niveau spécifique",
        prerequis="Être titulaire du DPAS, du DEAS ou du CAFAS.",
    ),
]


# ------------------------------------------------------------------------ sessions
def session(
    ref,
    action,
    lieu,
    debut,
    fin,
    centre,
    *,
    entreprise=None,
    hebdo=None,
    pmr,
    prf=None,
    rythmes=("continu", "temps plein"),
    parcours=("collectif",),
    modalites=("en organisme de formation", "en entreprise", "alternance"),
    enseignement="présentiel",
    recrutement="ouvert",
    modalites_recrutement=("dossier", "entretien ou RDV individuel"),
    infos=(),
    inscription=None,
    commentaire=None,
    cycle=None,
    mail=None,
    responsable=None,
):
    rec = dict(
        ref_session=ref,
        ref_action=action,
        code_site_lieu=lieu,
        date_debut=debut,
        date_fin=fin,
        entrees_sorties_permanentes="non",
        rythmes=list(rythmes),
        periodes=["cours de jour"],
        types_parcours=list(parcours),
        modalites_pedagogiques=list(modalites),
        modalite_enseignement=enseignement,
        duree_centre_h=centre,
        duree_entreprise_h=entreprise,
        duree_hebdo_h=hebdo,
        commentaire_duree=commentaire,
        cycle_annee=cycle,
        code_site_responsable=responsable or lieu,
        etat_recrutement=recrutement,
        modalites_recrutement=list(modalites_recrutement),
        informations_collectives=list(infos),
        referent_pmr=pmr,
        referent_mobilite="5102",
        referent_prf=prf,
        mail_liaison=mail,
    )
    if inscription:
        rec.update(
            inscription_type="candidature individuelle",
            inscription_debut=inscription[0],
            inscription_fin=inscription[1],
        )
    return {k: v for k, v in rec.items() if v not in (None, [])}


PARTIEL = ("modulaire", "individualisé")  # a partial validation by blocs: individualised parcours
LONG = dict(
    entreprise=770,
    hebdo=35,
    commentaire="770 heures en institut et 770 heures de stage "
    "réparties en quatre périodes ; congés scolaires de Noël et d'été.",
)
SESSIONS = [
    session(
        "S-DEAS-NTE-2026-01",
        "A-DEAS-NTE",
        "41201",
        D(2026, 1, 5),
        D(2026, 12, 11),
        770,
        pmr="5101",
        prf="5106",
        recrutement="fermé",
        cycle="2026",
        **LONG,
    ),
    session(
        "S-DEAS-NTE-2026-09",
        "A-DEAS-NTE",
        "41201",
        D(2026, 9, 7),
        D(2027, 7, 2),
        770,
        pmr="5101",
        prf="5106",
        cycle="2026-2027",
        infos=[D(2026, 3, 12), D(2026, 4, 9)],
        inscription=(D(2026, 2, 2), D(2026, 6, 12)),
        mail="secretariat.ifas@ligeria-formation.example",
        **LONG,
    ),
    session(
        "S-DEAS-NTE-2027-01",
        "A-DEAS-NTE",
        "41201",
        D(2027, 1, 4),
        D(2027, 12, 10),
        770,
        pmr="5101",
        prf="5106",
        cycle="2027",
        infos=[D(2026, 9, 17)],
        inscription=(D(2026, 6, 1), D(2026, 10, 30)),
        **LONG,
    ),
    session(
        "S-DEAS-LRY-2026-09",
        "A-DEAS-LRY",
        "41204",
        D(2026, 9, 14),
        D(2027, 7, 9),
        770,
        pmr="5105",
        prf="5106",
        cycle="2026-2027",
        infos=[D(2026, 3, 19)],
        inscription=(D(2026, 2, 2), D(2026, 6, 12)),
        mail="secretariat.laroche@ligeria-formation.example",
        **LONG,
    ),
    session(
        "S-DEAP-ANG-2026-09",
        "A-DEAP-ANG",
        "41202",
        D(2026, 9, 7),
        D(2027, 7, 2),
        770,
        pmr="5103",
        prf="5106",
        parcours=("collectif", "modulaire", "individualisé"),
        cycle="2026-2027",
        inscription=(D(2026, 2, 2), D(2026, 6, 12)),
        **LONG,
    ),
    session(
        "S-DEAP-ANG-2027-01",
        "A-DEAP-ANG",
        "41202",
        D(2027, 1, 11),
        D(2027, 12, 17),
        770,
        pmr="5103",
        prf="5106",
        parcours=("collectif", "modulaire", "individualisé"),
        cycle="2027",
        **LONG,
    ),
    session(
        "S-DEAES-LM-2026-10",
        "A-DEAES-LM",
        "41203",
        D(2026, 10, 5),
        D(2027, 6, 25),
        238,
        entreprise=420,
        hebdo=35,
        parcours=PARTIEL,
        pmr="5104",
        prf="5106",
        rythmes=("discontinu", "temps plein"),
        modalites=("en organisme de formation", "en entreprise"),
        commentaire="Alternance de semaines en centre et de périodes de stage.",
    ),
    session(
        "S-DEAES-LM-2027-03",
        "A-DEAES-LM",
        "41203",
        D(2027, 3, 1),
        D(2027, 12, 17),
        238,
        entreprise=420,
        hebdo=35,
        parcours=PARTIEL,
        pmr="5104",
        rythmes=("discontinu", "temps plein"),
        enseignement="hybride",
        modalites=("en organisme de formation", "en entreprise", "à distance"),
        commentaire="Deux jours par mois de cours à distance en classe virtuelle.",
    ),
    session(
        "S-DEAES-ANG-2026-11",
        "A-DEAES-ANG",
        "41202",
        D(2026, 11, 2),
        D(2027, 7, 9),
        238,
        entreprise=420,
        hebdo=35,
        parcours=PARTIEL,
        pmr="5103",
        prf="5106",
        rythmes=("discontinu", "temps plein"),
        modalites=("en organisme de formation", "en entreprise"),
    ),
    session(
        "S-TUT-NTE-2026-05",
        "A-TUT-NTE",
        "41201",
        D(2026, 5, 11),
        D(2026, 6, 8),
        28,
        pmr="5101",
        rythmes=("discontinu", "temps partiel"),
        modalites=("en organisme de formation",),
        modalites_recrutement=("inscription sur candidature",),
        commentaire="Trois jours consécutifs puis une journée d'analyse de pratiques quatre semaines plus tard.",
    ),
    session(
        "S-TUT-ANG-2026-10",
        "A-TUT-NTE",
        "41202",
        D(2026, 10, 5),
        D(2026, 11, 2),
        28,
        pmr="5103",
        responsable="41201",
        rythmes=("discontinu", "temps partiel"),
        modalites=("en organisme de formation",),
        modalites_recrutement=("inscription sur candidature",),
    ),
    session(
        "S-TUT-NTE-2027-02",
        "A-TUT-NTE",
        "41201",
        D(2027, 2, 1),
        D(2027, 3, 1),
        28,
        pmr="5101",
        rythmes=("discontinu", "temps partiel"),
        modalites=("en organisme de formation",),
        modalites_recrutement=("inscription sur candidature",),
    ),
    session(
        "S-ACTU-LRY-2026-04",
        "A-ACTU-LRY",
        "41204",
        D(2026, 4, 13),
        D(2026, 4, 15),
        21,
        pmr="5105",
        modalites=("en organisme de formation",),
        modalites_recrutement=("inscription sur candidature",),
    ),
    session(
        "S-ACTU-LRY-2026-11",
        "A-ACTU-LRY",
        "41204",
        D(2026, 11, 16),
        D(2026, 11, 18),
        21,
        pmr="5105",
        modalites=("en organisme de formation",),
        modalites_recrutement=("inscription sur candidature",),
    ),
]


# ---------------------------------------------------------------------- dispositifs
def prf(ref_session, places, restantes=None, minimal=None):
    return {
        k: v
        for k, v in dict(
            ref_session=ref_session,
            ref_dispositif="PRF",
            dispositif=PRF,
            publics=PUBLICS_PRF,
            nb_places=places,
            nb_places_restantes=restantes,
            effectif_minimal=minimal,
            frais_certification="non",
            prise_en_charge_frais="oui",
        ).items()
        if v is not None
    }


def autres(
    ref_session,
    places,
    ht,
    tva=0,
    restantes=None,
    minimal=None,
    capacite=None,
    ref="AUTRES",
    name=AUTRES,
    publics=PUBLICS_AUTRES,
    additionnels=None,
):
    ttc = round(ht * (1 + tva), 2)
    return {
        k: v
        for k, v in dict(
            ref_session=ref_session,
            ref_dispositif=ref,
            dispositif=name,
            publics=list(publics),
            nb_places=places,
            nb_places_restantes=restantes,
            effectif_minimal=minimal,
            capacite_simultanee=capacite,
            frais_ht=ht,
            taux_tva=tva,
            frais_ttc=int(ttc) if float(ttc).is_integer() else ttc,
            frais_additionnels=additionnels,
            frais_certification="non",
            prise_en_charge_frais="non",
        ).items()
        if v is not None
    }


def plan(ref_session, places, ht, minimal=6):
    return autres(
        ref_session,
        places,
        ht,
        tva=0.2,
        minimal=minimal,
        capacite=places,
        ref="PLAN",
        name=PLAN,
        publics=["salarié", "agent de la fonction publique"],
    )


DISPOSITIFS = [
    prf("S-DEAS-NTE-2026-01", 40, restantes=0),
    autres("S-DEAS-NTE-2026-01", 10, 7200, restantes=0, additionnels=180),
    prf("S-DEAS-NTE-2026-09", 40, restantes=40, minimal=15),
    autres("S-DEAS-NTE-2026-09", 10, 7200, restantes=10, additionnels=180),
    prf("S-DEAS-NTE-2027-01", 30, restantes=30),
    autres("S-DEAS-NTE-2027-01", 8, 7200, restantes=8, additionnels=180),
    prf("S-DEAS-LRY-2026-09", 30, restantes=30),
    autres("S-DEAS-LRY-2026-09", 6, 7200, restantes=6, additionnels=180),
    prf("S-DEAP-ANG-2026-09", 30, restantes=30),
    autres("S-DEAP-ANG-2026-09", 8, 7400, restantes=8),
    prf("S-DEAP-ANG-2027-01", 25, restantes=25),
    autres("S-DEAP-ANG-2027-01", 6, 7400),
    prf("S-DEAES-LM-2026-10", 18, restantes=12, minimal=10),
    autres("S-DEAES-LM-2026-10", 4, 3950.5),
    autres("S-DEAES-LM-2027-03", 20, 3950.5, restantes=20, minimal=10, capacite=20),
    prf("S-DEAES-ANG-2026-11", 18, restantes=18),
    plan("S-TUT-NTE-2026-05", 14, 560),
    plan("S-TUT-ANG-2026-10", 14, 560),
    plan("S-TUT-NTE-2027-02", 14, 560),
    autres(
        "S-ACTU-LRY-2026-04",
        12,
        315,
        minimal=6,
        capacite=12,
        publics=["salarié", "agent de la fonction publique", "particulier, individuel"],
    ),
    autres(
        "S-ACTU-LRY-2026-11",
        12,
        315,
        minimal=6,
        capacite=12,
        publics=["salarié", "agent de la fonction publique", "particulier, individuel"],
    ),
]

CLEAN = {
    "site": SITES,
    "contact": CONTACTS,
    "formation": FORMATIONS,
    "action": ACTIONS,
    "session": SESSIONS,
    "dispositif": DISPOSITIFS,
}

# ------------------------------------------------------------- the flawed copy
# Each planted mistake: (entity, record key, field, new value, what is wrong).
# A key of (ref_session, ref_dispositif) names a dispositif. "+row" appends a record.
TOO_LONG_TITLE = (
    ACTU_TITLE
    + " : "
    + (
        "mesure de la glycémie capillaire, recueil des paramètres vitaux avec appareils automatiques, "
        "aspiration endotrachéale, pose de bas de contention et lecture instantanée des données urinaires "
        "(arrêté du 10 juin 2021)"
    )
)
assert len(TOO_LONG_TITLE) > 255

MISTAKES = [
    ("site", "36364", "siret", "13000511900033", "SIRET dont la clé de contrôle est fausse (dernier chiffre)"),
    ("formation", "F-ACTU-AS", "intitule", TOO_LONG_TITLE, "intitulé de plus de 255 caractères"),
    ("action", "A-DEAES-ANG", "ref_formation", "F-DEAES-B2", "réf. formation mal recopiée (formation inexistante)"),
    ("session", "S-DEAS-NTE-2027-01", "date_debut", "31/02/2027", "date impossible (31 février)"),
    ("session", "S-DEAES-LM-2027-03", "date_fin", D(2026, 12, 17), "date de fin avant la date de début"),
    (
        "session",
        "S-DEAP-ANG-2027-01",
        "types_parcours",
        "collectif",
        "formation individualisée (DEAP) mais parcours sans « modulaire » ni « individualisé »",
    ),
    (
        "session",
        "S-DEAS-LRY-2026-09",
        "mail_liaison",
        "secretariat.laroche@ligeria-formation",
        "adresse électronique sans domaine de premier niveau",
    ),
    ("session", "S-DEAES-LM-2026-10", "modalite_enseignement", "sur site", "modalité d'enseignement hors liste"),
    ("session", "S-TUT-NTE-2026-05", "date_fin", D(2026, 5, 12), "28 h en centre sur 2 jours (avertissement)"),
    ("session", "S-TUT-ANG-2026-10", "date_debut", D(2026, 1, 19), "session déjà terminée (avec la ligne suivante)"),
    (
        "session",
        "S-TUT-ANG-2026-10",
        "date_fin",
        D(2026, 2, 16),
        "session terminée le 16/02/2026, avant le 01/03/2026 (avertissement)",
    ),
    ("dispositif", ("S-DEAS-NTE-2026-01", "PRF"), "publics", "demandeur d'emploi; retraité", "public hors liste"),
    ("dispositif", ("S-DEAS-NTE-2026-01", "AUTRES"), "nb_places", "dix", "nombre de places écrit en lettres"),
    ("dispositif", ("S-DEAS-NTE-2026-09", "PRF"), "nb_places_restantes", 45, "45 places restantes pour 40 places"),
    ("dispositif", ("S-DEAP-ANG-2026-09", "AUTRES"), "nb_places", None, "nombre de places vide"),
    ("dispositif", ("S-TUT-NTE-2027-02", "PLAN"), "frais_ttc", 660, "TTC 660 € au lieu de 560 × 1,2 = 672 €"),
]
# Certification mistakes (need the reference, which `fasd import` loads by default): the
# DEAS code on the DEAP, and two formations added at the end of the sheet, each with a
# wrong certification...
MISTAKES.append(("formation", "F-DEAP", "code_rncp", "RNCP35830", "code RNCP du DEAS recopié sur la formation DEAP"))
APPENDED_FORMATIONS = [
    dict(
        ref_formation="F-DEAS-PASSERELLE",
        certifinfo="oui",
        code_certifinfo=111668,
        intitule="Diplôme d'État d'aide-soignant - DEAS",
        objectif_general="Certification",
        individualisation="oui",
        validation="partielle",
        blocs=["RNCP35830BC01", "RNCP35830BC02"],
    ),
    dict(
        ref_formation="F-DEAES-B34",
        certifinfo="oui",
        code_certifinfo=109868,
        code_rncp="RNCP36004",
        intitule="Diplôme d'État d'accompagnant éducatif et social - DEAES",
        objectif_general="Certification",
        individualisation="oui",
        validation="partielle",
        blocs=["RNCP36004BC03", "RNCP36004BC05"],
    ),
]
# ... each with its action, session and dispositif (rejected with it, in cascade).
APPENDED_CHAINS = {
    "action": [
        dict(
            ref_action="A-DEAS-PASS-NTE",
            ref_formation="F-DEAS-PASSERELLE",
            code_site_dispensateur="41201",
            complement_intitule="Passerelle blocs 1 et 2",
            resultats_attendus="Validation des blocs de compétences 1 et 2 du DEAS.",
            niveau_entree="sans niveau spécifique",
            prerequis="Être titulaire d'un diplôme ouvrant droit aux allègements de l'arrêté du 10 juin 2021.",
        ),
        dict(
            ref_action="A-DEAES-B34-LM",
            ref_formation="F-DEAES-B34",
            code_site_dispensateur="41203",
            complement_intitule="Parcours partiel blocs 3 et 4",
            resultats_attendus="Validation des blocs de compétences 3 et 4 du DEAES.",
            niveau_entree="sans niveau spécifique",
            prerequis="Dossier de candidature et entretien ; projet professionnel dans l'accompagnement social.",
        ),
    ],
    "session": [
        session(
            "S-DEAS-PASS-NTE-2026-10",
            "A-DEAS-PASS-NTE",
            "41201",
            D(2026, 10, 5),
            D(2027, 3, 26),
            280,
            entreprise=280,
            hebdo=35,
            parcours=PARTIEL,
            pmr="5101",
            modalites=("en organisme de formation", "en entreprise"),
        ),
        session(
            "S-DEAES-B34-LM-2027-01",
            "A-DEAES-B34-LM",
            "41203",
            D(2027, 1, 11),
            D(2027, 6, 25),
            175,
            entreprise=280,
            hebdo=35,
            parcours=PARTIEL,
            pmr="5104",
            rythmes=("discontinu", "temps plein"),
            modalites=("en organisme de formation", "en entreprise"),
        ),
    ],
    "dispositif": [
        autres("S-DEAS-PASS-NTE-2026-10", 12, 3600),
        autres("S-DEAES-B34-LM-2027-01", 10, 2450),
    ],
}
# Appended rows: a contact pasted under a code already used, and an unknown column.
DUPLICATE_CONTACT = dict(
    code_contact="5101",
    nom="HAMON",
    prenom="Lucie",
    civilite="Mme",
    telephone="02 40 35 12 21",
    courriel="accueil.nantes@ligeria-formation.example",
    code_site="41201",
)
# What fixes the red cell of each appended row: the flawed sample is corrected by
# editing its red cells only (tests/test_report_xlsx.py does it on report.xlsx).
APPENDED_FIXES = {
    ("contact", "5101#2", "code_contact"): "5107",
    ("formation", "F-DEAS-PASSERELLE", "code_certifinfo"): 111669,
    ("formation", "F-DEAES-B34", "blocs"): ["RNCP36004BC03", "RNCP36004BC04"],
}
EXTRA_COLUMN = (
    "session",
    "Remarques internes",
    {"S-DEAS-NTE-2026-09": "à confirmer avec le CHU", "S-TUT-NTE-2027-02": "salle 104"},
)

# Every finding the flawed copy must produce: (code, entity, record key, field, note).
# field None: the finding names the record, not a cell (NO_CHILD). Derived by hand
# from spec §4: a rejected parent rejects its children (PARENT_REJECTED, at the cell
# naming the parent); a session, action or formation left without an accepted child
# is rejected (NO_CHILD).
PLANTED = [
    ("BAD_FORMAT", "site", "36364", "siret", "SIRET à clé de contrôle fausse"),
    ("PARENT_REJECTED", "contact", "1902", "code_site", "cascade : son site 36364 est rejeté"),
    ("TOO_LONG", "formation", "F-ACTU-AS", "intitule", "intitulé de plus de 255 caractères"),
    ("PARENT_REJECTED", "action", "A-ACTU-LRY", "ref_formation", "cascade : formation F-ACTU-AS rejetée"),
    ("PARENT_REJECTED", "session", "S-ACTU-LRY-2026-04", "ref_action", "cascade : action A-ACTU-LRY rejetée"),
    ("PARENT_REJECTED", "session", "S-ACTU-LRY-2026-11", "ref_action", "cascade : action A-ACTU-LRY rejetée"),
    ("PARENT_REJECTED", "dispositif", ("S-ACTU-LRY-2026-04", "AUTRES"), "ref_session", "cascade : session rejetée"),
    ("PARENT_REJECTED", "dispositif", ("S-ACTU-LRY-2026-11", "AUTRES"), "ref_session", "cascade : session rejetée"),
    ("ORPHAN", "action", "A-DEAES-ANG", "ref_formation", "réf. formation « F-DEAES-B2 » inexistante"),
    ("PARENT_REJECTED", "session", "S-DEAES-ANG-2026-11", "ref_action", "cascade : action A-DEAES-ANG rejetée"),
    ("PARENT_REJECTED", "dispositif", ("S-DEAES-ANG-2026-11", "PRF"), "ref_session", "cascade : session rejetée"),
    ("BAD_FORMAT", "session", "S-DEAS-NTE-2027-01", "date_debut", "date « 31/02/2027 » impossible"),
    ("PARENT_REJECTED", "dispositif", ("S-DEAS-NTE-2027-01", "PRF"), "ref_session", "cascade : session rejetée"),
    ("PARENT_REJECTED", "dispositif", ("S-DEAS-NTE-2027-01", "AUTRES"), "ref_session", "cascade : session rejetée"),
    ("DATE_ORDER", "session", "S-DEAES-LM-2027-03", "date_fin", "fin 17/12/2026 avant début 01/03/2027"),
    ("PARENT_REJECTED", "dispositif", ("S-DEAES-LM-2027-03", "AUTRES"), "ref_session", "cascade : session rejetée"),
    (
        "PARCOURS_INDIVIDUALISATION",
        "session",
        "S-DEAP-ANG-2027-01",
        "types_parcours",
        "DEAP individualisé, parcours « collectif » seulement",
    ),
    ("PARENT_REJECTED", "dispositif", ("S-DEAP-ANG-2027-01", "PRF"), "ref_session", "cascade : session rejetée"),
    ("PARENT_REJECTED", "dispositif", ("S-DEAP-ANG-2027-01", "AUTRES"), "ref_session", "cascade : session rejetée"),
    (
        "OPTIONAL_DROPPED",
        "session",
        "S-DEAS-LRY-2026-09",
        "mail_liaison",
        "courriel sans domaine de premier niveau (.fr, .org…) : champ facultatif laissé de côté, la session reste (avertissement)",
    ),
    ("BAD_ENUM", "session", "S-DEAES-LM-2026-10", "modalite_enseignement", "« sur site » hors liste"),
    ("PARENT_REJECTED", "dispositif", ("S-DEAES-LM-2026-10", "PRF"), "ref_session", "cascade : session rejetée"),
    ("PARENT_REJECTED", "dispositif", ("S-DEAES-LM-2026-10", "AUTRES"), "ref_session", "cascade : session rejetée"),
    ("NO_CHILD", "action", "A-DEAES-LM", None, "ses deux sessions sont rejetées"),
    (
        "NO_CHILD",
        "formation",
        "F-DEAES-B12",
        None,
        "ses deux actions sont rejetées (A-DEAES-LM sans session, A-DEAES-ANG orpheline)",
    ),
    ("DURATION_EXCEEDS_PERIOD", "session", "S-TUT-NTE-2026-05", "duree_centre_h", "28 h en 2 jours (avertissement)"),
    ("SESSION_ENDED", "session", "S-TUT-ANG-2026-10", "date_fin", "terminée le 16/02/2026 (avertissement)"),
    (
        "OPTIONAL_DROPPED",
        "dispositif",
        ("S-DEAS-NTE-2026-01", "PRF"),
        "publics",
        "public « retraité » hors liste : champ facultatif laissé de côté, le dispositif reste (avertissement)",
    ),
    ("BAD_FORMAT", "dispositif", ("S-DEAS-NTE-2026-01", "AUTRES"), "nb_places", "« dix » n'est pas un nombre"),
    ("PLACES", "dispositif", ("S-DEAS-NTE-2026-09", "PRF"), "nb_places_restantes", "45 restantes > 40 places"),
    ("REQUIRED", "dispositif", ("S-DEAP-ANG-2026-09", "AUTRES"), "nb_places", "nombre de places vide"),
    ("PRICE_TTC", "dispositif", ("S-TUT-NTE-2027-02", "PLAN"), "frais_ttc", "660 € ≠ 560 € × 1,2"),
    ("NO_CHILD", "session", "S-TUT-NTE-2027-02", None, "son seul dispositif est rejeté"),
    ("DUPLICATE_KEY", "contact", "5101#2", "code_contact", "contact ajouté sous un code déjà utilisé (dernière ligne)"),
    ("UNKNOWN_COLUMN", "session", None, "Remarques internes", "colonne ajoutée hors modèle (avertissement)"),
    ("RNCP_MISMATCH", "formation", "F-DEAP", "code_rncp", "RNCP35830 (DEAS) pour la fiche Certif Info 111670 (DEAP)"),
    ("PARENT_REJECTED", "action", "A-DEAP-ANG", "ref_formation", "cascade : formation F-DEAP rejetée"),
    ("PARENT_REJECTED", "session", "S-DEAP-ANG-2026-09", "ref_action", "cascade : action A-DEAP-ANG rejetée"),
    (
        "PARENT_REJECTED",
        "dispositif",
        ("S-DEAP-ANG-2026-09", "PRF"),
        "ref_session",
        "cascade : session rejetée (son dispositif AUTRES a sa propre erreur)",
    ),
    (
        "CERTIFINFO_UNKNOWN",
        "formation",
        "F-DEAS-PASSERELLE",
        "code_certifinfo",
        "111668 au lieu de 111669 (un chiffre faux) ; formation ajoutée",
    ),
    ("PARENT_REJECTED", "action", "A-DEAS-PASS-NTE", "ref_formation", "cascade : formation F-DEAS-PASSERELLE rejetée"),
    ("PARENT_REJECTED", "session", "S-DEAS-PASS-NTE-2026-10", "ref_action", "cascade : action A-DEAS-PASS-NTE rejetée"),
    (
        "PARENT_REJECTED",
        "dispositif",
        ("S-DEAS-PASS-NTE-2026-10", "AUTRES"),
        "ref_session",
        "cascade : session rejetée",
    ),
    (
        "BLOC_UNKNOWN",
        "formation",
        "F-DEAES-B34",
        "blocs",
        "RNCP36004BC05 : le DEAES n'a que 4 blocs ; formation ajoutée",
    ),
    ("PARENT_REJECTED", "action", "A-DEAES-B34-LM", "ref_formation", "cascade : formation F-DEAES-B34 rejetée"),
    ("PARENT_REJECTED", "session", "S-DEAES-B34-LM-2027-01", "ref_action", "cascade : action A-DEAES-B34-LM rejetée"),
    ("PARENT_REJECTED", "dispositif", ("S-DEAES-B34-LM-2027-01", "AUTRES"), "ref_session", "cascade : session rejetée"),
]


# ------------------------------------------------------------------ helpers
def key_of(entity: str, record: dict):
    if entity == "dispositif":
        return (record["ref_session"], record.get("ref_dispositif"))
    return record[ENTITIES[entity].key[0]]


def check_data(data: dict) -> None:
    """Guard the clean data against the slips a generator makes (SIRET, TTC, 10 h/day)."""
    for s in data["site"]:
        assert stdnum_siret.is_valid(s["siret"]), s
    for d in data["dispositif"]:
        if "frais_ttc" in d:
            assert abs(d["frais_ht"] * (1 + d["taux_tva"]) - d["frais_ttc"]) < 0.005, d
    for s in data["session"]:
        days = (s["date_fin"] - s["date_debut"]).days + 1
        assert s["duree_centre_h"] <= 10 * days and s["date_fin"] > D(2026, 3, 1), s


def sheet_value(value, field):
    """A typed value as the workbook cell: real dates and numbers, lists joined."""
    if isinstance(value, list):
        sep = "\n" if field.name == "publics" else "; "
        return sep.join(v.strftime("%d/%m/%Y") if isinstance(v, dt.date) else str(v) for v in value)
    return value


def write_xlsx(path: Path, sheets: list[tuple[str, list[str], list[list]]], widths: dict | None = None) -> None:
    """Write sheets (name, headers, rows) then normalise the zip so the bytes are stable."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, headers, rows in sheets:
        ws = wb.create_sheet(name)
        ws.append(headers)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append(row)
        for r in ws.iter_rows(min_row=2):
            for cell in r:
                if isinstance(cell.value, (dt.date, dt.datetime)):
                    cell.number_format = "DD/MM/YYYY"
                elif isinstance(cell.value, str) and "\n" in cell.value:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
        for j, header in enumerate(headers):
            ws.column_dimensions[column_letter(j)].width = max(12, min(45, len(header) + 4))
        ws.freeze_panes = "A2"
    wb.properties.creator = "samples/build_samples.py"
    wb.properties.created = FIXED_TIME
    buffer = io.BytesIO()
    wb.save(buffer)
    path.write_bytes(stable_zip(buffer.getvalue()))


def stable_zip(data: bytes) -> bytes:
    """Re-pack an xlsx with fixed entry timestamps and a fixed modification date."""
    out = io.BytesIO()
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(<)", rb"\g<1>" + stamp.encode() + rb"\g<2>", content)
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, content)
    return out.getvalue()


def template_sheets(data: dict, entities, extra_columns=()) -> list:
    """One sheet per entity, header = Field.label, one record per row."""
    sheets = []
    for entity in entities:
        spec = ENTITIES[entity]
        headers = [f.label for f in spec.fields]
        rows = [[sheet_value(rec.get(f.name), f) for f in spec.fields] for rec in data[entity]]
        for extra_entity, header, values in extra_columns:
            if extra_entity == entity:
                headers.append(header)
                for row, rec in zip(rows, data[entity]):
                    row.append(values.get(key_of(entity, rec)))
        sheets.append((spec.sheet, headers, rows))
    return sheets


def write_template(path: Path, data: dict, extra_columns=()) -> None:
    write_xlsx(path, template_sheets(data, ENTITIES, extra_columns))


# ------------------------------------------------------------------------ flat CSV
# Headers as a French export writes them: some template labels, some SOFI spellings.
CSV_HEADERS = {
    "ref_formation": "Référence formation",
    "code_formation": "Code formation SOFI",
    "certifinfo": "Référence Certif Info (oui/non)",
    "code_certifinfo": "Code CertifInfo",
    "code_rncp": "Code RNCP",
    "code_rs": "Code RS",
    "intitule": "Intitulé formation",
    "objectif_general": "Objectif général *",
    "type_certification": "Type de certification",
    "objectif_formation": "Objectifs formation",
    "contenu_formation": "Contenu formation",
    "formacodes": "Formacode",
    "codes_rome": "Code ROME",
    "codes_nsf": "Code NSF",
    "niveau_sortie": "Niveau de sortie",
    "individualisation": "Souhaitez-vous individualiser le parcours par bloc de compétences *",
    "validation": "Validation formation",
    "blocs": "Blocs de compétences",
    "libelles_blocs": "Intitulés des blocs",
    "url_formation": "URL formation",
    "ref_action": "Référence action",
    "code_action": "Code action SOFI",
    "code_site_dispensateur": "Site dispensateur *",
    "complement_intitule": "Complément intitulé",
    "complement_programme": "Complément programme",
    "objectifs": "Objectifs",
    "resultats_attendus": "Résultats attendus",
    "plus_formation": "Mon + formation",
    "url_video": "URL Vidéo",
    "url_pdf": "URL PDF",
    "url_action": "URL Action",
    "type_equipement": "Type d'équipement",
    "cout_equipement": "Coût indicatif",
    "commentaire_equipement": "Commentaire équipement",
    "niveau_entree": "Niveau d'entrée *",
    "niveau_entree_obligatoire": "Niveau d'entrée obligatoire",
    "prerequis": "Pré-requis",
    "commentaire_prerequis": "Commentaire Pré-requis",
    "ref_session": "Référence session",
    "code_session": "Code session SOFI",
    "code_site_lieu": "Site lieu *",
    "date_debut": "Date de début",
    "date_fin": "Date de fin",
    "entrees_sorties_permanentes": "ESP *",
    "rythmes": "Rythmes *",
    "periodes": "Périodes de formations *",
    "types_parcours": "Type de parcours *",
    "modalites_pedagogiques": "Modalités pédagogiques *",
    "modalite_enseignement": "Modalités d'enseignement *",
    "duree_centre_h": "Durée en centre (en h) *",
    "duree_entreprise_h": "Durée en entreprise (en h)",
    "duree_hebdo_h": "Durée hebdomadaire",
    "commentaire_duree": "Commentaire durée",
    "cycle_annee": "Cycle de l'année",
    "unite_entreprise": "Unité entreprise",
    "code_site_responsable": "Organisme responsable *",
    "etat_recrutement": "Recrutement *",
    "modalites_recrutement": "Modalité de recrutement",
    "informations_collectives": "Informations collectives",
    "inscription_type": "Type de période d'inscription",
    "inscription_debut": "Début inscription",
    "inscription_fin": "Fin inscription",
    "referent_pmr": "Référent handicap",
    "referent_mobilite": "Référent mobilité *",
    "referent_prf": "Référent PRF",
    "mail_liaison": "Mail de liaison",
    "ref_dispositif": "Référence dispositif",
    "dispositif": "Dispositif *",
    "publics": "Publics",
    "codes_externes": "Codes externes",
    "nb_places": "Nb places dispositif *",
    "nb_places_restantes": "Nb places restantes",
    "effectif_minimal": "Effectif Minimal",
    "capacite_simultanee": "Capacité Simultanée",
    "annee_cycle": "Année du cycle",
    "frais_ht": "Frais HT",
    "taux_tva": "Taux TVA",
    "frais_ttc": "Frais TTC",
    "frais_additionnels": "Montant total des frais additionnels non pris en charge",
    "frais_certification": "Frais afférents au passage de la certification",
    "prise_en_charge_frais": "Prise en charge des frais pédagogiques",
}
# Values as such an export spells them (same meaning as in the workbook).
CSV_SPELLINGS = {
    "oui": "Oui",
    "non": "Non",
    "présentiel": "Formation entièrement présentielle",
    "hybride": "formation mixte",
}


def csv_value(value, field) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        sep = ", " if field.name in ("rythmes", "periodes", "formacodes") else "; "
        return sep.join(csv_value(v, field) for v in value)
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if field.name == "taux_tva":
        return f"{value * 100:g} %"
    if field.kind == "decimal" and isinstance(value, (int, float)) and field.name.startswith("frais"):
        return f"{value:,.2f}".replace(",", "\u202f").replace(".", ",")
    if field.name == "code_rncp":
        return value.removeprefix("RNCP")
    if isinstance(value, float):
        return f"{value:g}".replace(".", ",")
    text = str(value)
    return CSV_SPELLINGS.get(text, text)


def flat_rows(data: dict) -> tuple[list[str], list[list[str]]]:
    """One row per session × dispositif, formation and action columns repeated."""
    fields = []
    for entity in OFFER_ENTITIES:
        for f in ENTITIES[entity].fields:
            if f.name not in [g.name for g in fields]:
                fields.append(f)
    headers = [CSV_HEADERS[f.name] for f in fields]
    for f, header in zip(fields, headers):
        # Every export header must reach its field through the lenient matching.
        assert match_header(header, OFFER_ENTITIES) == f.name, (header, f.name)
    formations = {r["ref_formation"]: r for r in data["formation"]}
    actions = {r["ref_action"]: r for r in data["action"]}
    sessions = {r["ref_session"]: r for r in data["session"]}
    rows = []
    for d in data["dispositif"]:
        s = sessions[d["ref_session"]]
        a = actions[s["ref_action"]]
        f = formations[a["ref_formation"]]
        merged = {**f, **a, **s, **d}
        rows.append([csv_value(merged.get(fl.name), fl) for fl in fields])
    return headers, rows


def ordered_for_flat(data: dict) -> list[dict]:
    """Dispositifs in formation > action > session order, as an export lists them."""
    order = {}
    for f in data["formation"]:
        for a in (a for a in data["action"] if a["ref_formation"] == f["ref_formation"]):
            for s in (s for s in data["session"] if s["ref_action"] == a["ref_action"]):
                order[s["ref_session"]] = len(order)
    return sorted(data["dispositif"], key=lambda d: order[d["ref_session"]])


def write_csv(path: Path, data: dict) -> None:
    headers, rows = flat_rows({**data, "dispositif": ordered_for_flat(data)})
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(rows)
    path.write_bytes(out.getvalue().encode("utf-8-sig"))


def write_annuaire(path: Path, data: dict) -> None:
    spaced = copy.deepcopy(data)
    for s in spaced["site"]:  # as copied from a Sirene notice: 130 005 119 00032
        v = s["siret"]
        s["siret"] = f"{v[:3]} {v[3:6]} {v[6:9]} {v[9:]}"
    write_xlsx(path, template_sheets(spaced, ("site", "contact")))


# ------------------------------------------------------------------- flawed copy
def flawed_data() -> dict:
    data = copy.deepcopy(CLEAN)
    for entity, key, field, value, _why in MISTAKES:
        matches = [r for r in data[entity] if key_of(entity, r) == key]
        assert len(matches) == 1, (entity, key)
        if value is None:
            matches[0].pop(field, None)
        else:
            matches[0][field] = value
    data["formation"].extend(copy.deepcopy(APPENDED_FORMATIONS))
    for entity, records in APPENDED_CHAINS.items():
        data[entity].extend(copy.deepcopy(records))
    data["contact"].append(dict(DUPLICATE_CONTACT))
    return data


def locate(data: dict, entity: str, key, field) -> tuple[str, str]:
    """(sheet, cell) of a record's field in the template layout; cell '—' for a record."""
    spec = ENTITIES[entity]
    if key is None:  # a header cell
        n = len(spec.fields) + [c[1] for c in [EXTRA_COLUMN] if c[0] == entity].index(field)
        return spec.sheet, f"{column_letter(n)}1"
    occurrence = 1
    if isinstance(key, str) and "#" in key:
        key, occurrence = key.split("#")[0], int(key.split("#")[1])
    rows = [i for i, r in enumerate(data[entity]) if key_of(entity, r) == key]
    row = rows[occurrence - 1] + 2
    if field is None:
        return spec.sheet, f"— (ligne {row})"
    return spec.sheet, f"{column_letter(spec.names.index(field))}{row}"


def display_key(entity, key) -> str:
    if key is None:
        return "—"
    if isinstance(key, tuple):
        return " / ".join(key)
    return key.split("#")[0]


def planted_table(data: dict) -> str:
    lines = [
        "| # | code | feuille | cellule | clé | champ | erreur plantée / raison |",
        "|---|---|---|---|---|---|---|",
    ]
    for i, (code, entity, key, field, note) in enumerate(PLANTED, 1):
        sheet, cell = locate(data, entity, key, field)
        label = field if key is None else (ENTITIES[entity].field(field).label if field else "—")
        lines.append(f"| {i} | {code} | {sheet} | {cell} | {display_key(entity, key)} | {label} | {note} |")
    return "\n".join(lines)


def readme_text(data: dict) -> str:
    """samples/README.md with its table of planted mistakes rendered from PLANTED."""
    text = (HERE / "README.md").read_text(encoding="utf-8")
    start, end = "<!-- planted:start -->", "<!-- planted:end -->"
    before, rest = text.split(start)
    _, after = rest.split(end)
    return f"{before}{start}\n{planted_table(data)}\n{end}{after}"


def main(out: Path = HERE) -> None:
    """Write every sample into `out` (the tests build into a temporary folder and compare)."""
    out.mkdir(parents=True, exist_ok=True)
    check_data(CLEAN)
    write_template(out / "offre-sanitaire-social.xlsx", CLEAN)
    write_csv(out / "offre-sanitaire-social.csv", CLEAN)
    write_annuaire(out / "annuaire.xlsx", CLEAN)
    flawed = flawed_data()
    write_template(out / "offre-sanitaire-social-erreurs.xlsx", flawed, extra_columns=[EXTRA_COLUMN])
    text = readme_text(flawed)
    (out / "README.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
