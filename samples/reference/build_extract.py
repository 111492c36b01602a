"""Write the illustrative reference extract, in both shapes, from the data below.

Run `.venv/bin/python samples/reference/build_extract.py` after changing the data:
it writes `certifinfo-extrait.csv` and `export-fiches-csv-2026-01-15.zip` into
`pipeline/data/reference/` (shipped with the package: `fasd`'s default reference)
and the same two files into `samples/reference/`. The zip is byte-for-byte
reproducible (fixed member dates).

Known facts (seed procedure): DEAS = Certif Info 111669 = RNCP35830, European level
4, blocs RNCP35830BC01-BC04 and their titles, type "Autre diplôme d'Etat de niveau
4", certifier the ministry of health. Everything else is illustrative and marked so:
column `illustratif` of the CSV, extra column `Illustratif` of the zip's Standard and
Blocs files (the real export has no such column; our loader reads it when present).
"""

from __future__ import annotations

import csv
import io
import shutil
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "pipeline" / "data" / "reference"
SAMPLES = ROOT / "samples" / "reference"
EXPORT_DATE = "2026_01_14"  # member files carry the day before the zip's date
ZIP_NAME = "export-fiches-csv-2026-01-15.zip"
CSV_NAME = "certifinfo-extrait.csv"
ILLUSTRATIVE = "oui (enregistrement d'exemple)"

DEAS_BLOCS = [
    (
        "RNCP35830BC01",
        "Accompagnement et soins de la personne dans les activités de sa vie quotidienne et de sa vie sociale",
    ),
    ("RNCP35830BC02", "Evaluation de l'état clinique et mise en œuvre de soins adaptés en collaboration"),
    (
        "RNCP35830BC03",
        "Information et accompagnement des personnes et de leur entourage, des professionnels et des apprenants",
    ),
    (
        "RNCP35830BC04",
        "Entretien de l'environnement immédiat de la personne et des matériels liés aux activités en tenant compte du lieu et des situations d'intervention",
    ),
]

CERTIFINFO_HEADER = [
    "code",
    "intitule",
    "code_rncp",
    "code_rs",
    "niveau_europeen",
    "type_certification",
    "certificateur",
    "formacodes",
    "codes_rome",
    "archive",
    "date_fin_validite",
    "objectif",
    "programme",
    "illustratif",
]
CERTIFINFO = [
    [
        "111669",
        "Diplôme d'État d'aide-soignant - DEAS",
        "RNCP35830",
        "",
        "4",
        "Autre diplôme d'Etat de niveau 4",
        "Ministère chargé de la santé",
        "43436",
        "J1501",
        "non",
        "",
        "Accompagner la personne dans les activités de sa vie quotidienne et de sa vie sociale ; évaluer son état "
        "clinique et mettre en œuvre des soins adaptés en collaboration ; informer et accompagner la personne, son "
        "entourage, les professionnels et les apprenants ; entretenir l'environnement immédiat de la personne et les "
        "matériels.",
        "Bloc 1 : accompagnement et soins de la personne dans les activités de sa vie quotidienne et de sa vie "
        "sociale. Bloc 2 : évaluation de l'état clinique et mise en œuvre de soins adaptés en collaboration. Bloc 3 : "
        "information et accompagnement des personnes et de leur entourage, des professionnels et des apprenants. "
        "Bloc 4 : entretien de l'environnement immédiat de la personne et des matériels. Stages en milieu "
        "professionnel.",
        "objectif, programme, formacodes, codes_rome : rédigés pour l'exemple",
    ],
    [
        "111670",
        "Diplôme d'État d'auxiliaire de puériculture - DEAP",
        "RNCP35832",
        "",
        "4",
        "Autre diplôme d'Etat de niveau 4",
        "Ministère chargé de la santé",
        "44051",
        "J1304",
        "non",
        "",
        "Accompagner l'enfant dans les activités de sa vie quotidienne et de sa vie sociale, évaluer son état "
        "clinique et mettre en œuvre des soins adaptés en collaboration.",
        "Cinq blocs de compétences : soins de l'enfant, état clinique et soins adaptés, communication avec les "
        "familles, hygiène de l'environnement, travail en équipe. Stages en milieu professionnel.",
        ILLUSTRATIVE,
    ],
    [
        "109868",
        "Diplôme d'État d'accompagnant éducatif et social - DEAES",
        "RNCP36004",
        "",
        "3",
        "Autre diplôme d'Etat de niveau 3",
        "Ministère chargé des affaires sociales",
        "44028",
        "K1302",
        "non",
        "",
        "Accompagner au quotidien des personnes en situation de handicap, âgées ou fragilisées, à domicile ou en "
        "établissement, dans le respect de leur projet de vie.",
        "Quatre blocs de compétences : accompagnement dans les actes du quotidien, projet de vie, communication "
        "professionnelle, prévention des risques. Stages en milieu professionnel.",
        ILLUSTRATIVE,
    ],
    [
        "54913",
        "Diplôme d'État d'aide médico-psychologique - DEAMP",
        "RNCP4503",
        "",
        "3",
        "Autre diplôme d'Etat de niveau 3",
        "Ministère chargé des affaires sociales",
        "44004",
        "K1301",
        "oui",
        "2016-12-31",
        "Accompagner des personnes en situation de handicap ou de dépendance.",
        "Diplôme remplacé par le DEAES.",
        ILLUSTRATIVE,
    ],
    [
        "99901",
        "Titre d'exemple d'agent de service en établissement de santé",
        "RNCP99901",
        "",
        "3",
        "Titre professionnel",
        "Organisme certificateur d'exemple",
        "43429",
        "J1301",
        "non",
        "",
        "Assurer l'entretien et l'hygiène des locaux d'un établissement de santé.",
        "Hygiène hospitalière, bionettoyage, circuit des déchets.",
        ILLUSTRATIVE,
    ],
]

