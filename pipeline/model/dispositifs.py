"""The dispositif list: a closed list, as in SOFI, kept as data.

Each entry of `pipeline/data/dispositifs.csv` (`;`, UTF-8) gives the SOFI label, a
short code (accepted in a cell instead of the label), the LHÉO funder code
(`dict-financeurs`), the publics it admits (Formacode codes or labels separated by
`|`; empty = every public) and where the entry comes from. A Carif-Oref replaces
the whole list with its own file of the same shape (`--dispositifs FILE`).

The list in use is a context variable: `run(..., dispositifs=PATH)` sets it for
one run, so two runs with different lists do not mix.
"""

from __future__ import annotations

import contextlib
import contextvars
import csv
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

from .enums import DATA, Choice, Enumeration, enumerations
from .errors import InputError
from .text import fold

DEFAULT_FILE = DATA / "dispositifs.csv"
COLUMNS = ("libelle", "code", "code_financeur", "publics", "source")


@dataclass(frozen=True)
class Dispositif:
    label: str  # SOFI label, the value stored in records
    code: str  # short code, accepted in a cell
    financeur: str  # LHÉO dict-financeurs code
    publics: frozenset[str]  # admitted Formacode publics; empty = all
    source: str


@dataclass(frozen=True)
class DispositifList:
    entries: tuple[Dispositif, ...]
    path: str

    # Built once per list and kept on the instance: an lru_cache keyed by the list
    # hashed every entry on each look-up (one look-up per dispositif written).
    @cached_property
    def enumeration(self) -> Enumeration:
        choices = tuple(Choice(d.label, d.label, (d.code,)) for d in self.entries)
        return Enumeration("dispositifs", choices, f"liste des dispositifs ({self.path})", short_labels=False)

    @cached_property
    def _by_label(self) -> dict[str, Dispositif]:
        table: dict[str, Dispositif] = {}
        for d in self.entries:
            table.setdefault(fold(d.label), d)
            table.setdefault(fold(d.code), d)
        return table

    def get(self, label: str) -> Dispositif | None:
        return self._by_label.get(fold(label))


@lru_cache(maxsize=8)
def load(path: str | None = None) -> DispositifList:
    """Read a dispositif list; InputError (one French line) when the file is unusable."""
    file = Path(path) if path else DEFAULT_FILE
    try:
        with open(file, encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.DictReader(fh, delimiter=";"))
    except OSError as exc:
        raise InputError(f"liste des dispositifs {file} illisible ({exc.strerror or exc}).") from None
    except UnicodeDecodeError:
        raise InputError(f"liste des dispositifs {file} : le fichier doit être en UTF-8.") from None
    if not rows or any(c not in rows[0] for c in ("libelle", "code_financeur")):
        raise InputError(
            f"liste des dispositifs {file} : colonnes attendues {', '.join(COLUMNS)} (séparées par « ; »)."
        )
    publics = enumerations()["publics"]
    financeurs = {c.code for c in enumerations()["financeurs"].choices}
    entries = []
    for n, row in enumerate(rows, 2):
        label = (row.get("libelle") or "").strip()
        if not label:
            continue
        financeur = (row.get("code_financeur") or "").strip()
        if financeur not in financeurs:
            raise InputError(
                f"liste des dispositifs {file}, ligne {n} : code financeur « {financeur} » "
                "absent de la table LHÉO dict-financeurs."
            )
        admitted = set()
        for part in (row.get("publics") or "").split("|"):
            if not part.strip():
                continue
            choice = publics.match(part.strip())
            if choice is None:
                raise InputError(
                    f"liste des dispositifs {file}, ligne {n} : public « {part.strip()} » "
                    "inconnu (code ou libellé Formacode de type public attendu)."
                )
            admitted.add(choice.code)
        entries.append(
            Dispositif(
                label,
                (row.get("code") or "").strip() or label,
                financeur,
                frozenset(admitted),
                (row.get("source") or "").strip(),
            )
        )
    if not entries:
        raise InputError(f"liste des dispositifs {file} : aucun dispositif.")
    return DispositifList(tuple(entries), str(path) if path else "pipeline/data/dispositifs.csv")


_current: contextvars.ContextVar[DispositifList | None] = contextvars.ContextVar("dispositifs", default=None)


def current() -> DispositifList:
    """The list in use: the one set by `using`, else the bundled one."""
    return _current.get() or load(None)


@contextlib.contextmanager
def using(path: Path | str | None):
    """Use the list of `path` (None: the bundled list) inside the block."""
    token = _current.set(load(str(path)) if path else None)
    try:
        yield current()
    finally:
        _current.reset(token)
