"""The catalogue per owner (issue 22), on SQLite and PostgreSQL: a file of two owners is
applied under both, export and stats select by SIRET or SIREN, a complete upload of one
owner withdraws nothing of the other, directory records follow their owner.

The offers are those of tests/test_organisations.py: F1, F2 of the group (establishment
G1, SIRET 77871234900019), delivered by subcontractors S1, S2 of other SIRENs; F3 of
36364 (SIRET 13000511900032).
"""

from __future__ import annotations

import json

from click.testing import CliRunner
from sqlalchemy import create_engine, select

from base_backends import base  # noqa: F401  (fixture)
from factory import TODAY, write_workbook
from pipeline import catalogue
from pipeline.catalogue.base import base_url
from pipeline.catalogue.schema import etablissement, organisation, record
from pipeline.cli.main import main
from pipeline.engine.run import run
from test_organisations import GROUP, OTHER, SUB1, SUB2, group_offer


def owners_of(base_value: str) -> dict[tuple[str, str], tuple[str, str | None, str]]:
    """(entity, key) -> (SIREN of its organisation, SIRET of its establishment, status)."""
    engine = create_engine(base_url(base_value))
    try:
        with engine.connect() as conn:
            query = (
                select(record.c.entity, record.c.key, organisation.c.code, etablissement.c.siret, record.c.status)
                .join(organisation, organisation.c.id == record.c.organisation_id)
                .outerjoin(etablissement, etablissement.c.id == record.c.etablissement_id)
            )
            return {(e, k): (o, s, st) for e, k, o, s, st in conn.execute(query)}
    finally:
        engine.dispose()


def apply(tmp_path, base_value, offer, name, **kw):
    folder = tmp_path / name
    folder.mkdir()
    result = run([write_workbook(folder / "offre.xlsx", offer)], today=TODAY, organisme=kw.get("organisation"))
    return catalogue.apply(result, base_value, **kw)


def test_a_file_of_two_owners_is_applied_under_both(base, tmp_path):  # noqa: F811
    catalogue.init(base, validation=False)
    report = apply(tmp_path, base, group_offer(second_owner=True), "a")
    assert report.organisation == "130005119, 401234562, 502345671, 778712349"
    got = owners_of(base)
    for ref in ("F1", "A1", "S1", "F2", "A2", "S2"):
        assert got[(("formation", "action", "session")["FAS".index(ref[0])], ref)] == ("778712349", GROUP, "actif")
    assert got[("formation", "F3")] == ("130005119", OTHER, "actif")
    assert got[("dispositif", "S3\x1fD3")] == ("130005119", OTHER, "actif")
    # directory records follow their owner, never the offers that only use them
    assert got[("site", "S1")] == ("401234562", SUB1, "actif")
    assert got[("site", "S2")] == ("502345671", SUB2, "actif")
    assert got[("site", "G1")] == ("778712349", GROUP, "actif")
    assert got[("contact", "C2")] == ("401234562", SUB1, "actif")  # its site is S1
    assert got[("contact", "C1")] == ("778712349", GROUP, "actif")
    assert {e["siret"]: e["siren"] for e in catalogue.establishments(base)} == {
        GROUP: "778712349",
        OTHER: "130005119",
        SUB1: "401234562",
        SUB2: "502345671",
    }


