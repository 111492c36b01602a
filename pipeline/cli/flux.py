"""`fasd flux`: one LHÉO flow per partner of partenaires.toml, with its delta (catalogue/flux.py)."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("flux")
@click.option(
    "--base",
    "base",
    required=True,
    metavar="URL",
    help="La base du catalogue : un fichier SQLite (catalogue.sqlite) ou postgresql://utilisateur@hôte/base.",
)
@click.option(
    "--partenaires",
    "partenaires",
    required=True,
    type=click.Path(dir_okay=False),
    metavar="FICHIER",
    help="Les partenaires et ce qui les concerne (partenaires.toml : dispositifs, financeurs, publics, "
    "départements, organismes).",
)
@click.option("--out", "out", required=True, type=click.Path(file_okay=False), help="Dossier où écrire les flux.")
@click.option("--today", metavar="AAAA-MM-JJ", help="Date des flux (par défaut aujourd'hui).")
def flux_command(base, partenaires, out, today):
    """Écrit un flux LHÉO par partenaire (NOM.xml, et NOM-delta.xml depuis son flux précédent)."""
    from .options import parse_today
    from ..catalogue.flux import load_partners, write_flows

    partners = load_partners(Path(partenaires))
    for d in write_flows(base, partners, Path(out), today=parse_today(today)):
        delta = (
            f" ; depuis le {d['depuis'].isoformat()} : {d['delta_formations']} formation(s), {d['retraits']} retrait(s)"
            if d["depuis"] is not None
            else ""
        )
        click.echo(f"{d['partenaire']} : {d['formations']} formation(s){delta}")
