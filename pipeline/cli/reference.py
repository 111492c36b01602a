"""`fasd ref search` and `fasd ref show`: the bulk twin of SOFI's magnifier."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..model.errors import EXIT_FINDINGS
from ..reference import load_reference
from ..reference.model import Certification

reference_option = click.option(
    "--reference",
    type=click.Path(),
    help="Référentiel : CSV Certif Info, export France Compétences (.zip) ou dossier les contenant. "
    "Par défaut, l'extrait d'exemple fourni.",
)


def _load(path: str | None):
    return warn_notes(load_reference(Path(path) if path else None))


def warn_notes(reference):
    """What loading left aside (columns not used…), one warning line each on stderr."""
    for note in reference.notes:
        click.echo(f"fasd : avertissement : {note}", err=True)
    return reference


def _status(cert: Certification) -> str:
    if cert.archive:
        return "archivée"
    if cert.fiche_active is False:
        return "inactive" + (f" depuis le {cert.date_fin:%d/%m/%Y}" if cert.date_fin else "")
    if cert.date_fin:
        return f"active jusqu'au {cert.date_fin:%d/%m/%Y}"
    return "active"


def one_line(cert: Certification) -> str:
    level = f"niveau {cert.niveau}" if cert.niveau else "niveau ?"
    flag = ""
    if cert.illustratif:
        flag = "  [illustratif]" if cert.illustratif.startswith("oui") else "  [en partie illustratif]"
    return (
        f"{cert.code_certifinfo or '—':<11} {cert.fiche or '—':<11} {level:<9} {cert.intitule} ({_status(cert)}){flag}"
    )


@click.group("ref")
def ref():
    """Chercher une certification dans le référentiel (Certif Info, RNCP, RS)."""


@ref.command("search")
@click.argument("text")
@reference_option
@click.option("--limit", default=10, show_default=True, help="Nombre maximal de résultats.")
def search_command(text, reference, limit):
    """Cherche TEXTE : mots de l'intitulé (accents et majuscules ignorés) ou code Certif Info / RNCP / RS.

    Exemples : fasd ref search "aide-soignant" ; fasd ref search RNCP35830
    """
    found = _load(reference).search(text, limit)
    if not found:
        click.echo(f"Aucune certification ne correspond à « {text} ».")
        sys.exit(EXIT_FINDINGS)
    click.echo(f"{'Certif Info':<11} {'RNCP/RS':<11} {'niveau':<9} intitulé")
    for cert in found:
        click.echo(one_line(cert))


@ref.command("show")
@click.argument("code")
@reference_option
def show_command(code, reference):
    """Affiche la fiche d'une certification et ses blocs de compétences (CODE : Certif Info, RNCP ou RS)."""
    reference_data = _load(reference)
    found = reference_data.lookup(code)
    if not found:
        click.echo(f"« {code} » n'existe pas dans le référentiel.")
        near = reference_data.search(code, 5)
        if near:
            click.echo("Codes proches :")
            for cert in near:
                click.echo("  " + one_line(cert))
        sys.exit(EXIT_FINDINGS)
    for i, cert in enumerate(found):
        if i:
            click.echo("")
        _show(cert, reference_data)


def _successor(reference_data, code: str) -> str:
    cert = reference_data.by_certifinfo(code)
    return f"Certif Info {code} « {cert.intitule} »" if cert else f"Certif Info {code}"


def _show(cert: Certification, reference_data) -> None:
    rows = [
        ("Certif Info", cert.code_certifinfo),
        ("Code RNCP", cert.code_rncp),
        ("Code RS", cert.code_rs),
        ("Intitulé", cert.intitule),
        ("Niveau européen", f"{cert.niveau} (code LHÉO {cert.niveau_lheo})" if cert.niveau else ""),
        ("Type", cert.type_certification),
        ("Certificateur", cert.certificateur),
        ("Statut", _status(cert)),
        ("État Certif Info", cert.etat),
        ("Remplacée par", ", ".join(cert.remplacee_par)),
        ("Successeur(s)", "; ".join(_successor(reference_data, c) for c in cert.successeurs)),
        ("Dernière session", cert.derniere_session),
        ("Formacodes", ", ".join(cert.formacodes)),
        ("Codes ROME", ", ".join(cert.codes_rome)),
        ("Codes NSF", ", ".join(cert.codes_nsf)),
        ("Objectif", cert.objectif),
        ("Programme", cert.programme),
        ("Illustratif", cert.illustratif),
    ]
    for label, value in rows:
        if value:
            click.echo(f"{label:<16}: {value}")
    if cert.blocs is None:
        click.echo(f"{'Blocs':<16}: fiche absente de l'export France Compétences chargé")
    elif not cert.blocs:
        click.echo(f"{'Blocs':<16}: aucun")
    else:
        click.echo(f"Blocs ({len(cert.blocs)}) :")
        for code, title in cert.blocs:
            click.echo(f"  {code}  {title}")


COMMANDS = [ref]
