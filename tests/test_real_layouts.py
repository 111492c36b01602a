"""Flat files as producers lay them out: SOFI's `CertifInfo` header, parent cells written
once per group (blank below, or merged), placeholders in repeated cells.

Each variant is made from the bundled flat CSV, so the right answer is known: the
same accepted records as the CSV itself, and no finding."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from pipeline.readers.headers import match_header
from pipeline.model.records import offer_records
from pipeline.engine.run import run

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
CSV = SAMPLES / "offre-sanitaire-social.csv"
ANNUAIRE = SAMPLES / "annuaire.xlsx"
TODAY = dt.date(2026, 3, 1)


def sample_rows() -> list[list[str]]:
    with open(CSV, encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh, delimiter=";"))


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh, delimiter=";").writerows(rows)
    return path


def write_xlsx(path: Path, rows: list[list[str]], merge: list[tuple[int, int, int]] = ()) -> Path:
    """rows as a one-sheet workbook; merge: (column, first row, last row), 1-based, of the grid."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Export"
    for row in rows:
        ws.append(row)
    for col, top, bottom in merge:
        ws.merge_cells(start_row=top, start_column=col, end_row=bottom, end_column=col)
    wb.save(path)
    return path


def records(result) -> list[dict]:
    def strip(value):
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k != "provenance"}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return strip(list(offer_records(result)))


@pytest.fixture(scope="module")
def expected():
    result = run([CSV], annuaire=ANNUAIRE, today=TODAY)
    assert result.findings.empty
    return records(result)


def group_columns(header: list[str], entity: str) -> list[int]:
    """Positions of the columns of `entity` (formation: ref_formation included)."""
    own = {"formation": ("formation",), "action": ("action",)}[entity]
    cols = [j for j, h in enumerate(header) if match_header(h, own)]
    if entity == "action":  # ref_formation goes with the formation's cells
        cols = [j for j in cols if match_header(header[j], ("formation",)) is None]
    return cols


def groups(rows: list[list[str]], key_col: int) -> list[tuple[int, int]]:
    """(first, last) body-row positions of each run of one key."""
    out, start = [], 1
    for i in range(2, len(rows) + 1):
        if i == len(rows) or rows[i][key_col] != rows[start][key_col]:
            out.append((start, i - 1))
            start = i
    return out


def blanked(rows: list[list[str]]) -> tuple[list[list[str]], list[tuple[int, int, int]]]:
    """Formation and action cells kept on the first row of their group only; the merges
    a person would make of them (1-based workbook coordinates)."""
    header = rows[0]
    out = [list(r) for r in rows]
    merges = []
    for entity, key in (("formation", "Référence formation"), ("action", "Référence action")):
        cols = group_columns(header, entity)
        for first, last in groups(rows, header.index(key)):
            for i in range(first + 1, last + 1):
                for j in cols:
                    out[i][j] = ""
            if last > first:
                merges += [(j + 1, first + 1, last + 1) for j in cols]
    return out, merges


def test_certifinfo_header_is_the_code(tmp_path, expected):
    rows = sample_rows()
    rows[0] = ["CertifInfo" if h == "Code CertifInfo" else h for h in rows[0]]
    for path in (write_csv(tmp_path / "offre.csv", rows), write_xlsx(tmp_path / "offre.xlsx", rows)):
        result = run([path], annuaire=ANNUAIRE, today=TODAY)
        assert result.findings.empty, result.findings[["code", "message"]]
        assert records(result) == expected
        decision = next(d for d in result.columns if d["header"] == "CertifInfo")
        assert decision["field"] == "code_certifinfo"


def test_certifinfo_header_holding_yes_no_is_the_yes_no_field(tmp_path):
    """The same spelling over oui/non cells: the content decides, and says so."""
    rows = sample_rows()
    header = rows[0]
    rows[0] = ["CertifInfo" if h == "Référence Certif Info (oui/non)" else h for h in header]
    result = run([write_csv(tmp_path / "offre.csv", rows)], annuaire=ANNUAIRE, today=TODAY)
    assert result.findings.empty, result.findings[["code", "message"]]
    decision = next(d for d in result.columns if d["header"] == "CertifInfo")
    assert decision["field"] == "certifinfo" and decision["how"] == "contenu"
    assert "Référence Certif Info" in decision["why"]


def test_parent_cells_written_once_per_group(tmp_path, expected):
    rows, _ = blanked(sample_rows())
    assert sum(1 for r in rows[1:] if r[0] == "") == 16  # the variant really has blank parents
    for path in (write_csv(tmp_path / "offre.csv", rows), write_xlsx(tmp_path / "offre.xlsx", rows)):
        result = run([path], annuaire=ANNUAIRE, today=TODAY)
        assert result.findings.empty, result.findings[["code", "cell", "message"]]
        assert records(result) == expected


def test_parent_cells_merged(tmp_path, expected):
    rows, merges = blanked(sample_rows())
    path = write_xlsx(tmp_path / "offre.xlsx", rows, merges)
    ws = openpyxl.load_workbook(path).active
    assert ws.merged_cells.ranges and ws["A3"].value is None
    result = run([path], annuaire=ANNUAIRE, today=TODAY)
    assert result.findings.empty, result.findings[["code", "cell", "message"]]
    assert records(result) == expected


