"""`--perimetre complet` from a terminal shows the withdrawals and asks first (issue 28)."""

from __future__ import annotations

import io

import pytest
from click.testing import CliRunner

from factory import TODAY, valid_offer, write_workbook
from pipeline import catalogue
from pipeline.cli import confirm
from pipeline.cli.main import main


class Terminal(io.StringIO):
    """A person at a terminal who will type `answer`."""

    def isatty(self) -> bool:
        return True


def two_sessions() -> dict:
    offer = valid_offer()
    offer["session"].append(dict(offer["session"][0], ref_session="S2"))
    offer["dispositif"].append(dict(offer["dispositif"][0], ref_session="S2"))
    return offer


@pytest.fixture
def base_with_two_sessions(tmp_path):
    base = str(tmp_path / "c.sqlite")
    runner = CliRunner()
    assert runner.invoke(main, ["base", "init", "--base", base, "--sans-validation"]).exit_code == 0
    first = write_workbook(tmp_path / "deux.xlsx", two_sessions())
    assert import_complete(first, tmp_path / "a", base).exit_code == 0
    return base, write_workbook(tmp_path / "une.xlsx", valid_offer())  # S2 absent: withdrawn if complete


def import_complete(book, out, base, *extra):
    args = ["import", str(book), "--out", str(out), "--base", base, "--perimetre", "complet", "--today"]
    return CliRunner().invoke(main, [*args, TODAY.isoformat(), *extra])


def live_sessions(base) -> list[str]:
    offers, _, _ = catalogue.live_offers(base, today=TODAY)
    return [s["ref_session"] for o in offers for a in o["actions"] for s in a["sessions"]]


def test_a_person_who_says_no_changes_nothing(base_with_two_sessions, tmp_path, monkeypatch):
    base, book = base_with_two_sessions
    monkeypatch.setattr(confirm, "terminal_input", lambda: Terminal("non\n"))
    result = import_complete(book, tmp_path / "b", base)
    assert "retirerait de la base 1 session, 1 dispositif" in result.output
    assert "  - Sessions S2" in result.output and "Appliquer ces retraits ?" in result.output
    assert "la base est inchangée" in result.output
    assert sorted(live_sessions(base)) == ["S1", "S2"]


def test_a_person_who_says_oui_withdraws(base_with_two_sessions, tmp_path, monkeypatch):
    base, book = base_with_two_sessions
    monkeypatch.setattr(confirm, "terminal_input", lambda: Terminal("oui\n"))
    result = import_complete(book, tmp_path / "b", base)
    assert "Appliquer ces retraits ?" in result.output
    assert live_sessions(base) == ["S1"]


def test_oui_option_and_a_stdin_that_is_not_a_terminal_never_ask(base_with_two_sessions, tmp_path, monkeypatch):
    base, book = base_with_two_sessions
    monkeypatch.setattr(confirm, "terminal_input", lambda: Terminal(""))
    result = import_complete(book, tmp_path / "b", base, "--oui")
    assert "Appliquer ces retraits" not in result.output
    assert live_sessions(base) == ["S1"]


def test_cron_applies_as_before(base_with_two_sessions, tmp_path):
    base, book = base_with_two_sessions
    result = import_complete(book, tmp_path / "b", base)  # CliRunner's stdin is no terminal
    assert "Appliquer ces retraits" not in result.output
    assert live_sessions(base) == ["S1"]
