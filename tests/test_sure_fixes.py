"""Sure fixes beyond VALUE_FIXED (issue 28 §7): a refused value spelt plainly in another form,
an unknown Certif Info code with one candidate. Each goes into the finding's `fix` column and
`fasd corriger` writes it; a value with two readings gets no fix."""

from __future__ import annotations

import openpyxl
import pytest
from factory import TODAY, bundled_reference, invoke, sample_with

from pipeline.engine.run import run
from pipeline.model.fields import ENTITIES
from pipeline.readers.dates import MONTH_FIRST
from pipeline.readers.sure_fix import date_fix, enum_fix, number_fix, sure_fix

AUTRES = ("S-DEAS-NTE-2026-01", "AUTRES")
# (entity, key, field): (value written, fix expected)
SURE = {
    ("session", "S-DEAS-NTE-2026-09", "date_debut"): ("lundi 7 septembre 2026", "07/09/2026"),
    ("session", "S-DEAS-NTE-2026-01", "date_fin"): ("2026/12/11", "11/12/2026"),
    ("session", "S-DEAS-NTE-2026-09", "duree_centre_h"): ("770 h", "770"),
    ("session", "S-DEAS-NTE-2026-09", "modalite_enseignement"): ("pré sentiel", "présentiel"),
    ("session", "S-DEAS-NTE-2026-09", "rythmes"): ("continu; tempsplein", "continu; temps plein"),
    ("dispositif", AUTRES, "frais_ht"): ("7200 euros", "7200"),
    ("dispositif", AUTRES, "nb_places"): ("10 places", "10"),
    ("formation", "F-DEAS", "code_certifinfo"): ("111668", "111669"),  # one digit wrong, one candidate
}
# values a person must decide: two readings, or a respelling beyond accents, case and spaces
AMBIGUOUS = {
    ("formation", "F-DEAP", "code_certifinfo"): "111660",  # 111669 (DEAS) or 111670 (DEAP)
    ("formation", "F-DEAP", "code_rncp"): None,  # (no RNCP code to tell them apart)
    ("session", "S-DEAS-NTE-2026-09", "types_parcours"): "collectifs",
    ("session", "S-DEAS-NTE-2026-09", "duree_centre_h"): "770h30",
    ("dispositif", AUTRES, "frais_ht"): "7,200 euros",  # 7,2 or 7 200
}


def _key(finding) -> tuple:
    key = finding["key"]
    if finding["entity"] == "dispositif":
        key = tuple(key.split(" / "))
    return (finding["entity"], key, finding["field"])


def _causes(findings):
    return findings[findings["cause_key"] == ""]


@pytest.fixture(scope="module")
def sure(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sure")
    path = sample_with(folder, {where: value for where, (value, _) in SURE.items()})
    return folder, path, run([path], reference=bundled_reference(), today=TODAY)


def test_each_refused_value_carries_its_sure_fix(sure):
    _, _, result = sure
    causes = _causes(result.findings)
    fixes = {_key(f): f["fix"] for _, f in causes.iterrows() if f["fix"]}
    assert fixes == {where: fix for where, (_, fix) in SURE.items()}
    unfixed = causes[(causes["fix"] == "") & (causes["severity"] != "info")]
    # a dropped optional value may be REQUIRED too: that finding goes with the fixed cell
    assert set(unfixed["code"]) <= {"REQUIRED"}, unfixed[["code", "key", "field"]]


def test_the_corrected_copy_reimports_clean(sure):
    folder, path, _ = sure
    out = folder / "copie.xlsx"
    result = invoke("corriger", path, "--out", out, "--today", TODAY.isoformat())
    assert result.exit_code == 0, result.output
    assert f"{len(SURE)} cellule(s) corrigée(s)" in result.output
    again = run([out], reference=bundled_reference(), today=TODAY)
    assert again.findings[["code", "key", "field", "value"]].to_dict("records") == []
    book = openpyxl.load_workbook(out)
    sessions, dispositifs = book["Sessions"], book["Dispositifs"]
    duree = next(c for c in sessions["M"] if c.value == 770 and c.comment is not None)
    assert duree.comment.text.startswith("770 h → 770 : ")  # a number cell, with its note
    places = next(c for c in dispositifs["F"] if c.comment is not None)
    assert places.value == 10


def test_an_ambiguous_value_gets_no_fix(tmp_path):
    path = sample_with(tmp_path, AMBIGUOUS)
    result = run([path], reference=bundled_reference(), today=TODAY)
    causes = _causes(result.findings)
    located = causes[causes["field"].isin({f for (_, _, f) in AMBIGUOUS})]
    assert {_key(f) for _, f in located.iterrows()} >= {w for w, v in AMBIGUOUS.items() if v}
    assert list(located["fix"].unique()) == [""]
    out = tmp_path / "copie.xlsx"
    corrected = invoke("corriger", path, "--out", out, "--today", TODAY.isoformat())
    assert corrected.exit_code == 1 and "0 cellule(s) corrigée(s)" in corrected.output
    again = _causes(run([out], reference=bundled_reference(), today=TODAY).findings)
    assert sorted(again["code"]) == sorted(causes["code"])


def _field(entity, name):
    return ENTITIES[entity].field(name)


@pytest.mark.parametrize(
    "text, fixed",
    [
        ("1er septembre 2026", "01/09/2026"),
        ("7 sept. 2026", "07/09/2026"),
        ("07 09 2026", "07/09/2026"),
        ("31 février 2027", None),  # no such day
        ("7 septembre", None),  # which year?
        ("septembre 2026", None),
        ("7 brumaire 2026", None),
    ],
)
def test_date_forms(text, fixed):
    assert date_fix(text) == fixed


def test_a_month_first_column_keeps_its_order():
    assert date_fix("2026/12/11", MONTH_FIRST) == "12/11/2026"
    assert date_fix("09 07 2026", MONTH_FIRST) == "09/07/2026"


@pytest.mark.parametrize(
    "entity, name, text, fixed",
    [
        ("dispositif", "frais_ht", "1\u2009200,50", "1200,5"),
        ("dispositif", "frais_ht", "1'200.50 €", "1200,5"),
        ("dispositif", "frais_ht", "1200 € HT", "1200"),
        ("dispositif", "frais_ht", "1200 € TTC", None),  # a TTC amount in the HT column
        ("dispositif", "frais_ttc", "1200 EUR TTC", "1200"),
        ("dispositif", "nb_places", "12,5 places", None),  # not a whole number
        ("dispositif", "nb_places", "12 h", None),  # not the field's unit
        ("session", "duree_centre_h", "35 heures", "35"),
        ("session", "duree_centre_h", "35 h 30", None),
        ("dispositif", "taux_tva", "20 pourcent", None),  # rates are not respelt
    ],
)
def test_number_forms(entity, name, text, fixed):
    assert sure_fix(text, _field(entity, name)) == fixed
    if fixed is not None:
        assert number_fix(text, _field(entity, name)) == fixed


def test_list_labels_need_one_choice():
    field = _field("action", "niveau_entree")
    assert enum_fix("Sans_Niveau_Specifique", field.table) == "sans niveau spécifique"
    assert sure_fix("SANSNIVEAU-SPÉCIFIQUE", field) == "sans niveau spécifique"
    assert sure_fix("sans niveau", field) is None  # the start of a label is a guess
    assert sure_fix("", field) is None
