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


def start(*args, hold: Path | None = None) -> subprocess.Popen:
    env = dict(os.environ)
    env.pop("FASD_BASE_TEST_HOLD", None)
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
    from pipeline.cli import load_reference
    from pipeline.run import run as run_pipeline

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
