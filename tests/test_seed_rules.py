"""The seed's rules (issue 12), each checked by changing cells of the sample workbook.

Every test starts from samples/offre-sanitaire-social.xlsx (which imports with no
finding), changes the cell(s) the rule is about, and checks the finding, its
absence, or the derived value.
"""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from pipeline.lheo import NS_23
from pipeline.writers.lheo import write_lheo
from tests.factory import codes, finding, run_sample

NS = {"l": NS_23}
PRF = "PROGRAMME REGION - Formations sanitaires et sociales"


def accepted(result, entity: str, key: str, field: str):
    frame = result.accepted_frame(entity)
    key_field = {"formation": "ref_formation", "action": "ref_action", "session": "ref_session"}[entity]
    rows = frame[frame[key_field] == key]
    assert len(rows) == 1, (entity, key, result.findings[["code", "key", "message"]])
    return rows.iloc[0][field]


def lheo(result, tmp_path: Path):
    path = tmp_path / "lheo.xml"
    write_lheo(result, path)
    return etree.parse(str(path))


# 1. ------------------------------------------------------------- dispositif list
def test_unknown_dispositif_is_refused(tmp_path):
    result = run_sample(
        tmp_path, {("dispositif", ("S-DEAS-NTE-2026-09", "AUTRES"), "dispositif"): "Financement magique 2099"}
    )
    f = finding(result, "BAD_ENUM")
    assert f["field"] == "dispositif" and "Vouliez-vous dire" not in f["suggestion"]


def test_misspelt_dispositif_gets_the_closest_value(tmp_path):
    result = run_sample(tmp_path, {("dispositif", ("S-DEAS-NTE-2026-09", "PRF"), "dispositif"): "PROGRAME REGON"})
    f = finding(result, "BAD_ENUM")
    assert f"Vouliez-vous dire « {PRF} » ?" in f["suggestion"]


def test_apprenticeship_is_a_dispositif_with_its_lheo_funder(tmp_path):
    result = run_sample(
        tmp_path,
        {
            ("dispositif", ("S-DEAS-NTE-2026-09", "AUTRES"), "dispositif"): "Contrat d'apprentissage",
            ("dispositif", ("S-DEAS-NTE-2026-09", "AUTRES"), "publics"): "jeune sous contrat d'apprentissage",
        },
    )
    assert codes(result) == []
    doc = lheo(result, tmp_path)
    funders = doc.xpath(
        "//l:action[l:session/@numero='S-DEAS-NTE-2026-09']/l:organisme-financeur/l:code-financeur", namespaces=NS
    )
    assert [e.text for e in funders] == ["2", "16"]  # Conseil régional, OPCO


def test_short_code_is_read_as_the_sofi_label(tmp_path):
    result = run_sample(tmp_path, {("dispositif", ("S-DEAS-NTE-2026-09", "PRF"), "dispositif"): "prf-san"})
    assert codes(result) == []
    frame = result.accepted_frame("dispositif")
    assert PRF in set(frame.loc[frame["ref_session"] == "S-DEAS-NTE-2026-09", "dispositif"])


def test_a_carif_oref_list_replaces_the_bundled_one(tmp_path):
    own = tmp_path / "dispositifs.csv"
    own.write_text(
        "libelle;code;code_financeur;publics;source\nFinancement magique 2099;FM;0;;test\n", encoding="utf-8"
    )
    change = {("dispositif", ("S-DEAS-NTE-2026-09", "AUTRES"), "dispositif"): "Financement magique 2099"}
    result = run_sample(tmp_path, change, dispositifs=own)
    bad = result.findings[result.findings["code"] == "BAD_ENUM"]
    assert "S-DEAS-NTE-2026-09 / AUTRES" not in set(bad["key"])
    assert set(bad["field"]) == {"dispositif"} and "S-DEAS-NTE-2026-09 / PRF" in set(bad["key"])


# 9. publics inconsistent with the dispositif
def test_programme_region_is_not_for_employees(tmp_path):
    result = run_sample(tmp_path, {("dispositif", ("S-DEAS-NTE-2026-09", "PRF"), "publics"): "salarié"})
    f = finding(result, "DISPOSITIF_PUBLICS")
    assert f["field"] == "publics" and "salarié" in f["message"] and "demandeur d'emploi" in f["suggestion"]


