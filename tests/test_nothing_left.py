"""Nothing left behind: after a run, a kill -9, Ctrl-C or SIGTERM of `fasd serve`, no file
of the program remains outside the output folder (issue 29).

Each child process gets its own TMPDIR, so the test sees every temporary file it made.
The points where a child is killed are reached through a patched writer (it kills its
own process), never after a sleep.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from factory import (
    ROOT,
    SAMPLES,
    TODAY as FACTORY_TODAY,
    invoke,
    two_offers,
    valid_offer,
    write_flat_csv,
    write_workbook,
)

BOUND = 120  # seconds: a safety net for a broken test, not a measurement
TODAY = FACTORY_TODAY.isoformat()


def env_with(tmp: Path) -> dict:
    tmp.mkdir(exist_ok=True)
    return {**os.environ, "TMPDIR": str(tmp), "FASD_DEBUG": ""}


def everything(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def fasd(tmp: Path, *args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *map(str, args)],
        cwd=ROOT,
        env=env_with(tmp),
        capture_output=True,
        text=True,
        timeout=BOUND,
    )


def test_no_lock_file_is_left_next_to_the_output_folder(tmp_path):
    book = write_workbook(tmp_path / "offre.xlsx", valid_offer())
    out = tmp_path / "out"
    for command in ("import", "check", "import"):
        assert invoke(command, book, "--out", out, "--today", TODAY).exit_code == 0
    mine = tmp_path / "mes-documents"
    mine.mkdir()
    (mine / "budget.ods").write_text("à garder")
    assert invoke("import", book, "--out", mine).exit_code == 2  # refused: no lock left either
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mes-documents", "offre.xlsx", "out"]


KILLED_IN_REPORT = """
import os, signal, sys
from pipeline.engine import stream
from pipeline.writers import report_xlsx
stream.STREAM_MIN_BYTES = 0  # the streamed run, with its spool (raw.pickle)
stream.CHUNK_ROWS = 1  # two chunks at least: the raw cells spilled
def killed(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)
report_xlsx.splice = killed  # mid report.xlsx: its parts are on disk too
sys.argv = ["fasd", "import", sys.argv[1], "--out", sys.argv[2], "--today", sys.argv[3]]
from pipeline.cli.main import entry_point
entry_point()
"""


def test_kill_9_of_a_streamed_import_leaves_files_the_next_run_removes(tmp_path):
    book = write_flat_csv(tmp_path / "offre.csv", two_offers())
    out, tmp = tmp_path / "out", tmp_path / "tmp"
    child = subprocess.run(
        [sys.executable, "-c", KILLED_IN_REPORT, str(book), str(out), TODAY],
        cwd=ROOT,
        env=env_with(tmp),
        capture_output=True,
        timeout=BOUND,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr
    left = everything(tmp)
    assert len([n for n in left if "/" not in n]) == 1  # one folder for the whole run…
    assert any(n.endswith("raw.pickle") for n in left)  # …holding the stream's spool
    assert any("/report-" in n for n in left)  # …and report.xlsx's parts
    done = fasd(tmp, "check", book, "--out", out, "--today", TODAY)
    assert done.returncode == 1 and "report.xlsx" in done.stdout, done.stderr  # no sites in a flat CSV: ORPHAN
    assert everything(tmp) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["offre.csv", "out", "tmp"]


def test_a_live_owner_keeps_its_folder(tmp_path):
    """The sweep removes the folder of a dead process only: a running one keeps its own."""
    tmp = tmp_path / "tmp"
    holder = subprocess.Popen(
        [sys.executable, "-c", "from pipeline.writers import scratch; print(scratch.folder(), flush=True); input()"],
        cwd=ROOT,
        env=env_with(tmp),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        folder = Path(holder.stdout.readline().strip())
        assert folder.parent == tmp and folder.is_dir()
        done = fasd(tmp, "template", "--out", tmp_path / "modele.xlsx")
        assert done.returncode == 0, done.stderr
        from pipeline.writers import scratch

        assert scratch.sweep(tmp) == [] and folder.is_dir()
    finally:
        holder.communicate("\n", timeout=BOUND)
    assert not folder.exists()  # removed by its owner at exit


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(tmp: Path, port: int, *more) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "pipeline", "serve", "--port", str(port), *more],
        cwd=ROOT,
        env=env_with(tmp),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_up(url: str, child: subprocess.Popen) -> None:
    deadline = time.monotonic() + BOUND
    while True:
        assert child.poll() is None, child.communicate()
        try:
            httpx.get(url + "/", timeout=5)
            return
        except httpx.TransportError:
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.1)


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_serve_removes_its_upload_folder_when_stopped(tmp_path, stop):
    tmp, port = tmp_path / "tmp", _free_port()
    url = f"http://127.0.0.1:{port}"
    server = _serve(tmp, port)
    try:
        _wait_up(url, server)
        with httpx.Client(base_url=url, timeout=60) as client:
            client.get("/")
            with open(SAMPLES / "offre-sanitaire-social.xlsx", "rb") as fh:
                answer = client.post(
                    "/envois",
                    data={"date": TODAY, "csrf": client.cookies.get("fasd_csrf")},
                    files={"fichiers": ("offre.xlsx", fh)},
                )
            assert answer.status_code == 303, answer.text
            location = answer.headers["location"]
            for _ in range(BOUND * 10):
                if client.get(location + "/etat").json()["status"] in ("done", "failed"):
                    break
                time.sleep(0.1)
        uploads = [n for n in everything(tmp) if n.endswith("report.xlsx") or "/inputs/" in n]
        assert uploads  # the workbook and its results are on disk while the server runs
        server.send_signal(stop)
        server.communicate(timeout=BOUND)
    finally:
        if server.poll() is None:
            server.kill()
            server.communicate()
    assert everything(tmp) == []


def test_serve_removes_its_upload_folder_after_an_error_at_start(tmp_path):
    tmp = tmp_path / "tmp"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        server = _serve(tmp, taken.getsockname()[1])
        _, err = server.communicate(timeout=BOUND)
    assert server.returncode != 0
    assert everything(tmp) == []


def test_serve_sweeps_what_killed_runs_left_at_start(tmp_path):
    tmp, port = tmp_path / "tmp", _free_port()
    book = write_flat_csv(tmp_path / "offre.csv", valid_offer())
    child = subprocess.run(
        [sys.executable, "-c", KILLED_IN_REPORT, str(book), str(tmp_path / "out"), TODAY],
        cwd=ROOT,
        env=env_with(tmp),
        capture_output=True,
        timeout=BOUND,
    )
    assert child.returncode == -signal.SIGKILL
    (orphan,) = tmp.iterdir()
    server = _serve(tmp, port, "--dossier", tmp_path / "envois")
    try:
        _wait_up(f"http://127.0.0.1:{port}", server)
        assert not orphan.exists()
    finally:
        server.terminate()
        server.communicate(timeout=BOUND)


def test_a_part_file_of_a_killed_writer_is_removed_by_the_next_write(tmp_path):
    """`fasd export records.jsonl --out offres.xml` (one file, written beside it then renamed):
    the `.part` a killed process left is removed by the next write; a live writer's is kept."""
    book = write_workbook(tmp_path / "offre.xlsx", valid_offer())
    assert invoke("import", book, "--out", tmp_path / "out", "--today", TODAY).exit_code == 0
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(gone.stdout)
    stale = tmp_path / f".offres.xml.{dead_pid}.abcd1234.part"
    live = tmp_path / f".offres.xml.{os.getpid()}.efgh5678.part"
    other = tmp_path / f".autre.xml.{dead_pid}.abcd1234.part"
    for p in (stale, live, other):
        p.write_bytes(b"half")
    result = invoke("export", tmp_path / "out" / "records.jsonl", "--out", tmp_path / "offres.xml")
    assert result.exit_code == 0, result.output
    assert not stale.exists() and live.exists() and other.exists()
    assert (tmp_path / "offres.xml").stat().st_size > 0


