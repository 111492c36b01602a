"""Readers: layouts, encodings, separators, lenient headers, provenance."""

import openpyxl
import pytest

from pipeline.model.fields import OFFER_ENTITIES
from pipeline.readers.errors import InputError
from pipeline.engine.run import run

from factory import TODAY, finding, flat_rows, valid_offer, write_flat_csv, write_workbook


def directory(tmp_path):
    return write_workbook(tmp_path / "annuaire.xlsx", valid_offer(), entities=("site", "contact"))


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "mac_roman"])
@pytest.mark.parametrize("delimiter", [";", ","])
def test_csv_encodings_and_separators(tmp_path, encoding, delimiter):
    path = write_flat_csv(tmp_path / "offre.csv", valid_offer(), encoding=encoding, delimiter=delimiter)
    result = run([path], annuaire=directory(tmp_path), today=TODAY)
    assert result.findings.empty, result.findings[["code", "column", "message"]]
    formation = result.tables["formation"].typed.iloc[0]
    assert formation["intitule"] == "Prévention des TMS en établissement de santé"


@pytest.mark.parametrize(
    "data,encoding",
    [
        ("ACADÉMIE DE NANTES;Élèves".encode("mac_roman"), "mac_roman"),  # 0x83 « É », 0x8E « é »
        ("ACADÉMIE DE NANTES;Élèves".encode("cp1252"), "cp1252"),
        ("Prévention à l'hôpital, 1 €".encode("cp1252"), "cp1252"),
        ("Prévention à l'hôpital, 1 €".encode("mac_roman"), "mac_roman"),
        (b"plain ASCII", "cp1252"),
    ],
)
def test_single_byte_encoding_is_the_one_that_reads_french(data, encoding):
    from pipeline.readers.csv import single_byte_encoding

    assert single_byte_encoding(data) == encoding


def test_a_mac_roman_export_is_not_read_as_windows_1252(tmp_path):
    """A Parcoursup-like export saved on a Mac (issue 23): « ACADÉMIE », never « ACADƒMIE »."""
    offer = valid_offer()
    offer["formation"][0]["intitule"] = "ACADÉMIE DE NANTES : préparation aux épreuves"
    path = write_flat_csv(tmp_path / "offre.csv", offer, encoding="mac_roman")
    assert b"ACAD\x83MIE" in path.read_bytes()
    result = run([path], annuaire=directory(tmp_path), today=TODAY)
    assert result.tables["formation"].typed.iloc[0]["intitule"] == "ACADÉMIE DE NANTES : préparation aux épreuves"


def test_lenient_headers(tmp_path):
    names, _ = flat_rows(valid_offer())
    spellings = {
        "date_debut": "date de début",
        "date_fin": "DATE_FIN",
        "duree_centre_h": "Durée en centre (en h) *",
        "nb_places": "nb places",
        "ref_formation": "Référence formation",
        "rythmes": "Rythmes*",
    }
    headers = [spellings.get(n, n) for n in names]
    path = write_flat_csv(tmp_path / "offre.csv", valid_offer(), headers=headers)
    result = run([path], annuaire=directory(tmp_path), today=TODAY)
    assert result.findings.empty, result.findings[["code", "column", "message"]]


def test_unknown_column_is_a_warning_with_a_suggestion(tmp_path):
    names, _ = flat_rows(valid_offer())
    offer = valid_offer()
    headers = [("Date débutt" if n == "date_debut" else n) for n in names]
    path = write_flat_csv(tmp_path / "offre.csv", offer, headers=headers)
    result = run([path], annuaire=directory(tmp_path), today=TODAY)
    f = finding(result, "UNKNOWN_COLUMN")
    assert f["severity"] == "warning" and f["row"] == 1 and "Date début" in f["suggestion"]
    # The absent required column is one finding for the column, not one REQUIRED per row.
    missing = finding(result, "MISSING_COLUMN")
    assert (missing["entity"], missing["column"], missing["severity"]) == ("session", "Date début", "error")
    assert (result.findings["code"] == "REQUIRED").sum() == 0
    assert not result.accepted["session"].any()


