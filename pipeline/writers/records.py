"""records.jsonl: one accepted formation per line, nested down to its dispositifs."""
from __future__ import annotations

import json
from pathlib import Path

from ..records import offer_records
from .atomic import atomic_open


def write_records(result, path: Path) -> int:
    count = 0
    with atomic_open(path, "w", encoding="utf-8", newline="\n") as fh:
        for record in offer_records(result):
            fh.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")))
            fh.write("\n")
            count += 1
    return count
