"""The uploads waiting for a worker, in order: each upload's place in the queue (issue 29 §3).

`fasd serve --travailleurs N` runs N uploads at once; the others wait in the order they
came. The progress page and /envois/{id}/etat say how many wait before each one
(« 3 envoi(s) avant le vôtre »), so fifty uploads at once are each answered with their
place, not only « en attente ».
"""

from __future__ import annotations

import threading


class Waiting:
    """The names (upload ids) of the uploads submitted and not started yet, oldest first."""

    def __init__(self) -> None:
        self._names: list[str] = []
        self._lock = threading.Lock()

    def add(self, name: str) -> None:
        with self._lock:
            self._names.append(name)

    def started(self, name: str) -> None:
        """The upload left the queue (a worker took it, or it was cancelled)."""
        with self._lock:
            if name in self._names:
                self._names.remove(name)

    def ahead(self, name: str) -> int | None:
        """How many uploads wait before `name`; None when it is not waiting."""
        with self._lock:
            try:
                return self._names.index(name)
            except ValueError:
                return None

    def __len__(self) -> int:
        with self._lock:
            return len(self._names)


def waiting_text(ahead: int | None) -> str:
    """What the progress page says while the upload is queued (None: no longer waiting)."""
    if ahead is None:  # a worker took it: its first state is on its way
        return "Votre envoi est pris en charge : le traitement commence."
    if ahead == 0:
        return "En attente : aucun envoi avant le vôtre ; il commence dès qu'un traitement se termine."
    return f"En attente : {ahead} envoi(s) avant le vôtre."
