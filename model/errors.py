"""The one exception type for bad user input: its message names where, what was expected, what was found."""

from __future__ import annotations

import reprlib


class InputError(Exception):
    """Bad input from a user's file or command line.

    The message is complete on its own (file, row or field, expected, found) and is printed
    as is by the command line, which then exits non-zero having written nothing.
    """


class _Shortened(reprlib.Repr):
    """reprlib's bounded repr (a few items, a few levels), numbers as a user writes them."""

    def __init__(self) -> None:
        super().__init__()
        self.maxlevel, self.maxdict, self.maxlist, self.maxtuple = 3, 4, 6, 6
        self.maxstring, self.maxother, self.maxlong = 40, 40, 40

    def repr_Decimal(self, value: object, level: int) -> str:  # noqa: N802 - reprlib's naming
        return describe_found(value, self.maxother)

    def repr_int(self, value: int, level: int) -> str:
        return describe_found(value, self.maxlong)


_SHORTENED = _Shortened()


def describe_found(value: object, limit: int = 60) -> str:
    """Show a found value the way a user typed it, shortened if long.

    Bounded work whatever the value: a list or mapping shows a few items of a few levels (a YAML
    alias bomb expands to more than memory holds), a long text or number only its start.
    """
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif value is None:
        text = "nothing"
    elif isinstance(value, str):
        text = repr(value[: limit + 1])
    elif isinstance(value, int):
        if value.bit_length() > 4 * limit:  # str() of a huge int is slow, and refused past 4,300 digits
            text = f"a whole number of about {int(value.bit_length() * 0.30103):,} digits"
        else:
            text = str(value)
    elif isinstance(value, (dict, list, tuple, set)):
        text = _SHORTENED.repr(value)
    else:
        text = str(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class Interrupted(KeyboardInterrupt):
    """A run stopped by Ctrl-C (SIGINT) or SIGTERM: the message says what was kept and how to continue."""

    def __init__(self, message: str, exit_code: int = 130) -> None:
        super().__init__(message)
        self.exit_code = exit_code
