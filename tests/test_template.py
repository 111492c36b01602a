"""The template workbook (`fasd template`): current, helpful, and importable once filled."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from factory import ROOT, TODAY, valid_offer
from pipeline.cli.main import main
from pipeline.model.lists import enumeration
from pipeline.model.fields import ENTITIES
from pipeline.cli.template import DEFAULT_OUT
from pipeline.writers.template import LAST_ROW, write_template

COMMITTED = ROOT / DEFAULT_OUT


def digest(path: Path) -> dict:
    """What a person sees and Excel enforces: cells, styles, comments, validations, layout."""
    wb = load_workbook(path)
    out = {"sheets": wb.sheetnames}
    for ws in wb:
        cells, comments = {}, {}
        for row in ws.iter_rows():
            for c in row:
                if c.value is not None:
                    cells[c.coordinate] = (c.value, c.font.b, c.fill.fgColor.rgb, c.number_format)
                if c.comment is not None:
                    comments[c.coordinate] = c.comment.text
        validations = sorted(
            (
                str(dv.sqref),
                dv.type,
                dv.operator,
                dv.formula1,
                dv.formula2,
                dv.errorStyle,
                dv.errorTitle,
                dv.promptTitle,
                bool(dv.showInputMessage),
                bool(dv.allow_blank),
                bool(dv.showErrorMessage),
                dv.error,
                dv.prompt,
            )
            for dv in ws.data_validations.dataValidation
        )
        columns = {k: (d.width, d.number_format) for k, d in ws.column_dimensions.items()}
        printed = (ws.page_setup.orientation, ws.page_setup.fitToWidth, ws.page_setup.fitToHeight, ws.print_title_cols)
        out[ws.title] = (ws.sheet_state, ws.freeze_panes, cells, comments, validations, columns, printed)
    return out


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    return write_template(tmp_path_factory.mktemp("tpl") / "offre-fasd.xlsx")


@pytest.fixture(scope="module")
def book(template):
    return load_workbook(template)


def validation_of(ws, letter: str):
    found = [dv for dv in ws.data_validations.dataValidation if f"{letter}2:{letter}{LAST_ROW}" in str(dv.sqref)]
    assert len(found) == 1, f"{ws.title}!{letter}: {len(found)} validations"
    return found[0]


def column_of(entity: str, field: str) -> str:
    return get_column_letter(ENTITIES[entity].names.index(field) + 1)


def test_committed_template_matches_the_generator(template):
    assert COMMITTED.exists(), "templates_xlsx/offre-fasd.xlsx manque : lancez « fasd template »"
    assert digest(COMMITTED) == digest(template), (
        "le modèle committé n'est plus à jour : lancez « fasd template » et committez templates_xlsx/offre-fasd.xlsx"
    )


def test_sheets_and_headers(book):
    assert book.sheetnames == [
        "Lisez-moi",
        "Sites",
        "Contacts",
        "Formations",
        "Actions",
        "Sessions",
        "Dispositifs",
        "Listes",
    ]
    assert book["Listes"].sheet_state == "hidden"
    ws = book["Sessions"]
    assert ws.freeze_panes == "B2"
    assert ws["A1"].value == "Réf. session *" and ws["A1"].font.b
    code_col = column_of("session", "code_session")
    assert ws[f"{code_col}1"].value == "Code session SOFI" and not ws[f"{code_col}1"].font.b
    assert ws.column_dimensions[column_of("session", "date_debut")].number_format == "DD/MM/YYYY"
    assert book["Sites"].column_dimensions[column_of("site", "siret")].number_format == "@"


def test_header_comments_give_rule_and_example(book):
    ws = book["Sessions"]
    rythmes = ws[f"{column_of('session', 'rythmes')}1"].comment.text
    assert "Obligatoire" in rythmes and "temps plein" in rythmes
    assert "« ; »" in rythmes and "Exemple : continu; temps plein" in rythmes
    tva = book["Dispositifs"][f"{column_of('dispositif', 'taux_tva')}1"].comment.text
    assert "Facultatif" in tva and "20 %" in tva


def test_single_enum_is_a_strict_drop_down_fed_by_listes(book):
    ws = book["Sessions"]
    dv = validation_of(ws, column_of("session", "modalite_enseignement"))
    assert dv.type == "list" and dv.showErrorMessage and dv.errorStyle in (None, "stop")
    assert dv.formula1.startswith("'Listes'!")
    labels = [c.value for row in book["Listes"][dv.formula1.split("!")[1].replace("$", "")] for c in row]
    assert "formation entièrement présentielle" in labels
    assert all(enumeration("modalite_enseignement").match(v) for v in labels)


def test_multi_enum_drop_down_lets_several_values_through(book):
    dv = validation_of(book["Sessions"], column_of("session", "rythmes"))
    assert dv.type == "list" and not dv.showErrorMessage
    assert "« ; »" in dv.prompt


def test_every_drop_down_value_is_accepted_by_the_importer(book):
    lists = book["Listes"]
    for entity in ENTITIES.values():
        ws = book[entity.sheet]
        for f in entity.fields:
            if f.kind != "enum":
                continue
            dv = validation_of(ws, column_of(entity.name, f.name))
            cells = lists[dv.formula1.split("!")[1].replace("$", "")]
            values = [c.value for row in cells for c in row]
            assert values and all(enumeration(f.table).match(v) for v in values), f.name
            assert not any("obsolète" in v.lower() for v in values)


def test_yes_no_and_parent_links(book):
    esp = validation_of(book["Sessions"], column_of("session", "entrees_sorties_permanentes"))
    assert esp.formula1 == '"oui,non"' and esp.showErrorMessage
    link = validation_of(book["Actions"], column_of("action", "ref_formation"))
    assert link.formula1 == f"'Formations'!$A$2:$A${LAST_ROW}"
    assert link.errorStyle == "warning"
    site = validation_of(book["Sessions"], column_of("session", "code_site_lieu"))
    assert site.formula1 == f"'Sites'!$A$2:$A${LAST_ROW}"
    pmr = validation_of(book["Sessions"], column_of("session", "referent_pmr"))
    assert pmr.formula1 == f"'Contacts'!$A$2:$A${LAST_ROW}"


def test_validation_texts_within_excel_limits(book):
    """Excel "repairs" (drops) a validation whose title or message is too long."""
    for ws in book:
        for dv in ws.data_validations.dataValidation:
            for attr, limit in (("errorTitle", 32), ("promptTitle", 32), ("error", 225), ("prompt", 255)):
                value = getattr(dv, attr)
                assert value is None or len(value) <= limit, (ws.title, str(dv.sqref), attr, value)


def test_numbers_dates_and_lengths_are_checked(book):
    places = validation_of(book["Dispositifs"], column_of("dispositif", "nb_places"))
    assert (places.type, places.operator, places.formula1) == ("whole", "greaterThanOrEqual", "1")
    debut = validation_of(book["Sessions"], column_of("session", "date_debut"))
    assert debut.type == "date"
    title = validation_of(book["Formations"], column_of("formation", "intitule"))
    assert (title.type, title.formula1) == ("textLength", "255")


def test_readme_explains_fasd_in_french(book):
    text = "\n".join(str(c.value) for row in book["Lisez-moi"].iter_rows() for c in row if c.value)
    assert "La formation précise la finalité" in text
    assert "Le dispositif affiche les types de financements" in text
    assert "19482-89393-143842" in text
    assert "point-virgule" in text and "rouge" in text


def fill(template: Path, offer: dict, out: Path) -> Path:
    """Type the offer into the template as a person would: dates as dates, numbers as numbers."""
    wb = load_workbook(template)
    for entity, records in offer.items():
        spec = ENTITIES[entity]
        ws = wb[spec.sheet]
        for i, record in enumerate(records, 2):
            for name, value in record.items():
                f = spec.field(name)
                if f.kind == "date" and not f.multi:
                    value = dt.datetime.strptime(value, "%d/%m/%Y")
                elif f.kind in ("int", "decimal") and value.replace(".", "").isdigit():
                    value = float(value) if "." in value else int(value)
                ws.cell(row=i, column=spec.names.index(name) + 1, value=value)
    wb.save(out)
    return out


def test_filled_template_imports_with_no_finding(tmp_path):
    offer = valid_offer()
    offer["session"][0]["informations_collectives"] = "15/05/2026; 12/06/2026"
    path = fill(COMMITTED, offer, tmp_path / "mon-offre.xlsx")
    result = CliRunner().invoke(
        main, ["import", str(path), "--out", str(tmp_path / "out"), "--today", TODAY.isoformat()]
    )
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert result.exit_code == 0, result.output
    assert summary["findings"]["total"] == 0, (tmp_path / "out" / "report.csv").read_text(encoding="utf-8-sig")
    assert summary["entities"]["dispositif"] == {"read": 1, "accepted": 1, "rejected": 0}


def test_cli_writes_the_template(tmp_path):
    out = tmp_path / "modele.xlsx"
    result = CliRunner().invoke(main, ["template", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert load_workbook(out).sheetnames[0] == "Lisez-moi"


def test_cli_unwritable_path_is_one_french_line(tmp_path):
    blocker = tmp_path / "fichier.txt"
    blocker.write_text("x")
    result = CliRunner().invoke(main, ["template", "--out", str(blocker / "modele.xlsx")])
    assert result.exit_code == 2
    assert "impossible d'écrire" in result.output and "Traceback" not in result.output


def test_lists_are_headed_by_the_columns_that_use_them(book):
    heads = [c.value for c in book["Listes"][1] if c.value]
    assert "Modalités d'enseignement" in heads and "Niveau de sortie / Niveau d'entrée" in heads
    assert "modalite_enseignement" not in heads and "niveaux" not in heads  # internal names


def test_data_sheets_print_their_columns_across_few_pages(book):
    """Printed, a data sheet is landscape and fit to a few pages across (Sessions: 3, not
    one page per five columns), each page repeating its header row, and its key when
    there are several across."""
    for entity in ENTITIES.values():
        ws = book[entity.sheet]
        setup = ws.page_setup
        assert setup.orientation == "landscape" and ws.sheet_properties.pageSetUpPr.fitToPage, entity.sheet
        assert 1 <= int(setup.fitToWidth) <= 3 and int(setup.fitToHeight) == 0, entity.sheet
        assert ws.print_title_rows == "$1:$1"
        assert (ws.print_title_cols == "$A:$A") == (int(setup.fitToWidth) > 1), entity.sheet
    assert int(book["Sessions"].page_setup.fitToWidth) == 3 and int(book["Sites"].page_setup.fitToWidth) == 1
