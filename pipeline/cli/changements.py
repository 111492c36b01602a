"""`fasd changements`: a run's change report written again from the base (issue 29).

For an import whose output folder never came (killed between the base's commit and
the swap) or was lost since: changes.csv, changes.json and changes.xlsx (the
`Modifications` sheet of report.xlsx) as the import wrote them (catalogue/reports.py).
"""

from __future__ import annotations

from pathlib import Path

import click

from .catalogue import base_option, display


@click.command("changements")
@base_option
@click.option(
    "--run", "run_id", required=True, type=int, metavar="N", help="Le numéro de l'import (voir fasd historique)."
)
@click.option(
    "--out",
    "out",
    required=True,
    metavar="DOSSIER",
    type=click.Path(file_okay=False),
    help="Le dossier où écrire changes.csv, changes.json et changes.xlsx.",
)
def changements_command(base, run_id, out):
    """Réécrit le rapport des changements d'un import (changes.csv, changes.json, changes.xlsx) depuis la base."""
    from ..model.errors import OutputError
    from ..writers.changes_xlsx import write_changes_xlsx
    from ..catalogue.api import run_report
    from ..writers.changes import write_changes

    report = run_report(base, run_id)
    folder = Path(out)
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{folder} existe et n'est pas un dossier.")
    try:
        written = write_changes(report, folder)
        write_changes_xlsx(report, folder / "changes.xlsx")
    except OSError as exc:
        raise OutputError(f"impossible d'écrire dans {folder} ({exc.strerror or exc}).") from None
    written.append(folder / "changes.xlsx")
    lines = len(list(report.csv_rows()))
    click.echo(
        f"Import n° {run_id} de la base {display(base)} (du {report.today.isoformat()}, périmètre "
        f"{report.perimetre}) : {lines} ligne(s) de changements écrites dans "
        + ", ".join(str(p) for p in written)
        + "."
    )


COMMANDS = [changements_command]
