"""The mails of the accounts (issue 26): activation and password-reset links.

Sent through `smtplib` to the server of FASD_SMTP_URL (`smtp://[user:password@]host:port`,
STARTTLS when the server offers it; `smtps://` for TLS from the start). Without one, each
mail is written as a .eml file to the folder the admin named (`fasd serve --courriels`,
FASD_MAIL_DIR), so the embedded default needs no mail server: the admin forwards them.
The sender is FASD_MAIL_FROM (default `fasd@localhost`).
"""

from __future__ import annotations

import os
import smtplib
import ssl
import time
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ..model.errors import FasdError

DEFAULT_SENDER = "fasd@localhost"


class MailError(FasdError):
    """A mail that could not be sent: one French line."""


class Mailer:
    """Where the mails go: an SMTP server, or a folder of .eml files (or nowhere: `send` says so)."""

    def __init__(self, smtp_url: str | None = None, folder: str | Path | None = None, sender: str | None = None):
        self.smtp_url = smtp_url or None
        self.folder = Path(folder) if folder else None
        self.sender = sender or DEFAULT_SENDER
        if self.smtp_url:
            parts = urlsplit(self.smtp_url)
            if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
                raise MailError(f"FASD_SMTP_URL « {self.smtp_url} » : attendu smtp://hôte:port ou smtps://hôte:port.")

    @classmethod
    def from_environment(cls, folder: str | Path | None = None) -> "Mailer":
        return cls(
            os.environ.get("FASD_SMTP_URL") or None,
            folder or os.environ.get("FASD_MAIL_DIR") or None,
            os.environ.get("FASD_MAIL_FROM") or None,
        )

    @property
    def configured(self) -> bool:
        return bool(self.smtp_url or self.folder)

    def where(self) -> str:
        if self.smtp_url:
            parts = urlsplit(self.smtp_url)
            return f"{parts.scheme}://{parts.hostname}:{parts.port or (465 if parts.scheme == 'smtps' else 25)}"
        return str(self.folder) if self.folder else "nulle part"

    def send(self, to: str, subject: str, body: str) -> str:
        """Send one mail; return where it went (the server, or the .eml file). MailError when it fails."""
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = to
        message["Subject"] = subject
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = make_msgid(domain=self.sender.rsplit("@", 1)[-1] or "localhost")
        message.set_content(body)
        if self.smtp_url:
            self._smtp(message)
            return self.where()
        if self.folder:
            return str(self._file(message))
        raise MailError("aucun envoi de courriel configuré (FASD_SMTP_URL ou dossier des courriels).")

    def _smtp(self, message: EmailMessage) -> None:
        assert self.smtp_url is not None
        parts = urlsplit(self.smtp_url)
        host = parts.hostname or "localhost"
        try:
            if parts.scheme == "smtps":
                client: smtplib.SMTP = smtplib.SMTP_SSL(
                    host, parts.port or 465, timeout=30, context=ssl.create_default_context()
                )
            else:
                client = smtplib.SMTP(host, parts.port or 25, timeout=30)
            with client:
                client.ehlo()
                if parts.scheme == "smtp" and client.has_extn("starttls"):
                    client.starttls(context=ssl.create_default_context())
                    client.ehlo()
                if parts.username:
                    client.login(unquote(parts.username), unquote(parts.password or ""))
                client.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            raise MailError(f"courriel non envoyé par {self.where()} ({exc}).") from None

    def _file(self, message: EmailMessage) -> Path:
        assert self.folder is not None
        self.folder.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
        for n in range(1, 10_000):
            path = self.folder / f"{stamp}-{n:04d}.eml"
            try:
                with open(path, "xb") as fh:
                    fh.write(message.as_bytes())
                return path
            except FileExistsError:
                continue
        raise MailError(f"trop de courriels dans {self.folder} pour la même seconde.")


def activation_mail(link: str) -> tuple[str, str]:
    """(subject, body) of the activation mail."""
    return (
        "Votre compte pour l'import des offres de formation",
        "Bonjour,\n\n"
        "Un compte a été créé pour vous sur la page d'import des offres de formation.\n"
        "Pour choisir votre mot de passe et l'activer, ouvrez ce lien (il ne sert qu'une fois) :\n\n"
        f"{link}\n\n"
        "Si vous n'attendiez pas ce courriel, ignorez-le.\n",
    )


def reset_mail(link: str) -> tuple[str, str]:
    """(subject, body) of the password-reset mail."""
    return (
        "Réinitialiser votre mot de passe",
        "Bonjour,\n\n"
        "Une réinitialisation du mot de passe de votre compte a été demandée.\n"
        "Pour choisir un nouveau mot de passe, ouvrez ce lien dans l'heure (il ne sert qu'une fois) :\n\n"
        f"{link}\n\n"
        "Si vous n'êtes pas à l'origine de cette demande, ignorez ce courriel : votre mot de passe reste le même.\n",
    )
