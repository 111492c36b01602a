"""`fasd validation …`: the CARIF-OREF's side of the base — the waiting list and its decisions.

Thin: each command opens the base, calls validation.py and prints French. A decision
takes the base's lock (like an import), so it never interleaves with one.
"""

from __future__ import annotations

import getpass
import json
import os

import click

from ..catalogue.options import DEFAULT_WAIT

base_option = click.option(
    "--base",
    "base",
    required=True,
    metavar="URL",
    help="La base du catalogue : un fichier SQLite (catalogue.sqlite) ou postgresql://utilisateur@hôte/base.",
)
organisme_option = click.option(
    "--organisme",
    "organisme",
    multiple=True,
    metavar="SIRET",
    help="Un établissement (SIRET) ou un organisme (SIREN) ; répétable.",
)
par_option = click.option(
    "--par",
    "par",
    metavar="NOM",
    help="Qui décide (pour l'historique) ; par défaut l'utilisateur du système.",
)


def _who(par: str | None) -> str:
    if par:
        return par
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return os.environ.get("USER") or "inconnu"


def _codes(values) -> list[str]:
    from ..catalogue.api import _codes as codes

    return codes(values) or []


def _decide(base, codes, organisme, tout, change, par, note) -> None:
    from ..catalogue.api import _connection
    from ..catalogue.base import acquire_lock
    from ..model.errors import UsageError
    from ..catalogue.validation import STATES, decide, find_actions

    if not codes and not organisme and not tout:
        raise UsageError("indiquez des codes FAS, --organisme ou --tout.")
    with _connection(base) as conn, conn.begin():
        acquire_lock(conn, DEFAULT_WAIT)
        actions = find_actions(conn, codes, organisations=_codes(organisme), everything=tout)
        done = decide(conn, actions, change, by=_who(par), note=note)
    verb = {"validation": "validée(s)", "refus": "refusée(s)", "question": "en attente de réponses"}[change]
    click.echo(f"{len(done)} action(s) {verb}.")
    skipped = [a for a in actions if a["id"] not in {d["id"] for d in done}]
    for a in skipped:
        click.echo(f"  action {a['key']} laissée {STATES.get(a['etat'] or '', a['etat'])}.", err=True)


@click.group("validation")
def validation_group():
    """La validation par le Carif-Oref : les actions en attente, leur validation, refus ou question."""


@validation_group.command("liste")
@base_option
@organisme_option
@click.option(
    "--etat",
    "etat",
    type=click.Choice(["en_attente", "en_attente_reponses", "brouillon", "refusee"]),
    multiple=True,
    help="Les états listés (répétable) ; par défaut en attente de validation.",
)
@click.option("--json", "as_json", is_flag=True, help="Sortie JSON, pour les scripts.")
def liste(base, organisme, etat, as_json):
    """Les actions en attente de validation, par organisme, avec ce qui a changé depuis leur version publiée."""
    from ..catalogue.api import _connection
    from ..catalogue.upsert import organisation_code
    from ..catalogue.validation import STATES, waiting

    with _connection(base) as conn:
        found = waiting(conn, [organisation_code(o) for o in organisme], tuple(etat) or ("en_attente",))
    if as_json:
        click.echo(json.dumps(found, ensure_ascii=False, indent=1))
        return
    if not found:
        click.echo("Aucune action en attente.")
        return
    shown = None
    for a in found:
        if a["organisation"] != shown:
            shown = a["organisation"]
            click.echo(f"Organisme {shown} :")
        note = f" — {a['note']}" if a["note"] else ""
        click.echo(f"  {a['code_fas']}  {a['ref_action']}  {a['intitule'] or ''}  ({STATES[a['etat']]}{note})")
        for c in a["changes"]:
            if c["fields"].get("nouveau") is True:
                click.echo(f"      {c['entity']} {c['key']} : nouveau")
                continue
            names = ", ".join(c["fields"])
            click.echo(f"      {c['entity']} {c['key']} : {names}")


@validation_group.command("valider")
@base_option
@click.argument("codes", nargs=-1)
@organisme_option
@click.option("--tout", is_flag=True, help="Toutes les actions en attente de validation.")
@par_option
def valider(base, codes, organisme, tout, par):
    """Valide les actions CODES (codes FAS F, F-A ou F-A-S) : leur version actuelle est publiée."""
    _decide(base, codes, organisme, tout, "validation", par, None)


@validation_group.command("refuser")
@base_option
@click.argument("codes", nargs=-1)
@organisme_option
@click.option("--tout", is_flag=True, help="Toutes les actions en attente de validation.")
@click.option("--motif", required=True, help="La raison du refus, gardée dans l'historique.")
@par_option
def refuser(base, codes, organisme, tout, motif, par):
    """Refuse les actions CODES, avec un motif ; leur version publiée (s'il y en a une) reste en ligne."""
    _decide(base, codes, organisme, tout, "refus", par, motif)


@validation_group.command("question")
@base_option
@click.argument("codes", nargs=-1)
@organisme_option
@click.option("--tout", is_flag=True, help="Toutes les actions en attente de validation.")
@click.option("--texte", required=True, help="La question posée à l'organisme.")
@par_option
def question(base, codes, organisme, tout, texte, par):
    """Pose une question sur les actions CODES : « en attente de réponses » jusqu'au prochain import."""
    _decide(base, codes, organisme, tout, "question", par, texte)


@validation_group.command("certifinfo")
@base_option
@click.option(
    "--reference",
    "reference",
    required=True,
    type=click.Path(),
    metavar="FICHIER",
    help="Le référentiel Certif Info (CSV, ou dossier) dont les codes remplacés (« remplacée par ») sont appliqués.",
)
@par_option
def certifinfo(base, reference, par):
    """Remplace dans la base les codes Certif Info que le référentiel dit remplacés, et marque leurs actions."""
    from .options import load_reference
    from ..catalogue.api import _connection
    from ..catalogue.base import acquire_lock
    from ..catalogue.certifinfo import replace_codes

    ref = load_reference(reference)
    with _connection(base) as conn, conn.begin():
        acquire_lock(conn, DEFAULT_WAIT)
        done = replace_codes(conn, ref, by=_who(par))
    click.echo(f"{len(done)} formation(s) dont le code Certif Info a été remplacé.")
    for d in done:
        click.echo(f"  formation {d['formation']} (code FAS {d['code_fas']}) : {d['ancien']} → {d['nouveau']}")
