"""Header resolution users can see and steer: a file not understood stops with exit 2,
an absent required column is one finding, `fasd colonnes` and `--colonnes`."""
from __future__ import annotations

from click.testing import CliRunner

from pipeline.cli import main
from pipeline.run import run

from factory import TODAY, valid_offer, write_flat_csv, write_workbook

# A Carif-Oref export: its own headers, `;`, Windows-1252.
FOREIGN = ("Numéro offre;Intitulé de la formation;Organisme;Date de démarrage;Ville\r\n"
           "123;Aide-soignant;IFSI Nantes;01/09/2026;Nantes\r\n"
           "124;Auxiliaire de puériculture;IFSI Nantes;05/01/2027;Nantes\r\n")


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
