"""Resolution of certifying formations against the reference (issue 3).

Each test spoils one cell of the valid offer, runs the whole pipeline with the
bundled illustrative extract (or a small hand-made reference) and checks the one
finding the rule must give, so each test fails when its rule is missing.
"""

from __future__ import annotations

import pytest

from factory import TODAY, codes, finding, run_offer, valid_offer
from pipeline.reference import load_reference

DEAS_BLOCS = ["RNCP35830BC01", "RNCP35830BC02", "RNCP35830BC03", "RNCP35830BC04"]


def certifying(**cells) -> dict:
    """The valid offer with a certifying formation: title, objective, programme left to the reference."""
    offer = valid_offer()
    formation = offer["formation"][0]
    formation.update(
        certifinfo="oui",
        objectif_general="Certification",
        intitule="",
        objectif_formation="",
        contenu_formation="",
        formacodes="",
    )
    formation.update(cells)
    if cells.get("validation") == "partielle":
        # SOFI: a partial validation goes with an individualised parcours (modulaire, individualisé)
        formation["individualisation"] = "oui"
        offer["session"][0]["types_parcours"] = "collectif; modulaire; individualisé"
    return offer


def accepted_formation(result):
    frame = result.accepted_frame("formation")
    assert len(frame) == 1, result.findings[["code", "field", "message"]]
    return frame.iloc[0]


def test_resolved_formation_is_filled_from_the_reference(tmp_path, reference):
    result = run_offer(tmp_path, certifying(code_certifinfo="111669"), reference=reference)
    assert codes(result) == []
    f = accepted_formation(result)
    assert f["intitule"] == "Diplôme d'État d'aide-soignant - DEAS"
    assert f["code_rncp"] == "RNCP35830"
    assert f["niveau_sortie"] == "14"  # European level 4 -> LHÉO dict-niveaux code 14
    assert f["formacodes"] == ["43436"]
    assert f["codes_rome"] == ["J1501"]
    assert f["type_certification"] == "Autre diplôme d'Etat de niveau 4"
    assert f["objectif_formation"].startswith("Accompagner la personne")
    assert f["contenu_formation"].startswith("Bloc 1")
    assert f["blocs"] == DEAS_BLOCS  # validation totale selects every bloc, as SOFI does


@pytest.mark.parametrize("written", ["111669,0", "111669.0"])
def test_code_written_as_a_decimal_with_zero_fraction_is_the_code(tmp_path, reference, written):
    """A French spreadsheet exports the number 111669 as « 111669,0 » (issue 23): it can only
    mean 111669, so it is read so and said (VALUE_FIXED), not BAD_FORMAT."""
    result = run_offer(tmp_path, certifying(code_certifinfo=written), reference=reference)
    assert codes(result) == ["VALUE_FIXED"]
    fixed = finding(result, "VALUE_FIXED")
    assert fixed["value"] == written and "« 111669 »" in fixed["message"]
    formation = accepted_formation(result)
    assert formation["code_certifinfo"] == "111669"
    assert formation["intitule"] == "Diplôme d'État d'aide-soignant - DEAS"  # resolved like 111669


def test_unknown_code(tmp_path, reference):
    result = run_offer(tmp_path, certifying(code_certifinfo="999999"), reference=reference)
    f = finding(result, "CERTIFINFO_UNKNOWN")
    assert (f["entity"], f["field"], f["value"]) == ("formation", "code_certifinfo", "999999")
    assert result.accepted_frame("formation").empty


@pytest.mark.parametrize("typo", ["111696", "111668", "11669"])  # swapped, one digit off, one dropped
def test_unknown_code_suggests_near_codes(tmp_path, reference, typo):
    result = run_offer(tmp_path, certifying(code_certifinfo=typo), reference=reference)
    suggestion = finding(result, "CERTIFINFO_UNKNOWN")["suggestion"]
    assert suggestion.startswith("Peut-être : Certif Info 111669, RNCP35830 « Diplôme d'État d'aide-soignant")


def test_misspelt_title_suggests_deas_first(tmp_path, reference):
    offer = certifying(code_certifinfo="999999", intitule="aide soignante diplome etat")
    result = run_offer(tmp_path, offer, reference=reference)
    suggestion = finding(result, "CERTIFINFO_UNKNOWN")["suggestion"]
    first = suggestion.split(" ; ")[0]
    assert first == "Peut-être : Certif Info 111669, RNCP35830 « Diplôme d'État d'aide-soignant - DEAS »"
    assert "Certif Info 111670" not in first


