"""`--perimetre complet` from a terminal: the withdrawals shown, then asked, before the base changes.

A complete perimeter withdraws every record of the organisation the file does not hold:
a file sent by mistake (one site's offer instead of all) would withdraw the rest at
once. On a terminal the import first runs as a dry run, lists what would be withdrawn
and asks; `--oui` skips the question (cron), and a run whose stdin is not a terminal
never asks (nobody could answer): it applies, as before.
"""

from __future__ import annotations

import sys

import click

from ..model.fields import ENTITIES
from ..writers.changes import key_text

SHOWN = 20  # withdrawals listed before « … et N autres »


def terminal_input():
    """Where the answer comes from (the tests give their own)."""
    return sys.stdin


def wants_confirmation(options: dict, oui: bool, stdin=None) -> bool:
    """Ask only for a real complete import, from a person at a terminal, without --oui."""
    stdin = stdin if stdin is not None else terminal_input()
    if oui or options.get("dry_run") or options.get("perimetre") != "complet":
        return False
    try:
        return stdin.isatty()
    except (AttributeError, ValueError):
        return False


def withdrawals_text(report) -> list[str]:
    """The lines that say what a complete import would withdraw, by sheet."""
    gone = [c for c in report.changes if c.change == "retrait"]
    if not gone:
        return []
    counts = {e: n for e, n in ((e, sum(c.entity == e for c in gone)) for e in ENTITIES) if n}
    what = ", ".join(f"{n} {ENTITIES[e].name}{'s' if n > 1 else ''}" for e, n in counts.items())
    lines = [f"Périmètre complet : cet import retirerait de la base {what}, que le fichier ne contient plus :"]
    for c in gone[:SHOWN]:
        lines.append(f"  - {ENTITIES[c.entity].sheet} {key_text(c.key)}" + (f" ({c.code_fas})" if c.code_fas else ""))
    if len(gone) > SHOWN:
        lines.append(f"  … et {len(gone) - SHOWN} autre(s) (voir changes.csv avec --dry-run).")
    return lines


YES = {"o", "oui", "y", "yes"}


def agreed(stdin=None) -> bool:
    """« Appliquer ces retraits ? [o/N] » as a whole line (the progress bars print lines
    above them), then one line read: « o » or « oui » agrees, anything else refuses."""
    stdin = stdin if stdin is not None else terminal_input()
    click.echo("Appliquer ces retraits ? Répondez « oui » pour appliquer, Entrée pour annuler [o/N] :", err=True)
    answer = stdin.readline()
    if not answer:  # end of input: nobody to agree
        return False
    return answer.strip().casefold() in YES


def apply_confirmed(result, apply, options: dict, stdin=None) -> object:
    """Dry run, show the withdrawals, ask; the real run if the person agrees.

    `apply(result, **options)` is the import's step into the base. Without withdrawals
    there is nothing to confirm. Refused: the dry run's report stands (nothing changed)."""
    preview = apply(result, **{**options, "dry_run": True})
    lines = withdrawals_text(preview)
    if not lines:
        return apply(result, **options)
    for line in lines:
        click.echo(line, err=True)
    if agreed(stdin):
        return apply(result, **options)
    click.echo("Rien n'est appliqué : la base est inchangée (changements prévus ci-dessous).", err=True)
    return preview
