"""The catalogue's settings shared by its commands and its API: how long to wait for the
base's lock, the perimeters of an upload, and `BaseOptions`, the base side of a run's
options (engine/options.py `RunOptions.base`)."""

from __future__ import annotations

from dataclasses import dataclass

from ..model.errors import FasdError

DEFAULT_WAIT = 60.0
PERIMETRES = ("partiel", "complet")


@dataclass(frozen=True)
class BaseOptions:
    """Where and how an import is applied to the catalogue (`fasd import --base …`).

    `url`: a SQLite file or a postgresql:// URL; `perimetre`: « partiel » (the upload adds
    and changes) or « complet » (what it no longer holds is withdrawn); `dry_run`: the
    changes worked out, nothing kept; `wait`: seconds to wait for another import's lock;
    `draft`: the changed actions stay « en cours de saisie » (`--brouillon`); `oui`: a
    complete upload from a terminal withdraws without asking (`--oui`, for cron).
    Checked when built, like the rest of the run's options."""

    url: str
    perimetre: str = "partiel"
    dry_run: bool = False
    wait: float = DEFAULT_WAIT
    draft: bool = False
    oui: bool = False

    def __post_init__(self) -> None:
        if not self.url or not str(self.url).strip():
            raise FasdError("--base : indiquez la base du catalogue (un fichier SQLite ou une URL postgresql://).")
        if self.perimetre not in PERIMETRES:
            known = ", ".join(PERIMETRES)
            raise FasdError(f"--perimetre : « {self.perimetre} » inconnu ; valeurs possibles : {known}.")
        if self.wait < 0:
            raise FasdError("--attente : un nombre de secondes positif ou nul.")
