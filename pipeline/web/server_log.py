"""uvicorn's own log lines in French, for the person who starts `fasd serve`.

uvicorn writes its start and stop messages in English (« Uvicorn running on … (Press
CTRL+C to quit) »). `FRENCH` maps each message template uvicorn logs to ours; a filter
on its loggers swaps the template before the line is formatted (an unknown message
stays as uvicorn wrote it), and `LOG_CONFIG` prints « fasd : message » without the
« INFO: » prefix. tests/test_web.py checks the templates still exist in uvicorn.
"""

from __future__ import annotations

import logging

FRENCH = {
    "Started server process [%d]": "serveur démarré (processus %d)",
    "Finished server process [%d]": "serveur arrêté (processus %d)",
    "Waiting for application startup.": "démarrage de la page…",
    "Application startup complete.": "page prête.",
    "Application startup failed. Exiting.": "la page n'a pas pu démarrer ; arrêt.",
    "Waiting for application shutdown.": "arrêt de la page…",
    "Application shutdown complete.": "page arrêtée.",
    "Application shutdown failed. Exiting.": "la page ne s'est pas arrêtée proprement.",
    "Shutting down": "arrêt demandé",
    "Uvicorn running on %s://%s:%d (Press CTRL+C to quit)": "en écoute sur %s://%s:%d (Ctrl+C pour arrêter)",
    "Uvicorn running on %s://[%s]:%d (Press CTRL+C to quit)": "en écoute sur %s://[%s]:%d (Ctrl+C pour arrêter)",
    "Waiting for connections to close. (CTRL+C to force quit)": (
        "attente de la fin des connexions en cours (Ctrl+C pour forcer l'arrêt)"
    ),
    "Waiting for background tasks to complete. (CTRL+C to force quit)": (
        "attente de la fin des traitements en cours (Ctrl+C pour forcer l'arrêt)"
    ),
}


class French(logging.Filter):
    """Swaps a known uvicorn message template for its French one (colours dropped)."""

    def filter(self, record: logging.LogRecord) -> bool:
        french = FRENCH.get(record.msg) if isinstance(record.msg, str) else None
        if french is not None:
            record.msg = french
            record.__dict__.pop("color_message", None)
        return True


LOG_CONFIG = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"french": {"()": French}},
    "formatters": {
        "plain": {"format": "fasd : %(message)s"},
        "access": {"format": "fasd : %(message)s"},
    },
    "handlers": {
        "default": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["french"],
            "stream": "ext://sys.stderr",
        },
        "access": {"class": "logging.StreamHandler", "formatter": "access", "stream": "ext://sys.stdout"},
    },
    "loggers": {
        "uvicorn": {"handlers": ["default"], "level": "INFO", "propagate": False},
        "uvicorn.error": {"level": "INFO"},
        "uvicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
    },
}
