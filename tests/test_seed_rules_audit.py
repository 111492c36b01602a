"""Rules as the seed says them, from a rule-by-rule audit (issue 23 item 5).

Each test quotes the line of ../shared/seed/procedure-saisie-sofi-sanitaire-social.txt
it is about (fields marked `*` are mandatory there), changes one cell of the valid
offer (tests/factory.py) and checks the finding, or that there is none.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from factory import codes, finding, run_offer, valid_offer
from pipeline.reference import load_reference
from pipeline.engine.run import run
from test_lheo_sofi_lists import PUBLIC, TODAY, flow

SEED = Path(__file__).parent.parent.parent / "shared" / "seed" / "procedure-saisie-sofi-sanitaire-social.txt"


def seed_says(line: str) -> None:
    """The quoted line is the seed's (when the seed is there: it is outside the project)."""
    if SEED.exists():
        assert line in SEED.read_text(encoding="utf-8").splitlines(), line


def test_expected_results_are_optional(tmp_path):
    seed_says("Résultats attendus")  # Fiche Action, no « * »
    offer = valid_offer()
    offer["action"][0]["resultats_attendus"] = ""
    result = run_offer(tmp_path, offer)
    assert codes(result) == []
    assert result.accepted["action"].all() and result.accepted["session"].all()


@pytest.mark.parametrize("company", ["770", "35,5"])
def test_zero_hours_in_centre_with_hours_in_company(tmp_path, company):
    seed_says("Durée en centre (en h) *")  # required, but the seed sets no minimum
    seed_says("Durée en entreprise (en h)")
    offer = valid_offer()
    offer["session"][0].update(duree_centre_h="0", duree_entreprise_h=company, modalites_pedagogiques="en entreprise")
    assert codes(run_offer(tmp_path, offer)) == []


@pytest.mark.parametrize("company", ["", "0"])
def test_zero_hours_in_centre_and_none_in_company_is_no_duration(tmp_path, company):
    offer = valid_offer()
    offer["session"][0].update(duree_centre_h="0", duree_entreprise_h=company)
    result = run_offer(tmp_path, offer)
    f = finding(result, "OUT_OF_RANGE")
    assert f["field"] == "duree_centre_h" and f["severity"] == "error"
    assert "durée en entreprise est vide ou nulle" in f["message"]
    assert not result.accepted["session"].any()


def test_negative_hours_in_centre_stay_out_of_range(tmp_path):
    offer = valid_offer()
    offer["session"][0].update(duree_centre_h="-5", duree_entreprise_h="770")
    f = finding(run_offer(tmp_path, offer), "OUT_OF_RANGE")
    assert "inférieur à 0" in f["message"]


# -- « Type de certification * » --------------------------------------------------------
def reference_without_type(tmp_path: Path):
    path = tmp_path / "ref" / "certifinfo.csv"
    path.parent.mkdir()
    path.write_text("code;intitule;code_rncp;niveau_europeen;archive\n1001;Titre A;RNCP1234;4;non\n", encoding="utf-8")
    return load_reference(path)


def certifying(**cells) -> dict:
    offer = valid_offer()
    offer["formation"][0].update(
        certifinfo="oui", code_certifinfo="1001", objectif_general="Certification", intitule="", **cells
    )
    return offer


def test_certification_type_is_required_when_the_reference_does_not_give_it(tmp_path):
    seed_says("Type de certification *")
    result = run_offer(tmp_path, certifying(), reference=reference_without_type(tmp_path))
    f = finding(result, "REQUIRED")
    assert f["field"] == "type_certification" and f["severity"] == "error"
    assert not result.accepted["formation"].any()


def test_certification_type_given_in_the_cell_is_enough(tmp_path):
    result = run_offer(
        tmp_path, certifying(type_certification="Titre professionnel"), reference=reference_without_type(tmp_path)
    )
    assert codes(result) == []
    assert result.accepted_frame("formation").iloc[0]["type_certification"] == "Titre professionnel"