# 2. -------------------------------------------------- individualisation, validation
def test_no_individualisation_means_total_validation(tmp_path):
    result = run_sample(
        tmp_path,
        {("formation", "F-DEAS", "validation"): "partielle", ("formation", "F-DEAS", "blocs"): "RNCP35830BC01"},
    )
    assert finding(result, "VALIDATION_INDIVIDUALISATION")["field"] == "validation"
    assert "F-DEAS" not in set(result.accepted_frame("formation")["ref_formation"])


def test_individualised_formation_defaults_to_total_validation(tmp_path):
    result = run_sample(tmp_path, {("formation", "F-DEAP", "validation"): None, ("formation", "F-DEAP", "blocs"): None})
    f = finding(result, "DEFAULT_APPLIED")
    assert f["field"] == "validation" and "totale" in f["message"]
    assert accepted(result, "formation", "F-DEAP", "validation") == "totale"
    assert accepted(result, "formation", "F-DEAP", "blocs") == [f"RNCP35832BC0{i}" for i in range(1, 6)]


def test_non_certifying_formation_needs_neither_individualisation_nor_validation(tmp_path):
    result = run_sample(
        tmp_path,
        {("formation", "F-TUTORAT", "individualisation"): None, ("formation", "F-TUTORAT", "validation"): None},
    )
    assert codes(result) == []


def test_certifying_formation_still_needs_individualisation(tmp_path):
    result = run_sample(tmp_path, {("formation", "F-DEAS", "individualisation"): None})
    assert finding(result, "REQUIRED")["field"] == "individualisation"


# 3. ------------------------------------------------------------ non-certifying
def test_non_certifying_formation_cannot_carry_a_certification(tmp_path):
    result = run_sample(
        tmp_path,
        {("formation", "F-TUTORAT", "code_certifinfo"): "111669", ("formation", "F-TUTORAT", "blocs"): "RNCP35830BC01"},
    )
    found = result.findings[result.findings["code"] == "NOT_CERTIFYING"]
    assert sorted(found["field"]) == ["blocs", "code_certifinfo"]
    assert "F-TUTORAT" not in set(result.accepted_frame("formation")["ref_formation"])


# 4. ------------------------------------------------- certifying => certification
def test_certifying_formation_aims_at_certification(tmp_path):
    result = run_sample(tmp_path, {("formation", "F-DEAS", "objectif_general"): "Perfectionnement"})
    assert finding(result, "OBJECTIF_CERTIFICATION")["field"] == "objectif_general"


def test_empty_objective_of_a_certifying_formation_is_certification(tmp_path):
    result = run_sample(tmp_path, {("formation", "F-DEAS", "objectif_general"): None})
    assert finding(result, "DEFAULT_APPLIED")["field"] == "objectif_general"
    assert accepted(result, "formation", "F-DEAS", "objectif_general") == "6"


def test_non_certifying_formation_cannot_aim_at_certification(tmp_path):
    result = run_sample(tmp_path, {("formation", "F-TUTORAT", "objectif_general"): "Certification"})
    assert finding(result, "OBJECTIF_CERTIFICATION")["field"] == "objectif_general"


# 5. ------------------------------------------------------------------ TTC derived
def test_empty_ttc_is_derived_from_ht_and_tva(tmp_path):
    result = run_sample(tmp_path, {("dispositif", ("S-TUT-NTE-2026-05", "PLAN"), "frais_ttc"): None})
    f = finding(result, "VALUE_DERIVED")
    assert f["field"] == "frais_ttc" and "672,00" in f["message"]
    frame = result.accepted_frame("dispositif")
    assert list(frame.loc[frame["ref_session"] == "S-TUT-NTE-2026-05", "frais_ttc"]) == [672]
    doc = lheo(result, tmp_path)
    assert (
        doc.xpath("string(//l:action[l:session/@numero='S-TUT-NTE-2026-05']/l:prix-total-TTC)", namespaces=NS)
        == "672.00"
    )


