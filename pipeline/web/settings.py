"""The server's settings, gathered once from `fasd serve`'s options and the environment."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

MB = 1024 * 1024


@dataclass(frozen=True)
class Settings:
    data_dir: Path  # one folder per upload, under generic names only
    max_upload_bytes: int = 50 * MB  # the whole POST: offer files and annuaire together
    retention_seconds: int = 24 * 3600  # an upload and its results are deleted after this
    workers: int = 1  # runs at the same time (CPU-bound: one per core at most)
    reference: str | None = None  # --reference of the CLI; None: the bundled extract
    base: str | None = None  # --base of the CLI (the catalogue), when given
    dispositifs: str | None = None  # --dispositifs of the CLI: the Carif-Oref's list
    # with a base, the shared page (issue 26): accounts, sessions, mails (web/auth.py, web/mail.py)
    public_url: str | None = None  # --url-publique: the page's address in the mailed links
    mail_dir: Path | None = None  # --courriels: .eml files when FASD_SMTP_URL is not set
    session_idle_seconds: int = 2 * 3600  # a session unused this long ends
    secure_cookies: bool = False  # --https: cookies marked Secure even if the proxy does not say HTTPS

    @classmethod
    def make(cls, data_dir: str | Path | None = None, **kwargs) -> "Settings":
        if data_dir is None:  # inside the process's scratch folder: removed on exit, or by the next run
            from ..writers.scratch import mkdtemp

            data_dir = mkdtemp("envois-")
        data_dir = Path(data_dir)
        data_dir.mkdir(parents=True, exist_ok=True)
        return cls(data_dir=data_dir, **kwargs)
