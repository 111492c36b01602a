"""records.jsonl and lheo.xml from one pass over the accepted offers.

Each formation's nested record (records.offer_records) is built once: it is written
as its records.jsonl line first, then handed to the LHÉO writer, instead of every
writer building all the records again. Only one formation is held at a time.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable, Iterator

from ..model.records import directory_records, offer_records
from .atomic import atomic_open
from .lheo import write_offers


# json.dumps with these options would build an encoder per record: one serves every line.
_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _as_lines(records: Iterable[dict], fh, progress) -> Iterator[dict]:
    """Write each record as a JSON line, then pass it on (a writer after this one may change it)."""
    for record in records:
        fh.write(_ENCODE(record) + "\n")
        if progress is not None:
            progress.advance(1)
        yield record


def write_offer_files(result, records_path: Path, lheo_path: Path | None, progress=None) -> None:
    """records.jsonl, and lheo.xml when `lheo_path` is given, from the same records."""
    write_offer_stream(
        offer_records(result),
        directory_records(result, "site"),
        directory_records(result, "contact"),
        records_path,
        lheo_path,
        progress,
    )


def write_offer_stream(
    offers: Iterable[dict],
    sites: dict[str, dict],
    contacts: dict[str, dict],
    records_path: Path,
    lheo_path: Path | None,
    progress=None,
) -> None:
    """records.jsonl (and lheo.xml) from any iterable of offer records.

    `offers` may be a generator that reads and checks the input chunk by chunk
    (stream.py): each formation is written as soon as it is yielded. `sites` and
    `contacts` are read when a formation names them and, for lheo.xml's annuaire,
    once `offers` is exhausted: a generator may fill them as it goes."""
    with atomic_open(records_path, "w", encoding="utf-8", newline="\n") as fh:
        records = _as_lines(offers, fh, progress)
        if lheo_path is not None:
            write_offers(records, sites, contacts, Path(lheo_path))
        for _ in records:  # whatever the LHÉO writer did not consume still goes to records.jsonl
            pass