STANDARD_HEADER = [
    "Id_Fiche",
    "Numero_Fiche",
    "Intitule",
    "Abrege_Libelle",
    "Abrege_Intitule",
    "Nomenclature_Europe_Niveau",
    "Nomenclature_Europe_Intitule",
    "Accessible_Nouvelle_Caledonie",
    "Accessible_Polynesie_Francaise",
    "Date_dernier_jo",
    "Date_Decision",
    "Date_Fin_Enregistrement",
    "Date_Effet",
    "Type_Enregistrement",
    "Validation_Partielle",
    "Actif",
    "Illustratif",
]
STANDARD = [
    [
        "90001",
        "RNCP35830",
        "Diplôme d'État d'aide-soignant (DEAS)",
        "DE",
        "Diplôme d'État",
        "NIV4",
        "Niveau 4",
        "Non",
        "Non",
        "",
        "",
        "",
        "",
        "Enregistrement de droit",
        "",
        "ACTIVE",
        "Id_Fiche, Abrege_*, Type_Enregistrement : valeurs d'exemple ; fin d'enregistrement inconnue",
    ],
    [
        "90002",
        "RNCP35832",
        "Diplôme d'État d'auxiliaire de puériculture (DEAP)",
        "DE",
        "Diplôme d'État",
        "NIV4",
        "Niveau 4",
        "Non",
        "Non",
        "",
        "",
        "",
        "",
        "Enregistrement de droit",
        "",
        "ACTIVE",
        ILLUSTRATIVE,
    ],
    [
        "90003",
        "RNCP36004",
        "Diplôme d'État d'accompagnant éducatif et social (DEAES)",
        "DE",
        "Diplôme d'État",
        "NIV3",
        "Niveau 3",
        "Non",
        "Non",
        "",
        "",
        "",
        "",
        "Enregistrement de droit",
        "",
        "ACTIVE",
        ILLUSTRATIVE,
    ],
    [
        "90004",
        "RNCP4503",
        "Diplôme d'État d'aide médico-psychologique",
        "DE",
        "Diplôme d'État",
        "NIV3",
        "Niveau 3",
        "Non",
        "Non",
        "",
        "",
        "31/12/2016",
        "",
        "Enregistrement de droit",
        "",
        "INACTIVE",
        ILLUSTRATIVE,
    ],
    [
        "90005",
        "RNCP99901",
        "Titre d'exemple d'agent de service en établissement de santé",
        "TP",
        "Titre professionnel",
        "NIV3",
        "Niveau 3",
        "Non",
        "Non",
        "",
        "15/12/2022",
        "31/12/2025",
        "",
        "Enregistrement sur demande",
        "",
        "INACTIVE",
        ILLUSTRATIVE,
    ],
    [
        "90006",
        "RNCP99902",
        "Certificat d'exemple de surveillant de nuit en établissement social",
        "CQP",
        "Certificat de qualification professionnelle",
        "NIV3",
        "Niveau 3",
        "Non",
        "Non",
        "",
        "01/06/2024",
        "01/06/2029",
        "",
        "Enregistrement sur demande",
        "",
        "ACTIVE",
        ILLUSTRATIVE,
    ],
]

