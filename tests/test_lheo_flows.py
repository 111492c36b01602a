"""LHÉO flows of other producers: judged as LHÉO (profile), read as their producers meant.

The real files are in tests/data/real/ (see its README); each variant below changes
one thing in one of them, so the test says what it is about.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from functools import lru_cache
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from pipeline.cli.main import main
from pipeline.model.formacode import public_v12, public_version
from pipeline.lheo.freetext import read_rythme
from pipeline.engine.run import run

REAL = Path(__file__).parent / "data" / "real"
TREFLE = REAL / "trefle-poec.xml"
ONISEP = REAL / "onisep-exemple-bts.xml"
TODAY = dt.date(2026, 3, 1)
XSD = Path(__file__).parent.parent / "pipeline" / "data" / "lheo-2.3.xsd"


@lru_cache(maxsize=1)
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(XSD)))


def assert_valid(path: Path) -> None:
    assert schema().validate(etree.parse(str(path))), "\n".join(str(e) for e in schema().error_log[:10])


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
    assert "BAD_FORMAT" in codes(result, "session", "error")  # a date that is no date stays an error


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
    path = variant(
        tmp_path,
        TREFLE,
        (
            "<url-action>",
            "<date-information><date>00000000</date></date-information>"
            "<date-information><date>20180801</date></date-information><url-action>",
        ),
    )
    result = run([path], today=TODAY)
    assert "BAD_FORMAT" not in codes(result)
    session = result.tables["session"].typed.iloc[0]
    assert [d["date"] for d in session["informations_collectives"]] == ["2018-08-01"]
    assert not isinstance(result.tables["action"].typed.iloc[0]["prerequis"], str)  # conditions-specifiques "-"


# -- free-text rythmes -------------------------------------------------------------------
@pytest.mark.parametrize(
    "text,expected",
    [
        ("Continu temps plein, Modulaire", {"rythmes": ["continu", "temps plein"]}),
        ("Temps partiel", {"rythmes": ["temps partiel"]}),
        ("FOAD", {"modalites_pedagogiques": ["à distance"]}),
        ("continu ou discontinu", {}),  # both: nothing is sure
        ("Entrées/sorties à dates fixes", {}),
    ],
)
def test_free_text_rythme(text, expected):
    assert read_rythme(text) == expected


def test_free_text_rythme_fills_the_session(tmp_path):
    path = variant(
        tmp_path,
        TREFLE,
        (
            "<rythme-formation>FOAD</rythme-formation>",
            "<rythme-formation>Continu temps plein, Modulaire</rythme-formation>",
        ),
    )
    result = run([path], today=TODAY)
    assert result.tables["session"].typed.iloc[0]["rythmes"] == ["continu", "temps plein"]
    assert not any("Rythmes" in m for m in incomplete(result, "session"))


def test_foad_is_a_modalite_not_a_rythme():
    lheo = run([TREFLE], today=TODAY)
    session = lheo.tables["session"].typed.iloc[0]
    assert session["modalites_pedagogiques"] == ["à distance"]
    assert any("Rythmes," in m for m in incomplete(lheo, "session"))


def test_unreadable_rythme_is_to_complete_in_lheo_and_an_error_in_sofi(tmp_path):
    path = variant(
        tmp_path,
        TREFLE,
        ("<rythme-formation>FOAD</rythme-formation>", "<rythme-formation>Selon planning</rythme-formation>"),
    )
    lheo = run([path], today=TODAY)
    assert any("Rythmes (« Selon planning » non reconnu)" in m for m in incomplete(lheo, "session"))
    sofi = run([path], today=TODAY, profil="sofi")
    assert "BAD_ENUM" in codes(sofi, "session", "error")


def test_web_address_without_scheme_is_accepted_as_lheo_has_it():
    """Fixed without guessing (issue 10): « http:// » added and reported, in both profiles."""
    result = run([ONISEP], today=TODAY)
    assert result.tables["action"].typed.iloc[0]["url_action"] == "http://lyceedekerneuzec.fr"
    assert "BAD_FORMAT" not in codes(result) and "VALUE_FIXED" in codes(result)
    assert not incomplete(result, "action")
    sofi = run([ONISEP], today=TODAY, profil="sofi")
    assert "BAD_FORMAT" not in codes(sofi) and "VALUE_FIXED" in codes(sofi)


