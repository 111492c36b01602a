"""Kept so `from pipeline.readers.errors import InputError` still works: the error
model lives in pipeline/model/errors.py (it is raised by the reference and the CLI too)."""

from ..model.errors import InputError

__all__ = ["InputError"]
