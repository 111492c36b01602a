"""Uploads on disk: one folder per upload, named by an unguessable id, deleted after retention.

Layout of a job folder (no name in it comes from the user):
    meta.json        the names the user gave, the options, the creation time
    state.json       where the run is (written by the worker, read by the page)
    inputs/          input-1.xlsx, input-2.csv, annuaire.xlsx …
    out/             the files of `fasd import` (report.xlsx, report.csv, records.jsonl …)
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
import time
from pathlib import Path

from ..writers.atomic import atomic_open

ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{43}$")  # secrets.token_urlsafe(32)
DOWNLOADS = {  # the only files served from out/
    "report.xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "report.csv": "text/csv; charset=utf-8",
    "records.jsonl": "application/x-ndjson; charset=utf-8",
    "lheo.xml": "application/xml",
    "fichier-corrige.xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",  # web/corrected.py
    "changes.csv": "text/csv; charset=utf-8",  # after « Appliquer au catalogue »
    "correspondance.csv": "text/csv; charset=utf-8",  # proposed column mapping (file not understood)
}


def new_id() -> str:
    return secrets.token_urlsafe(32)


def job_dir(data_dir: Path, job_id: str) -> Path | None:
    """The folder of a job, or None for an id that is not one of ours (never a path)."""
    if not ID_PATTERN.match(job_id or ""):
        return None
    folder = Path(data_dir) / job_id
    return folder if folder.is_dir() else None


def write_json(path: Path, data: dict) -> None:
    with atomic_open(path, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False)


def read_json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def read_state(folder: Path) -> dict:
    return read_json(folder / "state.json") or {"status": "queued", "stages": {}}


def sweep(data_dir: Path, retention_seconds: float, now: float | None = None) -> list[str]:
    """Delete the jobs created more than `retention_seconds` ago; return their ids."""
    now = time.time() if now is None else now
    removed = []
    for folder in Path(data_dir).iterdir():
        if not (folder.is_dir() and ID_PATTERN.match(folder.name)):
            continue
        meta = read_json(folder / "meta.json") or {}
        created = meta.get("created", folder.stat().st_mtime)
        if now - created > retention_seconds:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder.name)
    return removed


def interrupted(data_dir: Path, message: str) -> list[str]:
    """Mark as failed the jobs a previous server left queued or running (at start-up:
    no worker of ours runs them any more); return their ids."""
    marked = []
    for folder in Path(data_dir).iterdir():
        if folder.is_dir() and ID_PATTERN.match(folder.name):
            state = read_state(folder)
            if state.get("status") in ("queued", "running"):
                state.update(status="failed", message=message)
                write_json(folder / "state.json", state)
                marked.append(folder.name)
    return marked
