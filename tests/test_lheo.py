"""LHÉO XML: the writer's files validate, the round trip is exact, foreign files read.

A rich hand-made offer fills every FASD field, so a field the mapping forgets shows
up as a difference between the workbook records and the records read back from
lheo.xml.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pytest
from lxml import etree

from factory import TODAY, valid_offer, write_workbook
from pipeline.model.dispositifs import current as current_dispositifs
from pipeline.model.findings import Findings
from pipeline.lheo import NS_22, NS_23
from pipeline.readers.errors import InputError
from pipeline.readers.lheo import read_lheo, stream_lheo
from pipeline.model.records import directory_records, offer_records
from pipeline.engine.run import run
from pipeline.writers.lheo import write_lheo

XSD = Path(__file__).parent.parent / "pipeline" / "data" / "lheo-2.3.xsd"


@lru_cache(maxsize=1)
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(XSD)))


def assert_valid(path: Path) -> None:
    doc = etree.parse(str(path))
    ok = schema().validate(doc)
    assert ok, "\n".join(str(e) for e in schema().error_log[:10])


def rich_offer() -> dict:
    """Every field of every entity filled, with the awkward cases of the mapping."""
    offer = valid_offer()
    offer["site"] = [
        {
            "code_site": "36364",
            "siret": "130 005 119 00032",
            "nom": "CARIFOREF DES PAYS DE LA LOIRE",
            "numero_activite": "52440000044",
            "adresse": "2 rue de la Loire, bâtiment B, troisième étage, porte gauche au fond du couloir",
            "code_postal": "44000",
            "ville": "Nantes",
            "code_insee_commune": "44109",
            "telephone": "02 40 00 00 00",
            "courriel": "offre@cariforef-pdl.org",
            "web": "https://www.cariforef-pdl.org",
        },
        {
            "code_site": "LIEU2",
            "siret": "13000511900040",
            "nom": "Salle de formation Angers",
            "adresse": "1 place du Ralliement",
            "code_postal": "49000",
            "ville": "Angers",
        },
    ]
    offer["contact"] = [
        {"code_contact": "1902", "nom": "auto saisie", "code_site": "36364"},
        {
            "code_contact": "2001",
            "civilite": "Madame",
            "nom": "Durand",
            "prenom": "Anne",
            "telephone": "06 12 34 56 78",
            "courriel": "anne.durand@example.org",
            "code_site": "LIEU2",
        },
    ]
    offer["formation"][0].update(
        {
            "code_formation": "19482",
            "type_certification": "Attestation de formation",
            "contenu_formation": "Anatomie.\nGestes et postures ; « manutention » & ergonomie.",
            "codes_rome": "J1501; J1301",
            "codes_nsf": "331; 331t",
            "niveau_sortie": "Niveau 4",
            "url_formation": "https://example.org/formations/tms",
        }
    )
    offer["action"] = [
        {
            **offer["action"][0],
            "code_action": "89393",
            "complement_intitule": "Session Nantes",
            "complement_programme": "Programme local 👍.",
            "objectifs": "Réduire les TMS <b>vite</b> & bien ]]>",
            "plus_formation": "Petits groupes",
            "url_video": "https://www.youtube.com/watch?v=abc",
            "url_pdf": "https://example.org/a.pdf",
            "url_action": "https://example.org/a1",
            "type_equipement": "Tenue professionnelle",
            "cout_equipement": "49,90",
            "commentaire_equipement": "Chaussures de sécurité",
            "niveau_entree_obligatoire": "oui",
            "prerequis": "Être en poste",
            "commentaire_prerequis": "Sur attestation employeur",
        },
        {
            "ref_action": "A2",
            "ref_formation": "F1",
            "code_site_dispensateur": "LIEU2",
            "resultats_attendus": "Attestation.",
            "niveau_entree": "Niveau 3",
        },
    ]
    s1 = {
        **offer["session"][0],
        "code_session": "143842",
        "duree_centre_h": "35,5",
        "duree_entreprise_h": "70",
        "duree_hebdo_h": "35",
        "commentaire_duree": "Hors examens",
        "cycle_annee": "2026",
        "unite_entreprise": "semaines",
        "modalites_recrutement": "dossier; épreuves orales",
        "informations_collectives": "15/05/2026; 12/06/2026; 03/07/2026; 21/08/2026",
        "inscription_type": "inscription",
        "inscription_debut": "01/03/2026",
        "inscription_fin": "30/06/2026",
        "referent_prf": "2001",
        "mail_liaison": "liaison@example.org",
        "periodes": "cours de jour; week-end",
        "types_parcours": "collectif; mixte",
        "modalites_pedagogiques": "en organisme de formation; alternance; AFEST",
        "modalite_enseignement": "hybride",
        "entrees_sorties_permanentes": "oui",
    }
    s2 = {
        **offer["session"][0],
        "ref_session": "S2",
        "ref_action": "A2",
        "code_site_lieu": "LIEU2",
        "referent_pmr": "2001",
        "etat_recrutement": "suspendu",
        "rythmes": "discontinu",
    }
    s3 = {
        **s2,
        "ref_session": "S3",
        "date_debut": "04/01/2027",
        "date_fin": "26/02/2027",
        "code_site_responsable": "LIEU2",
    }
    offer["session"] = [s1, s2, s3]
    d1 = {
        **offer["dispositif"][0],
        "publics": "demandeur d'emploi; demandeur d'emploi longue durée",
        "codes_externes": "PRF-1; AIF",
        "nb_places_restantes": "4",
        "effectif_minimal": "6",
        "capacite_simultanee": "12",
        "annee_cycle": "2026",
        "frais_additionnels": "150",
        "frais_certification": "oui",
        "prise_en_charge_frais": "oui",
    }
    d2 = {
        "ref_session": "S1",
        "ref_dispositif": "D2",
        "dispositif": "Formation avec autres financements (entreprise, individuel)",
        "nb_places": "3",
        "frais_ht": "1000",
        "taux_tva": "0",
        "frais_ttc": "1000",
        "publics": "salarié",
    }
    entries = current_dispositifs().entries[:10]
    many = [  # each with a public its entry admits (a dispositif has one at least)
        {
            "ref_session": "S2",
            "ref_dispositif": f"D{i}",
            "dispositif": entry.label,
            "nb_places": str(i),
            "publics": sorted(entry.publics)[0] if entry.publics else "tout public",
        }
        for i, entry in enumerate(entries, 1)
    ]  # 10 > the 8 organisme-financeur LHÉO allows per action
    d3 = {
        "ref_session": "S3",
        "dispositif": "Formation avec autres financements (entreprise, individuel)",
        "nb_places": "10",
        "publics": "particulier",
    }
    offer["dispositif"] = [d1, d2, *many, d3]
    return offer


def strip(records):
    """Records without provenance, for comparing two runs."""

    def clean(value):
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items() if k != "provenance"}
        if isinstance(value, list):
            return [clean(v) for v in value]
        return value

    return clean(list(records))


def directory(result):
    return {e: strip(directory_records(result, e).values()) for e in ("site", "contact")}


def finding_keys(result) -> set:
    return set(map(tuple, result.findings[["code", "entity", "key", "field"]].astype(str).to_numpy()))


def round_trip(tmp_path: Path, source: Path, **kw):
    first = run([source], today=TODAY, **kw)
    xml = tmp_path / "lheo.xml"
    assert write_lheo(first, xml) >= 1
    assert_valid(xml)
    second = run([xml], today=TODAY, **kw)
    return first, second, xml


def test_rich_offer_is_clean_in_the_workbook(tmp_path):
    result = run([write_workbook(tmp_path / "offre.xlsx", rich_offer())], today=TODAY)
    assert result.findings.empty, result.findings[["code", "entity", "key", "field", "message"]]
    assert int(result.accepted["dispositif"].sum()) == 13


def test_round_trip_is_exact(tmp_path):
    first, second, _ = round_trip(tmp_path, write_workbook(tmp_path / "offre.xlsx", rich_offer()))
    assert second.findings.empty, second.findings[["code", "entity", "key", "field", "column", "message"]]
    assert strip(offer_records(second)) == strip(offer_records(first))
    assert directory(second) == directory(first)


def test_round_trip_of_the_written_file_is_stable(tmp_path):
    """lheo.xml read and written again gives the same bytes (nothing drifts)."""
    _, second, xml = round_trip(tmp_path, write_workbook(tmp_path / "offre.xlsx", rich_offer()))
    again = tmp_path / "again.xml"
    write_lheo(second, again)
    assert again.read_bytes() == xml.read_bytes()


def test_writer_uses_lheo_codes(tmp_path):
    first = run([write_workbook(tmp_path / "offre.xlsx", rich_offer())], today=TODAY)
    xml = tmp_path / "lheo.xml"
    write_lheo(first, xml)
    ns = {"l": NS_23}
    doc = etree.parse(str(xml))
    action = doc.xpath("//l:action[l:session/@numero='S1']", namespaces=ns)[0]
    assert [e.text for e in action.findall("l:code-public-vise", ns)] == ["80011", "80012", "80044"]  # D2: salarié
    assert [e.text for e in action.findall("l:organisme-financeur/l:code-financeur", ns)] == ["2", "5"]
    assert action.findtext("l:modalites-enseignement", namespaces=ns) == "1"
    assert action.findtext("l:modalites-entrees-sorties", namespaces=ns) == "1"
    assert action.findtext("l:session/l:periode/l:debut", namespaces=ns) == "20260907"
    assert [e.text for e in action.findall("l:session/l:recrutement/l:modalite-recrutement", ns)] == ["3", "6"]
    assert (
        action.findtext("l:session/l:contact-session[l:type-contact='1']/l:coordonnees/l:nom", namespaces=ns)
        == "auto saisie"
    )
    assert doc.xpath("string(//l:formation/l:code-niveau-sortie)", namespaces=ns) == "14"
    # 10 dispositifs on S2: 8 organisme-financeur, the rest in the action's extras.
    s2 = doc.xpath("//l:action[l:session/@numero='S2']", namespaces=ns)[0]
    assert len(s2.findall("l:organisme-financeur", ns)) == 8
    assert len(s2.findall("l:extras/l:extra[@info='dispositifs']/l:organisme-financeur", ns)) == 2


def test_no_accepted_offer_writes_no_file(tmp_path):
    offer = valid_offer()
    offer["dispositif"][0]["nb_places"] = "0"
    result = run([write_workbook(tmp_path / "offre.xlsx", offer)], today=TODAY)
    xml = tmp_path / "lheo.xml"
    xml.write_text("stale")
    assert write_lheo(result, xml) == 0
    assert not xml.exists()


SAMPLES = Path(__file__).parent.parent / "samples"
SAMPLE = SAMPLES / "offre-sanitaire-social.xlsx"


def published_only(formations):
    """The records lheo.xml publishes: ended sessions (état I) are not open offers."""
    out = []
    for f in formations:
        for a in f["actions"]:
            a["sessions"] = [s for s in a["sessions"] if s.get("etat") != "I"]
        f["actions"] = [a for a in f["actions"] if a["sessions"]]
        if f["actions"]:
            out.append(f)
    return out


@pytest.mark.skipif(not SAMPLE.exists(), reason="sample workbook not built yet")
@pytest.mark.parametrize(
    "name", ["offre-sanitaire-social.xlsx", "offre-sanitaire-social.csv", "offre-sanitaire-social-erreurs.xlsx"]
)
def test_round_trip_of_the_samples(tmp_path, name):
    """The samples' lheo.xml validate and read back to the same accepted records,
    without a finding the sample did not already have (the flawed one included)."""
    from pipeline.reference import load_reference

    reference = load_reference(None)
    annuaire = SAMPLES / "annuaire.xlsx" if name.endswith(".csv") else None
    first = run([SAMPLES / name], today=TODAY, reference=reference, annuaire=annuaire)
    xml = tmp_path / "lheo.xml"
    assert write_lheo(first, xml) >= 1
    assert_valid(xml)
    second = run([xml], today=TODAY, reference=reference)
    assert int(first.accepted["formation"].sum()) > 0
    assert strip(offer_records(second)) == strip(published_only(offer_records(first)))
    new = finding_keys(second) - finding_keys(first)
    assert not new, second.findings[["code", "entity", "key", "field", "message"]]


# -- foreign files -------------------------------------------------------------------------
FOREIGN = """<?xml version="1.0" encoding="{encoding}"?>
<lheo xmlns="{ns}">
<offres>
<formation numero="F22">
  <domaine-formation><code-FORMACODE>31776</code-FORMACODE></domaine-formation>
  <intitule-formation>Préparation à l'entrée en formation d'aide-soignant</intitule-formation>
  <objectif-formation>Réussir la sélection.</objectif-formation>
  <resultats-attendus>Attestation de fin de formation.</resultats-attendus>
  <contenu-formation>Culture sanitaire et sociale.</contenu-formation>
  <certifiante>0</certifiante>
  <contact-formation><coordonnees><nom>Accueil</nom></coordonnees></contact-formation>
  <parcours-de-formation>1</parcours-de-formation>
  <code-niveau-entree>14</code-niveau-entree>
  <objectif-general-formation>8</objectif-general-formation>
  <action numero="A22">
    <rythme-formation>temps plein</rythme-formation>
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
    <session numero="S22">
      <periode><debut>20260907</debut><fin>20261030</fin></periode>
      <adresse-inscription><adresse><ligne>1 place du Ralliement</ligne><codepostal>49000</codepostal>
        <ville>Angers</ville></adresse></adresse-inscription>
      <etat-recrutement>1</etat-recrutement>
    </session>
    <session numero="S23">
      <periode><debut>20270104</debut><fin>20270226</fin></periode>
      <adresse-inscription><adresse><ligne>1 place du Ralliement</ligne><codepostal>49000</codepostal>
        <ville>Angers</ville></adresse></adresse-inscription>
      <etat-recrutement>2</etat-recrutement>
    </session>
    <restauration>Restaurant d'entreprise à proximité</restauration>
    <nombre-heures-centre>140</nombre-heures-centre>
    <organisme-financeur><code-financeur>2</code-financeur><nb-places-financees>12</nb-places-financees></organisme-financeur>
  </action>
  <organisme-formation-responsable>
    <numero-activite>52440000044</numero-activite>
    <SIRET-organisme-formation><SIRET>13000511900032</SIRET></SIRET-organisme-formation>
    <nom-organisme>Organisme Énergie Santé</nom-organisme>
    <raison-sociale>Organisme Énergie Santé</raison-sociale>
    <coordonnees-organisme><coordonnees><adresse><ligne>2 rue de la Loire</ligne><codepostal>44000</codepostal>
      <ville>Nantes</ville></adresse></coordonnees></coordonnees-organisme>
    <contact-organisme><coordonnees><nom>Direction</nom></coordonnees></contact-organisme>
  </organisme-formation-responsable>
