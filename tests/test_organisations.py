"""Organisations as they are (issue 22): offers owned by an establishment, delivered by others.

A hospital group (SIREN 778712349, establishment G1) owns F1 and F2; their actions are
delivered by two subcontracted schools of other SIRENs (S1: 401234562, S2: 502345671),
S2 also being a training place. `second_owner` adds F3, owned by another organisation
(36364, SIREN 130005119): a file of two owners.
"""

from __future__ import annotations

import copy
import json

import openpyxl
import pytest
from lxml import etree

from factory import VALID, TODAY, codes, invoke, write_flat_csv, write_workbook
from pipeline.engine.run import run

GROUP = "77871234900019"
SUB1, SUB2 = "40123456200015", "50234567100015"
OTHER = "13000511900032"


def _site(code: str, siret: str, nom: str) -> dict:
    return dict(VALID["site"][0], code_site=code, siret=siret, nom=nom)


def group_offer(second_owner: bool = False) -> dict[str, list[dict]]:
    """F1, F2 of the group G1, delivered by S1 and S2; with `second_owner`, F3 of 36364."""
    base = copy.deepcopy(VALID)
    offer: dict[str, list[dict]] = {
        "site": [
            _site("G1", GROUP, "Groupe hospitalier Ligéria"),
            _site("S1", SUB1, "École de soins Atlantique"),
            _site("S2", SUB2, "Institut de formation du Maine"),
        ],
        "contact": [
            dict(base["contact"][0], code_contact="C1", code_site="G1"),
            dict(base["contact"][0], code_contact="C2", code_site="S1"),
        ],
        "formation": [],
        "action": [],
        "session": [],
        "dispositif": [],
    }
    plan = [("F1", "S1", "S2", "G1", "C1"), ("F2", "S2", "G1", "G1", "C2")]
    if second_owner:
        offer["site"].append(_site("36364", OTHER, "CARIFOREF DES PAYS DE LA LOIRE"))
        plan.append(("F3", "36364", "36364", "36364", "C1"))
    for ref, dispensateur, lieu, responsable, contact in plan:
        n = ref[1:]
        offer["formation"].append(dict(base["formation"][0], ref_formation=ref))
        offer["action"].append(
            dict(base["action"][0], ref_action=f"A{n}", ref_formation=ref, code_site_dispensateur=dispensateur)
        )
        offer["session"].append(
            dict(
                base["session"][0],
                ref_session=f"S{n}",
                ref_action=f"A{n}",
                code_site_lieu=lieu,
                code_site_responsable=responsable,
                referent_pmr=contact,
                referent_mobilite=contact,
            )
        )
        offer["dispositif"].append(dict(base["dispositif"][0], ref_session=f"S{n}", ref_dispositif=f"D{n}"))
    return offer


def workbook(tmp_path, offer):
    return [write_workbook(tmp_path / "offre.xlsx", offer)], {}


def flat(tmp_path, offer):
    """The flat sheet as CSV, its sites and contacts in a directory workbook (--annuaire)."""
    annuaire = write_workbook(tmp_path / "annuaire.xlsx", offer, entities=("site", "contact"))
    return [write_flat_csv(tmp_path / "offres.csv", offer)], {"annuaire": annuaire}


KINDS = {"workbook": workbook, "flat": flat}


def accepted_refs(result, entity="formation"):
    key = {"formation": "ref_formation", "action": "ref_action", "session": "ref_session"}[entity]
    return sorted(result.accepted_frame(entity)[key])


def organisation_codes(result):
    return [c for c in codes(result) if c.startswith("ORGANISME")]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("organisme", [None, GROUP, "778 712 349"])
def test_subcontracted_offers_of_one_owner_are_accepted(tmp_path, kind, organisme):
    inputs, options = KINDS[kind](tmp_path, group_offer())
    result = run(inputs, today=TODAY, organisme=organisme, **options)
    assert organisation_codes(result) == []
    assert accepted_refs(result) == ["F1", "F2"]
    info = result.findings[result.findings["code"] == "SOUS_TRAITANCE"]
    assert sorted(info["key"]) == ["S1", "S2"]  # once per site, though S2 delivers and hosts
    assert set(info["severity"]) == {"info"}
    assert "778712349" in info.iloc[0]["message"]


