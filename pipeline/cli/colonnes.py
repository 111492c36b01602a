"""`fasd colonnes`: the proposed column mapping of a flat file, to correct and give back to import."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..readers.mapping import IGNORE, TO_CHECK, UNCONFIRMED, read_headers, write_mapping
from ..readers.separator import using
from .options import separator_option


def _command():

    @click.command("colonnes")
    @click.argument("inputs", nargs=-1, required=True, type=click.Path(dir_okay=False))
    @click.option(
        "--out",
        type=click.Path(dir_okay=False),
        help="Fichier de correspondance à écrire (CSV « ; »). Par défaut, sur la sortie standard.",
    )
    @separator_option
    def colonnes_command(inputs, out, separateur):
        """Propose, pour chaque en-tête des FICHIERS…, le champ où il sera lu.

        Écrit un fichier de correspondance (fichier, feuille, colonne, en-tête, champ,
        certitude, exemples de valeurs). Corrigez la colonne « champ » (un champ du
        modèle, ou « ignorer »), puis donnez ce fichier à chaque import :
        fasd import export.csv --colonnes correspondance.csv --out resultats/
        """
        with using(separateur):
            decisions = read_headers([Path(p) for p in inputs])
        if out:
            with open(out, "w", encoding="utf-8-sig", newline="") as fh:
                write_mapping(decisions, fh)
            for d in decisions:
                target = d.field or IGNORE
                sure = f", {d.certainty}" if d.field and d.certainty else ""
                click.echo(f"{d.sheet}!{d.letter:<3} {d.header[:40]:<40} -> {target:<24} ({d.how}{sure})")
            unsure = sum(1 for d in decisions if d.certainty == TO_CHECK)
            unknown = sum(1 for d in decisions if not d.field)
            click.echo(
                f"{len(decisions)} en-tête(s) : {unsure} proposition(s) à vérifier, {unknown} non reconnu(s) ; "
                f"correspondance écrite dans {out}. Corrigez la colonne « champ » (une proposition "
                f"« {UNCONFIRMED} champ » n'est retenue que si vous effacez « {UNCONFIRMED} »), "
                f"puis relancez avec --colonnes {out}."
            )
        else:
            write_mapping(decisions, sys.stdout)

    return colonnes_command


COMMANDS = [_command()]
