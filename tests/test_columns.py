"""Header resolution users can see and steer: a file not understood stops with exit 2,
an absent required column is one finding, `fasd colonnes` and `--colonnes`."""

from __future__ import annotations

import json

import openpyxl
from click.testing import CliRunner

from pipeline.cli.main import main
from pipeline.engine.run import run

from factory import TODAY, valid_offer, write_flat_csv, write_workbook

# A Carif-Oref export: its own headers, `;`, Windows-1252.
FOREIGN = (
    "Numéro offre;Intitulé de la formation;Organisme;Date de démarrage;Ville\r\n"
    "123;Aide-soignant;IFSI Nantes;01/09/2026;Nantes\r\n"
    "124;Auxiliaire de puériculture;IFSI Nantes;05/01/2027;Nantes\r\n"
)


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def directory(tmp_path):
    return write_workbook(tmp_path / "annuaire.xlsx", valid_offer(), entities=("site", "contact"))


def test_csv_of_unknown_headers_exits_2_with_what_to_do(tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes(FOREIGN.encode("cp1252"))
    out = tmp_path / "out"
    result = invoke("import", path, "--out", out)
    assert result.exit_code == 2, result.output
    message = result.output.strip()
    assert message.count("\n") == 0 and message.startswith("fasd : erreur : export.csv : fichier non compris")
    assert "aucune colonne clé" in message and "« Réf. formation »" in message
    assert "« Date de démarrage » (proche de « Date début »)" in message  # the nearest known label
    assert "fasd colonnes export.csv" in message and "--colonnes" in message
    assert not (out / "summary.json").exists()


def test_keys_without_most_required_columns_exit_2(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("Réf. formation;Réf. action;Réf. session;Intitulé\nF1;A1;S1;Soins\n", encoding="utf-8")
    result = invoke("check", path)
    assert result.exit_code == 2, result.output
    assert "colonne(s) obligatoire(s) sur" in result.output and "« Référence Certif Info »" in result.output


def test_missing_required_column_is_one_finding(tmp_path):
    """Two sessions, no « Recrutement » column: one MISSING_COLUMN, no REQUIRED, sessions rejected."""
    offer = valid_offer()
    offer["session"].append(dict(offer["session"][0], ref_session="S2"))
    offer["dispositif"].append(dict(offer["dispositif"][0], ref_session="S2"))
    for session in offer["session"]:
        del session["etat_recrutement"]
    path = write_flat_csv(tmp_path / "offre.csv", offer)
    result = run([path], annuaire=directory(tmp_path), today=TODAY)
    codes = result.findings["code"].tolist()
    assert codes.count("MISSING_COLUMN") == 1 and "REQUIRED" not in codes
    missing = result.findings[result.findings["code"] == "MISSING_COLUMN"].iloc[0]
    assert (missing["entity"], missing["column"], missing["severity"]) == ("session", "Recrutement", "error")
    assert "Recrutement" in missing["message"]
    assert not result.accepted["session"].any() and not result.accepted["formation"].any()


# The valid offer as an organisation's tool exports it: none of its headers is ours.
FOREIGN_HEADERS = {
    "ref_formation": "N° produit",
    "certifinfo": "Diplômant",
    "intitule": "Titre du produit",
    "objectif_general": "But",
    "objectif_formation": "Finalité",
    "contenu_formation": "Déroulé",
    "individualisation": "Parcours à la carte",
    "validation": "Sanction",
    "formacodes": "FC",
    "ref_action": "N° déclinaison",
    "code_site_dispensateur": "Établissement",
    "resultats_attendus": "Sortie",
    "niveau_entree": "Prérequis niveau",
    "ref_session": "N° groupe",
    "code_site_lieu": "Salle",
    "date_debut": "Ouverture",
    "date_fin": "Clôture",
    "entrees_sorties_permanentes": "Flux continu",
    "rythmes": "Cadence",
    "periodes": "Créneau",
    "types_parcours": "Organisation",
    "modalites_pedagogiques": "Pédagogie",
    "modalite_enseignement": "Présence",
    "duree_centre_h": "Heures salle",
    "code_site_responsable": "Gestionnaire",
    "etat_recrutement": "Inscriptions",
    "referent_pmr": "Correspondant accessibilité",
    "referent_mobilite": "Correspondant mobilité",
    "ref_dispositif": "Ligne financement",
    "dispositif": "Financeur",
    "publics": "Cible",
    "nb_places": "Capacité",
    "frais_ht": "Coût HT",
    "taux_tva": "TVA",
    "frais_ttc": "Coût TTC",
}


def test_colonnes_edited_and_passed_back_imports_the_file(tmp_path):
    import csv

    from factory import flat_rows

    names, _ = flat_rows(valid_offer())
    path = write_flat_csv(tmp_path / "export.csv", valid_offer(), headers=[FOREIGN_HEADERS[n] for n in names])
    out = tmp_path / "out"
    assert invoke("import", path, "--annuaire", directory(tmp_path), "--out", out).exit_code == 2

    mapping = tmp_path / "correspondance.csv"
    proposed = invoke("colonnes", path, "--out", mapping)
    assert proposed.exit_code == 0, proposed.output
    with open(mapping, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))
    assert [r["en-tête"] for r in rows] == [FOREIGN_HEADERS[n] for n in names]  # every header, in order
    dates = next(r for r in rows if r["en-tête"] == "Ouverture")
    assert dates["exemples"] == "07/09/2026" and dates["colonne"]

    # The person fills « champ » once: a field name, a label, or « ignorer ».
    by_header = {h: n for n, h in FOREIGN_HEADERS.items()}
    for r in rows:
        r["champ"] = by_header[r["en-tête"]]
    next(r for r in rows if r["en-tête"] == "Ouverture")["champ"] = "Date début *"  # a label works too
    next(r for r in rows if r["en-tête"] == "FC")["champ"] = "ignorer"
    with open(mapping, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), delimiter=";")
        writer.writeheader()
        writer.writerows(rows)

    result = invoke(
        "import", path, "--annuaire", directory(tmp_path), "--colonnes", mapping, "--out", out, "--today", "2026-03-01"
    )
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in (out / "records.jsonl").read_text(encoding="utf-8").splitlines()]
    session = records[0]["actions"][0]["sessions"][0]
    assert (records[0]["ref_formation"], session["date_debut"]) == ("F1", "2026-09-07")
    assert not records[0].get("formacodes")  # « FC » ignored as asked

    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    columns = {c["header"]: c for c in report["columns"] if c["source"] == "export.csv"}
    assert len(columns) == len(names)
    assert columns["Ouverture"]["field"] == "date_debut" and columns["Ouverture"]["how"] == "fichier de correspondance"
    assert columns["FC"]["field"] == "" and "ignorée" in columns["FC"]["why"]

    sheet = openpyxl.load_workbook(out / "report.xlsx", read_only=True)["Colonnes"]
    shown = {row[3]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert set(FOREIGN_HEADERS.values()) <= set(shown)  # every header of the file
    assert shown["Ouverture"][4] == "Date début" and shown["FC"][4] == "ignorée"


def test_colonnes_sheet_says_why_a_column_is_not_read(tmp_path):
    from factory import flat_rows

    names, _ = flat_rows(valid_offer())
    headers = [("Date débutt" if n == "date_debut" else n) for n in names] + ["Remarques internes"]
    path = write_flat_csv(tmp_path / "offre.csv", valid_offer(), headers=headers[:-1])
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    lines = [lines[0] + ";Remarques internes"] + [line + ";à revoir" for line in lines[1:]]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    invoke("check", path, "--annuaire", directory(tmp_path), "--out", out)
    sheet = openpyxl.load_workbook(out / "report.xlsx", read_only=True)["Colonnes"]
    shown = {row[3]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert shown["Date débutt"][4] == "ignorée" and "Date début" in shown["Date débutt"][8]
    assert shown["Remarques internes"][6] == "non reconnue"
    assert shown["duree_centre_h"][5] == "duree_centre_h" and shown["duree_centre_h"][6] == "nom interne"


def test_mapping_with_an_unknown_field_exits_2(tmp_path):
    mapping = tmp_path / "correspondance.csv"
    mapping.write_text("en-tête;champ\nOuverture;date_de_debut_du_cours\n", encoding="utf-8")
    path = tmp_path / "export.csv"
    path.write_bytes(FOREIGN.encode("cp1252"))
    result = invoke("check", path, "--colonnes", mapping)
    assert result.exit_code == 2
    assert "ligne 2" in result.output and "« date_de_debut_du_cours » inconnu" in result.output
