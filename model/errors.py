"""The one exception type for bad user input: its message names where, what was expected, what was found."""

from __future__ import annotations


class InputError(Exception):
    """Bad input from a user's file or command line.

    The message is complete on its own (file, row or field, expected, found) and is printed
    as is by the command line, which then exits non-zero having written nothing.
    """


def describe_found(value: object, limit: int = 60) -> str:
    """Show a found value the way a user typed it, shortened if long."""
    text = repr(value) if isinstance(value, str) else str(value)
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif value is None:
        text = "nothing"
    return text if len(text) <= limit else text[: limit - 3] + "..."


class Interrupted(KeyboardInterrupt):
    """A run stopped by Ctrl-C (SIGINT) or SIGTERM: the message says what was kept and how to continue."""

    def __init__(self, message: str, exit_code: int = 130) -> None:
        super().__init__(message)
        self.exit_code = exit_code
