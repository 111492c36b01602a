"""Option pieces shared by the commands (import, check, export, template)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from ..model.errors import UsageError


def refuse_empty(ctx, param, value):
    """`--out ""` is an unset variable in a cron line, not a wish to write nowhere."""
    if value is not None and not str(value).strip():
        raise click.BadParameter("ne peut pas être vide (variable non définie dans le script ?).")
    return value


separator_option = click.option(
    "--separateur",
    "separateur",
    type=click.Choice([";", ",", "tab", "|"]),
    help="Séparateur des fichiers CSV (« ; », « , », tab ou « | »). Par défaut, déduit de la ligne "
    "d'en-tête (les virgules d'un texte entre guillemets ne comptent pas).",
)


def parse_today(value: str | None) -> dt.date:
    if not value:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"--today attend une date AAAA-MM-JJ, pas « {value} ».") from None


def load_reference(path: str | None):
    """The certification reference, or the bundled illustrative extract by default."""
    from ..reference import load_reference as loader
    from .reference import warn_notes

    return warn_notes(loader(Path(path) if path else None))
