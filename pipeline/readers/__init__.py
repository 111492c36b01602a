"""Readers: each turns one input format into raw tables (entity -> Table).

`read_inputs` dispatches on the file extension and joins several inputs into one
table per entity; everything downstream is format-blind.

May import: model/, lheo/.
"""

from __future__ import annotations

from pathlib import Path

from ..model.findings import Findings
from ..model.fields import ENTITIES, OFFER_ENTITIES
from ..model.tables import Table, concat_tables
from ..model.errors import InputError

WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"}
CSV_SUFFIXES = {".csv", ".txt"}
XML_SUFFIXES = {".xml", ".lheo"}
# The one list a person reads of what can be sent (the refusal here, the page, its upload check).
FORMATS = "un classeur (.xlsx, .xlsm, .xlsb, .xls, .ods), un fichier CSV (.csv, .txt) ou un flux LHÉO (.xml)"
OFFER_SUFFIXES = sorted(WORKBOOK_SUFFIXES) + sorted(CSV_SUFFIXES) + sorted(XML_SUFFIXES)


def read_one(path: Path, findings: Findings, *, directory_only: bool = False) -> dict[str, Table]:
    """The tables of one input; InputError when it cannot be read or holds no offer at all."""
    tables = _read_format(path, findings, directory_only=directory_only)
    offers = any(len(t) for e, t in tables.items() if e in OFFER_ENTITIES)
    if not directory_only and not findings.explore and not offers:  # `fasd colonnes` reads headers only
        raise InputError(
            f"{path.name} : aucune offre lue (aucune ligne de formation, d'action, de session ni de dispositif)."
        )
    return tables


def _read_format(path: Path, findings: Findings, *, directory_only: bool) -> dict[str, Table]:
    if not path.exists():
        raise InputError(f"{path} : fichier introuvable.")
    if path.is_dir():
        raise InputError(f"{path} : c'est un dossier, pas un fichier.")
    suffix = path.suffix.lower()
    if suffix in WORKBOOK_SUFFIXES:
        from .xlsx import read_workbook

        return read_workbook(path, findings, directory_only=directory_only)
    if suffix in CSV_SUFFIXES and not directory_only:
        from .csv import read_csv

        return read_csv(path, findings)
    if suffix in XML_SUFFIXES and not directory_only:
        from .lheo import read_lheo

        return read_lheo(path, findings)
    raise InputError(f"{path.name} : format non pris en charge ({suffix or 'sans extension'}) ; envoyez {FORMATS}.")


def read_inputs(paths: list[Path], findings: Findings, annuaire: Path | None = None, progress=None) -> dict[str, Table]:
    """Read every input (and the directory workbook) into one table per entity.

    `progress` (a progress.Progress) is advanced by the records of each file read."""
    parts: dict[str, list[Table]] = {name: [] for name in ENTITIES}
    for path in paths:
        if progress is not None:
            progress.advance(0, detail=Path(path).name)
        read = read_one(Path(path), findings)
        for entity, table in read.items():
            parts[entity].append(table)
        if progress is not None:
            progress.advance(sum(len(t) for t in read.values()))
    if annuaire is not None:
        if progress is not None:
            progress.advance(0, detail=Path(annuaire).name)
        read = read_one(Path(annuaire), findings, directory_only=True)
        for entity, table in read.items():
            parts[entity] = [_without_keys(t, table) for t in parts[entity]] + [table]
        if progress is not None:
            progress.advance(sum(len(t) for t in read.values()))
    return {entity: concat_tables(entity, tables) for entity, tables in parts.items()}


def _without_keys(table: Table, annuaire: Table) -> Table:
    """A LHÉO flow carries its sites and contacts inline (rows with an XML line):
    the directory workbook is authoritative for the codes it has, not a duplicate."""
    key = ENTITIES[table.entity].key[0]
    drop = table.raw["_line"].notna() & table.raw[key].isin(set(annuaire.raw[key]))
    if not drop.any():
        return table
    return Table(table.entity, table.raw[~drop].reset_index(drop=True), table.columns)
