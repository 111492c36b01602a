"""`fasd serve`: start the web page (uvicorn, 127.0.0.1 by default).

Two modes (issue 26). Without --base: one person's page on their own machine, no
accounts; listening on another address is refused unless --ouvert says so. With
--base URL: the shared service of a CARIF-OREF, with accounts (`fasd compte`), meant to
run behind an HTTPS reverse proxy (docs/web.md).
"""

from __future__ import annotations

import ipaddress

import click

from .settings import MB


@click.command("serve")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port d'écoute.")
@click.option(
    "--hote", "host", default="127.0.0.1", show_default=True, help="Adresse d'écoute (127.0.0.1 : ce poste seulement)."
)
@click.option(
    "--base",
    metavar="URL",
    help="Base catalogue (fichier SQLite ou postgresql://…) : le service partagé, avec comptes "
    "(fasd compte), bouton « Appliquer » et tableau de bord par établissement.",
)
@click.option(
    "--ouvert",
    is_flag=True,
    help="Sans --base : accepte d'écouter sur une autre adresse que ce poste, sans comptes (tout le "
    "réseau voit alors la page et les rapports).",
)
@click.option(
    "--url-publique",
    "public_url",
    metavar="URL",
    help="Avec --base : l'adresse de la page vue des utilisateurs (https://…), pour les liens des "
    "courriels. Par défaut http://HOTE:PORT.",
)
@click.option(
    "--courriels",
    type=click.Path(file_okay=False),
    metavar="DOSSIER",
    help="Avec --base, sans FASD_SMTP_URL : les courriels (réinitialisation) sont écrits en .eml dans ce "
    "dossier (par défaut FASD_MAIL_DIR, sinon DOSSIER-DES-ENVOIS/courriels).",
)
@click.option(
    "--proxy-de-confiance",
    "trusted_proxy",
    metavar="IP",
    help="L'adresse du proxy HTTPS devant le serveur : ses en-têtes X-Forwarded-For et "
    "X-Forwarded-Proto sont crus (adresse du client, HTTPS).",
)
@click.option(
    "--https",
    "secure_cookies",
    is_flag=True,
    help="Marque toujours les cookies « Secure » (la page n'est servie qu'en HTTPS, par le proxy).",
)
@click.option(
    "--reference",
    type=click.Path(),
    help="Référentiel des certifications (comme pour fasd import). Par défaut, l'extrait d'exemple fourni.",
)
@click.option(
    "--dispositifs",
    type=click.Path(dir_okay=False),
    help="Liste des dispositifs du Carif-Oref (comme pour fasd import). Par défaut, la liste fournie.",
)
@click.option(
    "--dossier",
    type=click.Path(file_okay=False),
    help="Dossier des envois et de leurs résultats (par défaut, un dossier temporaire).",
)
@click.option(
    "--taille-max",
    default=50,
    show_default=True,
    type=click.IntRange(1, 2048),
    metavar="MO",
    help="Taille maximale d'un envoi, en Mo.",
)
@click.option(
    "--conservation",
    default=24,
    show_default=True,
    type=click.IntRange(1, 24 * 365),
    metavar="HEURES",
    help="Durée de conservation des envois et de leurs résultats, en heures.",
)
@click.option(
    "--travailleurs",
    default=1,
    show_default=True,
    type=click.IntRange(1, 16),
    help="Nombre de traitements menés en même temps.",
)
def serve(
    port,
    host,
    base,
    ouvert,
    public_url,
    courriels,
    trusted_proxy,
    secure_cookies,
    reference,
    dispositifs,
    dossier,
    taille_max,
    conservation,
    travailleurs,
):
    """Lance la page web d'import : déposer un fichier, lire le rapport, corriger, renvoyer."""
    import uvicorn

    from ..model.errors import UsageError

    from ..writers import scratch
    from .app import create_app
    from .server_log import LOG_CONFIG
    from .settings import Settings

    if not base and not loopback(host):
        if not ouvert:
            raise UsageError(
                f"--hote {host} : sans --base, la page n'a pas de comptes et ne sert que ce poste (127.0.0.1). "
                "Pour un service partagé, donnez --base (comptes par organisme) ; pour l'ouvrir tout de même "
                "au réseau, ajoutez --ouvert."
            )
        click.echo(
            f"fasd : attention, page sans comptes ouverte sur {host} : quiconque atteint ce port peut "
            "envoyer des fichiers et lire les rapports.",
            err=True,
        )
    if base:
        from ..catalogue.accounts import Accounts

        Accounts(base).close()  # a base not initialised, or at another revision: one French line now
    scratch.sweep()  # what killed runs and servers left in the temporary folder
    settings = Settings.make(
        dossier,
        max_upload_bytes=taille_max * MB,
        retention_seconds=conservation * 3600,
        workers=travailleurs,
        reference=reference,
        base=base,
        dispositifs=dispositifs,
        public_url=(public_url or f"http://{host}:{port}").rstrip("/") if base else None,
        mail_dir=courriels,
        secure_cookies=secure_cookies,
    )
    click.echo(f"fasd : page web sur http://{host}:{port}/ (envois dans {settings.data_dir})", err=True)
    try:
        uvicorn.run(
            create_app(settings),
            host=host,
            port=port,
            log_level="info",
            log_config=LOG_CONFIG,  # its start and stop lines in French (server_log.py)
            server_header=False,
            proxy_headers=bool(trusted_proxy),
            forwarded_allow_ips=trusted_proxy or None,
        )
    finally:  # Ctrl-C, SIGTERM (uvicorn stops, then raises the signal again), a port already taken
        scratch.remove()  # the default upload folder with every upload and its results
        scratch.sweep()  # the folders of workers that could not remove theirs


def loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


COMMANDS = [serve]
