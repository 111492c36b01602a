"""How a record version is kept: its canonical text and digest, what changed, the files read.

Shared by the import (upsert.py), the decisions (validation.py, certifinfo.py) and the refused runs."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path


def canonical(rec: dict) -> tuple[str, str]:
    text = json.dumps(rec, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return text, hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


def diff(old: dict, new: dict) -> dict[str, list]:
    names = list(dict.fromkeys([*new, *old]))
    return {n: [old.get(n), new.get(n)] for n in names if old.get(n) != new.get(n)}


def input_files(paths) -> list[dict]:
    """Name, size and SHA-256 of each input file (paths or names), for the run's history."""
    files = []
    for name in paths:
        path = Path(name)
        entry: dict[str, object] = {"name": path.name}
        if path.is_file():
            digest = hashlib.sha256()
            with open(path, "rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(block)
            entry.update(size=path.stat().st_size, sha256=digest.hexdigest())
        files.append(entry)
    return files
