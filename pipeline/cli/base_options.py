"""The `--base` options of `fasd import`, kept light: the command line loads this module at
start-up, the database libraries only when an import goes into a base."""

from __future__ import annotations

import contextlib

import click

from ..model.errors import FasdError

from ..catalogue.options import DEFAULT_WAIT, PERIMETRES, BaseOptions

_OPTIONS = [
    click.option(
        "--base",
        metavar="URL",
        help="Applique les offres acceptées à la base du catalogue (fichier "
        "SQLite ou postgresql://…) et écrit changes.csv / changes.json ; voir fasd base init.",
    ),
    click.option(
        "--perimetre",
        type=click.Choice(PERIMETRES),
        default="partiel",
        show_default=True,
        help="Avec --base : « complet » si le fichier est toute l'offre de l'organisme (ses "
        "enregistrements absents sont retirés, avec une date).",
    ),
    click.option(
        "--organisme",
        "organisme",
        multiple=True,
        metavar="SIRET",
        help="Un établissement de l'envoi (SIRET) ou tous ceux d'un organisme (SIREN) ; "
        "répétable. Une offre dont l'organisme responsable est hors de ceux-ci est rejetée seule. "
        "Par défaut, les offres de tous les établissements du fichier sont acceptées.",
    ),
    click.option(
        "--organismes",
        "organismes",
        type=click.Path(dir_okay=False),
        metavar="FICHIER",
        help="Les établissements de l'envoi, un SIRET ou SIREN par ligne (comme --organisme).",
    ),
    click.option("--dry-run", is_flag=True, help="Avec --base : montre les changements sans les appliquer."),
    click.option(
        "--oui",
        is_flag=True,
        help="Avec --perimetre complet : applique les retraits sans les demander (dans un "
        "terminal, ils sont d'abord montrés et une confirmation est demandée).",
    ),
    click.option(
        "--brouillon",
        is_flag=True,
        help="Avec --base : les actions changées restent « en cours de saisie », sans être "
        "envoyées en validation au Carif-Oref (le prochain import sans --brouillon les envoie).",
    ),
    click.option(
        "--attente",
        type=click.FloatRange(0),
        default=DEFAULT_WAIT,
        show_default=True,
        metavar="SECONDES",
        help="Avec --base : combien attendre qu'un autre import dans la même base se termine.",
    ),
]


def import_options(command):
    """Add the catalogue's options to `fasd import` (they arrive as keyword arguments)."""
    for option in reversed(_OPTIONS):
        command = option(command)
    return command


def base_step(
    base=None, perimetre="partiel", organisme=(), dry_run=False, attente=DEFAULT_WAIT, oui=False, brouillon=False
) -> BaseOptions | None:
    """The base side of the run's options (RunOptions.base): None without --base. A bad
    value fails here, before anything is read. (`--organisme` is the run's own option.)"""
    if not base:
        return None
    return BaseOptions(base, perimetre=perimetre, dry_run=dry_run, wait=attente, draft=brouillon, oui=oui)


@contextlib.contextmanager
def refusal_logged(base: BaseOptions | None, inputs, today):
    """Around an import's reading and applying: a FasdError (exit 2) into a base leaves a
    refused `run` row with its reason (refused.py), then goes on to the person."""
    try:
        yield
    except FasdError as exc:
        if base is not None and not base.dry_run:
            from ..catalogue.refused import record_refused

            record_refused(base.url, inputs, today, base.perimetre, str(exc))
        raise
