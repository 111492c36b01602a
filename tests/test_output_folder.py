"""The output step: one run per folder, swapped in whole, under a lock, no leftovers."""

import fcntl
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli.main import main

from factory import valid_offer, write_workbook

ROOT = Path(__file__).resolve().parent.parent


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture
def book(tmp_path):
    return write_workbook(tmp_path / "offre.xlsx", valid_offer())


def leftovers(folder: Path) -> list[str]:
    """Temporary names of the output step next to or inside the folder."""
    names = [p.name for p in folder.parent.iterdir() if ".fasd-new-" in p.name or ".fasd-old-" in p.name]
    if folder.exists():
        names += [p.name for p in folder.iterdir() if p.name.endswith(".part")]
    return names


def test_check_after_import_leaves_no_records_of_the_earlier_run(tmp_path, book):
    out = tmp_path / "out"
    assert invoke("import", book, "--out", out, "--today", "2026-03-01").exit_code == 0
    assert (out / "records.jsonl").exists() and (out / "lheo.xml").exists()
    assert invoke("check", book, "--out", out, "--today", "2026-03-01").exit_code == 0
    assert sorted(p.name for p in out.iterdir()) == ["report.csv", "report.json", "report.xlsx", "summary.json"]
    assert leftovers(out) == []


def test_a_folder_holding_other_files_is_refused_and_untouched(tmp_path, book):
    out = tmp_path / "mes-documents"
    out.mkdir()
    (out / "budget.ods").write_text("à garder")
    result = invoke("import", book, "--out", out)
    assert result.exit_code == 2
    assert "budget.ods" in result.output and "dossier vide" in result.output
    assert [p.name for p in out.iterdir()] == ["budget.ods"]
    assert leftovers(out) == []


def test_a_second_writer_is_refused_while_the_lock_is_held(tmp_path, book):
    out = tmp_path / "out"
    assert invoke("import", book, "--out", out, "--today", "2026-03-01").exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    with open(tmp_path / ".out.fasd-lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # another run holds the folder
        result = invoke("check", book, "--out", out)
    assert result.exit_code == 2 and "un autre fasd écrit déjà" in result.output
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_a_held_or_foreign_folder_is_refused_before_reading(tmp_path, book, monkeypatch):
    """A nightly run into a folder another run holds, or that holds the user's files,
    stops at once: the input is not read (minutes on a national flow) to be refused at the end."""
    import pipeline.engine.run

    def no_reading(*args, **kwargs):
        raise AssertionError("the input was read")

    monkeypatch.setattr(pipeline.engine.run, "run", no_reading)
    out = tmp_path / "out"
    with open(tmp_path / ".out.fasd-lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        result = invoke("import", book, "--out", out)
    assert result.exit_code == 2 and "un autre fasd écrit déjà" in result.output
    mine = tmp_path / "mes-documents"
    mine.mkdir()
    (mine / "budget.ods").write_text("à garder")
    result = invoke("import", book, "--out", mine)
    assert result.exit_code == 2 and "budget.ods" in result.output


def test_sigterm_while_writing_keeps_the_earlier_run_and_removes_the_temporary_folder(tmp_path, book, monkeypatch):
    from pipeline.writers import output

    out = tmp_path / "out"
    assert invoke("import", book, "--out", out, "--today", "2026-03-01").exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def killed(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGTERM)

    monkeypatch.setattr(output, "write_report_json", killed)
    result = invoke("import", book, "--out", out, "--today", "2026-03-02")
    assert result.exit_code == 130 and "interrompu" in result.output
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert leftovers(out) == []


KILLED_RUN = """
import os, signal, sys
from pipeline.writers import output
def killed(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)
output.write_summary = killed
sys.argv = ["fasd", "import", sys.argv[1], "--out", sys.argv[2], "--today", "2026-03-02"]
from pipeline.cli.main import entry_point
entry_point()
"""


def test_kill_9_keeps_the_earlier_run_and_the_next_run_cleans_up(tmp_path, book):
    out = tmp_path / "out"
    assert invoke("import", book, "--out", out, "--today", "2026-03-01").exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    proc = subprocess.run([sys.executable, "-c", KILLED_RUN, str(book), str(out)], cwd=ROOT, capture_output=True)
    assert proc.returncode == -signal.SIGKILL
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # never a mixed folder
    assert leftovers(out)  # the killed run's temporary folder…
    assert invoke("check", book, "--out", out, "--today", "2026-03-01").exit_code == 0
    assert leftovers(out) == []  # …is removed by the next run


@pytest.mark.parametrize(
    "command",
    [
        ("import", "BOOK", "--out", ""),
        ("check", "BOOK", "--out", ""),
        ("export", "records.jsonl", "--out", ""),
        ("template", "--out", ""),
    ],
)
def test_empty_out_is_refused(tmp_path, book, command, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke(*[str(book) if a == "BOOK" else a for a in command])
    assert result.exit_code == 2
    assert "--out" in result.output and "vide" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["offre.xlsx"]


BROKEN_WRITER = """
import sys
sys.modules["pipeline.writers.lheo"] = None  # a writer that fails to import
sys.argv = ["fasd", "import", sys.argv[1], "--out", sys.argv[2]]
from pipeline.cli.main import entry_point
entry_point()
"""


def test_a_writer_that_fails_to_import_is_an_internal_error(tmp_path, book):
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-c", BROKEN_WRITER, str(book), str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "FASD_DEBUG": ""},
    )
    assert proc.returncode == 3, proc.stderr
    assert "erreur interne" in proc.stderr and "Traceback" not in proc.stderr
    assert not out.exists()
