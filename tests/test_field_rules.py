"""Field rules of spec §3: one spoiled cell, one finding, at that cell."""

import pandas as pd
import pytest

from pipeline.model.fields import ENTITIES, SHEETS

from factory import finding, run_offer, valid_offer

# (entity, field, bad cell text, expected code)
CASES = [
    ("session", "date_debut", "", "REQUIRED"),
    ("dispositif", "dispositif", "", "REQUIRED"),
    ("formation", "intitule", "x" * 256, "TOO_LONG"),
    ("action", "plus_formation", "y" * 251, "TOO_LONG"),
    ("session", "date_debut", "31/02/2026", "BAD_FORMAT"),
    ("session", "date_fin", "bientôt", "BAD_FORMAT"),
    ("site", "siret", "13000511900033", "BAD_FORMAT"),
    ("site", "siret", "1300051190003", "BAD_FORMAT"),
    ("site", "code_postal", "440", "BAD_FORMAT"),
    ("site", "courriel", "offre.cariforef-pdl.org", "BAD_FORMAT"),
    ("dispositif", "nb_places", "douze", "BAD_FORMAT"),
    ("dispositif", "nb_places", "12,5", "BAD_FORMAT"),
    ("formation", "formacodes", "12345", "BAD_FORMAT"),
    ("formation", "formacodes", "80011", "BAD_FORMAT"),  # a public, not a domain
    ("formation", "formacodes", "31776; 3177", "BAD_FORMAT"),
    ("formation", "codes_rome", "J15O1", "BAD_FORMAT"),
    ("action", "url_action", "voir notre site", "BAD_FORMAT"),
    ("action", "url_video", "https://exemple.fr/film.avi", "BAD_FORMAT"),
    ("action", "objectifs", "<p>Voir</p><table><tr><td>1</td></tr></table>", "BAD_FORMAT"),
    ("action", "objectifs", "Voir la plaquette https://exemple.fr/plaquette.pdf", "BAD_FORMAT"),
    ("session", "etat_recrutement", "complet", "BAD_ENUM"),
    ("session", "rythmes", "continu; parfois", "BAD_ENUM"),
    ("session", "entrees_sorties_permanentes", "peut-être", "BAD_ENUM"),
    ("action", "niveau_entree", "Niveau 12", "BAD_ENUM"),
    ("formation", "objectif_general", "Détente", "BAD_ENUM"),
    ("dispositif", "publics", "demandeur d'emploi; astronaute", "BAD_ENUM"),  # a dispositif keeps one public
    ("session", "duree_centre_h", "0", "OUT_OF_RANGE"),  # and no hours in company
    ("session", "duree_hebdo_h", "61", "OUT_OF_RANGE"),
    ("dispositif", "frais_ht", "-5", "OUT_OF_RANGE"),
    ("dispositif", "nb_places", "0", "PLACES"),
    ("formation", "formacodes", "31776; 31754; 42898; 42868; 31793; 43436", "TOO_MANY"),
]


@pytest.mark.parametrize("entity,field,bad,code", CASES)
def test_spoiled_cell_gives_one_finding_at_that_cell(tmp_path, entity, field, bad, code):
    """With --strict, every bad value rejects its record (optional fields too)."""
    offer = valid_offer()
    offer[entity][0][field] = bad
    result = run_offer(tmp_path, offer, strict=True)
    f = finding(result, code)
    assert (f["entity"], f["field"], f["sheet"], f["row"]) == (entity, field, SHEETS[entity], 2)
    assert f["cell"].endswith("2") and f["column"]
    assert f["severity"] == "error"
    assert f["message"] and "{" not in f["message"] and "{" not in f["suggestion"]
    # the record is rejected, so nothing of the offer is accepted when its only
    # session / dispositif / formation goes
    assert not result.accepted[entity].iloc[0]


@pytest.mark.parametrize("entity,field,bad,code", CASES)
def test_optional_field_never_rejects_its_record(tmp_path, entity, field, bad, code):
    """Without --strict, a bad value of an optional field is left out with a warning
    that names it; required fields and PLACES keep their error."""
    offer = valid_offer()
    offer[entity][0][field] = bad
    result = run_offer(tmp_path, offer)
    spec = ENTITIES[entity].field(field)
    if spec.required or spec.from_reference or code == "PLACES":
        assert finding(result, code)["severity"] == "error"
        return
    f = finding(result, "OPTIONAL_DROPPED")
    assert (f["severity"], f["entity"], f["field"], f["cell"][-1]) == ("warning", entity, field, "2")
    assert f["column"] in f["message"] and "laissée de côté" in f["message"]
    assert result.accepted[entity].iloc[0] and result.findings["severity"].eq("error").sum() == 0
    value = result.tables[entity].typed.at[0, field]
    if isinstance(value, list):  # a list keeps its good elements only
        assert len(value) < len([p for p in bad.split(";") if p.strip()])
    else:
        assert value is None or pd.isna(value)


def test_web_address_without_scheme_is_fixed_and_reported(tmp_path):
    offer = valid_offer()
    offer["site"][0]["web"] = "lyceedekerneuzec.fr"
    offer["action"][0]["url_action"] = "https://www.ligeria-formation.example/formations"
    result = run_offer(tmp_path, offer)
    f = finding(result, "VALUE_FIXED")
    assert (f["severity"], f["field"], f["value"]) == ("info", "web", "lyceedekerneuzec.fr")
    assert "http://lyceedekerneuzec.fr" in f["message"]
    assert result.tables["site"].typed.at[0, "web"] == "http://lyceedekerneuzec.fr"
    assert result.accepted["site"].all()