KILLED_IN_OUTPUT = """
import os, signal, sys
from pipeline.writers import atomic, report_xlsx
commit = sys.argv[4] == "enregistre"
def killed(*args, **kwargs):
    if commit:  # as if a catalogue base had recorded the run: its folder must be swapped in later
        (staging,) = [p for p in atomic.Path(sys.argv[2]).parent.iterdir() if atomic.NEW_MARK in p.name]
        atomic.mark_committed(staging, "l'import n° 7")
    os.kill(os.getpid(), signal.SIGKILL)
report_xlsx.splice = killed  # mid report.xlsx: the lock is held, the temporary folder is there
sys.argv = ["fasd", "import", sys.argv[1], "--out", sys.argv[2], "--today", sys.argv[3]]
from pipeline.cli.main import entry_point
entry_point()
"""


def _killed_in_output(tmp_path: Path, tmp: Path, out: Path, commit: bool = False) -> int:
    book = write_workbook(tmp_path / "offre.xlsx", valid_offer())
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED_IN_OUTPUT, str(book), str(out), TODAY, "enregistre" if commit else "-"],
        cwd=ROOT,
        env=env_with(tmp),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    _, err = child.communicate(timeout=BOUND)
    assert child.returncode == -signal.SIGKILL, err
    return child.pid


