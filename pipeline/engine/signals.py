"""SIGTERM and SIGHUP as Ctrl-C: a run stopped by its service unwinds and cleans up."""

from __future__ import annotations

import contextlib
import signal

from ..model.errors import Interrupted


def _raise_interrupted(signum, frame):
    raise Interrupted("interrompu par un signal ; les fichiers temporaires sont supprimés.")


@contextlib.contextmanager
def termination_as_exception():
    """SIGTERM and SIGHUP unwind like Ctrl-C, so every `finally` cleans its temporary files."""
    wanted = [s for s in (signal.SIGTERM, getattr(signal, "SIGHUP", None)) if s is not None]
    try:
        previous = {s: signal.signal(s, _raise_interrupted) for s in wanted}
    except ValueError:  # not the main thread: leave the signals alone
        yield
        return
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
