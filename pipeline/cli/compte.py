"""`fasd compte`: the accounts of the shared page (issue 26, catalogue/accounts.py).

fasd compte creer --base URL --email E --siret S [--siret S2…] [--role carif]
fasd compte demandes --base URL
fasd compte jeton --base URL --email E [--libelle L]
fasd compte revoquer --base URL (--jeton-id N | --email E)
"""

from __future__ import annotations

import os

import click

DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"

BASE_OPTION = click.option(
    "--base",
    "base",
    required=True,
    metavar="URL",
    help="La base du catalogue : un fichier SQLite (catalogue.sqlite) ou postgresql://utilisateur@hôte/base.",
)


@click.group("compte")
def compte():
    """Les comptes de la page partagée (fasd serve --base) : créer, clés demandées, jetons d'API."""


@compte.command("creer")
@BASE_OPTION
@click.option("--email", required=True, help="L'adresse électronique de la personne.")
@click.option(
    "--siret",
    "sirets",
    multiple=True,
    metavar="SIRET",
    help="Un établissement pour lequel le compte agit (répétable). Obligatoire pour le rôle organisme.",
)
@click.option(
    "--role",
    type=click.Choice(["organisme", "carif"]),
    default="organisme",
    show_default=True,
    help="carif : équipe du CARIF-OREF, voit tous les organismes.",
)
@click.option(
    "--url-publique",
    "public_url",
    metavar="URL",
    help=f"L'adresse de la page pour le lien d'activation (par défaut FASD_URL_PUBLIQUE, sinon {DEFAULT_PUBLIC_URL}).",
)
@click.option(
    "--courriels",
    type=click.Path(file_okay=False),
    metavar="DOSSIER",
    help="Sans FASD_SMTP_URL : écrit le courriel d'activation en .eml dans ce dossier (ou FASD_MAIL_DIR).",
)
def creer(base, email, sirets, role, public_url, courriels):
    """Crée un compte et affiche son lien d'activation (à usage unique), envoyé aussi par courriel."""
    from ..catalogue.accounts import Accounts
    from ..web.mail import Mailer, activation_mail

    mailer = Mailer.from_environment(courriels)
    with Accounts(base) as accounts:
        account_id, secret = accounts.create(email, list(sirets), role)
        found = accounts.get(account_id)
    assert found is not None
    url = (public_url or os.environ.get("FASD_URL_PUBLIQUE") or DEFAULT_PUBLIC_URL).rstrip("/")
    link = f"{url}/activation/{secret}"
    click.echo(link)
    scope = "tous les organismes" if found.staff else ", ".join(found.sirets)
    click.echo(f"compte n° {account_id} créé pour {found.email} ({found.role} : {scope}).", err=True)
    if mailer.configured:
        subject, body = activation_mail(link)
        click.echo(f"courriel d'activation : {mailer.send(found.email, subject, body)}", err=True)
    else:
        click.echo("aucun courriel envoyé (ni FASD_SMTP_URL ni --courriels) : transmettez le lien.", err=True)


@compte.command("demandes")
@BASE_OPTION
def demandes(base):
    """Liste les demandes de clé d'activation faites sur la page (« Demander une clé »)."""
    from ..catalogue.accounts import Accounts

    with Accounts(base) as accounts:
        rows = accounts.key_requests()
    if not rows:
        click.echo("aucune demande de clé.", err=True)
        return
    for r in rows:
        when = r["created_at"].strftime("%Y-%m-%d %H:%M")
        message = " ".join((r["message"] or "").split())
        click.echo(f"{r['id']}\t{when}\t{r['email']}\t{r['siret']}\t{message}")


@compte.command("jeton")
@BASE_OPTION
@click.option("--email", required=True, help="Le compte auquel le jeton appartient.")
@click.option("--libelle", metavar="TEXTE", help="Un nom pour retrouver le jeton (ex. « import de nuit »).")
def jeton(base, email, libelle):
    """Crée un jeton d'API (Authorization: Bearer …) et l'affiche, une seule fois."""
    from ..catalogue.accounts import Accounts

    with Accounts(base) as accounts:
        token_id, secret = accounts.new_token(email, libelle)
    click.echo(secret)
    click.echo(
        f"jeton n° {token_id} : il n'est affiché que cette fois ; « fasd compte revoquer --jeton-id {token_id} » "
        "le désactive.",
        err=True,
    )


@compte.command("revoquer")
@BASE_OPTION
@click.option("--jeton-id", "token_id", type=int, metavar="N", help="Le numéro du jeton à révoquer.")
@click.option("--email", help="Révoque tous les jetons de ce compte.")
def revoquer(base, token_id, email):
    """Révoque un jeton d'API, ou tous ceux d'un compte."""
    from ..catalogue.accounts import Accounts
    from ..model.errors import UsageError

    if (token_id is None) == (email is None):
        raise UsageError("donnez soit --jeton-id N, soit --email E.")
    with Accounts(base) as accounts:
        count = accounts.revoke(token_id=token_id, email=email)
    if token_id is not None and count == 0:
        raise UsageError(f"--jeton-id {token_id} : aucun jeton actif de ce numéro.")
    click.echo(f"{count} jeton(s) révoqué(s).")


COMMANDS = [compte]