def test_certification_type_comes_from_the_reference_when_the_cell_is_empty(tmp_path):
    seed_says("Autre diplôme d'Etat de niveau 4")  # the type the seed's screen shows for the DEAS
    offer = valid_offer()
    offer["formation"][0].update(certifinfo="oui", code_certifinfo="111669", objectif_general="Certification")
    offer["formation"][0].update(intitule="", objectif_formation="", contenu_formation="", formacodes="")
    result = run_offer(tmp_path, offer, reference=load_reference(None))
    assert "REQUIRED" not in codes(result)
    assert result.accepted_frame("formation").iloc[0]["type_certification"] == "Autre diplôme d'Etat de niveau 4"


def test_a_non_certifying_formation_needs_no_certification_type(tmp_path):
    assert codes(run_offer(tmp_path, valid_offer(), reference=reference_without_type(tmp_path))) == []


# -- a dispositif « associé à un ou plusieurs publics » --------------------------------
def test_a_dispositif_without_public_is_an_error_in_the_sofi_profile(tmp_path):
    seed_says(
        "Le dispositif affiche les types de financements de la session de formation, "
        "associés à un ou plusieurs publics."
    )
    offer = valid_offer()
    offer["dispositif"][0]["publics"] = ""
    result = run_offer(tmp_path, offer)
    f = finding(result, "REQUIRED")
    assert (f["entity"], f["field"], f["severity"]) == ("dispositif", "publics", "error")
    assert not result.accepted["dispositif"].any()


def test_a_dispositif_whose_only_public_is_outside_the_list_has_none(tmp_path):
    offer = valid_offer()
    offer["dispositif"][0]["publics"] = "retraité"
    result = run_offer(tmp_path, offer)
    assert finding(result, "REQUIRED")["field"] == "publics"
    assert not result.accepted["dispositif"].any()


def test_a_bad_public_beside_a_good_one_is_left_out_and_the_dispositif_stays(tmp_path):
    offer = valid_offer()
    offer["dispositif"][0]["publics"] = "demandeur d'emploi; retraité"
    result = run_offer(tmp_path, offer)
    assert codes(result) == ["OPTIONAL_DROPPED"]
    assert result.accepted_frame("dispositif").iloc[0]["publics"] == ["80011"]


def test_a_dispositif_without_public_is_to_complete_in_the_lheo_profile(tmp_path):
    path = flow(tmp_path, (PUBLIC, ""))
    result = run([path], today=TODAY)
    assert "error" not in set(result.findings["severity"])
    assert result.accepted["dispositif"].all()
    f = result.findings
    [message] = f[(f["code"] == "SOFI_INCOMPLETE") & (f["entity"] == "dispositif")]["message"]
    assert "Publics" in message


# -- two rule branches no test pinned ---------------------------------------------------
def test_negative_remaining_places(tmp_path):
    seed_says("Nb places restantes")
    offer = valid_offer()
    offer["dispositif"][0]["nb_places_restantes"] = "-3"
    result = run_offer(tmp_path, offer)
    f = finding(result, "PLACES")
    assert f["field"] == "nb_places_restantes" and f["value"] == "-3" and "doit être au moins 0" in f["message"]
    assert not result.accepted["dispositif"].any()


@pytest.mark.parametrize(
    "debut,fin,hours,warned",
    [
        ("07/09/2026", "06/09/2026", "35", False),  # a zero-day period (end the day before): DATE_ORDER, no ratio
        ("07/09/2026", "07/09/2026", "10", False),  # one day, 10 h: the limit
        ("07/09/2026", "07/09/2026", "11", True),
    ],
)
def test_duration_warning_counts_the_days_of_a_real_period(tmp_path, debut, fin, hours, warned):
    offer = valid_offer()
    offer["session"][0].update(date_debut=debut, date_fin=fin, duree_centre_h=hours)
    result = run_offer(tmp_path, offer)
    assert ("DURATION_EXCEEDS_PERIOD" in codes(result)) is warned
    if fin < debut:
        assert "DATE_ORDER" in codes(result)
