"""Progress: the core reports its stages to a callback; the CLI draws bars only on a terminal."""

import os
import pty
import select
import subprocess
import sys
from pathlib import Path

from pipeline.model.progress import Progress
from pipeline.engine.run import run
from pipeline.writers.output import write_outputs

from factory import TODAY, two_offers, valid_offer, write_workbook

ROOT = Path(__file__).resolve().parent.parent


def test_core_reports_each_stage_to_the_callback(tmp_path):
    book = write_workbook(tmp_path / "offre.xlsx", two_offers())
    steps = []
    result = run([book], today=TODAY, progress=steps.append)
    write_outputs(result, tmp_path / "out", progress=steps.append)
    stages = []
    for step in steps:
        if step.stage not in stages:
            stages.append(step.stage)
    assert stages == ["read", "check", "write", "report"]
    last = {s.stage: s for s in steps}
    records = 1 + 1 + 2 + 2 + 2 + 2  # site, contact, 2 formations, actions, sessions, dispositifs
    assert (last["read"].done, last["read"].finished) == (records, True)
    assert (last["check"].done, last["check"].total) == (records, records)
    assert (last["write"].done, last["write"].total) == (2, 2)  # accepted formations
    assert last["report"].finished and last["report"].done == last["report"].total
    assert all(s.done <= s.total for s in steps if s.total is not None)
    assert any(s.detail == "offre.xlsx" for s in steps if s.stage == "read")


def test_progress_keeps_stage_times_without_a_callback():
    progress = Progress()
    progress.start("read")
    progress.advance(5)
    progress.start("check", total=5)  # starting a stage ends the previous one
    progress.finish()
    assert set(progress.timings) == {"read", "check"}


def test_check_has_no_write_stage(tmp_path):
    book = write_workbook(tmp_path / "offre.xlsx", valid_offer())
    steps = []
    result = run([book], today=TODAY)
    write_outputs(result, tmp_path / "out", with_records=False, progress=steps.append)
    assert {s.stage for s in steps} == {"report"}


def fasd(args, *, terminal: bool, tmp_path) -> tuple[int, str, str]:
    """Run `python -m pipeline ARGS`; stderr on a pseudo-terminal when `terminal`, else a pipe."""
    env = {**os.environ, "COLUMNS": "120", "TERM": "xterm"}
    env.pop("FASD_DEBUG", None)
    cmd = [sys.executable, "-m", "pipeline", *map(str, args)]
    if not terminal:
        done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        return done.returncode, done.stdout, done.stderr
    master, slave = pty.openpty()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=slave, stdin=subprocess.DEVNULL)
    os.close(slave)
    chunks = []
    while True:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                data = os.read(master, 65536)
            except OSError:  # the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        elif proc.poll() is not None:
            break
    os.close(master)
    out = proc.stdout.read().decode()
    proc.wait(timeout=120)
    return proc.returncode, out, b"".join(chunks).decode("utf-8", "replace")


def test_terminal_shows_a_bar_per_stage(tmp_path):
    book = write_workbook(tmp_path / "offre.xlsx", two_offers())
    code, out, err = fasd(
        ["import", book, "--out", tmp_path / "out", "--today", "2026-03-01"], terminal=True, tmp_path=tmp_path
    )
    assert code == 0, err
    for label in ("Lecture", "Contrôle", "Écriture des offres", "Rapport"):
        assert label in err
    assert "enregistrements" in err and "2/2" in err
    assert "Sessions" in out  # the summary stays on stdout


def test_quiet_terminal_and_piped_stderr_stay_silent(tmp_path):
    book = write_workbook(tmp_path / "offre.xlsx", valid_offer())
    args = ["import", book, "--out", tmp_path / "out", "--today", "2026-03-01"]
    code, out, err = fasd(args + ["--quiet"], terminal=True, tmp_path=tmp_path)
    assert (code, err) == (0, "")
    code, out, err = fasd(args, terminal=False, tmp_path=tmp_path)
    assert (code, err) == (0, "")
    assert "Sessions" in out


def test_verbose_prints_stage_times_on_stderr(tmp_path):
    book = write_workbook(tmp_path / "offre.xlsx", valid_offer())
    code, out, err = fasd(
        ["check", book, "--out", tmp_path / "out", "--today", "2026-03-01", "--verbose"],
        terminal=False,
        tmp_path=tmp_path,
    )
    assert code == 0
    assert err.startswith("Durées par étape :")
    for stage in ("lecture", "règles", "écriture report.csv", "total"):
        assert stage in err
    assert "records.jsonl" not in err  # check writes no offers
    assert "Durées" not in out


def test_verbose_write_times_start_after_the_run(tmp_path, monkeypatch):
    """The writers' stopwatch starts when writing starts: the run's own time (here a
    0.5 s pause added to it) is not counted again under « écriture »."""
    import time

    from click.testing import CliRunner

    import pipeline.engine.run
    from pipeline.cli.main import main

    real_run = pipeline.engine.run.run

    def slow_run(*args, **kwargs):
        time.sleep(0.5)
        return real_run(*args, **kwargs)

    monkeypatch.setattr(pipeline.engine.run, "run", slow_run)
    book = write_workbook(tmp_path / "offre.xlsx", valid_offer())
    args = ["import", str(book), "--out", str(tmp_path / "out"), "--today", "2026-03-01", "--verbose", "--quiet"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    times = {}
    for line in result.stderr.splitlines()[1:]:
        label, _, seconds = line.rpartition(" ")[0].rpartition("  ")
        times[label.strip()] = float(seconds)
    assert times["écriture records.jsonl + lheo.xml"] < 0.5


def test_a_streamed_csv_has_a_total_from_its_size_that_only_comes_down(tmp_path, monkeypatch):
    """The read stage's total is estimated from the file's size and the rows checked:
    known after the first chunk, never below what is done, never rising, so the bar only
    moves forward."""
    import pipeline.engine.stream
    import pipeline.readers.csv_stream

    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import generate
    finally:
        sys.path.remove(str(ROOT / "bench"))
    ds = generate.build(600, 1)
    path, annuaire = tmp_path / "offres.csv", tmp_path / "annuaire.xlsx"
    generate.write_flat_csv(ds, path)
    generate.write_annuaire_xlsx(ds, annuaire)
    monkeypatch.setattr(pipeline.readers.csv_stream, "BLOCK_BYTES", path.stat().st_size // 12)
    steps = []
    run([path], annuaire=annuaire, today=TODAY, stream=True, chunk_rows=60, progress=steps.append)
    read = [s for s in steps if s.stage == "read" and s.done]
    final = read[-1].done
    estimates = [s.total for s in read if s.total is not None and not s.finished]
    assert read[-1].finished and read[-1].total == final and len(estimates) > 3
    assert all(s.total is None or s.total >= s.done for s in read)
    shares = [s.done / s.total for s in read if s.total]
    assert shares == sorted(shares), shares  # the bar only moves forward
    assert final / 2 < estimates[0] < 2 * final  # a useful estimate after the first chunk


def test_time_left_from_the_pace_so_far():
    from pipeline.cli.console import time_left
    from pipeline.model.progress import Step

    assert time_left(Step("read", 50, 100, elapsed=70.0)) == "reste 0:01:10"
    assert time_left(Step("read", 5, 100, elapsed=7.0)) == ""  # too early to say
    assert time_left(Step("read", 50, None, elapsed=7.0)) == ""
    assert time_left(Step("read", 100, 100, finished=True, elapsed=7.0)) == ""
