"""`fasd export`: re-publish accepted offers (records.jsonl) without re-importing them.

records.jsonl holds the offers, not the directory: sites and contacts come from
`--annuaire` (a workbook with Sites and Contacts sheets, checked like an import).
Without it, the LHÉO elements of the sites carry only their codes and placeholders.
Two formats: LHÉO 2.3 (the writer of `fasd import`) and the template workbook of
`fasd template` filled with the offers (when pipeline/writers/template.py is installed).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Iterator

import click

from ..model.errors import EXIT_FINDINGS, InputError, OutputError, UsageError
from ..model.fields import Kind
from .options import refuse_empty

FORMATS = {".xml": "lheo", ".lheo": "lheo", ".xlsx": "xlsx"}


def read_records(path: Path) -> Iterator[dict]:
    """The formations of a records.jsonl, one at a time; InputError on a bad line."""
    try:
        fh = open(path, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{path.name} : fichier illisible ({exc.strerror or exc}).") from None
    with fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(
                    f"{path.name} : ligne {number} illisible ({exc.msg}) ; "
                    "attendu : une offre JSON par ligne (records.jsonl de fasd import)."
                ) from None
            if not isinstance(record, dict) or "ref_formation" not in record:
                raise InputError(f"{path.name} : ligne {number} : ce n'est pas une formation de records.jsonl.")
            yield record


def load_directory(annuaire: Path | None) -> tuple[dict, dict]:
    """Accepted sites and contacts of the directory workbook, by code."""
    if annuaire is None:
        return {}, {}
    from ..model.records import directory_records
    from ..engine.run import run

    result = run([], annuaire=Path(annuaire))
    return directory_records(result, "site"), directory_records(result, "contact")


# -- template workbook ---------------------------------------------------------------------
def _cell(value, field):
    """A record value as the template cell a person would type (labels, not codes)."""
    from ..model.lists import enumeration

    if value is None:
        return None
    if field.kind is Kind.ENUM:
        enum = enumeration(field.table)

        def label(code):
            choice = enum.by_code(code)
            if choice is None:
                return str(code)
            return enum.short_label(choice)

        return "; ".join(label(v) for v in value) if isinstance(value, list) else label(value)
    if field.kind is Kind.DATE:
        if isinstance(value, list):
            from ..lheo.codes import cell_text

            return "; ".join(
                cell_text(v) if isinstance(v, dict) else dt.date.fromisoformat(v).strftime("%d/%m/%Y") for v in value
            )
        return dt.date.fromisoformat(value)
    if field.kind is Kind.BOOL:
        return "oui" if value else "non"
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return value


def write_workbook(offers, sites: dict, contacts: dict, path: Path) -> int:
    """The offers in the template workbook of issue 5 (pipeline/writers/template.py)."""
    from ..model.fields import ENTITIES
    from ..writers.template import build_template
    from ..writers.atomic import atomic_path
    from ..writers.safe import protect_cell

    offers = list(offers)
    if not offers:
        return 0
    wb = build_template()
    sheets = {name: wb[ENTITIES[name].sheet] for name in ENTITIES}

    def put(entity: str, record: dict) -> None:
        spec = ENTITIES[entity]
        sheet = sheets[entity]
        sheet.append([_cell(record.get(f.name), f) for f in spec.fields])
        for cell in sheet[sheet.max_row]:
            protect_cell(cell)  # "=HYPERLINK(…)" in a title stays text (writers/safe.py)

    for record in sites.values():
        put("site", record)
    for record in contacts.values():
        put("contact", record)
    count = 0
    for f in offers:
        put("formation", f)
        for a in f.get("actions", []):
            put("action", a)
            for s in a.get("sessions", []):
                put("session", s)
                for d in s.get("dispositifs", []):
                    put("dispositif", d)
        count += 1
    with atomic_path(Path(path)) as tmp:
        wb.save(tmp)
    return count


def template_available() -> bool:
    try:
        from ..writers.template import build_template  # noqa: F401
    except ImportError:
        return False
    return True


@click.command("export")
@click.argument("records", required=False, type=click.Path(dir_okay=False))
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False),
    callback=refuse_empty,
    help="Fichier à écrire : .xml (LHÉO 2.3) ou .xlsx (classeur modèle).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["lheo", "xlsx"]),
    help="Format de sortie ; par défaut déduit de l'extension de --out.",
)
@click.option(
    "--annuaire",
    type=click.Path(dir_okay=False),
    help="Classeur des sites et contacts (feuilles Sites et Contacts) : sans lui, les "
    "organismes et lieux ne portent que leur code.",
)
@click.option(
    "--base",
    metavar="URL",
    help="Au lieu du FICHIER records.jsonl : l'offre en ligne de la base du catalogue "
    "(sans les enregistrements retirés ni les sessions terminées), en LHÉO 2.3.",
)
@click.option(
    "--organisme",
    "organisme",
    multiple=True,
    metavar="SIRET",
    help="Avec --base : l'offre d'un établissement (SIRET) ou d'un organisme (SIREN) ; répétable.",
)
@click.option(
    "--depuis", metavar="AAAA-MM-JJ", help="Avec --base : seulement les formations modifiées depuis cette date."
)
@click.option("--today", metavar="AAAA-MM-JJ", help="Avec --base : date de l'export (par défaut aujourd'hui).")
def export(records, out, fmt, annuaire, base, organisme, depuis, today):
    """Exporte les offres acceptées (records.jsonl de fasd import, ou --base) en LHÉO 2.3 ou en classeur modèle."""
    if base:
        from .catalogue_export import export_base

        export_base(records, out, fmt, annuaire, base, organisme, depuis, today)
        return
    if records is None:
        raise UsageError("indiquez le FICHIER records.jsonl de fasd import, ou --base.")
    out_path = Path(out)
    fmt = fmt or FORMATS.get(out_path.suffix.lower())
    if fmt is None:
        raise UsageError(f"--out {out_path.name} : extension inconnue ; indiquez --format lheo ou --format xlsx.")
    if fmt == "xlsx" and not template_available():
        raise UsageError("format xlsx indisponible : le classeur modèle (fasd template) n'est pas installé.")
    records_path = Path(records)
    if not records_path.is_file():
        raise InputError(f"{records_path} : fichier introuvable.")
    sites, contacts = load_directory(Path(annuaire) if annuaire else None)
    offers = read_records(records_path)
    try:
        if fmt == "lheo":
            from ..writers.lheo import write_offers

            count = write_offers(offers, sites, contacts, out_path)
        else:
            count = write_workbook(offers, sites, contacts, out_path)
    except OSError as exc:
        raise OutputError(f"impossible d'écrire {out_path} ({exc.strerror or exc}).") from None
    if count == 0:
        click.echo(f"Aucune formation à exporter dans {records_path.name} : {out_path.name} n'est pas écrit.", err=True)
        sys.exit(EXIT_FINDINGS)
    if not sites and annuaire is None:
        click.echo("Sans --annuaire, les sites et contacts ne portent que leur code.", err=True)
    click.echo(f"{count} formation(s) exportée(s) dans {out_path}")


COMMANDS = [export]
