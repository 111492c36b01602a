"""Profile lheo never rejects for SOFI's own lists or LHÉO's placeholders (issue 23).

A LHÉO flow may use any Formacode for `code-modalite-pedagogique` and
`code-public-vise`, where SOFI has a short list of its own, and writes `00000000` for
a date it does not know. Such a record is accepted « à compléter », the flow's
elements kept in lheo.xml; only `--profil sofi` makes them errors. Each case is one
change to the small hand-made flow below, every element of which the reader uses
(no LHEO_UNUSED), so what lheo.xml keeps is the reader's and the writer's doing.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli.main import main
from pipeline.engine.run import run
from test_lheo_flows import assert_valid, element_values, kept_share

TODAY = dt.date(2026, 3, 1)

FLOW = """<?xml version="1.0" encoding="UTF-8"?>
<lheo xmlns="http://lheo.gouv.fr/2.3">
<offres>
<formation numero="F1">
  <domaine-formation><code-FORMACODE>31776</code-FORMACODE></domaine-formation>
  <intitule-formation>Gestes et postures en établissement de santé</intitule-formation>
  <objectif-formation>Prévenir les troubles musculo-squelettiques.</objectif-formation>
  <resultats-attendus>Attestation de fin de formation.</resultats-attendus>
  <contenu-formation>Anatomie, gestes et postures.</contenu-formation>
  <certifiante>0</certifiante>
  <contact-formation><coordonnees><nom>Accueil</nom></coordonnees></contact-formation>
  <parcours-de-formation>1</parcours-de-formation>
  <code-niveau-entree>0</code-niveau-entree>
  <action numero="A1">
    <rythme-formation>continu temps plein</rythme-formation>
    <code-public-vise>80011</code-public-vise>
    <niveau-entree-obligatoire>0</niveau-entree-obligatoire>
    <modalites-alternance>Sans objet</modalites-alternance>
    <modalites-enseignement>0</modalites-enseignement>
    <conditions-specifiques>Aucune</conditions-specifiques>
    <prise-en-charge-frais-possible>1</prise-en-charge-frais-possible>
    <lieu-de-formation>
      <SIRET-lieu-formation><SIRET>73282932000074</SIRET></SIRET-lieu-formation>
      <coordonnees><adresse><denomination>Centre d'Angers</denomination><ligne>1 place du Ralliement</ligne>
        <codepostal>49000</codepostal><ville>Angers</ville></adresse></coordonnees>
    </lieu-de-formation>
    <modalites-entrees-sorties>0</modalites-entrees-sorties>
    <session numero="S1">
      <periode><debut>20260907</debut><fin>20261030</fin></periode>
      <adresse-inscription><adresse><ligne>1 place du Ralliement</ligne><codepostal>49000</codepostal>
        <ville>Angers</ville></adresse></adresse-inscription>
      <etat-recrutement>1</etat-recrutement>
    </session>
    <code-modalite-pedagogique>96002</code-modalite-pedagogique>
    <nombre-heures-centre>35</nombre-heures-centre>
    <organisme-financeur><code-financeur>2</code-financeur><nb-places-financees>12</nb-places-financees></organisme-financeur>
  </action>
  <organisme-formation-responsable>
    <numero-activite>52440000044</numero-activite>
    <SIRET-organisme-formation><SIRET>13000511900032</SIRET></SIRET-organisme-formation>
    <nom-organisme>Organisme Santé Loire</nom-organisme>
    <raison-sociale>Organisme Santé Loire</raison-sociale>
    <coordonnees-organisme><coordonnees><adresse><ligne>2 rue de la Loire</ligne><codepostal>44000</codepostal>
      <ville>Nantes</ville></adresse></coordonnees></coordonnees-organisme>
    <contact-organisme><coordonnees><nom>Direction</nom></coordonnees></contact-organisme>
  </organisme-formation-responsable>
