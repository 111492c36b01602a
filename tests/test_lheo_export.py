"""`fasd export`: records.jsonl back to LHÉO (same file as the import's) and to the template."""

from __future__ import annotations

import json

from click.testing import CliRunner

from factory import TODAY, write_workbook
from pipeline.cli.main import main
from pipeline.model.records import offer_records
from pipeline.engine.run import run
from test_lheo import assert_valid, rich_offer, strip


def imported(tmp_path):
    book = write_workbook(tmp_path / "offre.xlsx", rich_offer())
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["import", str(book), "--out", str(out), "--today", TODAY.isoformat()])
    assert result.exit_code == 0, result.output
    return book, out


def test_export_lheo_gives_the_import_file(tmp_path):
    book, out = imported(tmp_path)
    target = tmp_path / "export.xml"
    result = CliRunner().invoke(
        main, ["export", str(out / "records.jsonl"), "--out", str(target), "--annuaire", str(book)]
    )
    assert result.exit_code == 0, result.output
    assert "1 formation(s) exportée(s)" in result.output
    assert_valid(target)
    assert target.read_bytes() == (out / "lheo.xml").read_bytes()


def test_export_without_directory_is_still_valid(tmp_path):
    _, out = imported(tmp_path)
    target = tmp_path / "export.xml"
    result = CliRunner().invoke(main, ["export", str(out / "records.jsonl"), "--out", str(target)])
    assert result.exit_code == 0, result.output
    assert_valid(target)
    assert "--annuaire" in result.output


def test_export_xlsx_reimports_to_the_same_records(tmp_path):
    book, out = imported(tmp_path)
    target = tmp_path / "export.xlsx"
    result = CliRunner().invoke(
        main, ["export", str(out / "records.jsonl"), "--out", str(target), "--annuaire", str(book)]
    )
    assert result.exit_code == 0, result.output
    again = run([target], today=TODAY)
    assert again.findings.empty, again.findings[["code", "entity", "field", "message"]]
    expected = [json.loads(line) for line in (out / "records.jsonl").read_text(encoding="utf-8").splitlines()]
    assert strip(offer_records(again)) == strip(expected)


def test_export_refuses_a_broken_records_file(tmp_path):
    path = tmp_path / "records.jsonl"
    path.write_text('{"ref_formation": "F1"}\n{oops\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["export", str(path), "--out", str(tmp_path / "x.xml")])
    assert result.exit_code == 2
    assert "ligne 2" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "x.xml").exists()


def test_export_needs_a_known_format(tmp_path):
    path = tmp_path / "records.jsonl"
    path.write_text("", encoding="utf-8")
    result = CliRunner().invoke(main, ["export", str(path), "--out", str(tmp_path / "x.pdf")])
    assert result.exit_code == 2
    assert "--format" in result.output