# -- Formacode versions of publics --------------------------------------------------------
def test_public_version_from_ref_and_date():
    assert public_version("V10", dt.date(2024, 1, 1)) == "V10"
    assert public_version("V12", dt.date(2018, 6, 1)) == "V10"  # 2017-2018 flows: V10 tagged V12
    assert public_version("V12", dt.date(2020, 6, 1)) == "V12"
    assert public_version(None, None) == "V12"
    assert public_v12("80006", "V12") == "80006"


def publics(result) -> list:
    return result.tables["dispositif"].typed.iloc[0]["publics"]


def test_v10_public_of_a_2018_flow_is_translated():
    result = run([TREFLE], today=TODAY)  # ref="V12" 80006, datecrea 2018
    assert publics(result) == ["80011"]  # V12 DEMANDEUR D'EMPLOI, not 80006 CADRE D'ENTREPRISE
    assert "PUBLIC_VERSION" in codes(result)


def test_v12_public_of_a_recent_flow_is_kept(tmp_path):
    path = variant(
        tmp_path, TREFLE, ('datecrea="20180601" datemaj="20180601"', 'datecrea="20200601" datemaj="20200601"')
    )
    assert publics(run([path], today=TODAY)) == ["80006"]


def test_explicit_v10_tout_public(tmp_path):
    path = variant(
        tmp_path,
        TREFLE,
        (
            '<code-public-vise ref="V12">80006</code-public-vise>',
            '<code-public-vise ref="V10">83056</code-public-vise>',
        ),
    )
    assert publics(run([path], today=TODAY)) == ["80056"]


def test_public_without_correspondence_is_kept_as_written():
    result = run([ONISEP], today=TODAY)  # ref="V11" 81061: no V12 code known (issue 23)
    assert publics(result) == ["81061"]  # not translated into some V12 public, not dropped either
    f = result.findings
    [row] = f[f["code"] == "PUBLIC_UNMAPPED"].to_dict("records")
    assert row["value"] == "81061" and "V11" in row["message"] and row["severity"] == "warning"


# -- lossless pass-through ---------------------------------------------------------------
def element_values(path: Path) -> Counter:
    """(element path, value) of every leaf element and attribute, namespaces left out;
    FASD's own extras are not the producer's content."""
    out: Counter = Counter()

    def walk(el, prefix):
        name = etree.QName(el).localname
        if name == "extras" and el.get("info") in ("fasd", "fasd-annuaire"):
            return
        here = f"{prefix}/{name}"
        for key, value in el.attrib.items():
            out[(f"{here}/@{key}", value.strip())] += 1
        children = [c for c in el if isinstance(c.tag, str)]
        if not children:
            out[(here, (el.text or "").strip())] += 1
        for c in children:
            walk(c, here)

    walk(etree.parse(str(path)).getroot(), "")
    return out


def kept_share(source: Path, written: Path) -> tuple[float, list]:
    before, after = element_values(source), element_values(written)
    kept = sum(min(n, after[k]) for k, n in before.items())
    lost = [k for k, n in before.items() if after[k] < n]
    return kept / sum(before.values()), lost


def import_to(tmp_path: Path, source: Path, *options: str) -> Path:
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["import", str(source), "--out", str(out), "--today", TODAY.isoformat(), *options]
    )
    assert result.exit_code == 0, result.output
    return out


def test_element_values_counts_paths_and_values(tmp_path):
    a = tmp_path / "a.xml"
    a.write_text('<lheo xmlns="http://www.lheo.org/2.2"><x n="1"><y>v</y><y>v</y><z/></x></lheo>')
    assert element_values(a) == Counter({("/lheo/x/@n", "1"): 1, ("/lheo/x/y", "v"): 2, ("/lheo/x/z", ""): 1})


