"""The `fasd` command: import, check, and the tools around them.

Exit codes a script can trust (pipeline/model/errors.py): 0 no error finding, 1 error
findings, 2 an input that cannot be read at all or a misused command, 3 an internal
error, 130 interrupted. Every stop is one French line on stderr, never a traceback:
any `FasdError` raised below is turned into that line here, in `FasdGroup.invoke`.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
from pathlib import Path

import click

from ..engine.signals import termination_as_exception
from . import french as cli_french
from ..model.errors import (
    EXIT_FINDINGS,
    EXIT_INTERNAL,
    EXIT_OK,
    EXIT_PIPE_CLOSED,
    FasdError,
    Interrupted,
)
from ..catalogue.options import BaseOptions
from .base_options import base_step, import_options as catalogue_options, refusal_logged
from ..model.fields import SHEETS
from .options import load_reference, parse_today, refuse_empty, separator_option  # noqa: F401 (re-exported)
from ..model.codes import ERROR

cli_french.install()


def say_error(message: str) -> None:
    """The one line every stop prints: the first line of the message, nothing else."""
    line = " ".join(str(message).split()) or "erreur inconnue."
    click.echo(f"fasd : erreur : {line}", err=True)


class FasdGroup(click.Group):
    """The command group that turns every stop into one French line and its exit code."""

    def make_context(self, info_name, args, parent=None, **extra):
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except BrokenPipeError:  # `fasd --help | head`: click would say 1, an error to fix
            reader_left()
            raise click.exceptions.Exit(EXIT_PIPE_CLOSED) from None

    def invoke(self, ctx):
        try:
            with termination_as_exception():
                return super().invoke(ctx)
        except FasdError as exc:
            say_error(str(exc))
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            say_error("interrompu ; les fichiers temporaires sont supprimés.")
            ctx.exit(Interrupted.exit_code)
        except BrokenPipeError:  # `fasd ref search … | head`: the reader has what it wanted
            reader_left()
            ctx.exit(EXIT_PIPE_CLOSED)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as exc:  # a bug of ours, not the user's file: still one line
            if os.environ.get("FASD_DEBUG"):
                raise
            say_error(
                f"erreur interne ({type(exc).__name__}: {exc}) ; relancez avec FASD_DEBUG=1 et "
                "signalez-la avec le fichier en cause."
            )
            ctx.exit(EXIT_INTERNAL)


def reader_left() -> None:
    """Point stdout at /dev/null so the interpreter's last flush has nowhere to fail."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def print_summary(summary: dict, out: Path | None, with_records: bool = True) -> None:
    """Counts per sheet, the findings in French by what to do with them, and what to do next."""
    from ..model.causes import code_groups, headline, label

    click.echo(f"{'':<12}{'lus':>8}{'acceptés':>10}{'rejetés':>9}{'à compléter':>13}")
    for name, counts in summary["entities"].items():
        click.echo(
            f"{SHEETS[name]:<12}{counts['read']:>8}{counts['accepted']:>10}{counts['rejected']:>9}"
            f"{summary.get('a_completer', {}).get(name, 0):>13}"
        )
    click.echo(f"Constats : {headline(summary['findings'])}.")
    for heading, by_code in code_groups(summary["findings"]):
        if by_code:
            click.echo(f"{heading} :")
            for code, n in sorted(by_code.items(), key=lambda kv: (-kv[1], kv[0])):
                click.echo(f"  {n:>6}  {label(code)}")
    click.echo(next_step(summary, out, with_records))


def next_step(summary: dict, out: Path | None, with_records: bool = True) -> str:
    """The last line: the file to open and what to do with it."""
    sev = summary["findings"]["by_severity"]
    if out is None:
        if sev[ERROR]:
            return "Pour voir les cellules à corriger, relancez avec --out DOSSIER : report.xlsx les montre en rouge."
        if sev.get("warning"):
            return "Aucune erreur ; relancez avec --out DOSSIER pour voir les avertissements."
        return "Aucune erreur."
    report = out / "report.xlsx"
    if sev[ERROR]:
        return (
            f"Ouvrez {report} : corrigez les cellules rouges (leur note dit quoi faire), enregistrez, "
            f"puis réimportez ce fichier : fasd {'import' if with_records else 'check'} {report} --out {out}-corrige"
        )
    offers = f" ; les offres sont dans {out / 'lheo.xml'} et {out / 'records.jsonl'}" if with_records else ""
    if sev.get("warning"):
        return f"Aucune erreur. Ouvrez {report} pour vérifier les cellules orange{offers}."
    if with_records:
        return f"Aucune erreur{offers}."
    return f"Aucune erreur : le fichier peut être envoyé (rapport : {report})."