def test_archived_certification_rejects_the_formation(tmp_path, reference):
    result = run_offer(tmp_path, certifying(code_certifinfo="54913"), reference=reference)
    f = finding(result, "CERTIFINFO_INACTIVE")
    assert (f["entity"], f["field"]) == ("formation", "code_certifinfo")
    assert "archivée" in f["message"]
    # the export's continuity file names the replacing certification
    assert f["suggestion"].startswith("Remplacée par RNCP36004 « Diplôme d'État d'accompagnant éducatif et social")
    assert "(Certif Info 109868)" in f["suggestion"]
    assert result.accepted_frame("formation").empty


def test_registration_ended_rejects_sessions_starting_after_it(tmp_path, reference):
    # RNCP99901 (illustrative): registration ended 31/12/2025.
    offer = certifying(code_certifinfo="99901")
    before = dict(
        offer["session"][0], ref_session="S0", date_debut="01/12/2025", date_fin="19/12/2025", duree_centre_h="35"
    )
    offer["session"].insert(0, before)
    offer["dispositif"].append(dict(offer["dispositif"][0], ref_session="S0", ref_dispositif="D0"))
    result = run_offer(tmp_path, offer, reference=reference)
    f = finding(result, "CERTIFINFO_INACTIVE")
    assert (f["entity"], f["key"], f["field"]) == ("session", "S1", "date_debut")
    assert "31/12/2025" in f["message"] and "07/09/2026" in f["message"]
    assert list(result.accepted_frame("session")["ref_session"]) == ["S0"]
    assert len(result.accepted_frame("formation")) == 1


def test_rncp_code_must_agree_with_certifinfo(tmp_path, reference):
    result = run_offer(tmp_path, certifying(code_certifinfo="111669", code_rncp="RNCP35832"), reference=reference)
    f = finding(result, "RNCP_MISMATCH")
    assert (f["field"], f["value"]) == ("code_rncp", "RNCP35832")
    assert "RNCP35830" in f["message"]


def test_rs_code_on_a_record_without_one_is_a_mismatch(tmp_path, reference):
    result = run_offer(tmp_path, certifying(code_certifinfo="111669", code_rs="RS5432"), reference=reference)
    f = finding(result, "RNCP_MISMATCH")
    assert f["field"] == "code_rs" and f["message"].endswith("qui porte un code RS vide.")


def test_formation_given_only_an_rncp_code_is_resolved_through_it(tmp_path, reference):
    result = run_offer(tmp_path, certifying(code_rncp="35830"), reference=reference)
    assert codes(result) == []
    f = accepted_formation(result)
    assert f["code_certifinfo"] == "111669"
    assert f["intitule"] == "Diplôme d'État d'aide-soignant - DEAS"


def test_fiche_without_certifinfo_record_is_resolved_from_the_export(tmp_path, reference):
    # RNCP99902 (illustrative) is in the France Compétences extract only.
    result = run_offer(tmp_path, certifying(code_rncp="RNCP99902"), reference=reference)
    assert codes(result) == []
    f = accepted_formation(result)
    assert f["intitule"] == "Certificat d'exemple de surveillant de nuit en établissement social"
    assert f["formacodes"] == ["42822"]  # from the export's Formacode file
    assert f["blocs"] == ["RNCP99902BC01", "RNCP99902BC02"]


def test_unknown_rncp_code(tmp_path, reference):
    result = run_offer(tmp_path, certifying(code_rncp="RNCP35803"), reference=reference)
    f = finding(result, "CERTIFINFO_UNKNOWN")
    assert f["field"] == "code_rncp"
    assert "Certif Info 111669, RNCP35830" in f["suggestion"]


def test_bloc_of_another_certification(tmp_path, reference):
    offer = certifying(code_certifinfo="111669", validation="partielle", blocs="RNCP35830BC01; RNCP35832BC05")
    result = run_offer(tmp_path, offer, reference=reference)
    f = finding(result, "BLOC_UNKNOWN")
    assert (f["field"], f["value"]) == ("blocs", "RNCP35832BC05")
    assert "RNCP35830BC04" in f["suggestion"] and "RNCP35832" in f["suggestion"]


