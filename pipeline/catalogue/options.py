"""The catalogue's settings shared by its commands and its API: how long to wait for the
base's lock, the perimeters of an upload."""

from __future__ import annotations

DEFAULT_WAIT = 60.0
PERIMETRES = ("partiel", "complet")
