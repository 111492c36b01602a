"""The one error a reader raises for a file it cannot read at all (exit code 2)."""


class InputError(Exception):
    """An input that cannot be read: its message is one line of French for the user."""
