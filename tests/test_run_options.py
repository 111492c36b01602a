"""RunOptions (issue 24): one frozen value, checked when built, passed whole to the engine."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from pipeline.engine.options import RunOptions
from pipeline.engine.run import run
from pipeline.model.errors import FasdError

SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "offre-sanitaire-social.xlsx"


def test_a_bad_organisme_fails_when_the_options_are_built():
    with pytest.raises(FasdError, match="organisme"):
        RunOptions(inputs=[SAMPLE], organisme="' OR 1=1 --")


def test_values_are_normalised_once_and_frozen():
    options = RunOptions(inputs=[str(SAMPLE)], organisme="12345678901234", today=None)
    assert options.inputs == (SAMPLE,)
    assert options.organisme == ("12345678901234",)
    assert options.today == dt.date.today()
    with pytest.raises(dataclasses.FrozenInstanceError):
        options.strict = True  # type: ignore[misc]


def test_the_engine_takes_the_value_whole_and_the_keywords_alike():
    whole = run(RunOptions(inputs=[SAMPLE], today=dt.date(2026, 3, 1)))
    keywords = run([SAMPLE], today=dt.date(2026, 3, 1))
    assert whole.summary()["entities"] == keywords.summary()["entities"]
    assert whole.summary()["entities"]["session"]["accepted"] > 0


def test_a_bad_base_setting_fails_when_the_options_are_built():
    from pipeline.catalogue.options import BaseOptions

    with pytest.raises(FasdError, match="perimetre"):
        RunOptions(inputs=[SAMPLE], base=BaseOptions("x.sqlite", perimetre="tout"))
    with pytest.raises(FasdError, match="attente"):
        BaseOptions("x.sqlite", wait=-1)
    with pytest.raises(FasdError, match="--base"):
        BaseOptions("  ")


def test_options_with_a_base_apply_the_run_and_a_dry_run_keeps_nothing(tmp_path):
    """The base is one of the run's options: `run(options)` applies it itself."""
    from pipeline import catalogue
    from pipeline.catalogue.options import BaseOptions

    base = str(tmp_path / "catalogue.sqlite")
    catalogue.init(base, validation=False)
    day = dt.date(2026, 3, 1)
    preview = run(RunOptions(inputs=[SAMPLE], today=day, base=BaseOptions(base, dry_run=True)))
    assert preview.catalogue.dry_run and preview.catalogue.counts["session"]["creation"] > 0
    assert catalogue.stats(base, today=day)["sessions_actives"] == 0
    applied = run(RunOptions(inputs=[SAMPLE], today=day, base=BaseOptions(base)))
    assert not applied.catalogue.dry_run
    assert applied.catalogue.counts["session"]["creation"] == preview.catalogue.counts["session"]["creation"]
    accepted = applied.summary()["entities"]["session"]["accepted"]
    assert catalogue.stats(base, today=day)["sessions_actives"] == accepted
