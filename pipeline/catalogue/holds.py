"""Tests only: the pauses of a base import (before the lock, mid-way, written, committed),
so that kill and concurrency tests can stop a real process at a known point."""

from __future__ import annotations

import os
from pathlib import Path

HOLD_ENV = "FASD_BASE_TEST_HOLD"  # tests only: pause mid-import until this file is removed
HOLD_AT_ENV = "FASD_BASE_TEST_HOLD_AT"  # tests only: the stage to pause at (default: half)


def _hold():
    """Tests only: leave FILE.lock before taking the lock, FILE.half mid-way, FILE.written once the
    outputs are written (not committed), FILE.committed after the commit (not swapped in);
    at the stage FASD_BASE_TEST_HOLD_AT names (half by default), wait while FILE exists."""
    path = os.environ.get(HOLD_ENV)
    if not path:
        return None
    at = os.environ.get(HOLD_AT_ENV) or "half"

    def hold(stage: str):
        import time

        Path(f"{path}.{stage}").write_text(str(os.getpid()))
        while stage == at and Path(path).exists():
            time.sleep(0.05)

    return hold


def pause_for_tests(stage: str) -> None:
    """Tests only: leave FILE.<stage> and wait while FILE exists (see _hold)."""
    hold = _hold()
    if hold is not None:
        hold(stage)


def committed_hold() -> None:
    """Tests only: the pause between the base's commit and the swap of the output folder."""
    pause_for_tests("committed")
