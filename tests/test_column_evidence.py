"""Column matching that checks itself against the values (issue 23, item 1).

Headers and values are shaped like the real files seen: apprenticeship catalogues
(« Intitulé du diplôme ou titre * », « Code postal du lieu * », « Période(s) d'entrée
(En mois) * »), a Carif-Oref export (`ABREGE_FORMATION`, `CP`), an organisation's tool.
"""

from __future__ import annotations

import csv
import json

import openpyxl
import pytest

from pipeline.readers.column_evidence import (
    AGREE,
    CONTRADICT,
    LIKELY,
    STRONG,
    TO_CHECK,
    agreement,
    nearest_field,
    spelling,
)
from pipeline.readers.headers import match_header
from pipeline.model.fields import ENTITIES, OFFER_ENTITIES

from factory import TODAY, flat_rows, invoke, valid_offer, write_flat_csv, write_workbook

DATE_DEBUT = ENTITIES["session"].field("date_debut")


@pytest.mark.parametrize(
    "values",
    [
        ["44000", "49100", "85000", "72000"],  # postcodes
        ["44109", "49007", "85191"],  # INSEE codes
        ["2026", "2027", "2026"],  # years
        ["9,10,11,12,1,2,3,4,5,6", "12,1,2", "8,9,10,11"],  # months of entry
    ],
)
def test_postcodes_insee_years_and_months_are_not_dates(values):
    assert agreement(values, DATE_DEBUT).verdict == CONTRADICT
    assert nearest_field("Date début prévue", values, OFFER_ENTITIES, set()) is None  # the header alone is not enough


def test_written_dates_agree_with_a_date_field():
    assert agreement(["07/09/2026", "2027-01-05", "30/06/2027"], DATE_DEBUT).verdict == AGREE


def test_one_shared_word_is_not_a_close_spelling():
    assert spelling("Niveau de la formation*", "Site lieu *") == 0
    assert spelling("Niveau de la formation*", "lieu de formation") < STRONG
    assert spelling("Nom de la formation *", "Validation de la formation *") < STRONG
    assert spelling("CP", "rncp") == 0
    assert spelling("ABREGE_FORMATION", "URL formation") < STRONG
    assert spelling("Date débbut", "Date début *") == STRONG  # a typo still is one


@pytest.mark.parametrize(
    "header, values, wrong",
    [
        ("Niveau de la formation*", ["4 (Bac…)", "5 (BTS, DUT…)"], "code_site_lieu"),
        ("Nom de la formation *", ["Bac Pro Logistique", "BTS MCO"], "validation"),
        ("Capacité d'accueil de la formation", ["12", "24"], "validation"),
        ("CP", ["44000", "49100"], "code_rncp"),
        ("ABREGE_FORMATION", ["BTS MCO", "CAP AEPE", "BAC PRO MELEC"], "url_formation"),
        ("ABREGE_FORMATION", ["BTS MCO", "CAP AEPE", "BAC PRO MELEC"], "url_action"),
    ],
)
def test_no_proposal_from_a_shared_word(header, values, wrong):
    guess = nearest_field(header, values, OFFER_ENTITIES, set())
    assert guess is None or guess.field != wrong


def test_a_close_header_the_values_contradict_is_not_proposed():
    """« URL de la formation » spells the URL field, but its values are titles."""
    assert nearest_field("URL de la formations", ["https://cfa.fr/bts"], OFFER_ENTITIES, set()).field == "url_formation"
    assert nearest_field("URL de la formations", ["BTS MCO", "CAP AEPE"], OFFER_ENTITIES, set()) is None


def test_a_close_spelling_the_values_confirm_is_likely_a_shared_word_to_check():
    likely = nearest_field("Durée en centre (heures)", ["770", "1 200"], OFFER_ENTITIES, set())
    assert (likely.field, likely.certainty) == ("duree_centre_h", LIKELY)
    weak = nearest_field("Date de démarrage", ["01/09/2026", "05/01/2027"], OFFER_ENTITIES, set())
    assert (weak.field, weak.certainty) == ("date_debut", TO_CHECK)