def test_a_value_typed_on_one_row_of_an_action_only(tmp_path, expected):
    """« Pré-requis » typed on the second row of its action, blank on the others: no
    INCONSISTENT_REPEAT, the action carries it."""
    rows = sample_rows()
    header = rows[0]
    col = header.index("Pré-requis")
    action = header.index("Référence action")
    target = [i for i, r in enumerate(rows) if r[action] == "A-DEAS-LRY"]
    for i in target:
        rows[i][col] = ""
    rows[target[1]][col] = "Être titulaire du permis B"
    result = run([write_csv(tmp_path / "offre.csv", rows)], annuaire=ANNUAIRE, today=TODAY)
    assert result.findings.empty, result.findings[["code", "cell", "message"]]
    actions = {a["ref_action"]: a for f in records(result) for a in f["actions"]}
    assert actions["A-DEAS-LRY"]["prerequis"] == "Être titulaire du permis B"


def test_two_different_values_are_still_inconsistent(tmp_path):
    rows = sample_rows()
    header = rows[0]
    col, action = header.index("Pré-requis"), header.index("Référence action")
    target = [i for i, r in enumerate(rows) if r[action] == "A-DEAS-LRY"]
    rows[target[0]][col], rows[target[1]][col] = "Permis B", "Aucun"
    result = run([write_csv(tmp_path / "offre.csv", rows)], annuaire=ANNUAIRE, today=TODAY)
    found = result.findings[result.findings["code"] == "INCONSISTENT_REPEAT"]
    assert list(zip(found["field"], found["value"], found["row"])) == [("prerequis", "Aucun", target[1] + 1)]


def test_placeholder_in_a_repeated_cell_is_blank(tmp_path, expected):
    """« - » or « NC » on the repeated rows of an action is no second value."""
    rows = sample_rows()
    header = rows[0]
    col, action = header.index("Complément intitulé"), header.index("Référence action")
    target = [i for i, r in enumerate(rows) if r[action] == "A-DEAS-NTE"]
    original = rows[target[0]][col]
    rows[target[1]][col] = "-"
    rows[target[2]][col] = "NC"
    result = run([write_csv(tmp_path / "offre.csv", rows)], annuaire=ANNUAIRE, today=TODAY)
    assert result.findings.empty, result.findings[["code", "cell", "message"]]
    actions = {a["ref_action"]: a for f in records(result) for a in f["actions"]}
    assert actions["A-DEAS-NTE"].get("complement_intitule") == (original or None)


def test_merged_range_across_sessions_is_one_value_per_row(tmp_path, expected):
    """A dispositif cell merged over the rows of two sessions (same funding): each
    row reads the value, as the merged cell shows it."""
    rows = sample_rows()
    header = rows[0]
    col, session = header.index("Dispositif *"), header.index("Référence session")
    i = next(
        i
        for i in range(1, len(rows) - 1)
        if rows[i][col] == rows[i + 1][col] and rows[i][session] != rows[i + 1][session]
    )
    path = write_xlsx(tmp_path / "offre.xlsx", rows, [(col + 1, i + 1, i + 2)])
    assert openpyxl.load_workbook(path).active.cell(i + 2, col + 1).value is None
    result = run([path], annuaire=ANNUAIRE, today=TODAY)
    assert result.findings.empty, result.findings[["code", "cell", "message"]]
    assert records(result) == expected


def test_title_merged_across_a_row_is_not_a_header(tmp_path, expected):
    rows = [["Offre 2026 de l'Institut Ligéria"] + [""] * (len(sample_rows()[0]) - 1)] + sample_rows()
    wb_path = write_xlsx(tmp_path / "offre.xlsx", rows)
    wb = openpyxl.load_workbook(wb_path)
    wb.active.merge_cells("A1:F1")
    wb.save(wb_path)
    result = run([wb_path], annuaire=ANNUAIRE, today=TODAY)
    assert result.findings.empty, result.findings[["code", "cell", "message"]]
    assert records(result) == expected


def _us(text: str) -> str:
    """07/09/2026 -> 9/7/2026, as a tool set to American dates writes it."""
    d, m, y = text.split("/")
    return f"{int(m)}/{int(d)}/{y}"


def test_dates_written_month_first_are_read_so_with_a_warning(tmp_path, expected):
    rows = sample_rows()
    header = rows[0]
    cols = [header.index(h) for h in ("Date de début", "Date de fin")]
    for row in rows[1:]:
        for j in cols:
            row[j] = _us(row[j])
    result = run([write_csv(tmp_path / "offre.csv", rows)], annuaire=ANNUAIRE, today=TODAY)
    warned = result.findings[result.findings["code"] == "DATES_MONTH_FIRST"]
    assert sorted(warned["field"]) == ["date_debut", "date_fin"] and set(warned["severity"]) == {"warning"}
    assert result.findings["code"].eq("DATES_MONTH_FIRST").all()
    assert records(result) == expected


def test_a_bare_year_in_a_date_column_is_not_a_date(tmp_path):
    rows = sample_rows()
    col = rows[0].index("Date de début")
    rows[1][col] = "2026"
    result = run([write_csv(tmp_path / "offre.csv", rows)], annuaire=ANNUAIRE, today=TODAY)
    bad = result.findings[result.findings["code"] == "BAD_FORMAT"]
    assert list(zip(bad["field"], bad["value"], bad["row"])) == [("date_debut", "2026", 2)]
