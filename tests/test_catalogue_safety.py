"""The catalogue as a nightly job: a killed import leaves the base as it was; two imports
serialise; a second import that cannot get the base in time exits 2 with a French line.

The imports run as child processes of `python -m pipeline`. FASD_BASE_TEST_HOLD=FILE
makes an import leave FILE.lock before it asks for the lock and FILE.half once half
its writes are done, then wait while FILE exists: the test acts at those points, never
after a sleep.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text

from base_backends import base  # noqa: F401  (fixture)
from pipeline.catalogue.base import base_url
from pipeline.catalogue.schema import record, record_version, run
from test_catalogue_scenario import SAMPLE, edited_sample

ROOT = Path(__file__).parent.parent
TODAY = "2026-03-01"
BOUND = 180  # seconds: a safety net for a broken test, not a measurement


def start(*args, hold: Path | None = None, at: str = "half") -> subprocess.Popen:
    env = dict(os.environ)
    env.pop("FASD_BASE_TEST_HOLD", None)
    env["FASD_BASE_TEST_HOLD_AT"] = at
    if hold is not None:
        env["FASD_BASE_TEST_HOLD"] = str(hold)
    return subprocess.Popen(
        [sys.executable, "-m", "pipeline", *map(str, args)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def import_args(book, out, base_value, *more):
    return ["import", book, "--out", out, "--today", TODAY, "--base", base_value, *more]


def wait_for(path: Path, child: subprocess.Popen) -> None:
    deadline = time.monotonic() + BOUND
    while not path.exists():
        if child.poll() is not None:
            out, err = child.communicate()
            pytest.fail(f"the import ended before {path.name}: {child.returncode} {out} {err}")
        assert time.monotonic() < deadline, f"no {path.name} after {BOUND} s"
        time.sleep(0.05)


def finish(child: subprocess.Popen) -> tuple[int, str, str]:
    out, err = child.communicate(timeout=BOUND)
    return child.returncode, out, err


def dump(base_value: str) -> dict:
    """Every row of the record, version and run tables."""
    engine = create_engine(base_url(base_value))
    try:
        with engine.connect() as conn:
            return {
                t.name: sorted(tuple(map(str, r)) for r in conn.execute(select(t)))
                for t in (record, record_version, run)
            }
    finally:
        engine.dispose()


def prepared(base_value) -> None:
    import datetime as dt
    from pipeline import catalogue
    from pipeline.cli.main import load_reference
    from pipeline.engine.run import run as run_pipeline

    catalogue.init(base_value, validation=False)  # as `fasd import` does it: with the bundled reference
    result = run_pipeline([SAMPLE], today=dt.date.fromisoformat(TODAY), reference=load_reference(None))
    catalogue.apply(result, base_value)


def test_killed_import_leaves_the_base_unchanged(base, tmp_path):  # noqa: F811
    prepared(base)
    before = dump(base)
    book = edited_sample(
        tmp_path / "corrigee.xlsx",
        edits=[("Sessions", "S-DEAS-NTE-2026-09", "Durée en centre (en h) *", 735)],
        drop=[("Sessions", "S-TUT-ANG-2026-10"), ("Dispositifs", "S-TUT-ANG-2026-10")],
    )
    hold = tmp_path / "hold"
    hold.write_text("")
    child = start(*import_args(book, tmp_path / "killed", base, "--perimetre", "complet"), hold=hold)
    wait_for(Path(f"{hold}.half"), child)  # its update and withdrawals are written, not committed
    os.kill(child.pid, signal.SIGKILL)
    child.communicate(timeout=BOUND)
    assert child.returncode == -signal.SIGKILL
    assert dump(base) == before
    # the lock went with the killed process: the same import now goes through
    code, out, err = finish(start(*import_args(book, tmp_path / "again", base, "--perimetre", "complet")))
    assert code == 0, err
    counts = json.loads((tmp_path / "again" / "summary.json").read_text(encoding="utf-8"))["catalogue"]["total"]
    assert (counts["modification"], counts["retrait"]) == (1, 2)


def test_two_imports_at_once_are_serialised(base, tmp_path):  # noqa: F811
    from pipeline import catalogue

    catalogue.init(base, validation=False)
    hold_a, hold_b = tmp_path / "hold-a", tmp_path / "hold-b"
    hold_a.write_text("")
    first = start(*import_args(SAMPLE, tmp_path / "a", base), hold=hold_a)
    wait_for(Path(f"{hold_a}.half"), first)  # A holds the lock, half its rows written
    second = start(*import_args(SAMPLE, tmp_path / "b", base, "--attente", str(BOUND)), hold=hold_b)
    wait_for(Path(f"{hold_b}.lock"), second)  # B asks for the lock (hold-b absent: B never pauses)
    if base.startswith("postgresql"):  # the server shows B waiting on A's lock
        engine = create_engine(base_url(base))
        deadline = time.monotonic() + BOUND
        with engine.connect() as conn:
            while not conn.execute(text("select count(*) from pg_locks where not granted")).scalar():
                assert time.monotonic() < deadline
                time.sleep(0.05)
        engine.dispose()
    assert second.poll() is None
    hold_a.unlink()
    code_a, _, err_a = finish(first)
    code_b, _, err_b = finish(second)
    assert (code_a, code_b) == (0, 0), (err_a, err_b)
    a = json.loads((tmp_path / "a" / "summary.json").read_text(encoding="utf-8"))["catalogue"]
    b = json.loads((tmp_path / "b" / "summary.json").read_text(encoding="utf-8"))["catalogue"]
    assert a["total"]["creation"] == 59
    assert b["total"]["creation"] == 0 and b["total"]["inchange"] == 59  # B saw A's committed offer
    engine = create_engine(base_url(base))
    with engine.connect() as conn:
        rows = {r.id: r for r in conn.execute(select(run.c.id, run.c.locked_at, run.c.finished_at))}
    engine.dispose()
    assert len(rows) == 2 and rows[a["run"]].finished_at <= rows[b["run"]].locked_at


def test_second_import_gives_up_after_its_wait(base, tmp_path):  # noqa: F811
    from pipeline import catalogue

    catalogue.init(base, validation=False)
    hold = tmp_path / "hold"
    hold.write_text("")
    first = start(*import_args(SAMPLE, tmp_path / "a", base), hold=hold)
    wait_for(Path(f"{hold}.half"), first)
    code, out, err = finish(start(*import_args(SAMPLE, tmp_path / "b", base, "--attente", "1")))
    hold.unlink()
    assert finish(first)[0] == 0
    assert code == 2
    assert err.strip().splitlines() == [
        "fasd : erreur : la base est occupée par un autre import depuis plus de 1 s ; "
        "réessayez quand il sera terminé (ou allongez --attente)."
    ]


def _edited(tmp_path: Path) -> Path:
    return edited_sample(
        tmp_path / "corrigee.xlsx",
        edits=[("Sessions", "S-DEAS-NTE-2026-09", "Durée en centre (en h) *", 735)],
        drop=[("Sessions", "S-TUT-ANG-2026-10"), ("Dispositifs", "S-TUT-ANG-2026-10")],
    )


def _changes(folder: Path) -> list[list[str]]:
    import csv

    with open(folder / "changes.csv", encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh, delimiter=";"))[1:]


@pytest.mark.parametrize("point", ["lock", "written"])
def test_kill_before_the_commit_leaves_base_and_output_folder_as_they_were(base, tmp_path, point):  # noqa: F811
    """kill -9 before the lock, and once every output is written in the temporary folder
    but the base not committed: the base is as it was, the output folder too; the next
    import into the same folder does the whole job and leaves no temporary folder."""
    prepared(base)
    before = dump(base)
    book, out = _edited(tmp_path), tmp_path / "out"
    hold = tmp_path / "hold"
    hold.write_text("")
    child = start(*import_args(book, out, base, "--perimetre", "complet"), hold=hold, at=point)
    wait_for(Path(f"{hold}.{point}"), child)
    os.kill(child.pid, signal.SIGKILL)
    child.communicate(timeout=BOUND)
    assert child.returncode == -signal.SIGKILL
    assert dump(base) == before
    assert not out.exists()
    code, _, err = finish(start(*import_args(book, out, base, "--perimetre", "complet")))
    assert code == 0, err
    total = json.loads((out / "summary.json").read_text(encoding="utf-8"))["catalogue"]["total"]
    assert (total["modification"], total["retrait"]) == (1, 2)
    assert sorted(p.name for p in tmp_path.iterdir() if ".fasd-" in p.name) == []


def test_kill_between_commit_and_swap_keeps_the_run_report(base, tmp_path):  # noqa: F811
    """The base committed the run, the process was killed before its output folder was
    swapped in: the next run into the folder puts that run's outputs in place (its
    changes.csv: one modification, two withdrawals), says so and stops (exit 2);
    the run after goes on as usual."""
    prepared(base)
    before = dump(base)
    book, out = _edited(tmp_path), tmp_path / "out"
    hold = tmp_path / "hold"
    hold.write_text("")
    child = start(*import_args(book, out, base, "--perimetre", "complet"), hold=hold, at="committed")
    wait_for(Path(f"{hold}.committed"), child)
    os.kill(child.pid, signal.SIGKILL)
    child.communicate(timeout=BOUND)
    assert dump(base) != before  # committed
    assert not out.exists()  # not swapped in
    code, _, err = finish(start("check", book, "--out", out, "--today", TODAY))
    assert code == 2, err
    assert "enregistré dans la base" in err and "n° 2" in err and "relancez" in err
    assert "Traceback" not in err
    rows = _changes(out)
    assert sorted(r[3] for r in rows) == ["modification", "retrait", "retrait"]
    changed = [r for r in rows if r[3] == "modification"]
    assert changed[0][1] == "S-DEAS-NTE-2026-09" and changed[0][6] == "735"
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["catalogue"]["run"] == 2
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["records.jsonl", "lheo.xml", "report.csv", "report.json", "report.xlsx", "summary.json"]
        + ["changes.csv", "changes.json"]
    )
    assert [p.name for p in tmp_path.iterdir() if ".fasd-" in p.name] == []
    code, _, err = finish(start("check", book, "--out", out, "--today", TODAY))
    assert code in (0, 1), err
    assert not (out / "changes.csv").exists()
