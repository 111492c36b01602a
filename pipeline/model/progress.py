"""How far a run has gone, for whoever watches it: stages with counts, sent to a callback.

The core (`run.run`, `writers.output.write_outputs`) takes `progress=callback` and calls
it with a `Step` each time a stage starts, advances or ends; it never prints. The CLI
turns the steps into progress bars on a terminal (`pipeline/cli/console.py`); a web page
can keep the last step of each stage and poll it. Without a callback nothing is sent.

Stages, in order: `read` (records read, per input file and sheet), `check` (records
checked, per entity), `write` (accepted formations written to records.jsonl and
lheo.xml, `fasd import` only), `report` (rows of the report files).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, Optional

STAGES = ("read", "check", "write", "report")
LABELS = {"read": "Lecture", "check": "Contrôle", "write": "Écriture des offres", "report": "Rapport"}
UNITS = {"read": "enregistrements", "check": "enregistrements", "write": "formations", "report": "lignes"}


@dataclass(frozen=True)
class Step:
    """One report of a stage: `done` of `total` (None while unknown), what it is on now."""

    stage: str
    done: int
    total: Optional[int]
    detail: str = ""
    finished: bool = False
    elapsed: float = 0.0  # wall seconds since the stage started

    @property
    def label(self) -> str:
        return LABELS.get(self.stage, self.stage)

    @property
    def unit(self) -> str:
        return UNITS.get(self.stage, "")


Callback = Callable[[Step], None]


@dataclass
class Progress:
    """The core's side: start a stage, advance it, finish it; keeps each stage's wall time.

    Sends at most one step per `interval` seconds while a stage advances (plus starts,
    detail changes and ends), so a callback costs nothing next to the work even when the
    core advances per record.
    """

    callback: Optional[Callback] = None
    interval: float = 0.1
    timings: dict[str, float] = field(default_factory=dict)
    _stage: str = ""
    _done: int = 0
    _total: Optional[int] = None
    _detail: str = ""
    _started: float = 0.0
    _sent: float = 0.0

    def start(self, stage: str, total: Optional[int] = None, detail: str = "") -> None:
        if self._stage:
            self.finish()
        self._stage, self._done, self._total, self._detail = stage, 0, total, detail
        self._started = time.perf_counter()
        self._send()

    def advance(self, n: int = 1, detail: Optional[str] = None) -> None:
        self._done += n
        if self._total is not None and self._done > self._total:  # an estimate passed: never over 100 %
            self._total = self._done
        changed = detail is not None and detail != self._detail
        if changed and detail is not None:
            self._detail = detail
        if self.callback is not None and (changed or time.perf_counter() - self._sent >= self.interval):
            self._send()

    @property
    def done(self) -> int:
        return self._done

    def total(self, total: Optional[int]) -> None:
        """The stage's size once known (a reader learns it as it goes); never below what is done."""
        self._total = total if total is None else max(total, self._done)
        self._send()

    def finish(self) -> None:
        if not self._stage:
            return
        elapsed = time.perf_counter() - self._started
        self.timings[self._stage] = self.timings.get(self._stage, 0.0) + elapsed
        if self._total is None or self._done > self._total:
            self._total = self._done
        self._send(finished=True)
        self._stage = ""

    def _send(self, finished: bool = False) -> None:
        self._sent = now = time.perf_counter()
        if self.callback is not None:
            self.callback(Step(self._stage, self._done, self._total, self._detail, finished, now - self._started))


def tracker(progress: Progress | Callback | None) -> Progress:
    """A Progress from whatever the caller gave: one, a bare callback, or nothing."""
    if isinstance(progress, Progress):
        return progress
    return Progress(progress)