# 6. ------------------------------------------------------------- ended sessions
def test_ended_session_is_kept_inactive_and_not_published(tmp_path):
    import datetime as dt
    import json

    from pipeline.writers.output import write_outputs

    result = run_sample(
        tmp_path,
        {
            ("session", "S-TUT-NTE-2026-05", "date_debut"): dt.datetime(2026, 1, 12),
            ("session", "S-TUT-NTE-2026-05", "date_fin"): dt.datetime(2026, 2, 9),
            ("session", "S-DEAS-NTE-2026-01", "date_fin"): dt.datetime(2026, 3, 20),
        },
    )  # ends within a month
    assert finding(result, "SESSION_ENDED")["key"] == "S-TUT-NTE-2026-05"
    out = tmp_path / "out"
    write_outputs(result, out)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["sessions"] == {"active": 13, "ended": 1, "ending_within_a_month": 1}
    records = [json.loads(line) for line in (out / "records.jsonl").read_text(encoding="utf-8").splitlines()]
    states = {s["ref_session"]: s["etat"] for f in records for a in f["actions"] for s in a["sessions"]}
    assert states["S-TUT-NTE-2026-05"] == "I" and states["S-DEAS-NTE-2026-01"] == "A"
    doc = etree.parse(str(out / "lheo.xml"))
    published = set(doc.xpath("//l:session/@numero", namespaces=NS))
    assert "S-TUT-NTE-2026-05" not in published and "S-DEAS-NTE-2026-01" in published
    assert "S-TUT-ANG-2026-10" in published  # the other sessions of the same action still are


# 8. ------------------------------------------------- values pasted from SOFI's screens
def test_site_and_contact_pasted_from_sofi_screens(tmp_path):
    result = run_sample(
        tmp_path,
        {
            (
                "action",
                "A-DEAS-NTE",
                "code_site_dispensateur",
            ): "77871234900019 - 41201 - Institut Ligéria - IFSI-IFAS de Nantes - Nantes",
            (
                "session",
                "S-DEAS-NTE-2026-09",
                "code_site_lieu",
            ): "41201 - Institut Ligéria - IFSI-IFAS de Nantes - Principal",
            (
                "session",
                "S-DEAS-NTE-2026-09",
                "referent_pmr",
            ): "5101, MORVAN - 41201, Institut Ligéria, SIRET 77871234900019",
        },
    )
    assert codes(result) == []
    assert accepted(result, "action", "A-DEAS-NTE", "code_site_dispensateur") == "41201"
    assert accepted(result, "session", "S-DEAS-NTE-2026-09", "referent_pmr") == "5101"


def test_pasted_site_of_an_unknown_code_is_still_an_orphan(tmp_path):
    result = run_sample(
        tmp_path,
        {
            (
                "action",
                "A-DEAS-NTE",
                "code_site_dispensateur",
            ): "13000511900032 - 99999 - CARIFOREF DES PAYS DE LA LOIRE - Nantes"
        },
    )
    assert finding(result, "ORPHAN")["field"] == "code_site_dispensateur"


# 9. ------------------------------------------------------------ lists of the seed
def test_contradictory_rythmes(tmp_path):
    result = run_sample(tmp_path, {("session", "S-DEAS-NTE-2026-09", "rythmes"): "continu; discontinu; temps plein"})
    f = finding(result, "CONTRADICTORY_VALUES")
    assert f["field"] == "rythmes" and "« continu » et « discontinu »" in f["message"]


def test_unknown_parcours_type_of_the_seed_screen_is_accepted(tmp_path):
    result = run_sample(tmp_path, {("session", "S-DEAS-NTE-2026-09", "types_parcours"): "type de parcours inconnu"})
    assert codes(result) == []
    assert accepted(result, "session", "S-DEAS-NTE-2026-09", "types_parcours") == ["type de parcours inconnu"]


def test_unknown_parcours_type_goes_alone(tmp_path):
    result = run_sample(
        tmp_path, {("session", "S-DEAS-NTE-2026-09", "types_parcours"): "collectif; type de parcours inconnu"}
    )
    assert finding(result, "CONTRADICTORY_VALUES")["field"] == "types_parcours"


def test_special_characters_in_objectifs(tmp_path):
    result = run_sample(tmp_path, {("action", "A-TUT-NTE", "objectifs"): "✓ Accueillir un stagiaire 🙂\u200b"})
    f = finding(result, "SPECIAL_CHARACTERS")
    assert f["field"] == "objectifs" and "« ✓ »" in f["message"]
    # the zero-width space is removed before any check, with its own warning (issue 29)
    assert "U+200B" not in f["message"]
    removed = finding(result, "CONTROL_CHAR")
    assert removed["field"] == "objectifs" and "ZERO WIDTH SPACE" in removed["message"]


def test_plain_french_punctuation_in_objectifs_is_fine(tmp_path):
    result = run_sample(
        tmp_path,
        {
            (
                "action",
                "A-TUT-NTE",
                "objectifs",
            ): "Accueillir l’apprenant – « tuteur » : 50 % du temps…\n- évaluer ; 2 € → ok"
        },
    )
    assert codes(result) == []


