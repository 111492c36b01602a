"""The certification reference: Certif Info records and France Compétences RNCP/RS fiches.

`load_reference(path)` is the one entry point (docs/reference.md):
- None: the illustrative extract shipped in the package (`pipeline/data/reference/`,
  copied in `samples/reference/`), so `fasd` works from any directory;
- a canonical Certif Info CSV;
- a France Compétences `export-fiches-csv-*.zip`, read in place;
- a folder holding either or both (every Certif Info CSV, the latest export zip), joined.

May import: model/, lheo/, readers/.
"""

from __future__ import annotations

from pathlib import Path

from ..model.errors import InputError
from .cache import cached
from .certifinfo import is_certifinfo_csv, load_certifinfo
from .model import Certification, Reference, join
from .rncp import load_export

DEFAULT = Path(__file__).resolve().parent.parent / "data" / "reference"

__all__ = ["Certification", "Reference", "load_reference", "DEFAULT"]


def _load_file(path: Path) -> Reference:
    if path.suffix.lower() == ".zip":
        return cached(path, load_export)
    return cached(path, load_certifinfo)


def load_reference(path: Path | None = None) -> Reference:
    """The joined reference from `path` (or the bundled extract); InputError when unreadable."""
    path = Path(path) if path is not None else DEFAULT
    if not path.exists():
        raise InputError(f"référentiel introuvable : {path}.")
    if not path.is_dir():
        return _load_file(path)
    csvs = sorted(p for p in path.glob("*.csv") if is_certifinfo_csv(p))
    zips = sorted(path.glob("export-fiches-csv-*.zip")) or sorted(path.glob("*.zip"))
    if not csvs and not zips:
        raise InputError(
            f"le dossier {path} ne contient ni CSV Certif Info ni export France Compétences (export-fiches-csv-*.zip)."
        )
    return join([_load_file(p) for p in csvs + zips[-1:]])
