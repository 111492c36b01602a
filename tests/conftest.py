"""Fixtures shared by the test files.

Plain helpers (the valid offer and its writers, `finding`, `codes`, `invoke`, the
paths ROOT and SAMPLES, TODAY) live in factory.py and are imported by name; what
needs pytest's caching lives here.
"""
from __future__ import annotations

import pytest

from pipeline.reference import load_reference


@pytest.fixture(scope="session")
def reference():
    """The bundled certification reference, as `fasd import` loads it by default."""
    return load_reference(None)