# 7. ------------------------------------- several inscription periods, informations collectives
def test_several_inscription_periods(tmp_path):
    import datetime as dt

    result = run_sample(
        tmp_path,
        {
            ("session", "S-DEAS-NTE-2026-09", "inscription_type"): "candidature individuelle; inscription",
            ("session", "S-DEAS-NTE-2026-09", "inscription_debut"): "02/02/2026; 15/06/2026",
            ("session", "S-DEAS-NTE-2026-09", "inscription_fin"): "12/06/2026; 31/07/2026",
        },
    )
    assert codes(result) == []
    assert accepted(result, "session", "S-DEAS-NTE-2026-09", "inscription_debut") == [
        dt.date(2026, 2, 2),
        dt.date(2026, 6, 15),
    ]
    doc = lheo(result, tmp_path)
    period = "//l:session[@numero='S-DEAS-NTE-2026-09']/l:periode-inscription/l:periode"
    assert doc.xpath(f"string({period}/l:debut)", namespaces=NS) == "20260202"
    assert doc.xpath(f"string({period}/l:fin)", namespaces=NS) == "20260612"


def test_inscription_periods_must_pair(tmp_path):
    result = run_sample(
        tmp_path,
        {
            ("session", "S-DEAS-NTE-2026-09", "inscription_debut"): "02/02/2026; 15/06/2026",
            ("session", "S-DEAS-NTE-2026-09", "inscription_fin"): "12/06/2026",
        },
    )
    f = finding(result, "INSCRIPTION_PERIODS")
    assert f["field"] == "inscription_fin" and "2 date(s) de début pour 1" in f["message"]


def test_second_inscription_period_in_the_wrong_order(tmp_path):
    result = run_sample(
        tmp_path,
        {
            ("session", "S-DEAS-NTE-2026-09", "inscription_debut"): "02/02/2026; 15/06/2026",
            ("session", "S-DEAS-NTE-2026-09", "inscription_fin"): "12/06/2026; 01/06/2026",
        },
    )
    f = finding(result, "DATE_ORDER")
    assert f["field"] == "inscription_fin" and "01/06/2026" in f["message"] and "15/06/2026" in f["message"]


def test_informations_collectives_with_their_place(tmp_path):
    result = run_sample(
        tmp_path,
        {
            (
                "session",
                "S-DEAS-NTE-2026-09",
                "informations_collectives",
            ): "12/03/2026 à Nantes; 09/04/2026 - Angers, salle 2, 14/05/2026"
        },
    )
    assert codes(result) == []
    assert accepted(result, "session", "S-DEAS-NTE-2026-09", "informations_collectives") == [
        {"date": "2026-03-12", "lieu": "Nantes"},
        {"date": "2026-04-09", "lieu": "Angers, salle 2, 14/05/2026"},
    ]
    doc = lheo(result, tmp_path)
    dates = doc.xpath("//l:action[l:session/@numero='S-DEAS-NTE-2026-09']/l:date-information/l:date", namespaces=NS)
    assert [d.text for d in dates] == ["20260312", "20260409"]


def test_informations_collectives_dates_separated_by_commas(tmp_path):
    result = run_sample(
        tmp_path, {("session", "S-DEAS-NTE-2026-09", "informations_collectives"): "12/03/2026, 09/04/2026"}
    )
    assert accepted(result, "session", "S-DEAS-NTE-2026-09", "informations_collectives") == [
        {"date": "2026-03-12"},
        {"date": "2026-04-09"},
    ]


def test_information_collective_without_a_date_is_refused(tmp_path):
    """An optional field: the bad value is left out with a warning (issue 10), an error with --strict."""
    change = {("session", "S-DEAS-NTE-2026-09", "informations_collectives"): "à Nantes"}
    assert finding(run_sample(tmp_path, change), "OPTIONAL_DROPPED")["field"] == "informations_collectives"
    (tmp_path / "strict").mkdir()
    strict = run_sample(tmp_path / "strict", change, strict=True)
    assert finding(strict, "BAD_FORMAT")["field"] == "informations_collectives"


# 10. ------------------------------------------------------ bloc titles, FAS codes
def test_bloc_titles_in_records_and_lheo(tmp_path):
    result = run_sample(tmp_path, {})
    titles = accepted(result, "formation", "F-DEAS", "libelles_blocs")
    assert titles[0].startswith("Accompagnement et soins de la personne dans les activités de sa vie quotidienne")
    assert len(titles) == 4
    doc = lheo(result, tmp_path)
    bloc = "(//l:session/l:blocs-competences/l:bloc-competences[l:code-bloc='RNCP35830BC02'])[1]/l:libelle-bloc"
    assert doc.xpath(f"string({bloc})", namespaces=NS).startswith("Evaluation de l'état clinique")


