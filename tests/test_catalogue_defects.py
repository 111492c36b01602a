"""Defects of the catalogue found by the week of nightly imports (issue 25: D1, D3, D5,
D8, D10), each on a small hand-made offer, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import json

from click.testing import CliRunner

from base_backends import base  # noqa: F401  (fixture)
from factory import TODAY, run_offer, valid_offer, write_workbook
from pipeline import catalogue
from pipeline.cli.main import main


def fasd(*args, code=0):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exit_code == code, result.output
    return result


def sessions(base_value, today=TODAY) -> dict[str, list[str]]:
    offers, _, _ = catalogue.live_offers(base_value, today=today)
    return {
        s["ref_session"]: [d["ref_dispositif"] for d in s["dispositifs"]]
        for f in offers
        for a in f["actions"]
        for s in a["sessions"]
    }


def two_sessions() -> dict:
    offer = valid_offer()
    offer["session"].append(dict(offer["session"][0], ref_session="S2"))
    offer["dispositif"].append(dict(offer["dispositif"][0], ref_session="S2", ref_dispositif="D2"))
    return offer


def test_d1_d10_a_rejected_session_keeps_its_dispositif_and_changes_csv_says_so(base, tmp_path):  # noqa: F811
    """D1: a session rejected (NO_CHILD: its dispositif left out) in a complete upload keeps
    its version AND its dispositif; D10: changes.csv lists it, kept at the base's version."""
    catalogue.init(base, validation=False)
    first = tmp_path / "a"
    first.mkdir()
    catalogue.apply(run_offer(first, two_sessions()), base)
    offer = two_sessions()
    del offer["dispositif"][1]  # S2 without a dispositif: rejected
    book = write_workbook(tmp_path / "b.xlsx", offer)
    out = tmp_path / "b"
    fasd("import", book, "--out", out, "--base", base, "--today", TODAY, "--perimetre", "complet", code=1)
    assert sessions(base) == {"S1": ["D1"], "S2": ["D2"]}
    with open(out / "changes.csv", encoding="utf-8-sig", newline="") as fh:
        kept = [(r["entite"], r["cle"], r["changement"]) for r in csv.DictReader(fh, delimiter=";")]
    assert ("Sessions", "S2", "rejeté, gardé") in kept
    assert not [k for k in kept if k[2] == "retrait"]


def test_d3_stats_count_only_what_the_export_serves(base, tmp_path):  # noqa: F811
    """D3: a formation whose sessions all ended is not « en ligne »; a session left without a
    published dispositif (its D2 withdrawn, its new D3 waiting for validation) is not active —
    the counters agree with the export."""
    import datetime as dt

    catalogue.init(base)
    first = tmp_path / "a"
    first.mkdir()
    catalogue.apply(run_offer(first, two_sessions()), base)
    fasd("validation", "valider", "--base", base, "--tout")
    after_end = dt.date(2026, 11, 2)  # both sessions ended on 30/10/2026
    counts = catalogue.stats(base, today=after_end)
    assert counts["formations"] == 0 and counts["sessions_actives"] == 0 and sessions(base, after_end) == {}
    offer = two_sessions()
    offer["dispositif"][1]["ref_dispositif"] = "D3"
    second = tmp_path / "b"
    second.mkdir()
    catalogue.apply(run_offer(second, offer), base, perimetre="complet")
    counts = catalogue.stats(base, today=TODAY)
    assert sessions(base) == {"S1": ["D1"]}
    assert counts["sessions_actives"] == 1 and counts["sessions_inactives"] == 1 and counts["formations"] == 1


def test_d5_a_refused_import_is_a_run_with_its_reason(base, tmp_path):  # noqa: F811
    """D5: an unreadable file (exit 2) leaves a `run` row saying why, with the file's name."""
    from sqlalchemy import create_engine, select

    from pipeline.catalogue.base import base_url
    from pipeline.catalogue.schema import run

    catalogue.init(base)
    broken = tmp_path / "offre.xlsx"
    broken.write_bytes(b"not a workbook")
    fasd("import", broken, "--out", tmp_path / "o", "--base", base, "--today", TODAY, code=2)
    engine = create_engine(base_url(base))
    with engine.connect() as conn:
        (row,) = conn.execute(select(run.c.refused, run.c.inputs, run.c.finished_at)).all()
    engine.dispose()
    assert row.refused and "offre.xlsx" in row.refused
    assert [i["name"] for i in json.loads(row.inputs)] == ["offre.xlsx"] and row.finished_at is not None


def test_d8_the_base_keeps_every_element_the_imports_lheo_xml_holds(base, tmp_path):  # noqa: F811
    """D8: a formation read from a producer's LHÉO flow goes out of the base with every
    element the import's own lheo.xml holds (its `lheo_origine` is kept in the base)."""
    from test_lheo import assert_valid
    from test_lheo_flows import TREFLE, element_values

    fasd("base", "init", "--base", base, "--sans-validation")
    out = tmp_path / "import"
    day = "2018-11-01"  # the flow's session ends on 10/12/2018
    fasd("import", TREFLE, "--out", out, "--base", base, "--today", day)
    flux = tmp_path / "flux.xml"
    fasd("export", "--base", base, "--out", flux, "--today", day)
    assert_valid(flux)

    def offer(path):
        return {(p, v): n for (p, v), n in element_values(path).items() if p.startswith("/lheo/offres/formation")}

    imported, exported = offer(out / "lheo.xml"), offer(flux)
    lost = [k for k, n in imported.items() if exported.get(k, 0) < n]
    assert imported and lost == []


def test_an_offer_a_completer_from_lheo_stays_a_draft(base, tmp_path):  # noqa: F811
    """The « à compléter » mark of a LHÉO flow travels into the base: its actions are
    « en cours de saisie », not sent to the Carif-Oref's validation."""
    from test_lheo_flows import TREFLE

    catalogue.init(base)
    fasd("import", TREFLE, "--out", tmp_path / "o", "--base", base, "--today", TODAY)
    counts = catalogue.stats(base, today=TODAY)
    assert counts["actions_en_cours_de_saisie"] >= 1 and counts["actions_en_attente_validation"] == 0