@pytest.mark.parametrize("source", [TREFLE, ONISEP])
def test_written_flow_keeps_the_producers_elements(tmp_path, source):
    out = import_to(tmp_path, source)
    written = out / "lheo.xml"
    assert_valid(written)
    share, lost = kept_share(source, written)
    assert share >= 0.95, lost
    # the only change: a public code of an older Formacode written as its V12 code
    assert all(path.endswith("code-public-vise") for path, _ in lost), lost


@pytest.mark.parametrize(
    "old,new",
    [
        # a modalité Formacode outside SOFI's list (issue 23: the real flow kept 0 % of its offer)
        (
            "<code-perimetre-recrutement>",
            "<code-modalite-pedagogique>96311</code-modalite-pedagogique><code-perimetre-recrutement>",
        ),
        # an inscription period from LHÉO's unknown date (issue 23: 57 % kept)
        (
            "</adresse-inscription>",
            "</adresse-inscription><periode-inscription><periode><debut>00000000</debut>"
            "<fin>20180901</fin></periode></periode-inscription>",
        ),
    ],
)
def test_trefle_style_cases_are_accepted_to_complete_and_kept(tmp_path, old, new):
    path = variant(tmp_path, TREFLE, (old, new))
    result = run([path], today=TODAY)
    assert "error" not in set(result.findings["severity"])
    assert result.accepted["formation"].all() and result.accepted["session"].all()
    assert result.summary()["a_completer"]["session"] == 1
    written = import_to(tmp_path, path) / "lheo.xml"
    assert_valid(written)
    share, lost = kept_share(path, written)
    assert share >= 0.95, lost
    assert all(path.endswith("code-public-vise") for path, _ in lost), lost  # the V10 public, as before


def test_registration_address_names_and_contacts_stay_distinct(tmp_path):
    written = import_to(tmp_path, ONISEP) / "lheo.xml"
    values = element_values(written)
    # the registration address has both lines; the training place one; the legal name is "-"
    assert values[("/lheo/offres/formation/action/session/adresse-inscription/adresse/ligne", "Lycée Kerneuzec")] == 1
    assert values[("/lheo/offres/formation/organisme-formation-responsable/raison-sociale", "-")] == 1
    assert values[("/lheo/offres/formation/action/hebergement", "Internat garçons-filles")] == 1
    trefle = element_values(import_to(tmp_path / "t", TREFLE) / "lheo.xml")
    assert trefle[("/lheo/offres/formation/action/organisme-financeur/extras/extra", "POEC")] == 1
    assert trefle[("/lheo/offres/formation/action/nombre-heures-total", "400")] == 1
    assert (
        trefle[
            (
                "/lheo/offres/formation/contact-formation/coordonnees/adresse/geolocalisation/latitude",
                "48.8815994262695",
            )
        ]
        == 1
    )


def test_records_carry_the_producers_formation_and_read_back_the_same(tmp_path):
    out = import_to(tmp_path, TREFLE)
    [first] = [json.loads(x) for x in (out / "records.jsonl").read_text(encoding="utf-8").splitlines()]
    assert "<nombre-heures-total>400</nombre-heures-total>" in first["lheo_origine"]
    again = import_to(tmp_path / "again", out / "lheo.xml")
    [second] = [json.loads(x) for x in (again / "records.jsonl").read_text(encoding="utf-8").splitlines()]

    def values(record):
        if isinstance(record, dict):
            return {k: values(v) for k, v in record.items() if k not in ("provenance", "lheo_origine", "a_completer")}
        if isinstance(record, list):
            return [values(v) for v in record]
        return record

    assert values(second) == values(first)
    share, lost = kept_share(out / "lheo.xml", again / "lheo.xml")
    assert share == 1.0, lost


def test_rejected_session_is_left_out_of_the_written_formation(tmp_path):
    two = variant(
        tmp_path,
        TREFLE,
        (
            "</session>",
            '</session><session numero="S2"><periode><debut>20181210</debut>'
            "<fin>20180910</fin></periode><adresse-inscription><adresse><ligne>x</ligne>"
            "<codepostal>06130</codepostal><ville>Grasse</ville></adresse>"
            "</adresse-inscription></session>",
        ),
    )
    out = tmp_path / "out"
    CliRunner().invoke(main, ["import", str(two), "--out", str(out), "--today", TODAY.isoformat()])
    text = (out / "lheo.xml").read_text(encoding="utf-8")
    assert 'numero="197649"' in text and 'numero="S2"' not in text  # S2 ends before it starts
    assert "fasd-ref" not in text
    assert_valid(out / "lheo.xml")


