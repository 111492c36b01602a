"""Fixtures shared by the test files.

Plain helpers (the valid offer and its writers, `finding`, `codes`, `invoke`, the
paths ROOT and SAMPLES, TODAY) live in factory.py and are imported by name; what
needs pytest's caching or hooks lives here.
"""

from __future__ import annotations

import os

import pytest

from pipeline.reference import load_reference
from pipeline.validators import fields


@pytest.fixture(scope="session")
def reference():
    """The bundled certification reference, as `fasd import` loads it by default."""
    return load_reference(None)


@pytest.fixture(autouse=True)
def _fresh_schemas_under_mutmut():
    """Under `make mutation` only: rebuild the cached pandera schemas for every test.

    Otherwise only the first test builds them, mutmut ties the schema-building code to
    that one test, and every mutant there is judged by it alone."""
    if "MUTANT_UNDER_TEST" in os.environ:
        fields.entity_schema.cache_clear()
        fields._subset.cache_clear()
    yield