def test_bad_enum_lists_allowed_labels(tmp_path):
    offer = valid_offer()
    offer["session"][0]["etat_recrutement"] = "complet"
    f = finding(run_offer(tmp_path, offer), "BAD_ENUM")
    assert "ouvert" in f["suggestion"] and "suspendu" in f["suggestion"]


def test_unconvertible_cell_is_not_also_required(tmp_path):
    offer = valid_offer()
    offer["session"][0]["date_debut"] = "demain"
    result = run_offer(tmp_path, offer)
    own = result.findings[result.findings["entity"] == "session"]
    assert list(own["code"]) == ["BAD_FORMAT"]


@pytest.mark.parametrize(
    "text,expected",
    [
        ("07/09/2026", "2026-09-07"),
        ("2026-09-07", "2026-09-07"),
        ("7/9/26", "2026-09-07"),
        ("46272", "2026-09-07"),
        ("07.09.2026", "2026-09-07"),
    ],
)
def test_date_spellings(tmp_path, text, expected):
    offer = valid_offer()
    offer["session"][0]["date_debut"] = text
    result = run_offer(tmp_path, offer)
    assert result.tables["session"].typed.iloc[0]["date_debut"].date().isoformat() == expected


@pytest.mark.parametrize(
    "text,expected",
    [
        ("oui", True),
        ("O", True),
        ("x", True),
        ("1", True),
        ("Vrai", True),
        ("non", False),
        ("n", False),
        ("0", False),
        ("false", False),
    ],
)
def test_yes_no_spellings(tmp_path, text, expected):
    offer = valid_offer()
    offer["session"][0]["entrees_sorties_permanentes"] = text
    result = run_offer(tmp_path, offer)
    assert bool(result.tables["session"].typed.iloc[0]["entrees_sorties_permanentes"]) is expected


@pytest.mark.parametrize(
    "text,expected", [("1 000,50", 1000.5), ("1000.5", 1000.5), ("1.000,50", 1000.5), ("1000 €", 1000.0)]
)
def test_number_spellings(tmp_path, text, expected):
    offer = valid_offer()
    offer["dispositif"][0].update(frais_ht=text, taux_tva="", frais_ttc="")
    result = run_offer(tmp_path, offer)
    assert result.tables["dispositif"].typed.iloc[0]["frais_ht"] == expected


def test_simple_html_objectives_pass(tmp_path):
    offer = valid_offer()
    offer["action"][0]["objectifs"] = "<p>Savoir <b>prévenir</b> les TMS.</p><ul><li>gestes</li></ul>"
    assert run_offer(tmp_path, offer).findings.empty


def test_enum_by_lheo_code_and_by_label(tmp_path):
    offer = valid_offer()
    offer["session"][0]["modalite_enseignement"] = "2"
    offer["action"][0]["niveau_entree"] = "Niveau 4"
    result = run_offer(tmp_path, offer)
    assert result.findings.empty
    assert result.tables["session"].typed.iloc[0]["modalite_enseignement"] == "2"
    assert result.tables["action"].typed.iloc[0]["niveau_entree"] == "14"


def test_multi_valued_separators(tmp_path):
    offer = valid_offer()
    offer["session"][0]["rythmes"] = "continu,temps plein"
    offer["session"][0]["periodes"] = "cours de jour\ncours du soir"
    result = run_offer(tmp_path, offer)
    s = result.tables["session"].typed.iloc[0]
    assert s["rythmes"] == ["continu", "temps plein"] and s["periodes"] == ["cours de jour", "cours du soir"]


def test_codes_read_as_floats(tmp_path):
    offer = valid_offer()
    offer["formation"][0]["formacodes"] = 31776.0
    offer["contact"][0]["code_contact"] = 1902.0
    result = run_offer(tmp_path, offer)
    assert result.findings.empty
    assert result.tables["formation"].typed.iloc[0]["formacodes"] == ["31776"]
    assert result.tables["contact"].typed.iloc[0]["code_contact"] == "1902"


def test_certifiante_requires_a_code_but_not_a_title(tmp_path):
    offer = valid_offer()
    offer["formation"][0].update(certifinfo="oui", intitule="", objectif_formation="", contenu_formation="")
    result = run_offer(tmp_path, offer)
    f = finding(result, "REQUIRED")
    assert f["field"] == "code_certifinfo"


def test_not_certifiante_requires_title_objective_programme(tmp_path):
    offer = valid_offer()
    offer["formation"][0].update(intitule="", objectif_formation="")
    result = run_offer(tmp_path, offer)
    own = result.findings[result.findings["entity"] == "formation"]
    assert sorted(own["field"]) == ["intitule", "objectif_formation"]
    assert set(own["code"]) == {"REQUIRED"}


def test_placeholders_are_empty_cells():
    """`-`, `NC`, `00000000` mean "no value" in every format; real values stay."""
    import pandas as pd

    from pipeline.readers.placeholders import blank_placeholders, is_placeholder

    for text in ("-", " / ", "NC", "n/c", "Non renseigné", "00000000", "#N/A", "à définir"):
        assert is_placeholder(text), text
    for text in ("0", "12", "Aucun", "Nantes", "", "type de parcours inconnu"):
        assert not is_placeholder(text), text
    column = pd.Series(["-", "Nantes", "", "NC"])
    assert blank_placeholders(column).tolist() == ["", "Nantes", "", ""]