def execute(
    inputs,
    out,
    annuaire,
    reference,
    today,
    with_records: bool,
    profil=None,
    quiet: bool = False,
    verbose: bool = False,
    dispositifs=None,
    base: BaseOptions | None = None,
    colonnes=None,
    defauts=None,
    strict: bool = False,
    organisme=None,
    limits: dict | None = None,
    separateur: str | None = None,
    jobs: int | None = None,
) -> None:
    from .console import print_timings, progress_bars, wants_bars
    from ..model.dispositifs import using
    from ..readers.limits import using as using_limits
    from ..readers.separator import using as using_separator
    from ..engine.options import RunOptions
    from ..engine.result import Stopwatch
    from ..engine.run import run
    from ..engine.workers import default_jobs
    from ..writers.atomic import claimed
    from ..writers.output import RUN_FILES, write_outputs

    ref = load_reference(reference)
    day = parse_today(today)
    mapping = None
    if colonnes:
        from ..readers.mapping import load_mapping

        mapping = load_mapping(Path(colonnes))
    out_path = Path(out) if out is not None else None
    writes = Stopwatch()  # restarted when writing starts
    # errors go through: FasdGroup says them
    claim = claimed(out_path, RUN_FILES) if out_path is not None else contextlib.nullcontext()
    with (
        claim,
        using(dispositifs),
        using_limits(**(limits or {})),
        using_separator(separateur),
        progress_bars(wants_bars(quiet)) as progress,
    ):
        with refusal_logged(base, inputs, day):  # a refused import into a base is a run too (D5)
            options = RunOptions(  # built once, checked here (a bad --organisme stops)
                inputs=tuple(Path(p) for p in inputs),
                annuaire=Path(annuaire) if annuaire else None,
                reference=ref,
                today=day,
                profil=profil,
                progress=progress,
                colonnes=mapping,
                defauts=defauts,
                strict=strict,
                organisme=organisme,
                stream=None,
                write_offers=with_records and out_path is not None,
                base=base,
                jobs=jobs if jobs is not None else default_jobs(),
            )
            application, confirm = (None, None)
            if base is not None:  # the catalogue (issue 14): applied chunk by chunk as the run checks them
                from .catalogue import base_application

                application, confirm = base_application(options)
            with application if application is not None else contextlib.nullcontext() as applying:
                if applying is not None:
                    options = options.with_(on_chunk=applying)
                result = run(options)
                if not quiet:
                    for note in result.notes:
                        click.echo(note, err=True)
                commit = committed = None
                if applying is not None:  # the outputs, changes.* included, are written before it commits
                    from ..catalogue.holds import committed_hold

                    commit = functools.partial(_finish_writing, applying, result, confirm)
                    committed = committed_hold
                    if out_path is None:
                        result.catalogue = applying.finish(result, confirm=confirm)
                if out_path is not None:
                    writes = Stopwatch()
                    write_outputs(
                        result,
                        out_path,
                        with_records=with_records,
                        clock=writes,
                        progress=progress,
                        commit=commit,
                        committed=committed,
                    )
    if verbose:
        print_timings({**result.timings, **writes.times})
    summary = result.summary()
    print_summary(summary, out_path, with_records)
    if result.catalogue is not None:
        from .catalogue import print_changes

        print_changes(result.catalogue)
    sys.exit(EXIT_FINDINGS if summary["findings"]["by_severity"][ERROR] else EXIT_OK)


def _finish_writing(application, result, confirm, write):
    """Finish the run's application, `write(report)` called before it commits (writers/output.py)."""
    from ..catalogue.holds import pause_for_tests

    def written(report) -> None:
        write(report)
        pause_for_tests("written")  # tests only: the outputs complete, the base not yet committed

    return application.finish(result, before_commit=written, confirm=confirm)


