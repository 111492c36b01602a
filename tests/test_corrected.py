"""`fasd corriger` (issue 28 §7): the corrected copy of the flawed sample applies the
fixes that need no guess, keeps the rest for the person, and re-imports with only those."""

from __future__ import annotations

import openpyxl
import pytest
from click.testing import CliRunner
from factory import SAMPLES, TODAY
from test_samples import FLAWED, as_expected, readme_table

from pipeline.cli.main import main as cli
from pipeline.engine.run import run

WRITTEN = "111669,0"  # the DEAS code as a number cell read as text: VALUE_FIXED, no guess


@pytest.fixture(scope="module")
def flawed_plus(tmp_path_factory):
    """The flawed sample with one more cell that has a sure fix (F-DEAS's Certif Info code)."""
    book = openpyxl.load_workbook(FLAWED)
    ws = book["Formations"]
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == "F-DEAS")
    assert ws.cell(1, 4).value.startswith("Code Certif Info")
    ws.cell(row, 4).value = WRITTEN
    path = tmp_path_factory.mktemp("in") / "offre.xlsx"
    book.save(path)
    return path, row


def _corriger(source, out, *extra):
    return CliRunner().invoke(cli, ["corriger", str(source), "--out", str(out), "--today", TODAY.isoformat(), *extra])


# 111668 for 111669 (one digit wrong, the DEAS title given): the reference's one candidate,
# so F-DEAS-PASSERELLE and its cascades are gone from the corrected copy.
SURE = {"F-DEAS-PASSERELLE", "A-DEAS-PASS-NTE", "S-DEAS-PASS-NTE-2026-10", "S-DEAS-PASS-NTE-2026-10 / AUTRES"}


def _planted():
    return sorted(
        (r["code"], r["sheet"], r["cell"], r["row"], r["key"]) for r in readme_table() if r["key"] not in SURE
    )


def test_the_planted_cell_is_a_sure_fix(flawed_plus, reference):
    path, row = flawed_plus
    findings = run([path], reference=reference, today=TODAY).findings
    fixed = findings[findings["code"] == "VALUE_FIXED"]
    assert list(fixed["cell"]) == [f"D{row}"] and list(fixed["fix"]) == ["111669"]


def test_corrected_copy_reimports_with_only_the_ambiguous_findings(flawed_plus, tmp_path, reference):
    path, row = flawed_plus
    out = tmp_path / "copie.xlsx"
    result = _corriger(path, out)
    assert result.exit_code == 1, result.output  # the planted mistakes all need the person
    assert "2 cellule(s) corrigée(s)" in result.output
    # Every other planted mistake needs a choice (SIRET key, impossible date, « dix », « sur
    # site » with no near label…): they are what remains.
    again = run([out], reference=reference, today=TODAY)
    assert as_expected(again.findings) == _planted()


def test_changed_cell_has_its_note_and_the_rest_is_kept(flawed_plus, tmp_path):
    path, row = flawed_plus
    out = tmp_path / "copie.xlsx"
    _corriger(path, out)
    before, after = openpyxl.load_workbook(path), openpyxl.load_workbook(out)
    cell = after["Formations"].cell(row, 4)
    assert cell.value == "111669"
    assert cell.fill.fgColor.rgb.endswith("C6EFCE")
    assert cell.comment is not None and cell.comment.text.startswith(f"{WRITTEN} → 111669 : ")
    typo = after["Formations"]["D7"]
    assert typo.value == "111669" and typo.comment.text.startswith("111668 → 111669 : ")
    assert before.sheetnames == after.sheetnames
    for name in before.sheetnames:
        a, b = before[name], after[name]
        assert (a.max_row, a.max_column) == (b.max_row, b.max_column)
        assert a.freeze_panes == b.freeze_panes
        for r in a.iter_rows():
            for c in r:
                if (name, c.row, c.column) in {("Formations", row, 4), ("Formations", 7, 4)}:
                    continue  # the two fixed cells (D7: 111668 → 111669, the one candidate)
                d = b.cell(c.row, c.column)
                assert d.value == c.value, (name, c.coordinate)
                assert str(d.font) == str(c.font) and d.number_format == c.number_format, (name, c.coordinate)
    # an ambiguous mistake is marked as report.xlsx marks it, left as written
    siret = after["Sites"]["B6"]
    assert siret.value == before["Sites"]["B6"].value
    assert siret.fill.fgColor.rgb.endswith("FFC7CE") and "BAD_FORMAT" in siret.comment.text


def test_rejected_rows_only(flawed_plus, tmp_path, reference):
    path, _ = flawed_plus
    out = tmp_path / "rejetees.xlsx"
    result = _corriger(path, out, "--rejetees-seulement")
    assert result.exit_code == 1, result.output
    book = openpyxl.load_workbook(out)
    contacts = [book["Contacts"].cell(r, 1).value for r in range(2, book["Contacts"].max_row + 1)]
    assert sorted(str(c) for c in contacts) == ["1902", "5101"]  # G8's cascade and the duplicate
    sites = [str(book["Sites"].cell(r, 1).value) for r in range(2, book["Sites"].max_row + 1)]
    assert sites == ["36364"]


def test_a_csv_is_refused_in_one_french_line(tmp_path):
    result = _corriger(SAMPLES / "offre-sanitaire-social.csv", tmp_path / "x.xlsx")
    assert result.exit_code == 2
    assert "ne corrige que les classeurs" in result.output
    assert not (tmp_path / "x.xlsx").exists()
