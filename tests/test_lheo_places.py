"""Small faults of the LHÉO reader found on real flows (issue 23): a place's name written
as a free line of its `coordonnees`, a site's field named by another element's path,
SESSION_ENDED saying lheo.xml leaves out a session it keeps. On the hand-made flow of
test_lheo_sofi_lists.py."""

from __future__ import annotations

import datetime as dt

from click.testing import CliRunner

from pipeline.cli.main import main
from pipeline.engine.run import run
from test_lheo_flows import element_values
from test_lheo_sofi_lists import FLOW, TODAY, findings, flow

LIEU = (
    "<coordonnees><adresse><denomination>Centre d'Angers</denomination><ligne>1 place du Ralliement</ligne>\n"
    "        <codepostal>49000</codepostal><ville>Angers</ville></adresse></coordonnees>"
)


def lieu(result):
    sites = result.tables["site"].raw.set_index("code_site")
    return sites.loc["73282932000074"]


def test_a_free_line_beside_the_address_is_the_places_name(tmp_path):
    """Onisep writes `<coordonnees><ligne>Lycée Kerneuzec</ligne><adresse><ligne>Kerneuzec</ligne>…`."""
    path = flow(
        tmp_path,
        (
            LIEU,
            "<coordonnees><ligne>Centre d'Angers</ligne><adresse><ligne>1 place du Ralliement</ligne>"
            "<codepostal>49000</codepostal><ville>Angers</ville></adresse></coordonnees>",
        ),
    )
    result = run([path], today=TODAY)
    assert (lieu(result)["nom"], lieu(result)["adresse"]) == ("Centre d'Angers", "1 place du Ralliement")
    assert not findings(result, "LHEO_UNUSED")


def test_free_lines_without_address_lines_are_the_address(tmp_path):
    path = flow(
        tmp_path,
        (
            LIEU,
            "<coordonnees><ligne>1 place du Ralliement</ligne><adresse>"
            "<codepostal>49000</codepostal><ville>Angers</ville></adresse></coordonnees>",
        ),
    )
    result = run([path], today=TODAY)
    assert lieu(result)["adresse"] == "1 place du Ralliement"
    assert not isinstance(lieu(result)["nom"], str) or not lieu(result)["nom"]


def test_a_places_phone_is_named_by_its_own_path(tmp_path):
    path = flow(
        tmp_path,
        (
            "<ville>Angers</ville></adresse></coordonnees>\n    </lieu-de-formation>",
            "<ville>Angers</ville></adresse><telfixe><numtel>12</numtel></telfixe></coordonnees>\n"
            "    </lieu-de-formation>",
        ),
    )
    result = run([path], today=TODAY)
    [dropped] = [r for r in findings(result, "OPTIONAL_DROPPED") if r["field"] == "telephone"]
    assert dropped["column"] == "coordonnees/telfixe/numtel"
    assert "organisme-formation-responsable" not in dropped["message"]
    assert dropped["line"] == FLOW.splitlines().index("    <lieu-de-formation>") + 1


def ended_message(tmp_path, path):
    today = dt.date(2027, 1, 1)  # after the session's end, 30/10/2026
    result = run([path], today=today)
    [ended] = findings(result, "SESSION_ENDED")
    out = tmp_path / "out"
    done = CliRunner().invoke(main, ["import", str(path), "--out", str(out), "--today", today.isoformat()])
    assert done.exit_code == 0, done.output
    written = out / "lheo.xml"
    in_lheo = written.exists() and element_values(written)[("/lheo/offres/formation/action/session/@numero", "S1")]
    return ended["message"], bool(in_lheo)


def test_session_ended_says_lheo_xml_leaves_it_out_when_it_does(tmp_path):
    message, in_lheo = ended_message(tmp_path, flow(tmp_path))
    assert not in_lheo and "n'est pas publiée comme offre ouverte (lheo.xml)" in message


def test_session_ended_says_lheo_xml_keeps_it_when_the_flow_is_written_back(tmp_path):
    """A formation with elements FASD does not model is written back as its producer had it,
    its ended session included: the message must say so."""
    unused = "<restauration>Restaurant d'entreprise</restauration>"
    path = flow(tmp_path, ("<code-modalite-pedagogique>", unused + "<code-modalite-pedagogique>"))
    message, in_lheo = ended_message(tmp_path, path)
    assert in_lheo and "reste dans lheo.xml" in message and "n'est pas publiée" not in message