</formation>
</offres>
</lheo>
"""


def foreign(tmp_path, *, ns=NS_23, encoding="UTF-8", name="flux.xml") -> Path:
    path = tmp_path / name
    path.write_bytes(FOREIGN.format(ns=ns, encoding=encoding).encode(encoding))
    return path


@pytest.mark.parametrize("ns,encoding", [(NS_23, "UTF-8"), (NS_22, "UTF-8"), (NS_23, "ISO-8859-1")])
def test_foreign_file_is_read(tmp_path, ns, encoding):
    findings = Findings()
    tables = read_lheo(foreign(tmp_path, ns=ns, encoding=encoding), findings)
    f = tables["formation"].raw.iloc[0]
    assert f["ref_formation"] == "F22"
    assert f["intitule"] == "Préparation à l'entrée en formation d'aide-soignant"
    a = tables["action"].raw.iloc[0]
    assert (a["ref_action"], a["niveau_entree"], a["code_site_dispensateur"]) == ("A22", "14", "13000511900032")
    sessions = tables["session"].raw
    assert list(sessions["ref_session"]) == ["S22", "S23"]
    assert list(sessions["date_debut"]) == ["2026-09-07", "2027-01-04"]
    assert list(sessions["code_site_lieu"]) == ["73282932000074"] * 2  # derived from the SIRET
    assert list(sessions["types_parcours"]) == ["collectif"] * 2
    assert list(sessions["duree_centre_h"]) == ["140"] * 2
    d = tables["dispositif"].raw
    assert list(d["ref_session"]) == ["S22", "S23"]  # the action's funder funds each session
    assert set(d["dispositif"]) == {"Collectivité territoriale - Conseil régional"}
    assert set(d["nb_places"]) == {"12"} and set(d["publics"]) == {"80011"}
    sites = tables["site"].raw.set_index("code_site")
    assert sites.at["13000511900032", "nom"] == "Organisme Énergie Santé"
    assert sites.at["73282932000074", "ville"] == "Angers"
    assert set(tables["contact"].raw["nom"]) == {"Accueil", "Direction"}
    unused = findings.frame()
    assert list(unused["code"]) == ["LHEO_UNUSED"]
    assert unused.iloc[0]["column"] == "formation/action/restauration"
    assert unused.iloc[0]["value"] == "1"


def test_foreign_file_findings_carry_line_and_path(tmp_path):
    path = foreign(tmp_path)
    path.write_text(
        path.read_text(encoding="utf-8").replace("<debut>20270104</debut>", "<debut>20271304</debut>"), encoding="utf-8"
    )
    result = run([path], today=TODAY)
    bad = result.findings[result.findings["code"] == "BAD_FORMAT"]
    assert len(bad) == 1
    row = bad.iloc[0]
    assert row["column"] == "formation/action/session/periode/debut"
    assert row["line"] == FOREIGN.splitlines().index('    <session numero="S23">') + 1
    assert row["value"] == "20271304"


# -- hostile and broken files -------------------------------------------------------------
LOL = "".join(f'<!ENTITY lol{i} "{("&lol%d;" % (i - 1)) * 10}">' for i in range(1, 10))
HOSTILE = {
    "xxe": (
        '<?xml version="1.0"?>\n<!DOCTYPE lheo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
        f'<lheo xmlns="{NS_23}"><offres><formation>&xxe;</formation></offres></lheo>',
        "XXE",
    ),
    "bomb": (
        f'<?xml version="1.0"?>\n<!DOCTYPE lheo [<!ENTITY lol0 "lol">{LOL}]>\n'
        f'<lheo xmlns="{NS_23}"><offres><formation>&lol9;</formation></offres></lheo>',
        "expansion",
    ),
    "network_dtd": (
        '<?xml version="1.0"?>\n<!DOCTYPE lheo SYSTEM "http://example.invalid/lheo.dtd">\n'
        f'<lheo xmlns="{NS_23}"><offres/></lheo>',
        "DTD externe",
    ),
    "parameter_entity": (
        '<?xml version="1.0"?>\n<!DOCTYPE lheo [<!ENTITY % ext SYSTEM '
        '"http://example.invalid/x.dtd"> %ext;]>\n'
        f'<lheo xmlns="{NS_23}"><offres/></lheo>',
        "XXE",
    ),
    "not_well_formed": (
        f'<?xml version="1.0"?>\n<lheo xmlns="{NS_23}">\n<offres>\n<formation>\n</offres>\n</lheo>',
        "ligne 5",
    ),
    "wrong_root": ('<?xml version="1.0"?>\n<catalogue><formation/></catalogue>', "racine « catalogue »"),
    "wrong_namespace": (
        '<?xml version="1.0"?>\n<lheo xmlns="http://example.org/autre"><offres/></lheo>',
        "espace de noms",
    ),
    "empty": ("", "XML"),
    "latin1_undeclared": (None, "ligne 2"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_or_broken_file_is_refused_in_one_line(tmp_path, case):
    import time

    text, expected = HOSTILE[case]
    path = tmp_path / f"{case}.xml"
    if text is None:  # Latin-1 bytes in a file that says nothing, hence UTF-8
        path.write_bytes(f'<lheo xmlns="{NS_23}">\n<offres><formation>é</formation></offres></lheo>'.encode("latin-1"))
    else:
        path.write_text(text, encoding="utf-8")
    start = time.perf_counter()
    with pytest.raises(InputError) as exc:
        run([path], today=TODAY)
    assert time.perf_counter() - start < 2
    message = str(exc.value)
    assert "\n" not in message and message.startswith(f"{case}.xml : ")
    assert expected in message


def test_cli_refuses_xxe_with_exit_code_2(tmp_path):
    from click.testing import CliRunner
    from pipeline.cli.main import main

    path = tmp_path / "xxe.xml"
    path.write_text(HOSTILE["xxe"][0], encoding="utf-8")
    result = CliRunner().invoke(main, ["import", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "XXE" in result.output and "Traceback" not in result.output


def test_reader_streams_formation_by_formation(tmp_path):
    """A file broken after its first formation still hands that formation over first."""
    good = FOREIGN.format(ns=NS_23, encoding="UTF-8")
    broken = good.replace(
        "</formation>\n</offres>", '</formation>\n<formation numero="X"><oops></formation>\n</offres>'
    )
    path = tmp_path / "broken.xml"
    path.write_text(broken, encoding="utf-8")
    stream = stream_lheo(path)
    first = next(stream)
    assert [r["ref_formation"] for r in first.rows["formation"]] == ["F22"]
    with pytest.raises(InputError, match="mal formé ligne"):
        next(stream)


def test_unused_extras_of_other_producers_are_counted(tmp_path):
    path = foreign(tmp_path)
    text = path.read_text(encoding="utf-8").replace(
        "</formation>\n</offres>",
        '<extras info="autre"><extra info="x">1</extra><extra info="y">2</extra></extras>\n</formation>\n</offres>',
    )
    path.write_text(text, encoding="utf-8")
    findings = Findings()
    read_lheo(path, findings)
    counts = dict(zip(findings.frame()["column"], findings.frame()["value"]))
    assert counts["formation/extras/extra"] == "2"


def test_extras_outside_formations_are_counted(tmp_path):
    path = foreign(tmp_path)
    text = path.read_text(encoding="utf-8").replace(
        "</offres>\n</lheo>",
        '<extras info="autre"><extra>1</extra></extras>\n</offres>\n'
        '<extras info="autre"><extra>2</extra><extra>3</extra></extras>\n</lheo>',
    )
    path.write_text(text, encoding="utf-8")
    findings = Findings()
    read_lheo(path, findings)
    counts = dict(zip(findings.frame()["column"], findings.frame()["value"]))
    assert counts["offres/extras"] == "1" and counts["offres/extras/extra"] == "1"
    assert counts["lheo/extras"] == "1" and counts["lheo/extras/extra"] == "2"


def test_directory_workbook_wins_over_the_sites_inline_in_lheo(tmp_path):
    """`fasd import lheo.xml --annuaire sites.xlsx`: the same codes are not duplicates."""
    offer = rich_offer()
    _, second, xml = round_trip(tmp_path, write_workbook(tmp_path / "offre.xlsx", offer))
    directory_book = write_workbook(tmp_path / "annuaire.xlsx", offer, entities=("site", "contact"))
    third = run([xml], annuaire=directory_book, today=TODAY)
    assert third.findings.empty, third.findings[["code", "entity", "key", "field", "message"]]
    assert strip(offer_records(third)) == strip(offer_records(second))
    assert len(third.tables["site"]) == 2
    assert set(third.tables["site"].raw["_source"]) == {"annuaire.xlsx"}
