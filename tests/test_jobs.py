"""`--jobs N` (pipeline/engine/workers.py): the chunks checked and written in worker
processes give the outputs of `--jobs 1`, byte for byte, and the same base.

Each case runs one input twice, `jobs=1` (every chunk checked in this process) and
`jobs=2` (in two workers), both cut in the same small chunks, writes both and compares
every output file (report.xlsx cell by cell: its zip holds the time it was written);
with a base, both runs apply to a base of their own and every record and version row
is compared. Ctrl-C of `fasd import --jobs 2` stops the workers and leaves nothing.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from pipeline import catalogue
from pipeline.catalogue.api import Application
from pipeline.engine.run import run
from pipeline.writers.output import write_outputs
from test_catalogue import rows as base_rows
from test_streaming import ANNUAIRE, SAMPLE_CSV, _generated, csv_rows, workbook_cells, write_rows

ROOT = Path(__file__).resolve().parent.parent
TODAY = dt.date(2026, 3, 1)


def run_written(out: Path, inputs, annuaire, jobs: int, base: str | None = None, **options):
    """One run (stream=True) written into `out`; with `base`, applied to it chunk by chunk."""
    if base is None:
        result = run(inputs, annuaire=annuaire, today=TODAY, stream=True, jobs=jobs, **options)
        write_outputs(result, out, with_records=options.get("write_offers", True))
        return result
    catalogue.init(base)
    with Application(base, inputs=list(inputs), today=TODAY) as applying:
        result = run(inputs, annuaire=annuaire, today=TODAY, stream=True, jobs=jobs, on_chunk=applying, **options)
        write_outputs(result, out, commit=lambda write: applying.finish(result, before_commit=write))
    return result


def same_with_jobs(tmp_path: Path, inputs, annuaire=None, *, base: bool = False, **options):
    """`jobs=1` and `jobs=2` written (and applied); every file (and base row) compared."""
    bases = (str(tmp_path / "one.sqlite"), str(tmp_path / "two.sqlite")) if base else (None, None)
    one = run_written(tmp_path / "one", inputs, annuaire, 1, bases[0], **options)
    two = run_written(tmp_path / "two", inputs, annuaire, 2, bases[1], **options)
    a, b = tmp_path / "one", tmp_path / "two"
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(p.name for p in b.iterdir())
    for name in names:
        if name != "report.xlsx":
            theirs = (b / name).read_bytes()
            if base:  # changes.json names its base: the runs' differ by name only
                theirs = theirs.replace(bases[1].encode(), bases[0].encode())
            assert (a / name).read_bytes() == theirs, name
    assert workbook_cells(a / "report.xlsx") == workbook_cells(b / "report.xlsx")
    if base:
        assert base_rows(bases[0]) == base_rows(bases[1])
    assert one.chunks == two.chunks and one.notes == two.notes
    return one, two


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """2 000 sessions of the benchmark's workload (bench/generate.py, seed 1): CSV and LHÉO."""
    folder = tmp_path_factory.mktemp("generated")
    _, path, annuaire = _generated(folder, 2_000)
    from pipeline.writers.lheo import write_lheo

    flow = folder / "flux.xml"
    write_lheo(run([path], annuaire=annuaire, today=TODAY), flow)
    return path, annuaire, flow


@pytest.mark.parametrize("base", [False, True], ids=["sans-base", "base"])
def test_generated_csv(tmp_path, generated, base):
    path, annuaire, _ = generated
    one, two = same_with_jobs(tmp_path, [path], annuaire, base=base, chunk_rows=400)
    assert two.chunks >= 6 and not two.notes
    assert set(two.worker_timings) >= {"normalise", "validate", "decide", "write_records+lheo.xml"}
    assert not one.worker_timings  # jobs=1: every chunk in this process
    assert {"records.jsonl", "lheo.xml"} <= {p.name for p in (tmp_path / "two").iterdir()}


@pytest.mark.parametrize("base", [False, True], ids=["sans-base", "base"])
def test_generated_lheo_flow(tmp_path, generated, base):
    flow = generated[2]
    _, two = same_with_jobs(tmp_path, [flow], None, base=base, chunk_rows=600)
    assert two.chunks >= 4 and not two.notes


def test_check_without_offers(tmp_path, generated):
    """`fasd check`: no records.jsonl nor lheo.xml, the report the same."""
    path, annuaire, _ = generated
    _, two = same_with_jobs(tmp_path, [path], annuaire, chunk_rows=400, write_offers=False)
    assert not (tmp_path / "two" / "records.jsonl").exists()