def test_flat_repeats_must_agree(tmp_path):
    offer = valid_offer()
    second = dict(offer["dispositif"][0], ref_dispositif="D2", dispositif="Formation avec autres financements")
    offer["dispositif"].append(second)
    path = write_flat_csv(tmp_path / "offre.csv", offer)
    text = path.read_text(encoding="utf-8-sig").splitlines()
    text[2] = text[2].replace("Attestation de formation.", "Attestation.")
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    result = run([path], annuaire=directory(tmp_path), today=TODAY)
    f = finding(result, "INCONSISTENT_REPEAT")
    assert (f["entity"], f["field"], f["row"], f["value"]) == ("action", "resultats_attendus", 3, "Attestation.")
    assert f["cell"] == f"{f['cell'][:-1]}3" and "ligne 2" in f["message"]


def test_flat_groups_sessions_and_dispositifs(tmp_path):
    offer = valid_offer()
    offer["dispositif"].append(dict(offer["dispositif"][0], ref_dispositif="D2"))
    path = write_flat_csv(tmp_path / "offre.csv", offer)
    result = run([path], annuaire=directory(tmp_path), today=TODAY)
    assert result.findings.empty
    assert [len(result.tables[e]) for e in OFFER_ENTITIES] == [1, 1, 1, 2]


def test_flat_workbook_with_directory_sheets(tmp_path):
    offer = valid_offer()
    names, rows = flat_rows(offer)
    path = write_workbook(tmp_path / "export.xlsx", offer, entities=("site", "contact"))
    wb = openpyxl.load_workbook(path)
    ws = wb.create_sheet("Export offres", 0)
    ws.append(names)
    for r in rows:
        ws.append(r)
    wb.save(path)
    result = run([path], today=TODAY)
    assert result.findings.empty, result.findings[["code", "message"]]
    assert result.tables["session"].raw.iloc[0]["_sheet"] == "Export offres"


def test_excel_date_cells_and_title_row(tmp_path):
    import datetime as dt

    path = write_workbook(tmp_path / "offre.xlsx", valid_offer())
    wb = openpyxl.load_workbook(path)
    ws = wb["Sessions"]
    ws.insert_rows(1)
    ws["A1"] = "Sessions 2026 — à envoyer au Carif"
    headers = [c.value for c in ws[2]]
    ws.cell(3, headers.index("Date début *") + 1).value = dt.datetime(2026, 9, 7)
    wb.save(path)
    result = run([path], today=TODAY)
    assert result.findings.empty
    s = result.tables["session"]
    assert s.raw.iloc[0]["_row"] == 3
    assert s.typed.iloc[0]["date_debut"].date() == dt.date(2026, 9, 7)


def test_missing_sheet(tmp_path):
    path = write_workbook(
        tmp_path / "offre.xlsx", valid_offer(), entities=("site", "contact", "formation", "action", "session")
    )
    result = run([path], today=TODAY)
    f = finding(result, "MISSING_SHEET")
    assert f["sheet"] == "Dispositifs"
    no_child = result.findings[result.findings["code"] == "NO_CHILD"]
    assert sorted(no_child["entity"]) == ["action", "formation", "session"]


def test_provenance_of_a_finding(tmp_path):
    offer = valid_offer()
    offer["session"][0]["date_debut"] = "bientôt"
    result = run([write_workbook(tmp_path / "offre.xlsx", offer)], today=TODAY)
    f = finding(result, "BAD_FORMAT")
    assert (f["source"], f["sheet"], f["row"], f["column"], f["cell"], f["value"]) == (
        "offre.xlsx",
        "Sessions",
        2,
        "Date début *",
        "D2",
        "bientôt",
    )


@pytest.mark.parametrize(
    "name,content",
    [
        ("offre.xlsx", b"not a zip"),
        ("offre.csv", b"\xff\xfe" + "a;b\n".encode("utf-16-le")),
        ("offre.pdf", b"%PDF-1.4"),
    ],
)
def test_unreadable_inputs_raise_input_error(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError) as err:
        run([path], today=TODAY)
    assert name in str(err.value) and "\n" not in str(err.value)


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="introuvable"):
        run([tmp_path / "absent.xlsx"], today=TODAY)
