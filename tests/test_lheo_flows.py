"""LHÉO flows of other producers: judged as LHÉO (profile), read as their producers meant.

The real files are in tests/data/real/ (see its README); each variant below changes
one thing in one of them, so the test says what it is about.
"""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.lheo.formacode import public_v12, public_version
from pipeline.lheo.freetext import read_rythme
from pipeline.run import run

REAL = Path(__file__).parent / "data" / "real"
TREFLE = REAL / "trefle-poec.xml"
ONISEP = REAL / "onisep-exemple-bts.xml"
TODAY = dt.date(2026, 3, 1)


def variant(tmp_path: Path, source: Path, *changes: tuple[str, str]) -> Path:
    """A copy of a real file with textual changes, each of which must apply."""
    text = source.read_text(encoding="utf-8")
    for old, new in changes:
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / source.name
    path.write_text(text, encoding="utf-8")
    return path


def codes(result, entity=None, severity=None) -> list[str]:
    f = result.findings
    if entity:
        f = f[f["entity"] == entity]
    if severity:
        f = f[f["severity"] == severity]
    return list(f["code"])


def incomplete(result, entity: str) -> list[str]:
    f = result.findings
    rows = f[(f["code"] == "SOFI_INCOMPLETE") & (f["entity"] == entity)]
    return list(rows["message"])


# -- profile --------------------------------------------------------------------------
def test_third_party_flow_is_accepted_as_to_complete():
    result = run([TREFLE], today=TODAY)
    assert "error" not in set(result.findings["severity"])
    assert result.accepted["formation"].all() and result.accepted["session"].all()
    [formation] = incomplete(result, "formation")
    # non-certifying: SOFI asks neither individualisation nor validation (seed, issue 12)
    assert "Objectif" in formation and "Individualisation du parcours par bloc" not in formation
    # "-" in objectif-formation and contenu-formation is a placeholder: empty, so to complete
    assert "Objectif" in formation and "Programme" in formation
    [session] = incomplete(result, "session")
    for label in ("Périodes de formation", "Référent PMR", "Référent mobilité"):
        assert label in session
    assert result.summary()["a_completer"]["formation"] == 1


def test_sofi_profile_rejects_the_same_flow():
    result = run([TREFLE], today=TODAY, profil="sofi")
    assert not result.accepted["formation"].any()
    assert "REQUIRED" in codes(result, "formation")
    assert "SOFI_INCOMPLETE" not in codes(result)


def test_a_malformed_date_stays_an_error(tmp_path):
    path = variant(tmp_path, TREFLE, ("<debut>20180910</debut>", "<debut>2018-13-45</debut>"))
    result = run([path], today=TODAY)
    assert "BAD_FORMAT" in codes(result, "session", "error")   # a date that is no date stays an error


def test_cli_import_names_what_sofi_needs_and_exits_0(tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["import", str(ONISEP), "--out", str(out), "--today", TODAY.isoformat()])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in (out / "records.jsonl").read_text(encoding="utf-8").splitlines()]
    [formation] = records
    assert formation["complet"] is False
    # certifying: individualisation is asked; an empty validation is totale (seed, issue 12)
    assert "Individualisation du parcours par bloc" in formation["a_completer"]
    assert formation["validation"] == "totale"
    session = formation["actions"][0]["sessions"][0]
    assert session["complet"] is False and "Périodes de formation" in session["a_completer"]
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["a_completer"]["formation"] == 1 and summary["findings"]["by_severity"]["error"] == 0


def test_spreadsheet_records_are_complete(tmp_path):
    from factory import valid_offer, write_workbook
    out = tmp_path / "out"
    book = write_workbook(tmp_path / "offre.xlsx", valid_offer())
    CliRunner().invoke(main, ["import", str(book), "--out", str(out), "--today", TODAY.isoformat()])
    [formation] = [json.loads(x) for x in (out / "records.jsonl").read_text(encoding="utf-8").splitlines()]
    assert formation["complet"] is True and "a_completer" not in formation


