"""Reading limits: what a file may cost before it is refused, checked before memory is spent.

The defaults let the largest real exports through (a flat sheet of 200 000 rows is
about 12 million cells and 1.5 GB of sheet XML) and stop zip bombs, giant sheet
ranges, runaway shared-string tables and giant cells long before they fill memory.
Each can be raised on the command line (`fasd import --limite-… ; docs/limits.md`).
The limits in force are a context variable, so the readers need no extra parameter.
"""

from __future__ import annotations

import contextlib
from contextvars import ContextVar
from dataclasses import dataclass, replace

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    part_mb: int = 2048  # uncompressed size of one workbook part, or of a CSV file
    ratio: int = 200  # uncompressed / compressed size of one workbook part
    cells: int = 30_000_000  # cells of one sheet (rows × columns of its used range)
    shared_strings: int = 5_000_000  # entries of a workbook's shared-string table
    text_kb: int = 1024  # one cell's text (or a run of blanks between XML tags)
    columns: int = 2000  # fields of one CSV line
    line_kb: int = 16 * 1024  # one line of a CSV (its bytes between two line breaks)

    @property
    def part_bytes(self) -> int:
        return self.part_mb * MB

    @property
    def text_bytes(self) -> int:
        return self.text_kb * 1024

    @property
    def line_bytes(self) -> int:
        return self.line_kb * 1024


# Option name on the command line, for the messages that tell how to raise a limit.
OPTIONS = {
    "part_mb": "--limite-taille",
    "ratio": "--limite-taux",
    "cells": "--limite-cellules",
    "shared_strings": "--limite-chaines",
    "text_kb": "--limite-texte",
    "columns": "--limite-colonnes",
    "line_kb": "--limite-ligne",
}

# A part must inflate past this before its ratio counts: small XML parts compress a lot.
RATIO_FLOOR = 50 * MB

_current: ContextVar[Limits] = ContextVar("fasd_limits", default=Limits())


def current() -> Limits:
    return _current.get()


@contextlib.contextmanager
def using(**changes):
    """Run a block with some limits changed (None values keep the default)."""
    token = _current.set(replace(current(), **{k: v for k, v in changes.items() if v is not None}))
    try:
        yield current()
    finally:
        _current.reset(token)


def hint(name: str) -> str:
    """How to raise one limit, for the end of a refusal message."""
    return f"si le fichier est sûr, relancez avec {OPTIONS[name]} (actuellement {getattr(current(), name)})"
