"""The CSV separator: decided from the header line and the quoting, or given (--separateur)."""

from __future__ import annotations

import csv
import io
import json

import pytest

from factory import TODAY, flat_rows, invoke, valid_offer
from pipeline.readers import separator

MULTILINE = "\nLigne deux, avec une virgule\nLigne trois, aussi, deux\n- point, un\n- point, deux"


def written(delimiter: str, rows: list[list[str]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter).writerows(rows)
    return buf.getvalue()


def careless_rows() -> list[list[str]]:
    """The valid offer as a flat sheet, its long texts holding commas and line breaks."""
    header, rows = flat_rows(valid_offer())
    long = [[v + MULTILINE if isinstance(v, str) and len(v) > 20 else v for v in r] for r in rows]
    return [header] + long * 3


def test_quoted_fields_are_taken_out_for_every_candidate():
    assert separator.unquoted('a;"x, y";b\n"1;2",3\n') == 'a;"";b\n"",3\n'
    assert separator.unquoted('a;"dit ""oui"", non";b') == 'a;"";b'
    assert separator.unquoted('12"5;"ouvert, jamais fermé') == '12"5;""'  # a quote inside a field stays


def test_a_semicolon_csv_of_python_csv_writer_with_commas_in_quoted_fields():
    text = written(";", careless_rows())
    commas = list(csv.reader(io.StringIO(text, newline=""), delimiter=","))
    assert len(commas) > len(careless_rows())  # the trap: to a "," reader, quoted line breaks cut records
    assert separator.decide(text) == ";"


def test_a_comma_csv_with_semicolons_in_quoted_fields():
    rows = [["ref", "intitule", "prix"]] + [["F1", "Un; deux; trois; quatre", "12"]] * 5
    assert separator.decide(written(",", rows)) == ","


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Export du 12/03, organisme X\nref;intitule;prix\nF1;Soins;12,5\nF2;Anglais;8,25\n", ";"),
        ("ref;intitule;prix;tva\nF1;Soins;1200,50;20,0\nF2;Anglais;80,25;5,5\n", ";"),
        ("ref\tintitule\tprix\nF1\tSoins, santé\t12\n", "\t"),
        ("ref|intitule\nF1|A, B; C\n", "|"),
        ("une seule colonne\nF1\n", ";"),
    ],
)
def test_decided_from_the_header_line(text, expected):
    assert separator.decide(text) == expected


def test_the_careless_file_is_imported(tmp_path):
    path = tmp_path / "offre.csv"
    path.write_text(written(";", careless_rows()), encoding="utf-8")
    result = invoke("check", path, "--out", tmp_path / "out", "--today", TODAY.isoformat())
    assert result.exit_code in (0, 1), result.output
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["entities"]["formation"]["read"] == 1
    assert summary["entities"]["session"]["read"] == 1


def test_separateur_is_obeyed_and_a_wrong_one_is_explained(tmp_path):
    path = tmp_path / "offre.csv"
    path.write_text(written(";", careless_rows()), encoding="utf-8")
    wrong = invoke("check", path, "--separateur", ",", "--today", TODAY.isoformat())
    assert wrong.exit_code == 2
    assert "--separateur" in wrong.output and "« ; »" in wrong.output
    right = invoke("check", path, "--separateur", ";", "--today", TODAY.isoformat())
    assert right.exit_code in (0, 1), right.output
    tabbed = tmp_path / "tab.csv"
    tabbed.write_text(written("\t", careless_rows()), encoding="utf-8")
    assert invoke("check", tabbed, "--separateur", "tab", "--today", TODAY.isoformat()).exit_code in (0, 1)
    assert invoke("check", path, "--separateur", ":").exit_code == 2  # not a choice


def test_colonnes_takes_the_separator_too(tmp_path):
    path = tmp_path / "offre.csv"
    path.write_text(written(";", careless_rows()), encoding="utf-8")
    mapping = invoke("colonnes", path, "--separateur", ";")
    assert mapping.exit_code == 0
    assert "ref_formation" in mapping.output and "intitule" in mapping.output
    one_column = invoke("colonnes", path, "--separateur", "|")
    lines = [line for line in one_column.output.splitlines() if line.startswith("offre.csv;")]
    assert len(lines) == 1  # the whole header read as one column


def test_the_hint_is_for_a_line_read_as_one_cell_not_for_text_with_commas():
    hint = separator.hint
    assert "--separateur" in hint([["Réf. formation;Intitulé;Réf. action;Réf. session"]])
    # split by the right separator: a cell of codes with commas is no sign of a wrong one
    assert hint([["Produit", "Formacode", "Intitulé", "Objectif"], ["F1", "44051, 43439, 43441", "x", "y"]]) is None
