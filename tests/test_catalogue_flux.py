"""`fasd flux` (issue 25, catalogue/flux.py), on SQLite and PostgreSQL: two partners get two
different flows, each XSD-valid and filtered as its entry says; the second night adds each
partner's delta since its previous flow; every flow is logged in the base."""

from __future__ import annotations

import json

from click.testing import CliRunner
from lxml import etree
from sqlalchemy import create_engine, select

from base_backends import base  # noqa: F401  (fixture)
from pipeline.catalogue.base import base_url
from pipeline.catalogue.schema import flux_log
from pipeline.cli.main import main
from test_catalogue_scenario import NS, SAMPLE, TODAY
from test_lheo import assert_valid

PARTNERS = """
[partenaires.region]
dispositifs = ["PRF-SAN"]

[partenaires.vendee]
departements = ["85"]
"""


def fasd(*args, code=0):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exit_code == code, result.output
    return result


def sessions(path) -> set[str]:
    return {el.get("numero") for el in etree.parse(str(path)).iter(f"{NS}session")}


def test_two_partners_get_two_filtered_flows_and_then_their_deltas(base, tmp_path):  # noqa: F811
    fasd("base", "init", "--base", base, "--sans-validation")
    fasd("import", SAMPLE, "--out", tmp_path / "a", "--base", base, "--today", TODAY)
    partners = tmp_path / "partenaires.toml"
    partners.write_text(PARTNERS, encoding="utf-8")
    out = tmp_path / "flux"
    shown = fasd("flux", "--base", base, "--partenaires", partners, "--out", out, "--today", TODAY).output
    assert "region :" in shown and "vendee :" in shown
    region, vendee = out / "region.xml", out / "vendee.xml"
    assert_valid(region)
    assert_valid(vendee)
    assert sessions(region) != sessions(vendee) and sessions(region) and sessions(vendee)
    funders = {el.text for el in etree.parse(str(region)).iter(f"{NS}code-financeur")}
    assert funders == {"2"}  # PRF-SAN only: the Conseil régional
    assert sessions(vendee) and all("-LRY-" in ref for ref in sessions(vendee))  # La Roche-sur-Yon (85)
    everything = sessions(tmp_path / "a" / "lheo.xml")
    assert sessions(region) < everything and sessions(vendee) < everything
    assert not (out / "region-delta.xml").exists()

    fasd("flux", "--base", base, "--partenaires", partners, "--out", out, "--today", TODAY)
    assert (out / "region-delta.retraits.csv").exists()
    engine = create_engine(base_url(base))
    with engine.connect() as conn:
        logged = conn.execute(select(flux_log.c.partenaire, flux_log.c.depuis, flux_log.c.files)).all()
    engine.dispose()
    assert sorted(p for p, _, _ in logged) == ["region", "region", "vendee", "vendee"]
    assert sum(1 for _, depuis, _ in logged if depuis is not None) == 2
    assert all(json.loads(files) for _, _, files in logged)


def test_a_partners_file_with_an_unknown_key_is_one_french_line(base, tmp_path):  # noqa: F811
    fasd("base", "init", "--base", base)
    partners = tmp_path / "p.toml"
    partners.write_text('[partenaires.x]\nregions = ["52"]\n', encoding="utf-8")
    refused = fasd("flux", "--base", base, "--partenaires", partners, "--out", tmp_path / "o", code=2)
    assert "clé(s) inconnue(s) regions" in refused.output and "Traceback" not in refused.output