def test_export_and_stats_give_each_owner_its_own_offer(base, tmp_path):  # noqa: F811
    catalogue.init(base, validation=False)
    apply(tmp_path, base, group_offer(second_owner=True), "a")

    def refs(organisation):
        offers, sites, _ = catalogue.live_offers(base, organisation=organisation, today=TODAY)
        return sorted(f["ref_formation"] for f in offers), sites

    group, sites = refs(GROUP)
    assert group == ["F1", "F2"] and {"S1", "S2", "G1"} <= set(sites)  # the subcontractors' sites too
    assert refs("778 712 349")[0] == ["F1", "F2"]
    assert refs(OTHER)[0] == ["F3"]
    assert refs([GROUP, "130005119"])[0] == ["F1", "F2", "F3"]
    assert refs(SUB1)[0] == []  # a subcontractor owns no offer
    assert catalogue.stats(base, organisation=GROUP, today=TODAY)["formations"] == 2
    assert catalogue.stats(base, organisation=OTHER, today=TODAY)["sessions_actives"] == 1
    assert catalogue.stats(base, today=TODAY)["formations"] == 3

    runner = CliRunner()
    out = tmp_path / "flux.xml"
    done = runner.invoke(
        main, ["export", "--base", base, "--out", str(out), "--organisme", OTHER, "--today", "2026-03-01"]
    )
    assert done.exit_code == 0, done.output
    assert "1 formation(s)" in done.output
    stats = runner.invoke(
        main, ["stats", "--base", base, "--organisme", GROUP, "--organisme", OTHER, "--json", "--today", "2026-03-01"]
    )
    assert stats.exit_code == 0, stats.output
    assert json.loads(stats.output)["Formations en ligne"] == 3
    unknown = runner.invoke(main, ["stats", "--base", base, "--organisme", "77871234900027"])
    assert unknown.exit_code == 2 and "aucun établissement de SIRET 77871234900027" in unknown.output


def test_a_complete_upload_of_one_owner_withdraws_nothing_of_the_other(base, tmp_path):  # noqa: F811
    catalogue.init(base, validation=False)
    apply(tmp_path, base, group_offer(second_owner=True), "a")
    only_f1 = group_offer()  # the group's file, without F2 nor anything of 36364
    for entity in ("formation", "action", "session", "dispositif"):
        only_f1[entity] = only_f1[entity][:1]
    report = apply(tmp_path, base, only_f1, "b", perimetre="complet")
    withdrawn = sorted((c.entity, c.key) for c in report.changes if c.change == "retrait")
    assert withdrawn == [("action", "A2"), ("dispositif", "S2\x1fD2"), ("formation", "F2"), ("session", "S2")]
    got = owners_of(base)
    assert got[("formation", "F3")][2] == "actif" and got[("session", "S3")][2] == "actif"
    # the same with --organisme naming the group: still nothing of 36364
    report = apply(tmp_path, base, group_offer(second_owner=True), "c", organisation=GROUP, perimetre="complet")
    assert not [c for c in report.changes if c.change == "retrait"]
    assert owners_of(base)[("formation", "F3")][2] == "actif"


def test_a_foreign_offer_is_rejected_alone_into_the_base(base, tmp_path):  # noqa: F811
    catalogue.init(base, validation=False)
    book = write_workbook(tmp_path / "offre.xlsx", group_offer(second_owner=True))
    runner = CliRunner()
    done = runner.invoke(
        main,
        [
            "import",
            str(book),
            "--out",
            str(tmp_path / "o"),
            "--base",
            base,
            "--organisme",
            GROUP,
            "--today",
            "2026-03-01",
        ],
    )
    assert done.exit_code == 1, done.output  # F3's ORGANISME_AUTRE
    got = owners_of(base)
    assert ("formation", "F1") in got and ("formation", "F2") in got and ("formation", "F3") not in got
    summary = json.loads((tmp_path / "o" / "summary.json").read_text(encoding="utf-8"))
    assert summary["catalogue"]["etablissements"] == [GROUP]


def test_an_offer_that_changes_establishment_is_one_modification(base, tmp_path):  # noqa: F811
    catalogue.init(base, validation=False)
    offer = group_offer()
    apply(tmp_path, base, offer, "a")
    offer["site"].append(dict(offer["site"][0], code_site="G2", siret="77871234900027", nom="Ligéria - Angers"))
    offer["session"][1]["code_site_responsable"] = "G2"
    report = apply(tmp_path, base, offer, "b")
    moved = [c for c in report.changes if c.change == "modification" and c.entity == "formation"]
    assert [(c.key, c.fields.get("etablissement")) for c in moved] == [("F2", [GROUP, "77871234900027"])]
    assert owners_of(base)[("dispositif", "S2\x1fD2")][1] == "77871234900027"