BLOCS_HEADER = ["Numero_Fiche", "Bloc_Competences_Code", "Bloc_Competences_Libelle", "Illustratif"]
BLOCS = [["RNCP35830", code, title, ""] for code, title in DEAS_BLOCS] + [
    [
        "RNCP35832",
        "RNCP35832BC01",
        "Accompagnement et soins de l'enfant dans les activités de sa vie quotidienne et de sa vie sociale",
        ILLUSTRATIVE,
    ],
    [
        "RNCP35832",
        "RNCP35832BC02",
        "Evaluation de l'état clinique et mise en œuvre de soins adaptés en collaboration",
        ILLUSTRATIVE,
    ],
    [
        "RNCP35832",
        "RNCP35832BC03",
        "Information et accompagnement des personnes et de leur entourage, des professionnels et des apprenants",
        ILLUSTRATIVE,
    ],
    [
        "RNCP35832",
        "RNCP35832BC04",
        "Entretien de l'environnement immédiat de la personne et des matériels liés aux activités",
        ILLUSTRATIVE,
    ],
    [
        "RNCP35832",
        "RNCP35832BC05",
        "Travail en équipe pluri-professionnelle, traitement des informations, qualité et gestion des risques",
        ILLUSTRATIVE,
    ],
    [
        "RNCP36004",
        "RNCP36004BC01",
        "Accompagnement de la personne dans les actes essentiels du quotidien",
        ILLUSTRATIVE,
    ],
    [
        "RNCP36004",
        "RNCP36004BC02",
        "Accompagnement de la personne dans les activités de la vie sociale et son projet de vie",
        ILLUSTRATIVE,
    ],
    ["RNCP36004", "RNCP36004BC03", "Communication et travail en équipe pluriprofessionnelle", ILLUSTRATIVE],
    ["RNCP36004", "RNCP36004BC04", "Prévention des risques et bientraitance", ILLUSTRATIVE],
    ["RNCP99901", "RNCP99901BC01", "Entretien et bionettoyage des locaux", ILLUSTRATIVE],
    ["RNCP99901", "RNCP99901BC02", "Gestion des déchets et du linge", ILLUSTRATIVE],
    ["RNCP99902", "RNCP99902BC01", "Surveillance des personnes et des locaux la nuit", ILLUSTRATIVE],
    ["RNCP99902", "RNCP99902BC02", "Réponse aux situations d'urgence", ILLUSTRATIVE],
]

CERTIFICATEURS_HEADER = ["Numero_Fiche", "Siret_Certificateur", "Nom_Certificateur"]
CERTIFICATEURS = [
    ["RNCP35830", "", "MINISTERE CHARGE DE LA SANTE"],
    ["RNCP35832", "", "MINISTERE CHARGE DE LA SANTE"],
    ["RNCP36004", "", "MINISTERE CHARGE DES AFFAIRES SOCIALES"],
    ["RNCP4503", "", "MINISTERE CHARGE DES AFFAIRES SOCIALES"],
    ["RNCP99901", "", "ORGANISME CERTIFICATEUR D'EXEMPLE"],
    ["RNCP99902", "", "ORGANISME CERTIFICATEUR D'EXEMPLE"],
]
FORMACODE_HEADER = ["Numero_Fiche", "Formacode_Code", "Formacode_Libelle"]
FORMACODE = [["RNCP99902", "42822", "surveillance gardiennage"]]
ROME_HEADER = ["Numero_Fiche", "Codes_Rome_Code", "Codes_Rome_Libelle"]
ROME = [["RNCP99902", "K2503", "Sécurité et surveillance privées"]]
CONTINUITY_HEADER = ["Numero_Fiche", "Ancienne_Certification", "Nouvelle_Certification", "Illustratif"]
CONTINUITY = [["RNCP36004", "RNCP4503", "", ILLUSTRATIVE]]  # the DEAES replaces the DEAMP


def csv_text(header: list[str], rows: list[list[str]], quoting=csv.QUOTE_ALL) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", quoting=quoting, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def write_zip(path: Path) -> None:
    parts = [
        ("Standard", STANDARD_HEADER, STANDARD),
        ("Blocs_De_Compétences", BLOCS_HEADER, BLOCS),
        ("Certificateurs", CERTIFICATEURS_HEADER, CERTIFICATEURS),
        ("Formacode", FORMACODE_HEADER, FORMACODE),
        ("Rome", ROME_HEADER, ROME),
        ("Ancienne_Nouvelle_Certification", CONTINUITY_HEADER, CONTINUITY),
    ]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for part, header, rows in parts:
            info = zipfile.ZipInfo(f"export_fiches_CSV_{part}_{EXPORT_DATE}.csv", date_time=(2026, 1, 15, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, csv_text(header, rows).encode("utf-8"))


def main() -> None:
    PACKAGE.mkdir(parents=True, exist_ok=True)
    SAMPLES.mkdir(parents=True, exist_ok=True)
    (PACKAGE / CSV_NAME).write_text(csv_text(CERTIFINFO_HEADER, CERTIFINFO, csv.QUOTE_MINIMAL), encoding="utf-8")
    write_zip(PACKAGE / ZIP_NAME)
    for name in (CSV_NAME, ZIP_NAME):
        shutil.copyfile(PACKAGE / name, SAMPLES / name)
        print(f"écrit : {PACKAGE / name} et {SAMPLES / name}")


if __name__ == "__main__":
    main()
