"""Kept so `from pipeline.readers.errors import InputError` still works: the error
model lives in pipeline/errors.py (it is raised by the reference and the CLI too)."""

from ..errors import InputError

__all__ = ["InputError"]
