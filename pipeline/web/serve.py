"""`fasd serve`: start the web page on this machine (uvicorn, 127.0.0.1 by default)."""

from __future__ import annotations

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
    help="Base catalogue (sqlite:///… ou postgresql://…) : active le bouton « Appliquer » "
    "et le tableau de bord. FASD_TOKEN, s'il est défini, est exigé pour appliquer.",
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
def serve(port, host, base, reference, dispositifs, dossier, taille_max, conservation, travailleurs):
    """Lance la page web d'import : déposer un fichier, lire le rapport, corriger, renvoyer."""
    import uvicorn

    from ..writers import scratch
    from .app import create_app
    from .server_log import LOG_CONFIG
    from .settings import Settings

    scratch.sweep()  # what killed runs and servers left in the temporary folder
    settings = Settings.make(
        dossier,
        max_upload_bytes=taille_max * MB,
        retention_seconds=conservation * 3600,
        workers=travailleurs,
        reference=reference,
        base=base,
        dispositifs=dispositifs,
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
            proxy_headers=False,
        )
    finally:  # Ctrl-C, SIGTERM (uvicorn stops, then raises the signal again), a port already taken
        scratch.remove()  # the default upload folder with every upload and its results
        scratch.sweep()  # the folders of workers that could not remove theirs


COMMANDS = [serve]
