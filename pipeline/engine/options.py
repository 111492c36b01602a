"""A run's options as one frozen value, checked when built (issue 24).

The CLI, the web worker and callers build a RunOptions once and hand it whole to
`engine.run.run`, instead of threading a dozen keywords through every layer. Building
it checks what can be checked before reading: a bad `--organisme` or `--perimetre`
fails here, with the same French line as before; a defaults file is loaded here. With
`base`, `engine.run.run` applies the run to that catalogue base as it is checked.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable

from ..catalogue.options import BaseOptions
from ..model.progress import Callback, Progress
from ..readers.defaults import Defaults, load_defaults
from ..validators.organisation import Scope, upload_scope


@dataclass(frozen=True)
class RunOptions:
    """What one run reads and how (see `engine.run.run` for each option's meaning)."""

    inputs: tuple[Path, ...] = ()
    annuaire: Path | None = None
    reference: Any = None  # a reference.model.Reference, or None (no certification check)
    today: dt.date = field(default_factory=dt.date.today)
    profil: str | None = None  # "sofi", "lheo" or None (per record's format)
    progress: Progress | Callback | None = field(default=None, compare=False)
    dispositifs: Path | None = None  # a dispositif list replacing the bundled one
    colonnes: Any = None  # a readers.mapping.ColumnMapping (`--colonnes`)
    defauts: Defaults | None = None  # loaded from a path when built
    strict: bool = False
    organisme: tuple[str, ...] | None = None  # `--organisme`, one or several SIRETs/SIRENs
    stream: bool | None = False  # True: chunks always; None: for a large CSV; False: never
    chunk_rows: int | None = None  # rows of a chunk (tests force small ones)
    write_offers: bool = True  # a run writes its offers as it goes
    jobs: int = 1  # worker processes checking a streamed input's chunks (engine/workers.py); 1: this one
    # hears each chunk's Result as it is decided (a catalogue application, catalogue/apply.py);
    # `restart()`, when it has one, when the input is read again as one chunk
    on_chunk: Callable[[Any], None] | None = field(default=None, compare=False)
    # stored file name -> the name shown in the outputs (the web page stores uploads as upload-N)
    names: dict[str, str] = field(default_factory=dict, compare=False)
    # the catalogue base the run is applied to (`--base`, its perimeter, dry run…), or None
    base: BaseOptions | None = None
    scope: Scope | None = field(default=None, init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        set_ = object.__setattr__  # frozen: normalised once, here
        set_(self, "inputs", tuple(Path(p) for p in self.inputs))
        if self.annuaire is not None:
            set_(self, "annuaire", Path(self.annuaire))
        if self.today is None:
            set_(self, "today", dt.date.today())
        if self.organisme is not None:
            values = (self.organisme,) if isinstance(self.organisme, str) else tuple(self.organisme)
            set_(self, "organisme", values)
        set_(self, "scope", upload_scope(self.organisme))  # a bad --organisme stops here
        if self.defauts is not None and not isinstance(self.defauts, Defaults):
            set_(self, "defauts", load_defaults(Path(self.defauts)))

    def with_(self, **changes: Any) -> "RunOptions":
        """A copy with `changes` (checked again)."""
        return replace(self, **changes)