def test_plain_synonyms_of_real_headers_are_found():
    assert match_header("Intitulé du diplôme ou titre *", OFFER_ENTITIES) == "intitule"
    assert match_header("Intitulé du diplôme ou du titre*", OFFER_ENTITIES) == "intitule"
    assert match_header("Nom de la formation\xa0*", OFFER_ENTITIES) == "intitule"
    assert match_header("Capacité d'accueil de la formation", OFFER_ENTITIES) == "nb_places"
    assert match_header("Capacité d'accueil", OFFER_ENTITIES) == "nb_places"
    assert match_header("Numéro UAI                   (pour localiser cette formation)", OFFER_ENTITIES) == (
        "code_site_dispensateur"
    )
    assert match_header("Diplôme ou titre visé\xa0*", OFFER_ENTITIES) == "type_certification"
    assert match_header("Niveau de la formation*", OFFER_ENTITIES) == "niveau_sortie"
    assert match_header("Code postal\xa0du lieu *", ("site",)) == "code_postal"


# A catalogue export: a title column with an abbreviation, postcodes, months, a year.
CATALOGUE = (
    "Réf. formation;ABREGE_FORMATION;Code postal du lieu *;Période(s) d'entrée (En mois) *;Millésime;"
    "Date de démarrage;Date fin\n"
    "F1;BTS MCO;44000;9,10,11;2026;01/09/2026;30/06/2028\n"
    "F2;CAP AEPE;49100;12,1,2;2027;05/01/2027;30/06/2028\n"
)


def read_mapping(path):
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return {r["en-tête"]: r for r in csv.DictReader(fh, delimiter=";")}


def test_colonnes_proposes_nothing_the_values_deny_and_says_how_sure(tmp_path):
    path = tmp_path / "catalogue.csv"
    path.write_text(CATALOGUE, encoding="utf-8")
    mapping = tmp_path / "correspondance.csv"
    assert invoke("colonnes", path, "--out", mapping).exit_code == 0
    rows = read_mapping(mapping)
    for header in ("ABREGE_FORMATION", "Code postal du lieu *", "Période(s) d'entrée (En mois) *", "Millésime"):
        assert rows[header]["champ"] == "ignorer", rows[header]
    assert rows["Réf. formation"]["certitude"].startswith("sûre")
    assert rows["Date fin"]["certitude"].startswith("sûre")
    assert rows["Date de démarrage"]["champ"] == "à vérifier : date_debut"
    assert rows["Date de démarrage"]["certitude"].startswith("à vérifier")


