"""The catalogue's commands: `fasd base init`, `fasd historique`, `fasd stats`, and the
`--base` side of `fasd import` (base_application, print_changes) and `fasd export`.

Thin: each calls the package's API and prints French; BaseError is one line, exit 2.
"""

from __future__ import annotations

import json
import sys

import click

from ..model.fields import SHEETS
from ..writers.changes import KIND_LABELS, KINDS, OPTIONAL_KINDS, value_text
from ..catalogue.holds import _hold


def display(value: str) -> str:
    from ..catalogue.base import display as shown

    return shown(value)


base_option = click.option(
    "--base",
    "base",
    required=True,
    metavar="URL",
    help="La base du catalogue : un fichier SQLite (catalogue.sqlite) ou postgresql://utilisateur@hôte/base.",
)
organisme_option = click.option("--organisme", metavar="SIRET", help="L'organisme (SIRET ou SIREN) ; par défaut tous.")
organismes_option = click.option(
    "--organisme",
    "organisme",
    multiple=True,
    metavar="SIRET",
    help="Un établissement (SIRET) ou un organisme (SIREN) ; répétable ; par défaut toute la base.",
)


def base_application(options):
    """The import's step into the base (`fasd import --base`), from the run's options
    (their `base` a BaseOptions): an Application to give the run as its `on_chunk`, and
    the `confirm` of its finish — a complete perimeter from a terminal shows its
    withdrawals and asks first (cli/confirm.py), else None."""
    from ..catalogue.api import Application
    from .confirm import confirmed, wants_confirmation

    base = options.base
    application = Application.for_run(options, hold=_hold())
    ask = wants_confirmation({"perimetre": base.perimetre, "dry_run": base.dry_run}, base.oui)
    return application, (confirmed if ask else None)


def print_changes(report) -> None:
    """The change counts under the import's summary."""
    verb = "Changements prévus (--dry-run, base inchangée)" if report.dry_run else "Changements appliqués"
    click.echo(
        f"{verb} dans la base {display(report.base)} (organisme {report.organisation or 'aucun'}, "
        f"périmètre {report.perimetre}) :"
        if "," not in report.organisation
        else f"{verb} dans la base {display(report.base)} (organismes {report.organisation}, "
        f"périmètre {report.perimetre}) :"
    )
    shown = [k for k in KINDS if k not in OPTIONAL_KINDS or report.summary()["total"][k]]
    click.echo(f"{'':<12}" + "".join(f"{KIND_LABELS[k]:>14}" for k in shown))
    for entity, counts in report.counts.items():
        click.echo(f"{SHEETS[entity]:<12}" + "".join(f"{counts[k]:>14}" for k in shown))


@click.group("base")
def base_group():
    """Le catalogue : la base où les imports successifs tiennent l'offre à jour."""


@base_group.command("init")
@base_option
@click.option(
    "--sans-validation",
    "sans_validation",
    is_flag=True,
    help="Une base qui publie chaque import aussitôt (la base d'un organisme), sans validation du Carif-Oref.",
)
def base_init(base, sans_validation):
    """Crée la base du catalogue, ou met son schéma à jour."""
    from ..catalogue.api import init

    before, after = init(base, validation=False if sans_validation else None)
    if before == after:
        click.echo(f"Base {display(base)} déjà à jour (schéma {after}).")
    elif before is None:
        click.echo(f"Base {display(base)} créée (schéma {after}).")
    else:
        click.echo(f"Base {display(base)} mise à jour du schéma {before} au schéma {after}.")


@click.command("historique")
@base_option
@click.argument("ref")
@organisme_option
@click.option("--json", "as_json", is_flag=True, help="Sortie JSON, pour les scripts.")
def historique(base, ref, organisme, as_json):
    """Montre chaque version de l'enregistrement REF (réf. ou code FAS), avec l'import qui l'a faite."""
    from ..catalogue.api import history

    found = history(base, ref, organisation=organisme)
    if as_json:
        click.echo(json.dumps(found, ensure_ascii=False, indent=1))
        return
    if not found:
        click.echo(f"Aucun enregistrement « {ref} » dans la base.", err=True)
        sys.exit(1)
    for rec in found:
        state = "retiré le " + rec["withdrawn_on"] if rec["status"] == "retire" else "actif"
        if rec.get("etat"):
            from ..catalogue.validation import STATES

            state += f", {STATES.get(rec['etat'], rec['etat'])}"
        fas = f", code FAS {rec['code_fas']}" if rec["code_fas"] else ""
        click.echo(f"{rec['entity'].capitalize()} {rec['key']} (organisme {rec['organisation']}{fas}) : {state}")
        for v in rec["versions"]:
            if v["run"] is None:  # a decision of the Carif-Oref (validation.py)
                click.echo(f"  v{v['version']}  {v['at']}  {v['change']} par {v['by']}")
            else:
                files = ", ".join(f"{i['name']} (sha256 {i.get('sha256', '?')[:12]})" for i in v["inputs"])
                click.echo(
                    f"  v{v['version']}  {v['at']}  import n° {v['run']} du {v['today']}  "
                    f"{KIND_LABELS.get(v['change'], v['change'])}  {files}"
                )
            for name, (old, new) in v["fields"].items():
                click.echo(f"        {name} : {value_text(old) or '(vide)'} → {value_text(new) or '(vide)'}")


@click.command("stats")
@base_option
@organismes_option
@click.option("--today", metavar="AAAA-MM-JJ", help="Date du tableau de bord (par défaut aujourd'hui).")
@click.option(
    "--json", "as_json", is_flag=True, help="Sortie JSON (les libellés du tableau de bord), pour les scripts."
)
@click.option(
    "--liste",
    "liste",
    metavar="LIBELLÉ",
    help="Liste les enregistrements d'un compteur (son libellé, par ex. « Sessions de formation actives »).",
)
def stats_command(base, organisme, today, as_json, liste):
    """Les compteurs du tableau de bord : sessions et actions actives, inactives, par dispositif…"""
    from .options import parse_today
    from ..model.errors import UsageError
    from ..catalogue.api import dashboard
    from ..catalogue.dashboard import COLUMNS, COUNTERS, counter_key, counters

    key = None
    if liste is not None:
        key = counter_key(liste)
        if key is None:
            raise UsageError(f"--liste « {liste} » : aucun compteur de ce libellé (voir fasd stats).")
    found = dashboard(base, organisation=organisme, today=parse_today(today))
    if key is not None:
        rows = found[key]
        if as_json:
            click.echo(json.dumps(rows, ensure_ascii=False, indent=1))
            return
        click.echo(f"{COUNTERS[key]} : {len(rows)} résultat(s)")
        click.echo("\t".join(COLUMNS))
        for row in rows:
            click.echo("\t".join(row[c] for c in COLUMNS))
        return
    counts = counters(found)
    if as_json:
        click.echo(json.dumps({COUNTERS[k]: n for k, n in counts.items()}, ensure_ascii=False, indent=1))
        return
    width = max(len(label) for label in COUNTERS.values())
    for name, label in COUNTERS.items():
        click.echo(f"{label:<{width}}  {counts[name]:>7}")


def _validation_group():
    from .validation import validation_group

    return validation_group


def _flux_command():
    from .flux import flux_command

    return flux_command


COMMANDS = [base_group, historique, stats_command, _validation_group(), _flux_command()]
