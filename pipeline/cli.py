"""The `fasd` command: import, check, and the tools around them.

Exit codes a script can trust: 0 no error finding, 1 error findings, 2 an input that
cannot be read at all or a misused command (one French line on stderr, no traceback).
"""
from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

import click

from .readers.errors import InputError

EXIT_OK, EXIT_FINDINGS, EXIT_UNREADABLE = 0, 1, 2

ENTITY_LABELS = {"site": "Sites", "contact": "Contacts", "formation": "Formations",
                 "action": "Actions", "session": "Sessions", "dispositif": "Dispositifs"}


def fail(message: str, code: int = EXIT_UNREADABLE):
    click.echo(f"fasd : erreur : {message}", err=True)
    sys.exit(code)


def parse_today(value: str | None) -> dt.date:
    if not value:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        fail(f"--today attend une date AAAA-MM-JJ, pas « {value} ».")


def load_reference(path: str | None):
    """The certification reference, or the bundled illustrative extract by default."""
    try:
        from .reference import load_reference as loader
    except ImportError:
        return None
    try:
        return loader(Path(path) if path else None)
    except InputError as exc:
        fail(str(exc))


def print_summary(summary: dict, out: Path | None) -> None:
    click.echo(f"{'':<12}{'lus':>8}{'acceptés':>10}{'rejetés':>9}")
    for name, counts in summary["entities"].items():
        click.echo(f"{ENTITY_LABELS[name]:<12}{counts['read']:>8}{counts['accepted']:>10}{counts['rejected']:>9}")
    sev = summary["findings"]["by_severity"]
    click.echo(f"Constats : {sev['error']} erreur(s), {sev['warning']} avertissement(s).")
    for code, n in summary["findings"]["by_code"].items():
        click.echo(f"  {code:<28}{n:>6}")
    if out is not None:
        click.echo(f"Résultats écrits dans {out}")


def execute(inputs, out, annuaire, reference, today, with_records: bool) -> None:
    from .run import run
    from .writers.output import write_outputs
    ref = load_reference(reference)
    try:
        result = run([Path(p) for p in inputs], annuaire=Path(annuaire) if annuaire else None,
                     reference=ref, today=parse_today(today))
    except InputError as exc:
        fail(str(exc))
    out_path = Path(out) if out else None
    if out_path is not None:
        try:
            write_outputs(result, out_path, with_records=with_records)
        except OSError as exc:
            fail(f"impossible d'écrire dans {out_path} ({exc.strerror or exc}).")
    summary = result.summary()
    print_summary(summary, out_path)
    sys.exit(EXIT_FINDINGS if summary["findings"]["by_severity"]["error"] else EXIT_OK)


inputs_argument = click.argument("inputs", nargs=-1, required=True, type=click.Path(dir_okay=False))
annuaire_option = click.option("--annuaire", type=click.Path(dir_okay=False),
                               help="Classeur des sites et contacts (feuilles Sites et Contacts), "
                                    "si les fichiers d'offres ne les contiennent pas.")
reference_option = click.option("--reference", type=click.Path(),
                                help="Référentiel des certifications : CSV Certif Info, export RNCP "
                                     "de France Compétences (.zip) ou dossier les contenant. "
                                     "Par défaut, l'extrait d'exemple fourni.")
today_option = click.option("--today", metavar="AAAA-MM-JJ",
                            help="Date du traitement (par défaut aujourd'hui) : sert à repérer les sessions terminées.")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main():
    """Import en masse d'offres de formation (Formation, Action, Session, Dispositif).

    Lit les classeurs (modèle ou export à plat), les CSV et les flux LHÉO, contrôle
    chaque enregistrement et produit les offres acceptées (FASD, LHÉO 2.3) et un
    rapport d'erreurs cellule par cellule.

    Codes de sortie : 0 aucune erreur, 1 des erreurs à corriger, 2 fichier illisible
    ou commande mal employée, 3 erreur interne (à signaler).
    """


@main.command("import")
@inputs_argument
@click.option("--out", required=True, type=click.Path(file_okay=False),
              help="Dossier où écrire records.jsonl, lheo.xml, report.csv/json/xlsx et summary.json.")
@annuaire_option
@reference_option
@today_option
def import_command(inputs, out, annuaire, reference, today):
    """Importe INPUTS et écrit les offres acceptées et le rapport dans --out."""
    execute(inputs, out, annuaire, reference, today, with_records=True)


@main.command("check")
@inputs_argument
@click.option("--out", type=click.Path(file_okay=False),
              help="Dossier où écrire le rapport (report.csv, report.json, report.xlsx, summary.json).")
@annuaire_option
@reference_option
@today_option
def check_command(inputs, out, annuaire, reference, today):
    """Contrôle INPUTS sans produire d'offres : à lancer avant l'envoi."""
    execute(inputs, out, annuaire, reference, today, with_records=False)


def _register_commands() -> None:
    """Commands that live in their own modules (reference look-up, LHÉO export, template)."""
    import importlib
    for module in ("pipeline.reference.commands", "pipeline.export", "pipeline.template"):
        try:
            commands = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if not (exc.name and module.startswith(exc.name)):
                raise
            continue
        for command in getattr(commands, "COMMANDS", ()):
            main.add_command(command)


_register_commands()


def entry_point():
    """Console entry: no traceback for the user unless FASD_DEBUG is set."""
    try:
        main(standalone_mode=True)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        fail("interrompu.", 130)
    except Exception as exc:  # a bug of ours, not the user's file: still one line
        if os.environ.get("FASD_DEBUG"):
            raise
        fail(f"erreur interne ({type(exc).__name__}: {exc}) ; relancez avec FASD_DEBUG=1 et "
             "signalez-la avec le fichier en cause.", 3)


if __name__ == "__main__":
    entry_point()