def _beside(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}."))


def test_kill_9_leaves_nothing_past_the_next_run_into_another_folder(tmp_path):
    """The lock and the temporary folder a killed import left next to its output folder, and
    its scratch folder, are removed by the next fasd run whatever it writes (issue 29)."""
    tmp, work = tmp_path / "tmp", tmp_path / "travail"
    work.mkdir()
    out = work / "resultats"
    pid = _killed_in_output(tmp_path, tmp, out)
    left = _beside(out)
    assert left == [".resultats.fasd-lock", *[n for n in left if n.startswith(f".resultats.fasd-new-{pid}-")]]
    assert len(left) == 2, left  # the lock and the temporary folder, named with the dead PID
    assert everything(tmp)  # and the spool folder
    done = fasd(tmp, "template", "--out", tmp_path / "ailleurs" / "modele.xlsx")
    assert done.returncode == 0, done.stderr
    assert _beside(out) == [] and sorted(p.name for p in work.iterdir()) == []
    assert everything(tmp) == []


def test_a_recorded_run_of_a_killed_import_is_kept_for_its_folder(tmp_path):
    """A temporary folder whose run a base recorded is swapped in by the next run into its
    folder, never swept away by another run; its lock goes."""
    tmp, out = tmp_path / "tmp", tmp_path / "resultats"
    _killed_in_output(tmp_path, tmp, out, commit=True)
    assert fasd(tmp, "template", "--out", tmp_path / "modele.xlsx").returncode == 0
    (staging,) = _beside(out)
    assert ".fasd-new-" in staging
    again = fasd(tmp, "import", tmp_path / "offre.xlsx", "--out", out, "--today", TODAY)
    assert again.returncode == 2 and "l'import n° 7" in again.stderr, again.stderr
    assert _beside(out) == [] and (out / "report.csv").is_file()  # what it had written, swapped in


HOLDER = """
import sys
from pathlib import Path
from pipeline.writers.atomic import claimed, run_folder
from pipeline.writers.output import RUN_FILES
with claimed(Path(sys.argv[1]), RUN_FILES), run_folder(Path(sys.argv[1]), RUN_FILES) as staging:
    print(staging, flush=True)
    input()
"""


def test_a_live_run_keeps_its_lock_and_temporary_folder(tmp_path):
    tmp, out = tmp_path / "tmp", tmp_path / "resultats"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(out)],
        cwd=ROOT,
        env=env_with(tmp),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        staging = Path(holder.stdout.readline().strip())
        assert staging.is_dir() and f".fasd-new-{holder.pid}-" in staging.name
        before = _beside(out)
        assert len(before) == 2 and (out.parent / ".resultats.fasd-lock").read_text().strip() == str(holder.pid)
        assert fasd(tmp, "template", "--out", tmp_path / "modele.xlsx").returncode == 0
        from pipeline.writers import scratch

        scratch.sweep(tmp)
        assert _beside(out) == before and staging.is_dir()
    finally:
        holder.communicate("\n", timeout=BOUND)
    assert _beside(out) == []