@pytest.mark.parametrize("kind", KINDS)
def test_organisme_naming_one_of_two_owners_rejects_only_the_others_offers(tmp_path, kind):
    inputs, options = KINDS[kind](tmp_path, group_offer(second_owner=True))
    both = run(inputs, today=TODAY, **options)
    assert organisation_codes(both) == [] and accepted_refs(both) == ["F1", "F2", "F3"]
    result = run(inputs, today=TODAY, organisme=GROUP, **options)
    autre = result.findings[result.findings["code"] == "ORGANISME_AUTRE"]
    assert list(autre["key"]) == ["F3"] and list(autre["entity"]) == ["formation"]
    assert OTHER in autre.iloc[0]["message"] and GROUP in autre.iloc[0]["message"]
    assert accepted_refs(result) == ["F1", "F2"]
    assert accepted_refs(result, "session") == ["S1", "S2"]  # F3's subtree rejected with it
    assert "36364" in set(result.accepted_frame("site")["code_site"])  # the site itself is fine


def test_organisme_siren_holds_every_establishment_of_it(tmp_path):
    offer = group_offer()
    offer["site"].append(_site("G2", "77871234900027", "Groupe hospitalier Ligéria - Angers"))
    offer["session"][1]["code_site_responsable"] = "G2"
    inputs, _ = workbook(tmp_path, offer)
    assert organisation_codes(run(inputs, today=TODAY, organisme="778712349")) == []
    only_g1 = run(inputs, today=TODAY, organisme=GROUP)
    assert list(only_g1.findings[only_g1.findings["code"] == "ORGANISME_AUTRE"]["key"]) == ["F2"]


def test_owner_falls_back_on_the_site_dispensateur(tmp_path):
    from pipeline.validators.organisation import formation_owners

    offer = group_offer(second_owner=True)
    result = run(*workbook(tmp_path, offer)[:1], today=TODAY)
    assert formation_owners(result.tables) == {"F1": (GROUP, "G1"), "F2": (GROUP, "G1"), "F3": (OTHER, "36364")}
    offer["session"][0]["code_site_responsable"] = "NOWHERE"  # an unknown site: the action's dispensateur
    result = run(*workbook(tmp_path, offer)[:1], today=TODAY)
    assert formation_owners(result.tables)["F1"] == (SUB1, "S1")


def test_summary_and_report_say_which_establishments_the_file_holds(tmp_path):
    inputs, _ = workbook(tmp_path, group_offer(second_owner=True))
    out = tmp_path / "out"
    result = invoke("check", *inputs, "--out", out, "--organisme", GROUP, "--today", TODAY.isoformat())
    assert result.exit_code == 1, result.output
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))["organisme"]
    assert summary["source"] == "--organisme" and summary["organismes"] == [GROUP]
    held = {e["siret"]: (e["formations"], e["acceptees"], e["dans_l_envoi"]) for e in summary["etablissements"]}
    assert held == {GROUP: (2, 2, True), OTHER: (1, 0, False)}
    ws = openpyxl.load_workbook(out / "report.xlsx")["Rapport"]
    cells = [[c.value for c in row] for row in ws.iter_rows(max_row=30)]
    assert [GROUP, 2, 2, "oui"] in [r[1:5] for r in cells]
    assert [OTHER, 1, 0, "non"] in [r[1:5] for r in cells]


def test_organismes_file_and_repeated_organisme(tmp_path):
    inputs, _ = workbook(tmp_path, group_offer(second_owner=True))
    listing = tmp_path / "organismes.txt"
    listing.write_text(f"# les établissements de l'envoi\n{GROUP}\n\n130 005 119\n", encoding="utf-8")
    for extra in (["--organismes", listing], ["--organisme", GROUP, "--organisme", "130005119"]):
        result = invoke("check", *inputs, "--today", TODAY.isoformat(), *extra)
        assert result.exit_code == 0, result.output
    only = invoke("check", *inputs, "--today", TODAY.isoformat(), "--organisme", OTHER)
    assert only.exit_code == 1 and "ORGANISME_AUTRE" in only.output
    listing.write_text(f"{GROUP}\n12345\n", encoding="utf-8")
    bad = invoke("check", *inputs, "--organismes", listing)
    assert bad.exit_code == 2 and "ligne 2" in bad.output and "12345" in bad.output
    assert invoke("check", *inputs, "--organismes", tmp_path / "absent.txt").exit_code == 2


