"""The catalogue's rules on small hand-made offers (tests/factory.py), on both backends:
SOFI codes honoured, conflicts left aside, rejected records untouched, dry runs,
partial and complete uploads, reactivation, and the errors a person gets."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, select

from base_backends import base  # noqa: F401  (fixture)
from factory import TODAY, run_offer, valid_offer
from pipeline import catalogue
from pipeline.catalogue.base import base_url
from pipeline.catalogue.schema import record, record_version
from pipeline.cli.main import main
from pipeline.model.errors import InputError


def rows(base_value: str) -> list[tuple]:
    engine = create_engine(base_url(base_value))
    try:
        with engine.connect() as conn:
            return sorted(tuple(map(str, r)) for r in conn.execute(select(record))) + sorted(
                tuple(map(str, r)) for r in conn.execute(select(record_version))
            )
    finally:
        engine.dispose()


def two_sessions() -> dict:
    offer = valid_offer()
    s2 = dict(offer["session"][0], ref_session="S2")
    d2 = dict(offer["dispositif"][0], ref_session="S2")
    offer["session"].append(s2)
    offer["dispositif"].append(d2)
    return offer


def apply(tmp_path, base_value, offer, name="offre", **kw):
    folder = tmp_path / name
    folder.mkdir(exist_ok=True)
    return catalogue.apply(run_offer(folder, offer), base_value, **kw)


def test_sofi_codes_are_honoured_and_new_ones_follow(base, tmp_path):  # noqa: F811
    catalogue.init(base, validation=False)
    offer = two_sessions()
    offer["formation"][0]["code_formation"] = "19482"
    offer["action"][0]["code_action"] = "89393"
    offer["session"][0]["code_session"] = "143842"
    apply(tmp_path, base, offer)
    offers, _, _ = catalogue.live_offers(base, today=TODAY)
    action = offers[0]["actions"][0]
    assert (offers[0]["code_formation"], action["code_action"]) == ("19482", "89393")
    assert {s["ref_session"]: s["code_session"] for s in action["sessions"]} == {"S1": "143842", "S2": "143843"}


def test_a_contradicting_sofi_code_is_a_conflict_left_aside(base, tmp_path):  # noqa: F811
    catalogue.init(base, validation=False)
    offer = valid_offer()
    apply(tmp_path, base, offer, "a")
    before = rows(base)
    offer["session"][0]["code_session"] = "777"
    offer["session"][0]["duree_centre_h"] = "30"
    report = apply(tmp_path, base, offer, "b")
    assert [(c.entity, c.key, c.change) for c in report.changes] == [("session", "S1", "conflit")]
    assert "ne change jamais" in report.changes[0].reason
    assert rows(base) == before


def test_a_sofi_code_names_the_record_even_under_a_new_ref(base, tmp_path):  # noqa: F811
    catalogue.init(base, validation=False)
    offer = valid_offer()
    offer["session"][0]["code_session"] = "500"
    apply(tmp_path, base, offer, "a")
    offer["session"][0]["ref_session"] = "S1-bis"
    offer["dispositif"][0]["ref_session"] = "S1-bis"
    report = apply(tmp_path, base, offer, "b")
    session = [c for c in report.changes if c.entity == "session"]
    assert [(c.key, c.change, c.fields) for c in session] == [
        ("S1-bis", "modification", {"cle": ["S1", "S1-bis"], "ref_session": ["S1", "S1-bis"]})
    ]


def test_a_rejected_record_keeps_what_the_base_holds_even_in_a_complete_upload(base, tmp_path):  # noqa: F811
    catalogue.init(base, validation=False)
    offer = two_sessions()
    apply(tmp_path, base, offer, "a")
    offer["session"][1]["date_fin"] = "01/01/2026"  # DATE_ORDER: S2 and its dispositif rejected
    offer["session"][1]["duree_centre_h"] = "20"
    report = apply(tmp_path, base, offer, "b", perimetre="complet")
    # nothing written; the rejected records the base holds are listed, kept (issue 25, D10)
    assert [(c.entity, c.key, c.change, c.code_fas) for c in report.changes] == [
        ("session", "S2", "rejete", "1-1-2"),
        ("dispositif", "S2\x1fD1", "rejete", "1-1-2"),
    ]
    assert report.rows_written == 0
    assert report.counts["session"]["inchange"] == 1
    offers, _, _ = catalogue.live_offers(base, today=TODAY)
    s2 = [s for s in offers[0]["actions"][0]["sessions"] if s["ref_session"] == "S2"][0]
    assert (s2["date_fin"], s2["duree_centre_h"]) == ("2026-10-30", 35)


def test_partial_leaves_absent_records_complete_withdraws_them_and_a_return_reactivates(base, tmp_path):  # noqa: F811
    catalogue.init(base, validation=False)
    apply(tmp_path, base, two_sessions(), "a")
    report = apply(tmp_path, base, valid_offer(), "b")  # S2 absent, partial
    assert report.changes == []
    report = apply(tmp_path, base, valid_offer(), "c", perimetre="complet")  # S2 absent, complete
    assert {(c.entity, c.key, c.change) for c in report.changes} == {
        ("session", "S2", "retrait"),
        ("dispositif", "S2\x1fD1", "retrait"),
    }
    offers, _, _ = catalogue.live_offers(base, today=TODAY)
    assert [s["ref_session"] for s in offers[0]["actions"][0]["sessions"]] == ["S1"]
    report = apply(tmp_path, base, two_sessions(), "d")
    assert {(c.entity, c.key, c.change) for c in report.changes} == {
        ("session", "S2", "reactivation"),
        ("dispositif", "S2\x1fD1", "reactivation"),
    }
    versions = catalogue.history(base, "S2")
    assert [v["change"] for v in versions[0]["versions"]] == ["creation", "retrait", "reactivation"]


def test_dry_run_reports_the_changes_and_writes_nothing(base, tmp_path):  # noqa: F811
    catalogue.init(base, validation=False)
    apply(tmp_path, base, valid_offer(), "a")
    before = rows(base)
    offer = valid_offer()
    offer["session"][0]["duree_centre_h"] = "30"
    report = apply(tmp_path, base, offer, "b", dry_run=True)
    assert [(c.key, c.change, c.fields) for c in report.changes] == [
        ("S1", "modification", {"duree_centre_h": [35, 30]})
    ]
    assert rows(base) == before


def test_complete_upload_of_an_empty_file_is_refused(base, tmp_path):  # noqa: F811
    catalogue.init(base, validation=False)
    apply(tmp_path, base, valid_offer(), "a")
    offer = valid_offer()
    offer["formation"] = []  # sessions without their formation: read, but no formation
    with pytest.raises(catalogue.BaseError, match="retirerait toute l'offre"):
        apply(tmp_path, base, offer, "b", perimetre="complet")
    for entity in ("action", "session", "dispositif"):
        offer[entity] = []
    with pytest.raises(InputError, match="aucune offre lue"):  # an empty file stops at the reader
        apply(tmp_path, base, offer, "c", perimetre="complet")


def test_a_base_not_initialised_is_one_french_line_and_exit_2(base, tmp_path):  # noqa: F811
    from factory import write_workbook

    book = write_workbook(tmp_path / "offre.xlsx", valid_offer())
    result = CliRunner().invoke(main, ["import", str(book), "--out", str(tmp_path / "o"), "--base", base])
    assert result.exit_code == 2
    assert "fasd base init" in result.output
    assert not (tmp_path / "o" / "changes.csv").exists()


def test_import_summary_and_changes_json_carry_the_counts(tmp_path):
    from factory import write_workbook

    base_value = str(tmp_path / "c.sqlite")
    runner = CliRunner()
    assert runner.invoke(main, ["base", "init", "--base", base_value, "--sans-validation"]).exit_code == 0
    book = write_workbook(tmp_path / "offre.xlsx", valid_offer())
    result = runner.invoke(
        main,
        [
            "import",
            str(book),
            "--out",
            str(tmp_path / "o"),
            "--base",
            base_value,
            "--today",
            TODAY.isoformat(),
            "--dry-run",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "--dry-run, base inchangée" in result.output
    payload = json.loads((tmp_path / "o" / "changes.json").read_text(encoding="utf-8"))
    assert payload["summary"]["dry_run"] is True and payload["summary"]["total"]["creation"] == 6
    assert [c["key"] for c in payload["changes"] if c["entity"] == "dispositif"] == ["S1 / D1"]
    summary = json.loads((tmp_path / "o" / "summary.json").read_text(encoding="utf-8"))
    assert summary["catalogue"]["total"]["creation"] == 6
    assert rows(base_value) == []


def test_report_xlsx_gets_a_modifications_sheet_that_reimport_skips(tmp_path):
    import openpyxl
    from factory import write_workbook
    from pipeline.engine.run import run

    base_value = str(tmp_path / "c.sqlite")
    catalogue.init(base_value, validation=False)
    apply(tmp_path, base_value, valid_offer(), "a")
    offer = valid_offer()
    offer["session"][0]["duree_centre_h"] = "30"
    book = write_workbook(tmp_path / "offre.xlsx", offer)
    result = CliRunner().invoke(
        main, ["import", str(book), "--out", str(tmp_path / "o"), "--base", base_value, "--today", TODAY.isoformat()]
    )
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(tmp_path / "o" / "report.xlsx")
    assert wb.sheetnames[:2] == ["Rapport", "Modifications"]
    lines = [[c for c in row] for row in wb["Modifications"].iter_rows(values_only=True)]
    assert ["Sessions", "S1", "1-1-1", "modification", "duree_centre_h", "35", "30", None] in lines
    again = run([tmp_path / "o" / "report.xlsx"], today=TODAY)
    assert {e: int(a.sum()) for e, a in again.accepted.items()} == {
        "site": 1,
        "contact": 1,
        "formation": 1,
        "action": 1,
        "session": 1,
        "dispositif": 1,
    }
    assert "UNKNOWN_COLUMN" not in set(again.findings["code"])


def test_export_since_a_date_sends_the_formations_changed_since(base, tmp_path):  # noqa: F811
    import datetime as dt
    from sqlalchemy import update
    from pipeline.catalogue.schema import run as run_table

    offer = valid_offer()
    offer["formation"].append(dict(offer["formation"][0], ref_formation="F2"))
    offer["action"].append(dict(offer["action"][0], ref_action="A2", ref_formation="F2"))
    offer["session"].append(dict(offer["session"][0], ref_session="S2", ref_action="A2"))
    offer["session"].append(dict(offer["session"][0], ref_session="S3", ref_action="A2"))
    offer["dispositif"] += [
        dict(offer["dispositif"][0], ref_session="S2"),
        dict(offer["dispositif"][0], ref_session="S3"),
    ]
    catalogue.init(base, validation=False)
    apply(tmp_path, base, offer, "a")
    engine = create_engine(base_url(base))
    with engine.begin() as conn:  # the first import was long ago
        conn.execute(update(run_table).values(started_at=dt.datetime(2020, 1, 6, tzinfo=dt.timezone.utc)))
    engine.dispose()
    since = dt.date(2021, 1, 1)
    assert catalogue.export(base, tmp_path / "none.xml", since=since, today=TODAY) == 0
    offer["session"] = [s for s in offer["session"] if s["ref_session"] != "S3"]
    offer["dispositif"] = [d for d in offer["dispositif"] if d["ref_session"] != "S3"]
    apply(tmp_path, base, offer, "b", perimetre="complet")  # S3 withdrawn: F2 changed
    offers, _, _ = catalogue.live_offers(base, since=since, today=TODAY)
    assert [(f["ref_formation"], [s["ref_session"] for a in f["actions"] for s in a["sessions"]]) for f in offers] == [
        ("F2", ["S2"])
    ]


def test_the_migrations_build_exactly_the_schema_of_schema_py(base):  # noqa: F811
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from pipeline.catalogue.schema import metadata

    assert catalogue.init(base) == (None, "0007")
    assert catalogue.init(base) == ("0007", "0007")
    engine = create_engine(base_url(base))
    try:
        with engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), metadata) == []
    finally:
        engine.dispose()


def test_a_server_that_does_not_answer_is_one_french_line_and_exit_2(tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["stats", "--base", "postgresql://fasd@127.0.0.1:1/nowhere"])
    assert result.exit_code == 2
    assert "inaccessible" in result.output and "Traceback" not in result.output
    result = runner.invoke(main, ["stats", "--base", "mysql://x@127.0.0.1/db"])
    assert result.exit_code == 2 and "seules SQLite et PostgreSQL" in result.output


def test_a_base_of_a_newer_program_is_refused_and_never_touched(base, tmp_path):  # noqa: F811
    from sqlalchemy import text

    catalogue.init(base)
    engine = create_engine(base_url(base))
    with engine.begin() as conn:
        conn.execute(text("update alembic_version set version_num = '0099_future'"))
    runner = CliRunner()
    book = tmp_path / "offre.xlsx"
    from factory import write_workbook

    write_workbook(book, valid_offer())
    for args in (
        ["base", "init", "--base", base],
        ["import", str(book), "--out", str(tmp_path / "out"), "--base", base, "--today", TODAY.isoformat()],
        ["stats", "--base", base],
    ):
        result = runner.invoke(main, args)
        assert result.exit_code == 2, result.output
        assert "version plus récente" in result.output and "mettez à jour le programme" in result.output
        assert "lancez « fasd base init" not in result.output
    with engine.connect() as conn:
        assert conn.execute(text("select version_num from alembic_version")).scalar() == "0099_future"
    engine.dispose()


SQL_REF = "F'); DROP TABLE record;--"


def test_sql_like_refs_are_stored_and_shown_as_text(base, tmp_path):  # noqa: F811
    """A ref that reads as SQL is a key like any other, on both backends (issue 29, what held)."""
    from sqlalchemy import inspect

    from factory import write_workbook

    offer = valid_offer()
    offer["formation"][0]["ref_formation"] = SQL_REF
    offer["action"][0]["ref_formation"] = SQL_REF
    book = write_workbook(tmp_path / "offre.xlsx", offer)
    runner = CliRunner()
    assert runner.invoke(main, ["base", "init", "--base", base]).exit_code == 0
    args = ["import", str(book), "--out", str(tmp_path / "out"), "--base", base, "--today", TODAY.isoformat()]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    engine = create_engine(base_url(base))
    try:
        with engine.connect() as conn:
            keys = [r.key for r in conn.execute(select(record.c.key).where(record.c.entity == "formation"))]
            assert keys == [SQL_REF]
            assert {"record", "record_version", "run"} <= set(inspect(conn).get_table_names())
    finally:
        engine.dispose()
    shown = runner.invoke(main, ["historique", "--base", base, SQL_REF, "--json"])
    assert shown.exit_code == 0 and json.loads(shown.output)[0]["key"] == SQL_REF
    refused = runner.invoke(main, [*args[:-2], "--organisme", "' OR 1=1 --", "--today", TODAY.isoformat()])
    assert refused.exit_code == 2 and "Traceback" not in refused.output
