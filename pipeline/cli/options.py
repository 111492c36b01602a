"""Option pieces shared by the commands (import, check, export, template)."""

from __future__ import annotations

import click


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
