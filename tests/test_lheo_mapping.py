"""The mapping table (pipeline/lheo/mapping.py) says where the writer puts each field.

The reader reads at the table's paths by construction (readers/lheo_rows.py); the
writer builds its elements by hand, so this checks that a file written from an offer
filling every field (and the bundled sample, for certifications and blocs) holds an
element at every path of the table, and that a "std" field is read back from its
element alone.
"""

from __future__ import annotations

from lxml import etree

import pytest

from factory import SAMPLES, TODAY, write_workbook
from pipeline.lheo import NS_23
from pipeline.model.findings import Findings
from pipeline.lheo import mapping
from pipeline.model.fields import ENTITIES
from pipeline.readers.lheo import read_lheo
from pipeline.engine.run import run
from pipeline.model.records import directory_records, offer_records
from pipeline.writers.lheo import write_lheo, write_offers
from test_lheo import rich_offer


def xpath(path: str) -> str:
    """`formation/action/@numero` -> an XPath of LHÉO elements (the attribute kept)."""
    return "/".join(step if step.startswith("@") else f"l:{step}" for step in path.split("/"))


NS = {"l": NS_23}


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """The `offres` of lheo.xml written from the rich offer and from the sample."""
    tmp = tmp_path_factory.mktemp("mapping")
    out = []
    for name, source in (
        ("riche", write_workbook(tmp / "offre.xlsx", rich_offer())),
        ("exemple", SAMPLES / "offre-sanitaire-social.xlsx"),
    ):
        result = run([source], today=TODAY)
        offers = list(offer_records(result))
        offers[0].setdefault("code_rs", "RS5001")  # no certification of the reference has one
        xml = tmp / f"{name}.xml"
        assert write_offers(offers, directory_records(result, "site"), directory_records(result, "contact"), xml) >= 1
        out.append(etree.parse(str(xml)).getroot().find("l:offres", NS))
    return out


def test_every_path_of_the_table_is_written(files):
    missing = [
        (r.entity, r.field, r.path)
        for e in mapping.OFFER_ENTITIES
        for r in mapping.rows(e)
        if r.path and not any(f.xpath(xpath(r.path), namespaces=NS) for f in files)
    ]
    assert missing == [], missing


def test_every_site_and_contact_path_is_written(files):
    """Site paths inside the elements holding a site (the responsible organisation's
    coordinates in `coordonnees-organisme`), contact paths inside `contact-*`."""
    offers = files[0]
    sites = [el for path in mapping.SITE_ELEMENTS.values() for el in offers.xpath(xpath(path), namespaces=NS)]
    sites += [
        el.find("l:coordonnees-organisme", NS)
        for el in offers.xpath(xpath(mapping.SITE_ELEMENTS["responsable"]), namespaces=NS)
    ]
    contacts = offers.xpath("//l:contact-formation | //l:contact-organisme | //l:contact-session", namespaces=NS)
    for entity, holders in (("site", sites), ("contact", contacts)):
        for r in mapping.rows(entity):
            if r.path:
                assert any(h.xpath(xpath(r.path), namespaces=NS) for h in holders), (entity, r.field, r.path)


def test_standard_fields_are_read_without_the_fasd_extras(tmp_path):
    """A field the table calls "std" is read from its LHÉO element alone: the file
    without FASD's extras gives the same value as with them."""
    result = run([write_workbook(tmp_path / "offre.xlsx", rich_offer())], today=TODAY)
    xml = tmp_path / "lheo.xml"
    write_lheo(result, xml)
    tree = etree.parse(str(xml))
    for x in tree.xpath("//l:extras[@info='fasd' or @info='fasd-annuaire']", namespaces=NS):
        x.getparent().remove(x)
    bare = tmp_path / "sans-extras.xml"
    tree.write(str(bare), encoding="utf-8", xml_declaration=True)
    full, foreign = (read_lheo(p, Findings()) for p in (xml, bare))
    for entity in ("formation", "action", "session"):
        key = ENTITIES[entity].key[0]
        standard = [r.field for r in mapping.rows(entity) if r.how == mapping.STD]
        expected = full[entity].raw.drop_duplicates(key).set_index(key)[standard[1:]]
        got = foreign[entity].raw.drop_duplicates(key).set_index(key)[standard[1:]]
        assert len(expected) and (expected != "").any().sum() >= len(standard) - 4, entity
        assert got.sort_index().equals(expected.sort_index()), entity
    places = {(r.ref_session, r.nb_places) for r in foreign["dispositif"].raw.itertuples()}
    assert places and places <= {(r.ref_session, r.nb_places) for r in full["dispositif"].raw.itertuples()}
