"""`fasd export --base`: the live offer of the catalogue as LHÉO 2.3, through the one LHÉO writer."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from ..model.errors import EXIT_FINDINGS, OutputError, UsageError


def export_base(records, out, fmt, annuaire, base, organisme, depuis, today) -> None:
    from .options import parse_today
    from ..catalogue.api import export

    if records is not None or annuaire is not None:
        raise UsageError("--base exporte la base : n'indiquez ni RECORDS ni --annuaire.")
    if (fmt or "lheo") != "lheo" or Path(out).suffix.lower() == ".xlsx":
        raise UsageError("--base exporte en LHÉO 2.3 seulement : indiquez un fichier .xml.")
    since = None
    if depuis:
        try:
            since = dt.date.fromisoformat(depuis)
        except ValueError:
            raise UsageError(f"--depuis attend une date AAAA-MM-JJ, pas « {depuis} ».") from None
    try:
        count = export(base, Path(out), organisation=organisme, since=since, today=parse_today(today))
    except OSError as exc:
        raise OutputError(f"impossible d'écrire {out} ({exc.strerror or exc}).") from None
    if since is not None:
        from ..catalogue.api import withdrawn_path

        click.echo(f"Retraits depuis le {since.isoformat()} : {withdrawn_path(Path(out))}")
    if count == 0:
        click.echo(f"Aucune formation en ligne à exporter : {Path(out).name} n'est pas écrit.", err=True)
        sys.exit(EXIT_FINDINGS)
    click.echo(f"{count} formation(s) exportée(s) dans {out}")
