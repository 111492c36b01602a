"""A chunk's records.jsonl lines and lheo.xml formations, written apart by a worker process.

With `--jobs N` (engine/workers.py) each worker writes the offers of its chunk to two
files of the run's spool; the writers (offers.py, lheo.py) copy them in at the chunk's
place, in input order, so the files are byte for byte those written record by record.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO


@dataclass
class Part:
    """The records.jsonl lines and lheo.xml formations of one chunk, written by a worker
    process (engine/workers.py `write_part`): the writers copy them in where the chunk's
    records would go, so the files are those of the records written one by one."""

    records: Path
    lheo: Path | None  # None: no lheo.xml wanted
    formations: int  # formations in `lheo` (those with a published session)
    count: int  # records in `records`

    def remove(self) -> None:
        self.records.unlink(missing_ok=True)
        if self.lheo is not None:
            self.lheo.unlink(missing_ok=True)


def copy_text(source: Path, fh: TextIO) -> None:
    """The text of `source` appended to `fh` as written (no newline translated)."""
    with open(source, encoding="utf-8", newline="") as part:
        shutil.copyfileobj(part, fh, 1 << 20)
