"""`--perimetre complet` from a terminal: the withdrawals shown, then asked, before the base changes.

A complete perimeter withdraws every record of the organisation the file does not hold:
a file sent by mistake (one site's offer instead of all) would withdraw the rest at
once. On a terminal the import, once applied inside its transaction and before it
commits, lists what it would withdraw and asks; refused, it rolls back. `--oui` skips
the question (cron), and a run whose stdin is not a terminal never asks (nobody could
answer): it applies, as before.
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


def confirmed(report, stdin=None) -> bool:
    """The withdrawals of a complete import shown, then asked, before the base commits.

    Called with the run's change report inside its transaction (catalogue.Application):
    without withdrawals there is nothing to confirm; refused, nothing is applied and the
    report stands as a dry run's (« changements prévus »)."""
    lines = withdrawals_text(report)
    if not lines:
        return True
    for line in lines:
        click.echo(line, err=True)
    if agreed(stdin):
        return True
    click.echo("Rien n'est appliqué : la base est inchangée (changements prévus ci-dessous).", err=True)
    return False
