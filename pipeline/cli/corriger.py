"""`fasd corriger`: a corrected copy of the user's workbook (writers/corrected.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..model.errors import EXIT_FINDINGS, EXIT_OK, UsageError
from .main import run_options
from .options import load_reference, parse_today


@click.command("corriger")
@click.argument("fichier", metavar="FICHIER", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False),
    help="Copie corrigée à écrire (COPIE.xlsx) ; le fichier d'origine n'est jamais modifié.",
)
@click.option(
    "--rejetees-seulement",
    is_flag=True,
    help="N'écrire que les lignes rejetées (avec leurs en-têtes), à corriger et renvoyer.",
)
@run_options
def corriger_command(fichier, out, rejetees_seulement, annuaire, reference, today, colonnes, **options):
    """Écrit une copie corrigée du classeur FICHIER : chaque correction sûre appliquée et
    surlignée en vert avec sa note, le reste marqué comme dans report.xlsx."""
    from ..readers.mapping import load_mapping
    from ..engine.run import run
    from ..writers.corrected import NotAWorkbook, corrected_workbook, rejected_only, unsettled_errors

    path, target = Path(fichier), Path(out)
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        raise UsageError(
            f"fasd corriger ne corrige que les classeurs (.xlsx) ; « {path.name} » n'en est pas un : "
            "utilisez fasd import --out DOSSIER et son report.xlsx."
        )
    if target.suffix.lower() != ".xlsx":
        raise UsageError(f"--out attend un nom de fichier .xlsx, pas « {target.name} ».")
    if target.resolve() == path.resolve():
        raise UsageError("--out doit nommer une copie, pas le fichier d'origine.")
    result = run(
        [path],
        annuaire=Path(annuaire) if annuaire else None,
        reference=load_reference(reference),
        today=parse_today(today),
        profil=options.get("profil"),
        colonnes=load_mapping(Path(colonnes)) if colonnes else None,
        defauts=options.get("defauts"),
        strict=options.get("strict", False),
        dispositifs=options.get("dispositifs"),
        write_offers=False,
    )
    try:
        book, fixed, left = corrected_workbook(path, result.findings)
    except NotAWorkbook:
        raise UsageError(f"« {path.name} » n'est pas un classeur.") from None
    kept = None
    if rejetees_seulement:
        kept = rejected_only(book, result.tables, result.accepted, path.name)
    target.parent.mkdir(parents=True, exist_ok=True)
    book.save(target)
    rows = f" ; {kept} ligne(s) rejetée(s) gardée(s)" if kept is not None else ""
    click.echo(
        f"{fixed} cellule(s) corrigée(s) (en vert), {left} à revoir par vous (en rouge ou orange){rows}. "
        f"Ouvrez {target}, corrigez le reste, puis : fasd import {target} --out DOSSIER"
    )
    sys.exit(EXIT_FINDINGS if unsettled_errors(result.findings) else EXIT_OK)


COMMANDS = (corriger_command,)
