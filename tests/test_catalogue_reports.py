"""A committed run always has its report (issue 29, item 2): the base keeps each applied
run's change report, and `fasd changements --run N` writes it again.

The kill test runs `fasd import --base` as a child process and kills it with SIGKILL at
the `committed` pause (FASD_BASE_TEST_HOLD, catalogue/commands.py): the base has
committed, the output folder is not swapped in. `fasd changements` must then give the
changes an uninterrupted import of the same file into a twin base gives.
"""

from __future__ import annotations

import csv
import json
import os
import signal
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import create_engine, func, select

from base_backends import base, fresh_schema  # noqa: F401  (fixture)
from pipeline.catalogue.base import base_url
from pipeline.catalogue.schema import run_change, run_report
from test_catalogue_safety import _edited, finish, import_args, prepared, start, wait_for

RUN_FILES = ["changes.csv", "changes.json", "changes.xlsx"]


@pytest.fixture
def twin(base, tmp_path):  # noqa: F811
    """A second empty base on the same backend as `base`."""
    if "://" not in base:
        yield str(tmp_path / "jumelle.sqlite")
        return
    with fresh_schema() as url:
        yield url


def csv_rows(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh, delimiter=";"))


def json_report(path: Path) -> dict:
    payload = json.loads(path.read_text(encoding="utf-8"))
    del payload["summary"]["base"]  # the two bases differ by name only
    return payload


def sheet(path: Path) -> list[list]:
    ws = openpyxl.load_workbook(path, read_only=True)["Modifications"]
    return [[c for c in row] for row in ws.iter_rows(values_only=True)]


def fasd(*args):
    return finish(start(*args))


def test_changes_of_a_run_killed_after_its_commit_are_written_again(base, twin, tmp_path):  # noqa: F811
    book = _edited(tmp_path)  # one modification, two withdrawals against the sample
    for value in (base, twin):
        prepared(value)
    hold = tmp_path / "hold"
    hold.write_text("")
    killed_out = tmp_path / "killed"
    child = start(*import_args(book, killed_out, base, "--perimetre", "complet"), hold=hold, at="committed")
    wait_for(Path(f"{hold}.committed"), child)
    os.kill(child.pid, signal.SIGKILL)
    child.communicate()
    assert child.returncode == -signal.SIGKILL
    assert not killed_out.exists()  # the person got nothing from that run

    whole = tmp_path / "ininterrompu"
    code, _, err = fasd(*import_args(book, whole, twin, "--perimetre", "complet"))
    assert code == 0, err
    again = tmp_path / "reecrit"
    code, out, err = fasd("changements", "--base", base, "--run", "2", "--out", again)
    assert code == 0, err
    assert "Import n° 2" in out
    assert sorted(p.name for p in again.iterdir()) == RUN_FILES

    rows = csv_rows(again / "changes.csv")
    assert sorted(r[3] for r in rows[1:]) == ["modification", "retrait", "retrait"]
    assert rows == csv_rows(whole / "changes.csv")
    assert (again / "changes.csv").read_bytes() == (whole / "changes.csv").read_bytes()
    assert json_report(again / "changes.json") == json_report(whole / "changes.json")
    assert json_report(again / "changes.json")["summary"]["run"] == 2
    assert sheet(again / "changes.xlsx") == sheet(whole / "report.xlsx")


def test_every_applied_run_keeps_its_report_a_dry_run_none(base, tmp_path):  # noqa: F811
    prepared(base)  # run 1: 59 creations
    code, _, err = fasd(*import_args(_edited(tmp_path), tmp_path / "essai", base, "--dry-run"))
    assert code == 0, err
    engine = create_engine(base_url(base))
    try:
        with engine.connect() as conn:
            reports = conn.execute(select(run_report.c.run_id)).scalars().all()
            changes = conn.execute(select(func.count()).select_from(run_change)).scalar()
    finally:
        engine.dispose()
    assert reports == [1] and changes == 59
    again = tmp_path / "reecrit"
    code, _, err = fasd("changements", "--base", base, "--run", "1", "--out", again)
    assert code == 0, err
    assert sorted({r[3] for r in csv_rows(again / "changes.csv")[1:]}) == ["création"]


def test_unknown_run_is_one_french_line(base, tmp_path):  # noqa: F811
    prepared(base)
    code, _, err = fasd("changements", "--base", base, "--run", "9", "--out", tmp_path / "x")
    assert code == 2
    assert err.strip() == "fasd : erreur : --run 9 : aucun import n° 9 dans cette base (voir fasd historique)."
    assert not (tmp_path / "x").exists()


def test_a_run_without_a_kept_report_says_why(tmp_path):
    """A run applied before migration 0005 has no report in the base."""
    sqlite = str(tmp_path / "catalogue.sqlite")
    prepared(sqlite)
    engine = create_engine(base_url(sqlite))
    with engine.begin() as conn:
        conn.execute(run_change.delete())
        conn.execute(run_report.delete())
    engine.dispose()
    code, _, err = fasd("changements", "--base", sqlite, "--run", "1", "--out", tmp_path / "x")
    assert code == 2
    assert "date d'avant que la base garde le rapport" in err and "Traceback" not in err
