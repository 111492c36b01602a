"""click's texts in French, and one error model: every stop is one French line."""

import inspect

import click
import pytest
from click.testing import CliRunner

from pipeline.cli import french as cli_french
from pipeline.model import errors
from pipeline.cli.main import main

ENGLISH = (
    "Usage:",
    "Show this message",
    "[required]",
    "Error:",
    "Try '",
    "Missing argument",
    "No such",
    "Invalid value",
    "default:",
    "Commands:",
    "COMMAND [ARGS]",
)
# click's metavars, derived from types and parameter names (issue 28)
ENGLISH_METAVARS = ("INTEGER", "RANGE", "TEXT ", "INPUTS", "RECORDS", " URL", " PATH", "FLOAT")


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def all_commands(group, path=()):
    yield path
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from all_commands(command, path + (name,))
        else:
            yield path + (name,)


@pytest.mark.parametrize("path", list(all_commands(main)), ids=" ".join)
def test_help_has_no_english_from_click(path):
    result = invoke(*path, "--help")
    assert result.exit_code == 0
    assert "Utilisation :" in result.output and "Affiche cette aide" in result.output
    assert not [w for w in ENGLISH if w in result.output], result.output
    assert not [w for w in ENGLISH_METAVARS if w in result.output], result.output


@pytest.mark.parametrize(
    "args, french",
    [
        (("import",), "Argument manquant"),
        (("import", "x.xlsx"), "Option manquante"),
        (("imprt",), "Commande inconnue"),
        (("import", "x.xlsx", "--out", "o", "--bogus"), "Option inconnue"),
        (("export", "r.jsonl", "--out", "o.xml", "--format", "pdf"), "n'est pas l'une des valeurs"),
    ],
)
def test_misuse_is_french_and_exit_2(args, french):
    result = invoke(*args)
    assert result.exit_code == 2
    assert french in result.output and "Erreur :" in result.output
    assert not [w for w in ENGLISH if w in result.output], result.output
    assert not [w for w in ENGLISH_METAVARS if w in result.output], result.output


def test_every_translated_text_still_exists_in_click():
    sources = "".join(inspect.getsource(__import__(f"click.{m}", fromlist=["_"])) for m in cli_french.CLICK_MODULES)
    missing = [k for k in cli_french.FRENCH if repr(k)[1:-1] not in sources and k not in sources]
    assert missing == []


@pytest.mark.parametrize(
    "error, code", [(errors.InputError, 2), (errors.UsageError, 2), (errors.OutputError, 2), (errors.Interrupted, 130)]
)
def test_an_error_raised_anywhere_is_one_line_with_its_exit_code(monkeypatch, tmp_path, error, code):
    from pipeline.engine import run as run_module

    def raising(*args, **kwargs):
        raise error("message en français\navec une seconde ligne")

    monkeypatch.setattr(run_module, "run", raising)
    result = CliRunner().invoke(main, ["check", str(tmp_path / "x.csv")])
    assert result.exit_code == code
    assert result.output == "fasd : erreur : message en français avec une seconde ligne\n"


def test_old_import_path_of_input_error_still_works():
    from pipeline.readers.errors import InputError

    assert InputError is errors.InputError and InputError.exit_code == errors.EXIT_UNREADABLE


@pytest.mark.parametrize(
    "args", [["colonnes", "samples/offre-sanitaire-social.csv"], ["ref", "search", "aide"], ["--help"]]
)
def test_a_reader_that_leaves_early_ends_the_command_quietly(args):
    """`fasd … | head`: no traceback, no message, the exit code a SIGPIPE gives (141)."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline", *args], cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader is gone before the first line is written
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == errors.EXIT_PIPE_CLOSED, stderr
    assert stderr == ""
