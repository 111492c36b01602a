"""report.xlsx: the person's own sheets back, faulty cells coloured and commented,
findings linked from the Rapport sheet, values kept as text, and the re-import loop."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import column_index_from_string, get_column_letter
from click.testing import CliRunner

from factory import SAMPLES, TODAY, valid_offer, write_flat_csv, write_workbook
from pipeline.cli.main import main
from pipeline.engine.run import run
from pipeline.writers.report_xlsx import write_report_xlsx

RED, ORANGE = "FFC7CE", "FFD9A0"


def colour(cell) -> str | None:
    if cell.fill is None or cell.fill.fill_type != "solid":
        return None
    return cell.fill.fgColor.rgb[-6:]


def coloured(wb, sheets=None) -> dict[tuple[str, str], str]:
    """(sheet, cell) -> RED/ORANGE for every coloured cell of the data sheets."""
    out = {}
    for ws in wb.worksheets[1:]:
        if sheets and ws.title not in sheets:
            continue
        for row in ws.iter_rows(min_row=1):
            for c in row:
                if colour(c) in (RED, ORANGE):
                    out[(ws.title, c.coordinate)] = colour(c)
    return out


def in_report(sheet: str, cell: str) -> str:
    """An input cell's place in report.xlsx: Statut is inserted after the key column (A here,
    B on Dispositifs: Réf. session)."""
    letters = "".join(c for c in cell if c.isalpha())
    col = column_index_from_string(letters)
    status = 3 if sheet == "Dispositifs" else 2
    return get_column_letter(col + 1 if col >= status else col) + cell[len(letters) :]


def rapport_rows(wb) -> list[dict]:
    ws = wb["Rapport"]
    rows = list(ws.iter_rows())
    start = next(i for i, r in enumerate(rows) if r[0].value == "Feuille" and r[1].value == "Cellule")
    header = [c.value for c in rows[start]]
    return [dict(zip(header, r)) for r in rows[start + 1 :]]


def cli_import(path: Path, out: Path, *extra: str) -> dict:
    result = CliRunner().invoke(main, ["import", str(path), "--out", str(out), "--today", TODAY.isoformat(), *extra])
    assert result.exit_code in (0, 1), (result.output, result.exception)
    return json.loads((out / "summary.json").read_text(encoding="utf-8"))


# ------------------------------------------------------------------ a planted workbook
# factory.write_workbook writes only the used columns, in model order:
# Sessions  A ref_session … L duree_centre_h … P referent_mobilite, Q = Statut
# Dispositifs A ref_dispositif, B ref_session, C dispositif, D publics, E nb_places, F-H frais, I = Statut
def planted_offer() -> dict:
    offer = valid_offer()
    offer["session"][0]["duree_centre_h"] = "600"  # > 10 h a day: warning at Sessions!L2
    offer["dispositif"][0]["nb_places"] = ""  # REQUIRED at Dispositifs!E2
    second = dict(offer["dispositif"][0], ref_dispositif="D2", nb_places="dix")  # BAD_FORMAT at E3
    offer["dispositif"].append(second)
    return offer


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("planted")
    path = write_workbook(tmp / "offre.xlsx", planted_offer())
    wb = openpyxl.load_workbook(path)
    cell = wb["Contacts"]["B2"]  # a name that looks like a formation but is text
    cell.value = '=HYPERLINK("http://exemple.invalid","x")'
    cell.data_type = "s"
    wb.save(path)
    result = run([path], today=TODAY)
    report = tmp / "report.xlsx"
    write_report_xlsx(result, report)
    return path, report, openpyxl.load_workbook(report)


def test_sheets_are_rapport_then_the_users_own(planted):
    _, _, wb = planted
    # Colonnes last: what each header was read as (writers/columns_sheet.py)
    assert wb.sheetnames == [
        "Rapport",
        "Sites",
        "Contacts",
        "Formations",
        "Actions",
        "Sessions",
        "Dispositifs",
        "Colonnes",
    ]


def test_exactly_the_faulty_cells_are_coloured(planted):
    _, _, wb = planted
    assert coloured(wb) == {
        ("Sessions", "M2"): ORANGE,
        ("Dispositifs", "F2"): RED,
        ("Dispositifs", "F3"): RED,
    }


def test_faulty_cells_keep_their_value_and_carry_the_message(planted):
    _, _, wb = planted
    ws = wb["Dispositifs"]
    assert ws["F2"].value is None and "REQUIRED" in ws["F2"].comment.text
    assert ws["F3"].value == "dix" and "BAD_FORMAT" in ws["F3"].comment.text
    assert "nombre entier" in ws["F3"].comment.text
    assert wb["Sessions"]["M2"].value == "600"
    assert "DURATION_EXCEEDS_PERIOD" in wb["Sessions"]["M2"].comment.text


def test_status_column_per_row(planted):
    _, _, wb = planted
    dispositifs, sessions = wb["Dispositifs"], wb["Sessions"]
    # next to the key, both frozen (a dispositif's key is its session's)
    assert dispositifs["C1"].value == "Statut" and dispositifs.freeze_panes == "D2"
    assert dispositifs["C2"].value == (
        "rejeté : Champ obligatoire vide — « Nb places dispositif » est obligatoire : la cellule est vide."
    )
    assert dispositifs["C3"].value.startswith("rejeté : Valeur mal formée — « Nb places dispositif » : « dix »")
    assert sessions["B1"].value == "Statut" and sessions.freeze_panes == "C2"
    assert sessions["B2"].value == "rejeté en conséquence : La session « S1 » n'a aucun dispositif accepté."
    assert "NO_CHILD" in sessions["B2"].comment.text  # cascade: on the status, not red
    assert wb["Sites"]["B2"].value == "accepté"


def test_rapport_lists_every_finding_with_a_link(planted):
    _, _, wb = planted
    rows = rapport_rows(wb)
    by_code = {r["Code"].value: r for r in rows}
    assert set(by_code) == {"REQUIRED", "BAD_FORMAT", "DURATION_EXCEEDS_PERIOD", "NO_CHILD"}
    required = by_code["REQUIRED"]
    assert required["Gravité"].value == "Erreur"
    assert required["Feuille"].value == "Dispositifs" and required["Cellule"].value == "F2"
    assert required["Cellule"].hyperlink.location == "'Dispositifs'!F2"
    assert by_code["DURATION_EXCEEDS_PERIOD"]["Gravité"].value == "Avertissement"
    summary = {r[0].value: [c.value for c in r[1:4]] for r in wb["Rapport"].iter_rows(min_row=5, max_row=10)}
    assert summary["Dispositifs"] == [2, 0, 2] and summary["Sites"] == [1, 1, 0]


def test_formula_looking_text_stays_text(planted):
    _, report, wb = planted
    cell = wb["Contacts"]["C2"]
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK(")
    with zipfile.ZipFile(report) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        assert sheets and not any(b"<f>" in z.read(n) or b"<f " in z.read(n) for n in sheets)


def test_corrected_report_reimports_without_error(planted, tmp_path):
    """Fix only the red cells, give report.xlsx back to `fasd import`: no error."""
    _, report, wb = planted
    red = [key for key, c in coloured(wb).items() if c == RED]
    assert sorted(red) == [("Dispositifs", "F2"), ("Dispositifs", "F3")]
    for sheet, cell in red:
        wb[sheet][cell] = 12
    fixed = tmp_path / "report-corrige.xlsx"
    wb.save(fixed)
    summary = cli_import(fixed, tmp_path / "out")
    assert summary["findings"]["by_severity"]["error"] == 0
    assert summary["findings"]["by_code"] == {"DURATION_EXCEEDS_PERIOD": 1}  # the warning stays
    assert summary["entities"]["dispositif"] == {"read": 2, "accepted": 2, "rejected": 0}


def test_report_of_a_report_replaces_the_status_column(planted, tmp_path):
    _, report, _ = planted
    wb = openpyxl.load_workbook(report)
    wb["Dispositifs"]["C2"] = "vieux statut"
    wb["Sites"]["I1"] = "Remarque"  # a column the person added after Statut
    wb["Sites"]["I2"] = "à voir"
    wb.save(tmp_path / "annote.xlsx")
    again = tmp_path / "report2.xlsx"
    write_report_xlsx(run([tmp_path / "annote.xlsx"], today=TODAY), again)
    ws = openpyxl.load_workbook(again)["Dispositifs"]
    assert [c.value for c in ws[1]].count("Statut") == 1
    assert ws["C2"].value.startswith("rejeté : Champ obligatoire vide")
    sites = openpyxl.load_workbook(again)["Sites"]
    assert sites["B2"].value == "accepté"
    assert sites["I2"].value == "à voir" and colour(sites["I1"]) == ORANGE  # UNKNOWN_COLUMN


# ------------------------------------------------------------------ CSV: template layout
def test_csv_records_are_laid_out_as_the_template(tmp_path):
    offer = valid_offer()
    offer["session"][0]["date_debut"] = "31/02/2026"
    offer["formation"][0]["intitule"] = "=1+2"
    offer["formation"][0]["objectif_formation"] = "+33 objectifs"
    offer["formation"][0]["contenu_formation"] = "-5 jours @SUM(A1)"
    path = write_flat_csv(tmp_path / "offre.csv", offer)
    directory = write_workbook(tmp_path / "annuaire.xlsx", offer, entities=("site", "contact"))
    result = run([path], annuaire=directory, today=TODAY)
    report = tmp_path / "report.xlsx"
    write_report_xlsx(result, report)
    wb = openpyxl.load_workbook(report)
    # Template layout: every field of the model in order; the annuaire is not copied.
    assert wb.sheetnames == ["Rapport", "Formations", "Actions", "Sessions", "Dispositifs", "Colonnes"]
    sessions = wb["Sessions"]
    assert [sessions.cell(1, j).value for j in range(1, 7)] == [
        "Réf. session *",
        "Statut",
        "Réf. action *",
        "Code session SOFI",
        "Site lieu *",
        "Date début *",
    ]
    assert coloured(wb) == {("Sessions", "F2"): RED}
    assert sessions["F2"].value == "31/02/2026"
    row = next(r for r in rapport_rows(wb) if r["Code"].value == "BAD_FORMAT")
    assert row["Cellule"].hyperlink.location == "'Sessions'!F2"
    assert row["Fichier d'origine"].value == "offre.csv"
    # flat CSV: formation, action, then session columns
    assert row["Emplacement d'origine"].value == "offre cellule P2"
    formations = wb["Formations"]
    texts = {formations.cell(2, j).value: formations.cell(2, j).data_type for j in range(1, 26)}
    for value in ("=1+2", "+33 objectifs", "-5 jours @SUM(A1)"):
        assert texts.get(value) == "s", value
    # Fixed, the report imports with the same annuaire.
    sessions["F2"] = "28/02/2026"
    wb.save(tmp_path / "corrige.xlsx")
    summary = cli_import(tmp_path / "corrige.xlsx", tmp_path / "out", "--annuaire", str(directory))
    assert summary["findings"]["by_severity"]["error"] == 0
    assert summary["entities"]["dispositif"]["accepted"] == 1


def test_clean_csv_sample_round_trips_through_the_report(tmp_path):
    csv_path, annuaire = SAMPLES / "offre-sanitaire-social.csv", SAMPLES / "annuaire.xlsx"
    if not (csv_path.exists() and annuaire.exists()):
        pytest.skip("échantillons CSV absents")
    first = cli_import(csv_path, tmp_path / "a", "--annuaire", str(annuaire))
    second = cli_import(tmp_path / "a" / "report.xlsx", tmp_path / "b", "--annuaire", str(annuaire))
    assert second["entities"] == first["entities"]
    assert second["findings"]["total"] == first["findings"]["total"] == 0


# ------------------------------------------------------------------ the flawed sample
def _build_samples():
    import importlib.util

    spec = importlib.util.spec_from_file_location("build_samples", SAMPLES / "build_samples.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(
    not (SAMPLES / "offre-sanitaire-social-erreurs.xlsx").exists(), reason="échantillon à erreurs absent"
)
def test_flawed_sample_fixed_in_its_red_cells_imports_without_error(tmp_path):
    from pipeline.model.codes import RULES

    samples = _build_samples()
    flawed = samples.flawed_data()
    cli_import(SAMPLES / "offre-sanitaire-social-erreurs.xlsx", tmp_path / "a")
    wb = openpyxl.load_workbook(tmp_path / "a" / "report.xlsx")

    # The coloured cells are the planted findings of samples/README.md, cascades excepted:
    # red for an error, orange for a warning (the unknown column colours its header).
    expected, colours, codes = {}, {}, {}
    for code, entity, key, field, _note in samples.PLANTED:
        if field is None or code == "PARENT_REJECTED":
            continue
        sheet, cell = samples.locate(flawed, entity, key, field)
        cell = in_report(sheet, cell)
        colours[(sheet, cell)] = RED if RULES[code].severity == "error" else ORANGE
        codes[(sheet, cell)] = code
        if RULES[code].severity == "error":
            expected[(sheet, cell)] = (entity, key, field)
    assert coloured(wb) == colours
    for (sheet, cell), code in codes.items():
        assert code in wb[sheet][cell].comment.text, (sheet, cell, code)

    # Fix: only the red cells, each given its clean value (or, for a row the sample
    # appended, the value samples/build_samples.py names as its fix).
    mistakes = {(e, k, f) for e, k, f, _v, _why in samples.MISTAKES}
    for (sheet, cell), (entity, key, field) in expected.items():
        spec = samples.ENTITIES[entity]
        if (entity, key, field) in mistakes:
            record = next(r for r in samples.CLEAN[entity] if samples.key_of(entity, r) == key)
            value = record.get(field)
        else:
            value = samples.APPENDED_FIXES[(entity, key, field)]
        wb[sheet][cell] = samples.sheet_value(value, spec.field(field))
    wb.save(tmp_path / "corrige.xlsx")
    summary = cli_import(tmp_path / "corrige.xlsx", tmp_path / "b")
    report = (tmp_path / "b" / "report.csv").read_text(encoding="utf-8-sig")
    assert summary["findings"]["by_severity"]["error"] == 0, report


# ------------------------------------------------------------------ LHÉO: template layout
def test_lheo_records_are_laid_out_as_the_template_and_reimport(tmp_path):
    workbook = SAMPLES / "offre-sanitaire-social.xlsx"
    if not workbook.exists():
        pytest.skip("échantillon absent")
    cli_import(workbook, tmp_path / "a")
    xml = (tmp_path / "a" / "lheo.xml").read_text(encoding="utf-8")
    first = xml.index("<debut>", xml.index("<session "))
    end = xml.index("</debut>", first)
    good = xml[first + len("<debut>") : end]  # e.g. 20260105
    (tmp_path / "bad.xml").write_text(xml[:first] + "<debut>=2026-99-99" + xml[end:], encoding="utf-8")
    cli_import(tmp_path / "bad.xml", tmp_path / "b")
    wb = openpyxl.load_workbook(tmp_path / "b" / "report.xlsx")
    assert wb.sheetnames[0] == "Rapport" and "Sessions" in wb.sheetnames
    # The first session of the file is the first row; Date début is column E of the template.
    assert coloured(wb) == {("Sessions", "F2"): RED}
    cell = wb["Sessions"]["F2"]
    assert cell.value == "=2026-99-99" and cell.data_type == "s"
    row = next(r for r in rapport_rows(wb) if r["Code"].value == "BAD_FORMAT")
    assert row["Cellule"].hyperlink.location == "'Sessions'!F2"
    assert row["Emplacement d'origine"].value.startswith("ligne XML ")
    cell.value = f"{good[6:8]}/{good[4:6]}/{good[:4]}"
    wb.save(tmp_path / "corrige.xlsx")
    summary = cli_import(tmp_path / "corrige.xlsx", tmp_path / "c")
    assert summary["findings"]["by_severity"]["error"] == 0
    assert summary["entities"]["session"]["rejected"] == 0