def test_bloc_titles_follow_a_partial_validation(tmp_path):
    result = run_sample(tmp_path, {})
    titles = accepted(result, "formation", "F-DEAES-B12", "libelles_blocs")
    assert len(titles) == 2 and all(t and not t.startswith("RNCP") for t in titles)


FAS = {
    ("formation", "F-DEAS", "code_formation"): "19482",
    ("action", "A-DEAS-NTE", "code_action"): "19482-89393",
    ("session", "S-DEAS-NTE-2026-09", "code_session"): "19482-89393-143842",
}


def test_fas_codes_that_agree(tmp_path):
    result = run_sample(tmp_path, FAS)
    assert codes(result) == []
    assert accepted(result, "session", "S-DEAS-NTE-2026-09", "code_session") == "143842"
    assert accepted(result, "action", "A-DEAS-NTE", "code_action") == "89393"


def test_fas_code_of_another_action(tmp_path):
    result = run_sample(tmp_path, {**FAS, ("session", "S-DEAS-NTE-2026-09", "code_session"): "19482-11111-143842"})
    f = finding(result, "FAS_MISMATCH")
    assert f["field"] == "code_session" and "11111" in f["message"] and "89393" in f["message"]


def test_fas_code_of_another_formation(tmp_path):
    result = run_sample(tmp_path, {**FAS, ("session", "S-DEAS-NTE-2026-09", "code_session"): "99999-89393-143842"})
    f = finding(result, "FAS_MISMATCH")
    assert "la formation 99999" in f["message"] and "19482" in f["message"]


# 11. ------------------------------------------------------- offers owned by establishments
def test_the_establishments_the_file_holds(tmp_path):
    result = run_sample(tmp_path, {})
    held = result.summary()["organisme"]
    assert held["source"] == "fichier" and held["organismes"] == []
    assert {e["siret"]: e["formations"] for e in held["etablissements"]} == {
        "77871234900019": 2,
        "77871234900027": 1,
        "77871234900035": 1,
        "77871234900043": 1,
    }


def test_a_site_dispensateur_of_another_siren_is_subcontracting_not_an_error(tmp_path):
    """41204 of another SIREN: it delivers A-DEAS-LRY of F-DEAS (owned by 41201: subcontracting)
    and owns F-ACTU-AS (the organisme responsable of its sessions)."""
    other = {("site", "41204", "siret"): "13000511900032"}
    result = run_sample(tmp_path, other)
    assert not [c for c in codes(result) if c.startswith("ORGANISME")]
    f = finding(result, "SOUS_TRAITANCE")
    assert f["key"] == "41204" and f["severity"] == "info" and "778712349" in f["message"]
    assert "A-DEAS-LRY" in set(result.accepted_frame("action")["ref_action"])
    result = run_sample(tmp_path, other, organisme="778 712 349")
    assert finding(result, "ORGANISME_AUTRE")["key"] == "F-ACTU-AS"
    assert "A-DEAS-LRY" in set(result.accepted_frame("action")["ref_action"])
    assert "A-ACTU-LRY" not in set(result.accepted_frame("action")["ref_action"])


def test_offer_whose_responsible_organisation_is_outside_the_upload(tmp_path):
    result = run_sample(
        tmp_path, {("session", "S-TUT-ANG-2026-10", "code_site_responsable"): "36364"}, organisme="77871234900019"
    )
    autre = result.findings[result.findings["code"] == "ORGANISME_AUTRE"]
    assert set(autre["entity"]) == {"formation"}
    assert autre["message"].str.contains("77871234900019").all()
    formations = set(result.accepted_frame("formation")["ref_formation"])
    assert "F-DEAS" in formations and formations.isdisjoint(set(autre["key"]))


def test_directory_sites_no_offer_uses_are_not_checked(tmp_path):
    result = run_sample(tmp_path, {}, organisme="778712349")  # 36364 is only the contact 1902's site
    assert codes(result) == []


def test_organisme_option_must_be_a_siret_or_siren(tmp_path):
    from tests.factory import invoke, SAMPLES

    out = invoke("check", SAMPLES / "offre-sanitaire-social.xlsx", "--organisme", "1234")
    assert out.exit_code == 2 and "--organisme" in out.output