inputs_argument = click.argument("inputs", nargs=-1, required=True, type=click.Path(dir_okay=False))
annuaire_option = click.option(
    "--annuaire",
    type=click.Path(dir_okay=False),
    help="Classeur des sites et contacts (feuilles Sites et Contacts), "
    "si les fichiers d'offres ne les contiennent pas.",
)
reference_option = click.option(
    "--reference",
    type=click.Path(),
    help="Référentiel des certifications : CSV Certif Info, export RNCP "
    "de France Compétences (.zip) ou dossier les contenant. "
    "Par défaut, l'extrait d'exemple fourni.",
)
profil_option = click.option(
    "--profil",
    type=click.Choice(["sofi", "lheo"]),
    help="sofi : tous les champs obligatoires de SOFI sont exigés (défaut pour les classeurs et CSV) ; "
    "lheo : une offre valide en LHÉO à laquelle il ne manque que des champs propres à SOFI est "
    "acceptée « à compléter » (défaut pour les flux LHÉO).",
)
dispositifs_option = click.option(
    "--dispositifs",
    type=click.Path(dir_okay=False),
    help="Liste des dispositifs du Carif-Oref (CSV « ; » : libelle, code, "
    "code_financeur, publics, source), à la place de la liste fournie.",
)
defauts_option = click.option(
    "--defauts",
    type=click.Path(dir_okay=False),
    help="Valeurs par défaut des champs qu'un flux ne porte pas (CSV « champ;valeur;siret » ou TOML) : "
    "elles ne remplissent que les cellules vides et sont tracées dans records.jsonl "
    "(voir docs/lheo-mapping.md).",
)


LIMIT_NAMES = ("part_mb", "ratio", "cells", "shared_strings", "text_kb", "columns", "line_kb")


def limit_options(command):
    """The reading limits (pipeline/readers/limits.py, docs/limits.md), each with its default."""
    from ..readers.limits import Limits

    d = Limits()
    specs = [
        (
            "--limite-taille",
            "part_mb",
            "MO",
            d.part_mb,
            "Taille maximale, une fois décompressée, d'une partie de classeur ou d'un CSV (Mo).",
        ),
        (
            "--limite-taux",
            "ratio",
            "N",
            d.ratio,
            "Taux de compression maximal d'une partie de classeur (contre les bombes zip).",
        ),
        ("--limite-cellules", "cells", "N", d.cells, "Nombre maximal de cellules d'une feuille."),
        (
            "--limite-chaines",
            "shared_strings",
            "N",
            d.shared_strings,
            "Nombre maximal de textes partagés d'un classeur.",
        ),
        ("--limite-texte", "text_kb", "KO", d.text_kb, "Taille maximale du texte d'une cellule (Ko)."),
        ("--limite-colonnes", "columns", "N", d.columns, "Nombre maximal de colonnes d'une ligne de CSV."),
        ("--limite-ligne", "line_kb", "KO", d.line_kb, "Taille maximale d'une ligne de CSV (Ko)."),
    ]
    for flag, name, metavar, default, help_text in reversed(specs):
        command = click.option(
            flag, name, type=click.IntRange(min=1), metavar=metavar, help=f"{help_text} Défaut : {default}."
        )(command)
    return command


today_option = click.option(
    "--today",
    metavar="AAAA-MM-JJ",
    help="Date du traitement (par défaut aujourd'hui) : sert à repérer les sessions terminées.",
)
quiet_option = click.option(
    "--quiet", "-q", is_flag=True, help="Sans barres de progression (elles ne s'affichent déjà que dans un terminal)."
)
organisme_option = click.option(
    "--organisme",
    "organisme",
    multiple=True,
    metavar="SIRET",
    help="Un établissement de l'envoi (SIRET) ou tous ceux d'un organisme (SIREN) ; répétable. "
    "Une offre dont l'organisme responsable est hors de ceux-ci est rejetée seule. Par défaut, "
    "les offres de tous les établissements du fichier sont acceptées.",
)
organismes_option = click.option(
    "--organismes",
    "organismes",
    type=click.Path(dir_okay=False),
    metavar="FICHIER",
    help="Les établissements de l'envoi, un SIRET ou SIREN par ligne (comme --organisme).",
)


def organisme_values(organisme, organismes) -> tuple[str, ...] | None:
    """`--organisme` (repeated) and the lines of `--organismes FICHIER`, checked; None when neither."""
    from ..validators.organisation import organisme_digits, read_organismes_file

    values = [organisme_digits(v) for v in organisme or ()]
    if organismes:
        values += read_organismes_file(Path(organismes))
    return tuple(dict.fromkeys(values)) or None


colonnes_option = click.option(
    "--colonnes",
    type=click.Path(dir_okay=False),
    help="Fichier de correspondance des en-têtes (produit par « fasd colonnes », "
    "puis corrigé) : le champ où lire chaque colonne, ou « ignorer ».",
)
strict_option = click.option(
    "--strict",
    is_flag=True,
    help="Une valeur facultative mal formée (site web, téléphone…) est une erreur qui "
    "rejette la ligne, au lieu d'être laissée de côté avec un avertissement.",
)
jobs_option = click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    metavar="N",
    help="Processus qui contrôlent et écrivent en même temps les lots d'un gros CSV ou flux "
    "LHÉO (lu par lots à partir de 32 Mo) ; 1 : tout dans ce processus. Les sorties sont les "
    "mêmes quel que soit N. Défaut : les cœurs disponibles, au plus 8.",
)
verbose_option = click.option(
    "--verbose", "-v", is_flag=True, help="Affiche en plus la durée de chaque étape (sur la sortie d'erreur)."
)