</formation>
</offres>
</lheo>
"""

MODALITE = "<code-modalite-pedagogique>96002</code-modalite-pedagogique>"
PUBLIC = "<code-public-vise>80011</code-public-vise>"
ETAT = "<etat-recrutement>1</etat-recrutement>"


def flow(tmp_path: Path, *changes: tuple[str, str]) -> Path:
    text = FLOW
    for old, new in changes:
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / "flux.xml"
    path.write_text(text, encoding="utf-8")
    return path


def findings(result, code: str) -> list[dict]:
    f = result.findings
    return f[f["code"] == code].to_dict("records")


def to_complete(result, entity: str) -> str:
    [row] = [r for r in findings(result, "SOFI_INCOMPLETE") if r["entity"] == entity]
    return row["message"]


def imported(tmp_path: Path, path: Path, *options: str) -> Path:
    out = tmp_path / "out"
    done = CliRunner().invoke(main, ["import", str(path), "--out", str(out), "--today", TODAY.isoformat(), *options])
    assert done.exit_code == 0, done.output
    return out


def assert_offer_kept(tmp_path: Path, path: Path) -> Path:
    """Accepted, exit 0, lheo.xml valid and holding ≥ 95 % of the flow's leaves."""
    written = imported(tmp_path, path) / "lheo.xml"
    assert_valid(written)
    share, lost = kept_share(path, written)
    assert share >= 0.95, lost
    return written


def test_the_flow_uses_every_element_and_is_accepted(tmp_path):
    result = run([flow(tmp_path)], today=TODAY)
    assert not findings(result, "LHEO_UNUSED")
    assert "error" not in set(result.findings["severity"])
    assert result.accepted["session"].all()
    assert result.tables["session"].typed.iloc[0]["modalites_pedagogiques"] == ["en organisme de formation"]


# -- a Formacode outside SOFI's list of modalités pédagogiques --------------------------
def test_modalite_outside_sofis_list_is_to_complete_never_an_error(tmp_path):
    """Seed: « Modalités pédagogiques : alternance, à distance, AFEST, pédagogie adaptée aux
    personnes handicapées, en entreprise, en organisme de formation »; 96311 is a Formacode."""
    path = flow(tmp_path, (MODALITE, "<code-modalite-pedagogique>96311</code-modalite-pedagogique>"))
    result = run([path], today=TODAY)
    assert "error" not in set(result.findings["severity"])
    assert result.accepted["formation"].all() and result.accepted["session"].all()
    [warning] = findings(result, "OUTSIDE_SOFI_LIST")
    assert warning["severity"] == "warning" and warning["field"] == "modalites_pedagogiques"
    assert "« 96311 »" in warning["message"] and "lheo.xml" in warning["message"]
    assert warning["line"] == FLOW.splitlines().index('    <session numero="S1">') + 1
    assert "Modalités pédagogiques (« 96311 » hors de la liste SOFI)" in to_complete(result, "session")
    assert not isinstance(result.tables["session"].typed.iloc[0]["modalites_pedagogiques"], list)
    written = assert_offer_kept(tmp_path, path)
    assert element_values(written)[("/lheo/offres/formation/action/code-modalite-pedagogique", "96311")] == 1


def test_the_codes_of_sofis_list_are_kept_beside_one_outside_it(tmp_path):
    path = flow(
        tmp_path,
        (MODALITE, "<code-modalite-pedagogique>96311</code-modalite-pedagogique>" + MODALITE),
    )
    result = run([path], today=TODAY)
    assert result.tables["session"].typed.iloc[0]["modalites_pedagogiques"] == ["en organisme de formation"]
    assert [w["message"].count("96311") for w in findings(result, "OUTSIDE_SOFI_LIST")] == [1]
    written = assert_offer_kept(tmp_path, path)
    values = element_values(written)
    for code in ("96311", "96002"):
        assert values[("/lheo/offres/formation/action/code-modalite-pedagogique", code)] == 1


def test_the_sofi_profile_still_rejects_it(tmp_path):
    path = flow(tmp_path, (MODALITE, "<code-modalite-pedagogique>96311</code-modalite-pedagogique>"))
    result = run([path], today=TODAY, profil="sofi")
    assert [r["severity"] for r in findings(result, "BAD_ENUM")] == ["error"]
    assert not findings(result, "OUTSIDE_SOFI_LIST")
    assert not result.accepted["session"].any()


def test_a_code_that_is_no_formacode_stays_an_error(tmp_path):
    path = flow(tmp_path, (MODALITE, "<code-modalite-pedagogique>cours</code-modalite-pedagogique>"))
    result = run([path], today=TODAY)
    assert [r["severity"] for r in findings(result, "BAD_ENUM")] == ["error"]
    assert not result.accepted["session"].any()


