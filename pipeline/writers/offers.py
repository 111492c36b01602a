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
from .lheo import Directory, formation_xml, write_offers
from .parts import Part, copy_text


# json.dumps with these options would build an encoder per record: one serves every line.
_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def write_part(records: Iterable[dict], directory: Directory | None, part: Part) -> Part:
    """Write the records' lines to `part.records` and, with a `directory`, their LHÉO
    formations to `part.lheo`, as write_offer_stream would write them; `part` counted."""
    lheo = open(part.lheo, "w", encoding="utf-8", newline="") if part.lheo is not None else None
    try:
        with open(part.records, "w", encoding="utf-8", newline="\n") as fh:
            for record in records:
                fh.write(_ENCODE(record) + "\n")
                part.count += 1
                if lheo is not None and directory is not None:
                    xml = formation_xml(record, directory)
                    if xml is not None:
                        lheo.write(xml)
                        part.formations += 1
    finally:
        if lheo is not None:
            lheo.close()
    return part


def _as_lines(records: Iterable[dict | Part], fh, progress) -> Iterator[dict | Part]:
    """Write each record as a JSON line, then pass it on (a writer after this one may change it);
    a worker's Part is copied in whole, passed on, then removed."""
    for record in records:
        if isinstance(record, Part):
            copy_text(record.records, fh)
            if progress is not None:
                progress.advance(record.count)
            yield record
            record.remove()
            continue
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
    offers: Iterable[dict | Part],
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
    once `offers` is exhausted: a generator may fill them as it goes. A `Part` among
    the offers (a chunk a worker process wrote) is copied in at its place."""
    with atomic_open(records_path, "w", encoding="utf-8", newline="\n") as fh:
        records = _as_lines(offers, fh, progress)
        if lheo_path is not None:
            write_offers(records, sites, contacts, Path(lheo_path))
        for _ in records:  # whatever the LHÉO writer did not consume still goes to records.jsonl
            pass