def test_proposals_to_check_are_used_only_once_kept(tmp_path):
    names, _ = flat_rows(valid_offer())
    labels = {f.name: f.label for e in reversed(OFFER_ENTITIES) for f in ENTITIES[e].fields}
    headers = ["Date de démarrage" if n == "date_debut" else labels[n] for n in names]
    path = write_flat_csv(tmp_path / "export.csv", valid_offer(), headers=headers)
    annuaire = write_workbook(tmp_path / "annuaire.xlsx", valid_offer(), entities=("site", "contact"))
    mapping = tmp_path / "correspondance.csv"
    assert invoke("colonnes", path, "--out", mapping).exit_code == 0
    text = mapping.read_text(encoding="utf-8-sig")
    assert "à vérifier : date_debut" in text

    out = tmp_path / "out"
    left = invoke("check", path, "--annuaire", annuaire, "--colonnes", mapping, "--out", out, "--today", TODAY)
    assert left.exit_code == 1  # the column is not read: « Date début » is missing
    sheet = openpyxl.load_workbook(out / "report.xlsx", read_only=True)["Colonnes"]
    shown = {row[3]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert shown["Date de démarrage"][4] == "ignorée" and "non retenue" in shown["Date de démarrage"][8]

    mapping.write_text(text.replace("à vérifier : date_debut", "date_debut"), encoding="utf-8-sig")
    kept = invoke("check", path, "--annuaire", annuaire, "--colonnes", mapping, "--out", out, "--today", TODAY)
    assert kept.exit_code == 0, kept.output
    sheet = openpyxl.load_workbook(out / "report.xlsx", read_only=True)["Colonnes"]
    shown = {row[3]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert shown["Date de démarrage"][4] == "Date début" and shown["Date de démarrage"][7] == "sûre"


def test_colonnes_sheet_marks_a_label_whose_values_do_not_fit(tmp_path):
    offer = valid_offer()
    offer["formation"][0]["url_formation"] = "BTS MCO"
    path = write_flat_csv(tmp_path / "offre.csv", offer)
    annuaire = write_workbook(tmp_path / "annuaire.xlsx", valid_offer(), entities=("site", "contact"))
    out = tmp_path / "out"
    invoke("check", path, "--annuaire", annuaire, "--out", out, "--today", TODAY)
    sheet = openpyxl.load_workbook(out / "report.xlsx", read_only=True)["Colonnes"]
    assert sheet.cell(1, 8).value == "Certitude"
    shown = {row[3]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert shown["URL formation"][7] == "à vérifier" and shown["Réf. formation *"][7] == "sûre"


def test_a_hand_mapping_the_values_contradict_warns_once(tmp_path):
    """« Code du diplôme » mapped by hand to the Certif Info code: 8-digit values are not one."""
    path = write_flat_csv(tmp_path / "export.csv", valid_offer())
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    lines = [lines[0] + ";Code du diplôme ou du titre"] + [line + ";40031106" for line in lines[1:]]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    mapping = tmp_path / "correspondance.csv"
    mapping.write_text(
        "en-tête;champ\nCode du diplôme ou du titre;code_certifinfo\nCode Certif Info;ignorer\n", encoding="utf-8"
    )
    from pipeline.readers.mapping import load_mapping
    from pipeline.engine.run import run

    annuaire = write_workbook(tmp_path / "annuaire.xlsx", valid_offer(), entities=("site", "contact"))
    result = run([path], annuaire=annuaire, colonnes=load_mapping(mapping), today=TODAY)
    warned = result.findings[result.findings["code"] == "COLUMN_CONTENT_MISMATCH"]
    assert len(warned) == 1
    assert warned.iloc[0]["severity"] == "warning" and "40031106" in warned.iloc[0]["message"]
    assert "correspondance.csv" in warned.iloc[0]["message"]


FOREIGN = (
    "Numéro offre;Intitulé de la formation;Organisme;Date de démarrage;Ville\n"
    "123;Aide-soignant;IFSI;01/09/2026;Nantes\n"
)


def test_refusal_with_a_mapping_says_what_it_lacks_not_to_run_colonnes(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(FOREIGN, encoding="utf-8")
    mapping = tmp_path / "ma-correspondance.csv"
    mapping.write_text("en-tête;champ\nNuméro offre;ref_formation\nVille;ignorer\n", encoding="utf-8")
    result = invoke("check", path, "--colonnes", mapping)
    assert result.exit_code == 2
    message = result.output
    assert "fasd colonnes" not in message
    assert "ma-correspondance.csv" in message and "--defauts" in message
    assert "« Réf. action »" in message  # a key still missing, named


def test_defaults_give_a_required_column_the_export_lacks(tmp_path):
    """An export without « Niveau d'entrée »: one value for every action through --defauts.

    (« Résultats attendus », the first example, is optional since the seed says so: issue 23.)"""
    offer = valid_offer()
    for action in offer["action"]:
        del action["niveau_entree"]
    path = write_flat_csv(tmp_path / "export.csv", offer)
    annuaire = write_workbook(tmp_path / "annuaire.xlsx", valid_offer(), entities=("site", "contact"))
    out = tmp_path / "out"
    missing = invoke("check", path, "--annuaire", annuaire, "--out", out, "--today", TODAY)
    assert missing.exit_code == 1
    defaults = tmp_path / "defauts.csv"
    defaults.write_text("champ;valeur\nniveau_entree;sans niveau spécifique\n", encoding="utf-8")
    given = invoke("check", path, "--annuaire", annuaire, "--defauts", defaults, "--out", out, "--today", TODAY)
    assert given.exit_code == 0, given.output


REFS = ("ref_formation", "ref_action", "ref_session", "ref_dispositif")


def export_without_refs(tmp_path):
    """The valid offer as an organisation's tool exports it: every column but the refs."""
    names, rows = flat_rows(valid_offer())
    keep = [j for j, n in enumerate(names) if n not in REFS]
    labels = {f.name: f.label for e in reversed(OFFER_ENTITIES) for f in ENTITIES[e].fields}
    path = tmp_path / "export.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=";")
        writer.writerow([labels[names[j]] for j in keep])
        writer.writerows([[row[j] for j in keep] for row in rows])
    return path


def test_an_export_without_refs_is_refused_with_the_way_to_derive_them(tmp_path):
    path = export_without_refs(tmp_path)
    mapping = tmp_path / "correspondance.csv"
    mapping.write_text("en-tête;champ\nIntitulé *;intitule\n", encoding="utf-8")
    result = invoke("check", path, "--colonnes", mapping)
    assert result.exit_code == 2
    assert "(ligne)" in result.output and "fasd colonnes" not in result.output


def test_refs_derived_from_the_row_or_named_columns(tmp_path):
    path = export_without_refs(tmp_path)
    annuaire = write_workbook(tmp_path / "annuaire.xlsx", valid_offer(), entities=("site", "contact"))
    mapping = tmp_path / "correspondance.csv"
    mapping.write_text(
        "en-tête;champ\n(ligne);ref_formation\nIntitulé * + Site dispensateur *;ref_action\n(ligne);ref_session\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = invoke("import", path, "--annuaire", annuaire, "--colonnes", mapping, "--out", out, "--today", TODAY)
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in (out / "records.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(records) == 1 and records[0]["ref_formation"].startswith("F-")
    action = records[0]["actions"][0]
    assert action["ref_action"].startswith("A-") and action["sessions"][0]["ref_session"].startswith("S-")
    again = tmp_path / "again"
    invoke("import", path, "--annuaire", annuaire, "--colonnes", mapping, "--out", again, "--today", TODAY)
    assert (again / "records.jsonl").read_text(encoding="utf-8") == (out / "records.jsonl").read_text(
        encoding="utf-8"
    )  # the same refs on the next run
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    shown = {c["field"]: c for c in report["columns"] if c["field"] in REFS}
    assert "Intitulé *" in shown["ref_action"]["why"] and "Site dispensateur *" in shown["ref_action"]["why"]


def test_a_derived_ref_from_a_header_the_sheet_lacks_exits_2(tmp_path):
    path = export_without_refs(tmp_path)
    mapping = tmp_path / "correspondance.csv"
    mapping.write_text("en-tête;champ\nIntitulé * + Ville;ref_formation\n", encoding="utf-8")
    result = invoke("check", path, "--colonnes", mapping)
    assert result.exit_code == 2 and "« ville »" in result.output.lower()


def test_a_header_with_a_plus_sign_is_still_a_header(tmp_path):
    """« Mon + formation » is SOFI's label: a mapping row naming it is no derived reference."""
    from pipeline.readers.mapping import load_mapping

    mapping = tmp_path / "correspondance.csv"
    mapping.write_text("en-tête;champ\nMon + formation;plus_formation\n", encoding="utf-8")
    loaded = load_mapping(mapping)
    assert loaded.lookup("Mon + formation", OFFER_ENTITIES) == "plus_formation" and not loaded.derived


def test_codes_need_their_pattern_numbers_need_numbers_urls_need_addresses():
    formation, dispositif = ENTITIES["formation"], ENTITIES["dispositif"]
    code_certifinfo = formation.field("code_certifinfo")
    assert agreement(["40031106", "24725207310"], code_certifinfo).verdict == CONTRADICT  # 8+ digits: no Certif Info
    assert agreement(["111669", "54913"], code_certifinfo).verdict == AGREE
    assert agreement(["douze", "vingt"], dispositif.field("nb_places")).verdict == CONTRADICT
    assert agreement(["12", "24"], dispositif.field("nb_places")).verdict == AGREE
    url = formation.field("url_formation")
    assert agreement(["BTS MCO", "CAP AEPE"], url).verdict == CONTRADICT
    assert agreement(["https://cfa.fr/bts", "www.cfa.fr/cap"], url).verdict == AGREE