@click.group(cls=FasdGroup, context_settings={"help_option_names": ["-h", "--help"]})
def main():
    """Import en masse d'offres de formation (Formation, Action, Session, Dispositif).

    Lit les classeurs (modèle ou export à plat), les CSV et les flux LHÉO, contrôle
    chaque enregistrement et produit les offres acceptées (FASD, LHÉO 2.3) et un
    rapport d'erreurs cellule par cellule.

    Codes de sortie : 0 aucune erreur, 1 des erreurs à corriger, 2 fichier illisible
    ou commande mal employée, 3 erreur interne (à signaler), 130 interrompu.
    """
    from ..writers import scratch

    scratch.sweep()  # what killed runs left, wherever they wrote: spools, locks, temporary folders


def run_options(command):
    """The options import and check share, in the order --help lists them."""
    for option in reversed(
        (
            annuaire_option,
            reference_option,
            today_option,
            profil_option,
            quiet_option,
            verbose_option,
            dispositifs_option,
            colonnes_option,
            defauts_option,
            strict_option,
            separator_option,
            jobs_option,
        )
    ):
        command = option(command)
    return command


@main.command("import")
@inputs_argument
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False),
    callback=refuse_empty,
    help="Dossier où écrire records.jsonl, lheo.xml, report.csv/json/xlsx et summary.json.",
)
@run_options
@catalogue_options
@limit_options
def import_command(
    inputs,
    out,
    annuaire,
    reference,
    today,
    profil,
    quiet,
    verbose,
    dispositifs,
    colonnes,
    defauts,
    strict,
    separateur,
    jobs,
    **options,
):
    """Importe les FICHIERS… et écrit les offres acceptées et le rapport dans --out."""
    limits = {name: options.pop(name) for name in LIMIT_NAMES}
    options["organisme"] = organisme_values(options.get("organisme"), options.pop("organismes", None))
    execute(
        inputs,
        out,
        annuaire,
        reference,
        today,
        with_records=True,
        profil=profil,
        quiet=quiet,
        verbose=verbose,
        dispositifs=dispositifs,
        base=base_step(**options),
        colonnes=colonnes,
        defauts=defauts,
        strict=strict,
        organisme=options.get("organisme"),  # --organisme: the catalogue's option
        limits=limits,
        separateur=separateur,
        jobs=jobs,
    )


@main.command("check")
@inputs_argument
@click.option(
    "--out",
    type=click.Path(file_okay=False),
    callback=refuse_empty,
    help="Dossier où écrire le rapport (report.csv, report.json, report.xlsx, summary.json).",
)
@run_options
@organisme_option
@organismes_option
@limit_options
def check_command(
    inputs,
    out,
    annuaire,
    reference,
    today,
    profil,
    quiet,
    verbose,
    dispositifs,
    colonnes,
    defauts,
    strict,
    separateur,
    jobs,
    organisme,
    organismes,
    **limits,
):
    """Contrôle les FICHIERS… sans produire d'offres : à lancer avant l'envoi."""
    execute(
        inputs,
        out,
        annuaire,
        reference,
        today,
        with_records=False,
        profil=profil,
        quiet=quiet,
        verbose=verbose,
        dispositifs=dispositifs,
        colonnes=colonnes,
        defauts=defauts,
        strict=strict,
        organisme=organisme_values(organisme, organismes),
        limits=limits,
        separateur=separateur,
        jobs=jobs,
    )


def _register_commands() -> None:
    """Commands that live in their own modules (reference look-up, LHÉO export, template)."""
    import importlib

    for module in (
        "pipeline.cli.reference",
        "pipeline.cli.export",
        "pipeline.cli.template",
        "pipeline.web.serve",
        "pipeline.cli.catalogue",
        "pipeline.cli.changements",
        "pipeline.cli.colonnes",
        "pipeline.cli.corriger",
        "pipeline.cli.compte",
    ):
        try:
            commands = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if not (exc.name and module.startswith(exc.name)):
                raise
            continue
        for command in getattr(commands, "COMMANDS", ()):
            main.add_command(command)


_register_commands()
cli_french.french_metavars(main)


def entry_point():
    """Console entry: no traceback for the user unless FASD_DEBUG is set (see FasdGroup)."""
    main(standalone_mode=True)


if __name__ == "__main__":
    entry_point()