def test_duplicate_sofi_codes_across_chunks(tmp_path, monkeypatch):
    """A SOFI code reused three formations later: the worker cannot know it, the merge sees
    it and checks the chunk again here; DUPLICATE_KEY names the first record's row."""
    from pipeline.engine import workers

    clashes = []
    clash = workers.Workers._clash
    monkeypatch.setattr(workers.Workers, "_clash", lambda self, seen: clashes.append(clash(self, seen)) or clashes[-1])
    rows = csv_rows(SAMPLE_CSV)
    h = rows[0]
    col = {name: h.index(name) for name in ("Référence formation", "Code formation SOFI", "Code session SOFI")}
    formations = [r[col["Référence formation"]] for r in rows[1:]]
    last = len(rows) - 1 - formations[::-1].index(formations[-1])
    for name in ("Code formation SOFI", "Code session SOFI"):
        rows[1][col[name]] = "777"
        rows[last][col[name]] = "777"
    path = write_rows(tmp_path / "offres.csv", rows)
    one, two = same_with_jobs(tmp_path, [path], ANNUAIRE, chunk_rows=1)
    dup = two.findings[two.findings["code"] == "DUPLICATE_KEY"]
    assert len(dup) == 2 and dup["message"].str.contains("ligne 2").all()
    assert clashes.count(True) == 1  # the last chunk only, checked again in this process


def test_rows_of_a_formation_apart_read_whole(tmp_path):
    """A formation's rows apart: read again as one chunk, with the same note, as with jobs=1."""
    rows = csv_rows(SAMPLE_CSV)
    rows = [rows[0], *rows[2:], rows[1]]  # the first formation's first row moved to the end
    path = write_rows(tmp_path / "offres.csv", rows)
    one, two = same_with_jobs(tmp_path, [path], ANNUAIRE, chunk_rows=1)
    assert two.notes and "ne se suivent pas" in two.notes[0] and two.chunks == 1


def test_one_chunk_is_checked_here(tmp_path):
    """A file of one chunk starts no worker."""
    result = run([SAMPLE_CSV], annuaire=ANNUAIRE, today=TODAY, stream=True, chunk_rows=100_000, jobs=4)
    assert result.chunks == 1 and not result.worker_timings


def test_default_jobs_is_the_cores_available_capped():
    from pipeline.engine.workers import MAX_DEFAULT_JOBS, default_jobs

    assert 1 <= default_jobs() <= min(MAX_DEFAULT_JOBS, len(os.sched_getaffinity(0)))


INTERRUPTED_AT_MERGE = """
import os, signal, sys
from pipeline.engine import stream, workers
stream.STREAM_MIN_BYTES = 0  # streamed
stream.CHUNK_ROWS = 2  # several chunks
merge = workers.Workers._merge
PIDS = sys.argv[4]
def interrupted(self, task, future):
    if task.number == 2:  # the second chunk: the workers hold chunks; Ctrl-C
        pids = [p.pid for p in self.pool._processes.values()]
        open(PIDS, "w").write(" ".join(map(str, pids)))
        os.kill(os.getpid(), signal.SIGINT)
    yield from merge(self, task, future)
workers.Workers._merge = interrupted
sys.argv = ["fasd", "import", sys.argv[1], "--annuaire", sys.argv[5], "--out", sys.argv[2],
            "--today", sys.argv[3], "--jobs", "2"]
from pipeline.cli.main import entry_point
if __name__ == "__main__":
    entry_point()
"""


@pytest.mark.parametrize("where", ["court", "long"])
def test_ctrl_c_stops_the_workers_and_leaves_nothing(tmp_path, where):
    """A short TMPDIR: the workers fork from a forkserver whose socket is in the run's
    scratch folder; a long one (a socket path must be under 108 bytes): spawned."""
    if where == "court":
        tmp = Path(tempfile.mkdtemp(prefix="j", dir="/tmp"))
    else:
        tmp = tmp_path / ("t" * 60)
        tmp.mkdir()
    script = tmp_path / "interrupted.py"
    script.write_text(INTERRUPTED_AT_MERGE)
    pids = tmp_path / "pids"
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, str(script), str(SAMPLE_CSV), str(out), TODAY.isoformat(), str(pids), str(ANNUAIRE)],
        cwd=ROOT,
        env={**os.environ, "TMPDIR": str(tmp), "FASD_DEBUG": ""},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 130, done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last == "fasd : erreur : interrompu ; les fichiers temporaires sont supprimés."
    assert "Traceback" not in done.stderr
    left = sorted(p.name for p in tmp.iterdir())
    if where == "court":
        tmp.rmdir()
    assert left == []  # no spool, no part, no forkserver socket
    assert not out.exists()
    workers = [int(p) for p in pids.read_text().split()]
    assert workers
    for pid in workers:  # killed and waited for, before the run's process ended
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
