"""`fasd template`, the command: kept apart from pipeline/writers/template.py so that starting
any `fasd` command does not import openpyxl (a third of a second) to register it."""

from __future__ import annotations

from pathlib import Path

import click

from ..model.errors import OutputError
from .options import refuse_empty

DEFAULT_OUT = Path("templates_xlsx/offre-fasd.xlsx")


@click.command("template")
@click.option(
    "--out",
    type=click.Path(dir_okay=False),
    default=str(DEFAULT_OUT),
    show_default=True,
    callback=refuse_empty,
    help="Fichier .xlsx à écrire.",
)
def template(out):
    """Écrit le classeur modèle à remplir (feuilles Sites à Dispositifs, listes déroulantes, aide)."""
    from ..writers.template import write_template

    try:
        path = write_template(Path(out))
    except OSError as exc:
        raise OutputError(f"impossible d'écrire {out} ({exc.strerror or exc}).") from None
    click.echo(f"Modèle écrit : {path}")


COMMANDS = [template]
