"""The errors that stop a command, each carrying the exit code a script can trust.

Raised anywhere (readers, reference, export, writers, the CLI itself); the command line
turns them into one line of French on stderr and their exit code (pipeline/cli/main.py).
Findings about a record are not errors: they go to the report.
"""

from __future__ import annotations

EXIT_OK = 0  # no error finding
EXIT_FINDINGS = 1  # error findings to fix (or nothing to export)
EXIT_UNREADABLE = 2  # an input that cannot be read, a limit exceeded, a misused command
EXIT_INTERNAL = 3  # a bug of ours
EXIT_INTERRUPTED = 130  # Ctrl-C or a termination signal
EXIT_PIPE_CLOSED = 141  # the reader of our output left (`fasd ref search … | head`): as SIGPIPE gives


class FasdError(Exception):
    """Stops the command: its message is one line of French for the user."""

    exit_code = EXIT_UNREADABLE


class InputError(FasdError):
    """An input that cannot be read at all, or that exceeds a reading limit."""


class UsageError(FasdError):
    """A command used wrongly (bad option value, --out that cannot be used)."""


class OutputError(FasdError):
    """An output that cannot be written (disk, rights, another run holding the folder)."""


class Interrupted(FasdError):
    """Ctrl-C or SIGTERM/SIGHUP: temporary files are removed on the way out."""

    exit_code = EXIT_INTERRUPTED
