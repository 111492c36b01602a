"""Cross-record rules of spec §4 and the rejection cascade, on hand-made offers."""

import copy

from factory import finding, run_offer, valid_offer


def second_session(offer, ref="S2", **changes):
    s = copy.deepcopy(offer["session"][0])
    s.update(ref_session=ref, **changes)
    offer["session"].append(s)
    d = copy.deepcopy(offer["dispositif"][0])
    d.update(ref_session=ref)
    offer["dispositif"].append(d)
    return offer


def test_duplicate_session_key(tmp_path):
    offer = second_session(valid_offer(), ref="S1")
    offer["dispositif"][1]["ref_dispositif"] = "D2"
    result = run_offer(tmp_path, offer)
    f = finding(result, "DUPLICATE_KEY")
    assert (f["entity"], f["field"], f["row"]) == ("session", "ref_session", 3)
    assert "ligne 2" in f["message"]


def test_duplicate_dispositif_in_a_session(tmp_path):
    offer = valid_offer()
    offer["dispositif"].append(dict(offer["dispositif"][0]))
    f = finding(run_offer(tmp_path, offer), "DUPLICATE_KEY")
    assert (f["entity"], f["row"], f["key"]) == ("dispositif", 3, "S1 / D1")


def test_orphan_parent_and_directory(tmp_path):
    offer = second_session(valid_offer(), ref_action="A9")
    offer["session"][0]["referent_pmr"] = "9999"
    result = run_offer(tmp_path, offer)
    orphans = result.findings[result.findings["code"] == "ORPHAN"].sort_values("row")
    assert list(zip(orphans["field"], orphans["row"])) == [("referent_pmr", 2), ("ref_action", 3)]


def test_date_order(tmp_path):
    offer = valid_offer()
    offer["session"][0]["date_fin"] = "01/09/2026"
    f = finding(run_offer(tmp_path, offer), "DATE_ORDER")
    assert f["field"] == "date_fin" and "07/09/2026" in f["message"]


def test_inscription_date_order(tmp_path):
    offer = valid_offer()
    offer["session"][0].update(
        inscription_type="inscription", inscription_debut="30/06/2026", inscription_fin="01/03/2026"
    )
    f = finding(run_offer(tmp_path, offer), "DATE_ORDER")
    assert f["field"] == "inscription_fin"


def test_places(tmp_path):
    offer = valid_offer()
    offer["dispositif"][0].update(nb_places_restantes="13")
    f = finding(run_offer(tmp_path, offer), "PLACES")
    assert f["field"] == "nb_places_restantes" and "12" in f["message"]


def test_effectif_minimal_over_capacity(tmp_path):
    offer = valid_offer()
    offer["dispositif"][0].update(effectif_minimal="8", capacite_simultanee="6")
    f = finding(run_offer(tmp_path, offer), "PLACES")
    assert f["field"] == "effectif_minimal" and "capacité" in f["message"]


def test_places_consistent_passes(tmp_path):
    offer = valid_offer()
    offer["dispositif"][0].update(nb_places_restantes="12", effectif_minimal="6", capacite_simultanee="12")
    assert run_offer(tmp_path, offer).findings.empty


def test_price_ttc(tmp_path):
    offer = valid_offer()
    offer["dispositif"][0].update(frais_ht="1000", taux_tva="0,2", frais_ttc="1100")
    f = finding(run_offer(tmp_path, offer), "PRICE_TTC")
    assert f["field"] == "frais_ttc" and "1200,00" in f["message"]


def test_price_to_the_cent_passes(tmp_path):
    offer = valid_offer()
    offer["dispositif"][0].update(frais_ht="99,99", taux_tva="5,5", frais_ttc="105,49")
    assert run_offer(tmp_path, offer).findings.empty


def test_parcours_individualisation(tmp_path):
    offer = valid_offer()
    offer["formation"][0]["individualisation"] = "oui"
    offer["session"][0]["types_parcours"] = "collectif; modulaire"
    f = finding(run_offer(tmp_path, offer), "PARCOURS_INDIVIDUALISATION")
    assert f["field"] == "types_parcours" and "individualisé" in f["message"]
    offer["session"][0]["types_parcours"] = "modulaire; individualisé"
    assert run_offer(tmp_path, offer).findings.empty


def test_duration_exceeds_period_is_a_warning(tmp_path):
    offer = valid_offer()
    offer["session"][0].update(date_debut="07/09/2026", date_fin="08/09/2026", duree_centre_h="21")
    result = run_offer(tmp_path, offer)
    f = finding(result, "DURATION_EXCEEDS_PERIOD")
    assert f["severity"] == "warning" and result.accepted["session"].all()
    offer["session"][0]["duree_centre_h"] = "20"
    assert run_offer(tmp_path, offer).findings.empty


def test_session_ended_is_a_warning(tmp_path):
    offer = valid_offer()
    offer["session"][0].update(date_debut="05/01/2026", date_fin="27/02/2026")
    result = run_offer(tmp_path, offer)
    f = finding(result, "SESSION_ENDED")
    assert f["severity"] == "warning" and result.accepted["session"].all()
    offer["session"][0]["date_fin"] = "01/03/2026"  # ends on the run date: not past
    assert run_offer(tmp_path, offer).findings.empty


def test_cascade_down_and_up(tmp_path):
    """A bad action rejects its sessions and dispositifs, then its formation has no child."""
    offer = second_session(valid_offer())
    offer["action"][0]["niveau_entree"] = "niveau inconnu"
    result = run_offer(tmp_path, offer)
    f = result.findings
    by = {(e, c) for e, c in zip(f["entity"], f["code"])}
    assert by == {
        ("action", "BAD_ENUM"),
        ("session", "PARENT_REJECTED"),
        ("dispositif", "PARENT_REJECTED"),
        ("formation", "NO_CHILD"),
    }
    assert sum(len(result.tables[e]) - result.accepted[e].sum() for e in result.tables) == 1 + 2 + 2 + 1


def test_no_child_session_without_dispositif(tmp_path):
    offer = second_session(valid_offer())
    offer["dispositif"].pop()
    result = run_offer(tmp_path, offer)
    f = finding(result, "NO_CHILD")
    assert (f["entity"], f["key"]) == ("session", "S2")
    assert result.accepted["action"].all()  # the action keeps its other session


def test_rejected_site_rejects_what_uses_it(tmp_path):
    offer = valid_offer()
    offer["site"][0]["siret"] = "12345678901234"
    result = run_offer(tmp_path, offer)
    rejected = {e: int((~m).sum()) for e, m in result.accepted.items()}
    assert rejected == {"site": 1, "contact": 1, "formation": 1, "action": 1, "session": 1, "dispositif": 1}


def test_accounting(tmp_path):
    """read = accepted + rejected; each rejected record has an error finding naming it."""
    offer = second_session(valid_offer())
    offer["session"][1]["date_fin"] = "x"
    offer["dispositif"][0]["nb_places"] = "0"
    result = run_offer(tmp_path, offer)
    f = result.findings
    for entity, table in result.tables.items():
        accepted = result.accepted[entity]
        summary = result.summary()["entities"][entity]
        assert summary["read"] == len(table) == summary["accepted"] + summary["rejected"]
        errors = f[(f["entity"] == entity) & (f["severity"] == "error")]
        for idx in accepted.index[~accepted]:
            assert idx in set(errors["_index"]), (entity, idx)