# -- placeholders -----------------------------------------------------------------------
def test_unknown_date_and_dash_are_empty_element_by_element(tmp_path):
    path = variant(tmp_path, TREFLE, (
        "<url-action>",
        "<date-information><date>00000000</date></date-information>"
        "<date-information><date>20180801</date></date-information><url-action>"))
    result = run([path], today=TODAY)
    assert "BAD_FORMAT" not in codes(result)
    session = result.tables["session"].typed.iloc[0]
    assert [d.isoformat() for d in session["informations_collectives"]] == ["2018-08-01"]
    assert not isinstance(result.tables["action"].typed.iloc[0]["prerequis"], str)   # conditions-specifiques "-"


# -- free-text rythmes -------------------------------------------------------------------
@pytest.mark.parametrize("text,expected", [
    ("Continu temps plein, Modulaire", {"rythmes": ["continu", "temps plein"]}),
    ("Temps partiel", {"rythmes": ["temps partiel"]}),
    ("FOAD", {"modalites_pedagogiques": ["à distance"]}),
    ("continu ou discontinu", {}),          # both: nothing is sure
    ("Entrées/sorties à dates fixes", {}),
])
def test_free_text_rythme(text, expected):
    assert read_rythme(text) == expected


def test_free_text_rythme_fills_the_session(tmp_path):
    path = variant(tmp_path, TREFLE, ("<rythme-formation>FOAD</rythme-formation>",
                                      "<rythme-formation>Continu temps plein, Modulaire</rythme-formation>"))
    result = run([path], today=TODAY)
    assert result.tables["session"].typed.iloc[0]["rythmes"] == ["continu", "temps plein"]
    assert not any("Rythmes" in m for m in incomplete(result, "session"))


def test_unreadable_rythme_is_to_complete_in_lheo_and_an_error_in_sofi():
    lheo = run([TREFLE], today=TODAY)
    assert any("Rythmes (« FOAD » non reconnu)" in m for m in incomplete(lheo, "session"))
    assert lheo.tables["session"].typed.iloc[0]["modalites_pedagogiques"] == ["à distance"]
    sofi = run([TREFLE], today=TODAY, profil="sofi")
    assert "BAD_ENUM" in codes(sofi, "session", "error")


# -- Formacode versions of publics --------------------------------------------------------
def test_public_version_from_ref_and_date():
    assert public_version("V10", dt.date(2024, 1, 1)) == "V10"
    assert public_version("V12", dt.date(2018, 6, 1)) == "V10"      # 2017-2018 flows: V10 tagged V12
    assert public_version("V12", dt.date(2020, 6, 1)) == "V12"
    assert public_version(None, None) == "V12"
    assert public_v12("80006", "V12") == "80006"


def publics(result) -> list:
    return result.tables["dispositif"].typed.iloc[0]["publics"]


def test_v10_public_of_a_2018_flow_is_translated():
    result = run([TREFLE], today=TODAY)              # ref="V12" 80006, datecrea 2018
    assert publics(result) == ["80011"]              # V12 DEMANDEUR D'EMPLOI, not 80006 CADRE D'ENTREPRISE
    assert "PUBLIC_VERSION" in codes(result)


def test_v12_public_of_a_recent_flow_is_kept(tmp_path):
    path = variant(tmp_path, TREFLE, ('datecrea="20180601" datemaj="20180601"', 'datecrea="20200601" datemaj="20200601"'))
    assert publics(run([path], today=TODAY)) == ["80006"]


def test_explicit_v10_tout_public(tmp_path):
    path = variant(tmp_path, TREFLE, ('<code-public-vise ref="V12">80006</code-public-vise>',
                                      '<code-public-vise ref="V10">83056</code-public-vise>'))
    assert publics(run([path], today=TODAY)) == ["80056"]


def test_public_without_correspondence_is_not_misread():
    result = run([ONISEP], today=TODAY)              # ref="V11" 81061
    assert not isinstance(publics(result), list)     # empty: no public at all
    f = result.findings
    [row] = f[f["code"] == "PUBLIC_UNMAPPED"].to_dict("records")
    assert row["value"] == "81061" and "V11" in row["message"]