def test_unused_elements_are_one_information_line_per_path():
    result = run([TREFLE], today=TODAY)
    f = result.findings[result.findings["code"] == "LHEO_UNUSED"]
    assert set(f["severity"]) == {"info"}
    assert not f["column"].duplicated().any()
    fax = f[f["column"] == "formation/action/lieu-de-formation/coordonnees/fax/numtel"]
    assert list(fax["value"]) == ["1"] and "conservés" in fax.iloc[0]["message"]


# -- defaults set once ---------------------------------------------------------------------
TREFLE_DEFAULTS = """\
# valeurs pour tous les organismes
[defauts]
individualisation = "non"
validation = "totale"
periodes = "cours de jour"
etat_recrutement = "ouvert"

[organismes."493 861 363 00064"]
objectif_formation = "Préparer au métier de gestionnaire de paie."
contenu_formation = "Paie, déclarations sociales, logiciels de paie."
rythmes = "continu; temps plein"
referent_pmr = "97965"
referent_mobilite = "97965"
"site.siret" = "49386136300064"
"site.nom" = "Openclassrooms"
"site.adresse" = "7 cité Paradis"
"site.code_postal" = "75010"
"site.ville" = "Paris"
"""


def test_defaults_complete_a_flow_and_are_traced(tmp_path):
    defaults = tmp_path / "defauts.toml"
    defaults.write_text(TREFLE_DEFAULTS, encoding="utf-8")
    out = import_to(tmp_path, TREFLE, "--defauts", str(defaults))
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert "SOFI_INCOMPLETE" not in summary["findings"]["by_code"]
    assert set(summary["a_completer"].values()) == {0}
    [formation] = [json.loads(x) for x in (out / "records.jsonl").read_text(encoding="utf-8").splitlines()]
    assert formation["complet"] is True
    assert formation["individualisation"] is False
    assert formation["provenance"]["defaut"] == [
        "individualisation",
        "validation",
        "objectif_formation",
        "contenu_formation",
    ]
    session = formation["actions"][0]["sessions"][0]
    assert session["referent_pmr"] == "97965" and "referent_pmr" in session["provenance"]["defaut"]
    assert_valid(out / "lheo.xml")
    text = (out / "lheo.xml").read_text(encoding="utf-8")
    assert "<type-contact>1</type-contact>" in text and "<etat-recrutement>1</etat-recrutement>" in text


def test_defaults_fill_only_empty_cells_and_the_organisation_wins(tmp_path):
    defaults = tmp_path / "defauts.csv"
    defaults.write_text(
        "champ;valeur;siret\n"
        "periodes;cours du soir;\n"
        "periodes;week-end;49386136300064\n"
        "modalite_enseignement;0;\n"  # the flow says 2: kept
        "session.duree_hebdo_h;35;11111111111111\n",
        encoding="utf-8",
    )  # another organisation
    result = run([TREFLE], today=TODAY, defauts=defaults)
    session = result.tables["session"].typed.iloc[0]
    assert session["periodes"] == ["week-end"]
    assert session["modalite_enseignement"] == "2"
    assert not isinstance(session["duree_hebdo_h"], float) or session["duree_hebdo_h"] != 35
    assert result.filled["session"] == {0: ["periodes"]}


@pytest.mark.parametrize(
    "content,message",
    [
        ("champ;valeur\ncouleur;bleu\n", "« couleur » n'est pas un champ"),
        ("champ;valeur\nnom;X\n", "plusieurs entités"),
        ("nom,valeur\nx,y\n", "« champ » et « valeur »"),
    ],
)
def test_a_defaults_file_that_cannot_be_used_is_one_french_line(tmp_path, content, message):
    defaults = tmp_path / "defauts.csv"
    defaults.write_text(content, encoding="utf-8")
    result = CliRunner().invoke(
        main, ["import", str(TREFLE), "--out", str(tmp_path / "out"), "--defauts", str(defaults)]
    )
    assert result.exit_code == 2 and message in result.output, result.output


