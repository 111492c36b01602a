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