@pytest.mark.parametrize(
    "validation, blocs, problem",
    [
        ("totale", "RNCP35830BC01; RNCP35830BC02", "il manque RNCP35830BC03, RNCP35830BC04"),
        ("partielle", "", "aucun bloc"),
        ("partielle", "; ".join(DEAS_BLOCS), "tous les blocs"),
    ],
)
def test_blocs_must_agree_with_validation(tmp_path, reference, validation, blocs, problem):
    offer = certifying(code_certifinfo="111669", validation=validation, blocs=blocs)
    result = run_offer(tmp_path, offer, reference=reference)
    f = finding(result, "BLOCS_VALIDATION")
    assert problem in f["message"]
    assert result.accepted_frame("formation").empty


def test_partial_validation_with_some_blocs_is_accepted(tmp_path, reference):
    offer = certifying(code_certifinfo="111669", validation="partielle", blocs="RNCP35830BC02; RNCP35830BC01")
    result = run_offer(tmp_path, offer, reference=reference)
    assert codes(result) == []
    assert sorted(accepted_formation(result)["blocs"]) == ["RNCP35830BC01", "RNCP35830BC02"]


def test_different_title_is_a_warning_and_the_reference_title_wins(tmp_path, reference):
    result = run_offer(tmp_path, certifying(code_certifinfo="111669", intitule="Formation AS"), reference=reference)
    f = finding(result, "TITLE_OVERRIDDEN")
    assert f["severity"] == "warning"
    assert accepted_formation(result)["intitule"] == "Diplôme d'État d'aide-soignant - DEAS"


def test_same_title_with_other_case_and_accents_is_no_warning(tmp_path, reference):
    offer = certifying(code_certifinfo="111669", intitule="DIPLOME D'ETAT D'AIDE-SOIGNANT - DEAS")
    assert codes(run_offer(tmp_path, offer, reference=reference)) == []


def test_rncp_code_shared_by_two_current_records_is_ambiguous(tmp_path):
    (tmp_path / "ref").mkdir()
    csv_path = tmp_path / "ref" / "certifinfo.csv"
    csv_path.write_text(
        "code;intitule;code_rncp;niveau_europeen;archive;type\n"
        "1001;Titre A option 1;RNCP1234;4;non;Titre professionnel\n"
        "1002;Titre A option 2;RNCP1234;4;non;Titre professionnel\n"
        "1003;Titre B;RNCP5678;4;oui;Titre professionnel\n"
        "1004;Titre B nouvelle version;RNCP5678;4;non;Titre professionnel\n",
        encoding="utf-8",
    )
    reference = load_reference(csv_path)
    result = run_offer(tmp_path, certifying(code_rncp="RNCP1234"), reference=reference)
    f = finding(result, "CERTIFINFO_AMBIGUOUS")
    assert "1001" in f["message"] and "1002" in f["message"]
    # an archived record beside the current one is no ambiguity
    result = run_offer(tmp_path, certifying(code_rncp="RNCP5678"), reference=reference)
    assert codes(result) == []
    assert accepted_formation(result)["code_certifinfo"] == "1004"


def test_non_certifying_formation_is_not_resolved(tmp_path, reference):
    offer = valid_offer()
    result = run_offer(tmp_path, offer, reference=reference)
    assert codes(result) == []
    assert accepted_formation(result)["intitule"] == "Prévention des TMS en établissement de santé"


def test_non_certifying_formation_with_a_certifinfo_code_is_rejected(tmp_path, reference):
    offer = valid_offer()
    offer["formation"][0]["code_certifinfo"] = "999999"  # would be published unchecked
    result = run_offer(tmp_path, offer, reference=reference)
    assert finding(result, "NOT_CERTIFYING")["field"] == "code_certifinfo"
    assert "CERTIFINFO_UNKNOWN" not in codes(result)
    assert result.accepted_frame("formation").empty


def test_without_reference_nothing_is_resolved(tmp_path):
    result = run_offer(tmp_path, certifying(code_certifinfo="999999"), reference=None, today=TODAY)
    assert "CERTIFINFO_UNKNOWN" not in codes(result)