def test_a_base_of_revision_0001_is_upgraded_and_its_records_withdrawn_per_organisation(base, tmp_path):  # noqa: F811
    """Records written before establishments existed (NULL) belong to their organisation: a
    complete upload of that organisation may withdraw them, never another organisation's."""
    from alembic import command
    from sqlalchemy import update

    from pipeline.catalogue.base import _alembic_config, open_engine

    engine = open_engine(base, must_exist=False)
    with engine.begin() as conn:
        command.upgrade(_alembic_config(conn), "0001")
    engine.dispose()
    assert catalogue.init(base, validation=False) == ("0001", "0007")
    apply(tmp_path, base, group_offer(second_owner=True), "a")
    engine = create_engine(base_url(base))
    with engine.begin() as conn:
        conn.execute(update(record).values(etablissement_id=None))
    engine.dispose()
    only_f1 = group_offer()
    for entity in ("formation", "action", "session", "dispositif"):
        only_f1[entity] = only_f1[entity][:1]
    report = apply(tmp_path, base, only_f1, "b", perimetre="complet")
    assert sorted(c.key for c in report.changes if c.change == "retrait" and c.entity == "formation") == ["F2"]
    got = owners_of(base)
    assert got[("formation", "F3")] == ("130005119", None, "actif")
    assert got[("formation", "F1")] == ("778712349", GROUP, "actif")  # written again: now owned


def test_a_contact_without_site_follows_the_offer_naming_it(base, tmp_path):  # noqa: F811
    catalogue.init(base)
    offer = group_offer(second_owner=True)
    offer["contact"] += [
        {"code_contact": "C3", "nom": "référente handicap"},  # no site: named by F3's session
        {"code_contact": "C4", "nom": "personne"},  # no site, named by nobody
    ]
    offer["session"][2]["referent_pmr"] = "C3"
    report = apply(tmp_path, base, offer, "a")
    got = owners_of(base)
    assert got[("contact", "C3")] == ("130005119", OTHER, "actif")
    assert ("contact", "C4") not in got
    conflicts = [(c.entity, c.key, c.reason) for c in report.changes if c.change == "conflit"]
    assert conflicts == [
        ("contact", "C4", "établissement inconnu : ni son site ni une offre qui le nomme ne sont dans le fichier")
    ]


def test_import_of_two_owners_into_the_base_without_organisme(base, tmp_path):  # noqa: F811
    catalogue.init(base)
    book = write_workbook(tmp_path / "offre.xlsx", group_offer(second_owner=True))
    done = CliRunner().invoke(
        main, ["import", str(book), "--out", str(tmp_path / "o"), "--base", base, "--today", "2026-03-01"]
    )
    assert done.exit_code == 0, done.output
    assert "organismes 130005119, 401234562, 502345671, 778712349" in done.output
    summary = json.loads((tmp_path / "o" / "summary.json").read_text(encoding="utf-8"))
    assert summary["catalogue"]["etablissements"] == [OTHER, GROUP]
    assert summary["catalogue"]["total"]["creation"] == 3 * 4 + 4 + 2  # 3 offers of 4 records, 4 sites, 2 contacts


def test_an_upload_never_changes_the_site_of_an_establishment_outside_it(base, tmp_path):  # noqa: F811
    """A subcontractor's site named by the group's upload (`--organisme` = the group) is
    created when the base lacks it, but a change to it is its owner's, not the group's."""
    catalogue.init(base, validation=False)
    apply(tmp_path, base, group_offer(), "first")  # no --organisme: the file's owners write their own
    before = owners_of(base)[("site", "S1")]
    renamed = group_offer()
    renamed["site"][1]["nom"] = "Nom changé par le groupe"
    report = apply(tmp_path, base, renamed, "group", organisation=(GROUP,))
    conflicts = [c for c in report.changes if c.entity == "site" and c.key == "S1"]
    assert [c.change for c in conflicts] == ["conflit"] and SUB1 in conflicts[0].reason
    assert report.counts["site"]["modification"] == 0
    assert catalogue.history(base, "S1")[0]["versions"][-1]["version"] == 1
    assert owners_of(base)[("site", "S1")] == before
    own = apply(tmp_path, base, renamed, "own", organisation=(SUB1,))  # its owner may
    assert own.counts["site"]["modification"] == 1