def test_a_public_outside_the_formacode_publics_is_left_out_with_a_warning(tmp_path):
    path = flow(tmp_path, (PUBLIC, PUBLIC + "<code-public-vise>31776</code-public-vise>"))  # a domain, not a public
    result = run([path], today=TODAY)
    assert "error" not in set(result.findings["severity"])
    [warning] = findings(result, "OUTSIDE_SOFI_LIST")
    assert warning["field"] == "publics" and "« 31776 »" in warning["message"]
    assert result.tables["dispositif"].typed.iloc[0]["publics"] == ["80011"]
    assert "Publics (« 31776 » hors de la liste SOFI)" in to_complete(result, "dispositif")
    written = assert_offer_kept(tmp_path, path)
    assert element_values(written)[("/lheo/offres/formation/action/code-public-vise", "31776")] == 1


# -- LHÉO's unknown date ----------------------------------------------------------------
INSCRIPTION = "<periode-inscription><periode><debut>{debut}</debut><fin>{fin}</fin></periode></periode-inscription>"


@pytest.mark.parametrize("debut,fin", [("00000000", "20260901"), ("20260601", "00000000")])
def test_an_inscription_period_with_an_unknown_date_is_to_complete(tmp_path, debut, fin):
    path = flow(tmp_path, (ETAT, INSCRIPTION.format(debut=debut, fin=fin) + ETAT))
    result = run([path], today=TODAY)
    assert not findings(result, "INSCRIPTION_PERIODS")
    assert "error" not in set(result.findings["severity"])
    assert result.accepted["session"].all()
    assert "Périodes d'inscription" in to_complete(result, "session")
    session = result.tables["session"].typed.iloc[0]
    known = [d for d in (debut, fin) if d != "00000000"]
    days = [session[c] if isinstance(session[c], list) else [] for c in ("inscription_debut", "inscription_fin")]
    written_days = [d.strftime("%Y%m%d") for column in days for d in column]
    assert written_days == known  # the unknown date is absent, the known one kept
    written = assert_offer_kept(tmp_path, path)
    assert element_values(written)[("/lheo/offres/formation/action/session/periode-inscription/periode/debut", debut)]


def test_an_unpaired_inscription_period_of_a_spreadsheet_stays_an_error(tmp_path):
    from factory import run_offer, valid_offer

    offer = valid_offer()
    offer["session"][0].update(inscription_debut="", inscription_fin="01/09/2026")
    result = run_offer(tmp_path, offer)
    assert [r["severity"] for r in findings(result, "INSCRIPTION_PERIODS")] == ["error"]


def test_an_unknown_session_end_is_to_complete(tmp_path):
    """`99999999`: what LHÉO writers (ours included) put for an end not known."""
    path = flow(tmp_path, ("<fin>20261030</fin>", "<fin>99999999</fin>"))
    result = run([path], today=TODAY)
    assert "error" not in set(result.findings["severity"]) and result.accepted["session"].all()
    assert "Date fin," in to_complete(result, "session")


def test_an_unknown_session_start_is_to_complete(tmp_path):
    path = flow(tmp_path, ("<debut>20260907</debut>", "<debut>00000000</debut>"))
    result = run([path], today=TODAY)
    assert "error" not in set(result.findings["severity"]) and result.accepted["session"].all()
    assert "Date début," in to_complete(result, "session")


# -- Formacode V10 / V11 publics without a V12 code -------------------------------------
@pytest.mark.parametrize(
    "version,code", [("V10", "80001"), ("V10", "80003"), ("V10", "80007"), ("V10", "80009"), ("V11", "81061")]
)
def test_an_older_public_without_v12_code_is_kept_as_written(tmp_path, version, code):
    path = flow(tmp_path, (PUBLIC, f'<code-public-vise ref="{version}">{code}</code-public-vise>'))
    result = run([path], today=TODAY)
    assert "error" not in set(result.findings["severity"])
    assert result.tables["dispositif"].typed.iloc[0]["publics"] == [code]
    [warning] = findings(result, "PUBLIC_UNMAPPED")
    assert warning["severity"] == "warning" and warning["value"] == code and version in warning["message"]
    assert "gardé tel qu'il est écrit" in warning["message"]
    out = imported(tmp_path, path)
    [record] = [json.loads(line) for line in (out / "records.jsonl").read_text(encoding="utf-8").splitlines()]
    assert record["actions"][0]["sessions"][0]["dispositifs"][0]["publics"] == [code]
    values = element_values(out / "lheo.xml")
    assert values[("/lheo/offres/formation/action/code-public-vise", code)] == 1
    assert values[("/lheo/offres/formation/action/code-public-vise/@ref", version)] == 1