def test_onisep_with_defaults_needs_only_its_certification(tmp_path):
    defaults = tmp_path / "defauts.csv"
    defaults.write_text(
        "champ;valeur;siret\n"
        "objectif_general;Certification;19290076900014\n"
        "individualisation;non;19290076900014\n"
        "validation;totale;19290076900014\n"
        "periodes;cours de jour;19290076900014\n"
        "modalites_pedagogiques;en organisme de formation;19290076900014\n"
        "duree_centre_h;1100;19290076900014\n"
        "etat_recrutement;ouvert;19290076900014\n"
        "referent_pmr;C1;19290076900014\n"
        "referent_mobilite;C1;19290076900014\n"
        "dispositif;Etat - Ministère de l'éducation nationale;19290076900014\n"
        "nb_places;24;19290076900014\n"
        "site.siret;19290076900014;19290076900014\n"
        "site.nom;Lycée Kerneuzec;19290076900014\n",
        encoding="utf-8",
    )
    annuaire = tmp_path / "annuaire.xlsx"
    from factory import write_workbook

    write_workbook(
        annuaire,
        {
            "site": [],
            "contact": [{"code_contact": "C1", "nom": "Accueil du lycée"}],
            "formation": [],
            "action": [],
            "session": [],
            "dispositif": [],
        },
    )
    out = import_to(tmp_path, ONISEP, "--defauts", str(defaults), "--annuaire", str(annuaire))
    report = (out / "report.csv").read_text(encoding="utf-8-sig")
    incompletes = [line for line in report.splitlines() if line.startswith("SOFI_INCOMPLETE")]
    assert len(incompletes) == 1 and "Code Certif Info (« 19004 » absent du référentiel chargé)" in incompletes[0]
    assert_valid(out / "lheo.xml")
    text = (out / "lheo.xml").read_text(encoding="utf-8")
    assert "<nb-places-financees>24</nb-places-financees>" in text  # the funder given by the defaults


# -- a bad element of a list is reported alone -------------------------------------------
def test_bad_formacode_of_a_list_is_named_alone(tmp_path):
    path = variant(
        tmp_path,
        TREFLE,
        (
            '<code-FORMACODE ref="V12" tag="principal">32688</code-FORMACODE>',
            '<code-FORMACODE ref="V12" tag="principal">32688</code-FORMACODE>'
            '<code-FORMACODE ref="V12">21001</code-FORMACODE>'
            '<code-FORMACODE ref="V12">21538</code-FORMACODE>',
        ),
    )
    result = run([path], today=TODAY)
    f = result.findings
    # an optional field: the bad element is left out with a warning, the others kept (issue 10)
    [row] = f[(f["code"] == "OPTIONAL_DROPPED") & (f["field"] == "formacodes")].to_dict("records")
    assert "« 21001 »" in row["message"] and "21538" not in row["message"]
    assert result.tables["formation"].typed.iloc[0]["formacodes"] == ["32688", "21538"]


def test_bad_element_of_a_spreadsheet_list_is_named_alone(tmp_path):
    from factory import finding, run_offer, valid_offer

    offer = valid_offer()
    offer["formation"][0]["formacodes"] = "31776; 3177"
    f = finding(run_offer(tmp_path, offer, strict=True), "BAD_FORMAT")
    assert "« 3177 »" in f["message"] and "31776" not in f["message"]
    result = run_offer(tmp_path, offer)
    assert "« 3177 »" in finding(result, "OPTIONAL_DROPPED")["message"]
    assert result.tables["formation"].typed.iloc[0]["formacodes"] == ["31776"]


def test_export_of_the_records_keeps_the_producers_elements(tmp_path):
    out = import_to(tmp_path, TREFLE)
    exported = tmp_path / "export.xml"
    result = CliRunner().invoke(main, ["export", str(out / "records.jsonl"), "--out", str(exported)])
    assert result.exit_code == 0, result.output
    assert_valid(exported)
    share, lost = kept_share(TREFLE, exported)
    assert share >= 0.95, lost
