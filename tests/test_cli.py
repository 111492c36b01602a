"""The `fasd` command as a script sees it: exit codes, output files, their formats."""

import csv
import json

from factory import invoke, valid_offer, write_workbook

HEADER = "code;severity;entity;key;field;source;sheet;row;column;cell;line;value;message;suggestion"


def test_clean_import_exits_0_and_writes_outputs(tmp_path):
    book = write_workbook(tmp_path / "offre.xlsx", valid_offer())
    out = tmp_path / "out"
    result = invoke("import", book, "--out", out, "--today", "2026-03-01")
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["entities"]["session"] == {"read": 1, "accepted": 1, "rejected": 0}
    lines = (out / "records.jsonl").read_text(encoding="utf-8").splitlines()
    record = json.loads(lines[0])
    session = record["actions"][0]["sessions"][0]
    places = session["dispositifs"][0]["nb_places"]
    assert (record["ref_formation"], session["date_debut"], places) == ("F1", "2026-09-07", 12)
    assert session["provenance"] == {"source": "offre.xlsx", "sheet": "Sessions", "row": 2}
    raw = (out / "report.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and raw[3:].decode("utf-8").splitlines() == [HEADER]
    assert not [p for p in out.iterdir() if p.name.endswith(".part")]


def test_errors_exit_1_and_are_reported(tmp_path):
    offer = valid_offer()
    offer["session"][0]["date_fin"] = "32/13/2026"
    book = write_workbook(tmp_path / "offre.xlsx", offer)
    out = tmp_path / "out"
    result = invoke("import", book, "--out", out, "--today", "2026-03-01")
    assert result.exit_code == 1
    with open(out / "report.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))
    first = rows[0]
    assert (first["code"], first["sheet"], first["row"], first["cell"], first["value"]) == (
        "BAD_FORMAT",
        "Sessions",
        "2",
        "E2",
        "32/13/2026",
    )
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["summary"]["findings"]["by_code"]["BAD_FORMAT"] == 1
    assert len(report["findings"]) == len(rows)
    assert (out / "records.jsonl").read_text(encoding="utf-8") == ""


def test_check_writes_only_the_report(tmp_path):
    book = write_workbook(tmp_path / "offre.xlsx", valid_offer())
    out = tmp_path / "out"
    assert invoke("check", book, "--out", out, "--today", "2026-03-01").exit_code == 0
    names = {p.name for p in out.iterdir()}
    assert "records.jsonl" not in names and "lheo.xml" not in names
    assert {"report.csv", "report.json", "summary.json"} <= names


def test_unreadable_input_exits_2_with_one_line(tmp_path):
    bad = tmp_path / "offre.xlsx"
    bad.write_text("pas un classeur")
    result = invoke("import", bad, "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "offre.xlsx : ce n'est pas un classeur Excel (.xlsx) lisible" in result.output
    assert not (tmp_path / "out" / "summary.json").exists()


def test_misuse_exits_2(tmp_path):
    assert invoke("import", "--out", tmp_path).exit_code == 2  # no input
    book = write_workbook(tmp_path / "offre.xlsx", valid_offer())
    result = invoke("import", book, "--out", tmp_path / "o", "--today", "demain")
    assert result.exit_code == 2 and "AAAA-MM-JJ" in result.output


def test_failed_write_leaves_no_partial_file(tmp_path, monkeypatch):
    from pipeline.writers import report as report_writer

    book = write_workbook(tmp_path / "offre.xlsx", valid_offer())
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.json").write_text("previous run")

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(report_writer.json, "dump", boom)
    result = invoke("import", book, "--out", out, "--today", "2026-03-01")
    assert result.exit_code != 0
    assert (out / "report.json").read_text() == "previous run"
    assert not [p for p in out.iterdir() if p.name.endswith(".part")]


def test_internal_error_is_one_line_and_exit_3(tmp_path, monkeypatch, capsys):
    import pytest

    from pipeline.cli import main as cli
    from pipeline.engine import run as run_module

    def broken(*args, **kwargs):
        raise ZeroDivisionError("bug")

    monkeypatch.setattr(run_module, "run", broken)
    monkeypatch.delenv("FASD_DEBUG", raising=False)
    book = write_workbook(tmp_path / "offre.xlsx", valid_offer())
    monkeypatch.setattr("sys.argv", ["fasd", "import", str(book), "--out", str(tmp_path / "out")])
    with pytest.raises(SystemExit) as exit_info:
        cli.entry_point()
    assert exit_info.value.code == 3
    err = capsys.readouterr().err
    assert "erreur interne" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
