"""A catalogue without sessions (issue 23, item 4): formations and places, read as offers
« à compléter » when the columns allow it, refused otherwise.

The workbook is written here in the shape of the Démarches-simplifiées apprenticeship
model: a title row, the model's headers, its example row left in, one row per
formation and place, a title continued on the row below.
"""

from __future__ import annotations

import json

import openpyxl

from pipeline.engine.run import run

from factory import TODAY, invoke

HEADERS = [
    "Nom de la formation\xa0*",
    "Diplôme ou titre visé\xa0*",
    "Intitulé du diplôme ou titre *",
    "Code du diplôme ou du titre\xa0suivant la nomenclature de l'Education nationale *",
    "Niveau de la formation*",
    "Période(s) d'entrée (En mois) *",
    "Capacité d'accueil de la formation",
    "Numéro UAI                   (pour localiser cette formation)",
    "adresse mail du contact pour cette formation",
    "Code postal\xa0du lieu *",
]
ROWS = [
    [
        "Exemple:   Bac profesionnelle MVA",
        "Bac Professionnel",
        "Maintenance des véhicules",
        "24725207310",
        "4 (Bac…)",
        "12,1,2",
        "",
        "0312541M",
        "contact_CFAxx@cfa.fr",
        "31770",
    ],
    [
        "Bac Pro Logistique",
        "Bac Professionnel",
        "Logistique",
        "40031106",
        "4 (Bac…)",
        "8,9,10,11",
        "12",
        "0601500E",
        "v.martin@cfa-exemple.fr",
        "60300",
    ],
    [
        "Bac Pro Logistique",
        "Bac Professionnel",
        "Logistique",
        "40031106",
        "4 (Bac…)",
        "8,9,10,11",
        "8",
        "0602008G",
        "v.martin@cfa-exemple.fr",
        "60280",
    ],
    [
        "BAC PRO Systèmes Numériques",
        "Bac Professionnel",
        "Systèmes numériques",
        "40025514",
        "4 (Bac…)",
        "9,10",
        "15",
        "0601234K",
        "n.durand@cfa-exemple.fr",
        "60000",
    ],
    ["Option B : audiovisuel, réseau et équipement domestique", "", "", "", "", "", "", "", "", ""],
]


def catalogue(path, headers=HEADERS, rows=ROWS):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "VOTRE CATALOGUE DE FORMATIONS"
    ws.append(["Formation dispensée par apprentissage (*Champs obligatoires)"])
    ws.append(headers)
    for row in rows:
        ws.append(row[: len(headers)])
    wb.save(path)
    return path


def test_a_catalogue_without_sessions_is_read_as_offers_to_complete(tmp_path):
    path = catalogue(tmp_path / "catalogue.xlsx")
    out = tmp_path / "out"
    result = invoke("import", path, "--out", out, "--today", TODAY)
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    entities = summary["entities"]
    # the example row left out; the « Option B » row is the rest of the title above it
    assert (entities["formation"]["accepted"], entities["action"]["accepted"]) == (2, 3)
    assert entities["session"]["read"] == 0 and entities["formation"]["rejected"] == 0
    assert summary["a_completer"]["action"] == 3 and summary["a_completer"]["formation"] == 2

    records = [json.loads(line) for line in (out / "records.jsonl").read_text(encoding="utf-8").splitlines()]
    titles = sorted(r["intitule"] for r in records)
    assert titles == [
        "BAC PRO Systèmes Numériques Option B : audiovisuel, réseau et équipement domestique",
        "Bac Pro Logistique",
    ]
    logistique = next(r for r in records if r["intitule"] == "Bac Pro Logistique")
    assert sorted(a["code_site_dispensateur"] for a in logistique["actions"]) == ["0601500E", "0602008G"]
    assert all(a["sessions"] == [] for a in logistique["actions"])

    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    told = [f for f in report["findings"] if f["code"] == "CATALOGUE_INCOMPLETE" and f["entity"] == "action"]
    assert len(told) == 3
    first = next(f for f in told if "0601500E" in f["message"])
    assert "sessions" in first["message"] and "capacité d'accueil 12" in first["message"]
    assert "« 0601500E » à créer dans l'annuaire des sites" in first["message"]
    assert not [f for f in report["findings"] if f["severity"] == "error"]


def test_refs_derived_from_the_rows_are_the_same_on_the_next_export(tmp_path):
    first = run([catalogue(tmp_path / "lundi.xlsx")], today=TODAY)
    again = run([catalogue(tmp_path / "mardi.xlsx", rows=[ROWS[2], ROWS[1], *ROWS[3:]])], today=TODAY)
    refs = lambda r: sorted(r.tables["action"].raw["ref_action"])  # noqa: E731
    assert refs(first) == refs(again) and len(set(refs(first))) == 3


def test_the_sofi_profile_still_refuses_what_sofi_lacks(tmp_path):
    result = run([catalogue(tmp_path / "catalogue.xlsx")], today=TODAY, profil="sofi")
    assert not result.accepted["action"].any()


def test_without_a_capacity_the_refusal_stays_and_says_what_is_lacking(tmp_path):
    keep = [0, 1, 2, 3, 4, 5, 7, 8, 9]  # no « Capacité d'accueil » column
    path = catalogue(
        tmp_path / "catalogue.xlsx", headers=[HEADERS[j] for j in keep], rows=[[r[j] for j in keep] for r in ROWS]
    )
    result = invoke("import", path, "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert "catalogue sans sessions" in result.output and "une capacité d'accueil" in result.output