NS = {"l": "http://lheo.gouv.fr/2.3"}


def test_lheo_flow_with_a_subcontracted_formateur_reads_and_writes_back(tmp_path):
    """The workbook's offers written as LHÉO, read back: organisme-formation-responsable is the
    owner, organisme-formateur (another SIREN) the trainer; both written back; offer by offer."""
    from pipeline.writers.output import write_outputs

    inputs, _ = workbook(tmp_path, group_offer(second_owner=True))
    first = run(inputs, today=TODAY)
    write_outputs(first, tmp_path / "one")
    flow = tmp_path / "one" / "lheo.xml"
    doc = etree.parse(str(flow))
    formateurs = doc.xpath("//l:organisme-formateur/l:SIRET-formateur/l:SIRET/text()", namespaces=NS)
    responsables = doc.xpath("//l:organisme-formation-responsable//l:SIRET/text()", namespaces=NS)
    assert sorted(formateurs) == sorted([SUB1, SUB2, OTHER])
    assert sorted(responsables) == sorted([GROUP, GROUP, OTHER])

    read = run([flow], today=TODAY)
    assert organisation_codes(read) == []
    assert sorted(read.findings[read.findings["code"] == "SOUS_TRAITANCE"]["value"]) == sorted([SUB1, SUB2])
    owners = {e["siret"]: e["formations"] for e in read.organisme["etablissements"]}
    assert owners == {GROUP: 2, OTHER: 1}
    judged = run([flow], today=TODAY, organisme="778712349")
    autre = judged.findings[judged.findings["code"] == "ORGANISME_AUTRE"]
    assert len(autre) == 1 and OTHER in autre.iloc[0]["message"] and autre.iloc[0]["entity"] == "formation"
    assert len(accepted_refs(judged)) == 2
    write_outputs(judged, tmp_path / "two")
    again = etree.parse(str(tmp_path / "two" / "lheo.xml"))
    assert sorted(again.xpath("//l:organisme-formateur/l:SIRET-formateur/l:SIRET/text()", namespaces=NS)) == sorted(
        [SUB1, SUB2]
    )
    assert set(again.xpath("//l:organisme-formation-responsable//l:SIRET/text()", namespaces=NS)) == {GROUP}


def test_a_real_flow_whose_formateur_is_of_another_siren(tmp_path):
    """Trefle's POEC flow (tests/data/real) with its organisme-formateur made a subcontractor of
    another SIREN: the offer stays Openclassrooms' (its organisme-formation-responsable)."""
    from pathlib import Path

    from pipeline.writers.output import write_outputs

    source = Path(__file__).parent / "data" / "real" / "trefle-poec.xml"
    text = source.read_text(encoding="utf-8")
    old = "<SIRET-formateur>\n                  <SIRET>49386136300064</SIRET>"
    assert text.count(old) == 1
    flow = tmp_path / "flux.xml"
    flow.write_text(text.replace(old, old.replace("49386136300064", OTHER)), encoding="utf-8")
    result = run([flow], today=TODAY)
    assert organisation_codes(result) == [] and result.accepted["formation"].all()
    info = result.findings[result.findings["code"] == "SOUS_TRAITANCE"]
    assert list(info["value"]) == [OTHER] and "493861363" in info.iloc[0]["message"]
    assert [e["siret"] for e in result.organisme["etablissements"]] == ["49386136300064"]
    assert organisation_codes(run([flow], today=TODAY, organisme="493861363")) == []
    foreign = run([flow], today=TODAY, organisme=OTHER)
    assert organisation_codes(foreign) == ["ORGANISME_AUTRE"] and not foreign.accepted["formation"].any()
    write_outputs(result, tmp_path / "out")
    doc = etree.parse(str(tmp_path / "out" / "lheo.xml"))
    assert doc.xpath("//l:organisme-formateur/l:SIRET-formateur/l:SIRET/text()", namespaces=NS) == [OTHER]
    assert doc.xpath("//l:organisme-formation-responsable//l:SIRET/text()", namespaces=NS) == ["49386136300064"]
