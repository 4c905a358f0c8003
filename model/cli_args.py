"""The command line's argument types (argparse `type=`): each reads one option's text or says, in one message,
what it expected and what it found."""

from __future__ import annotations

import argparse
from typing import Callable, TypeVar

T = TypeVar("T")


def checked(text: str, convert: Callable[[str], T], accept: Callable[[T], bool], expected: str,
            expected_range: str | None = None) -> T:
    """`convert(text)` when it reads and `accept`s the value, else ArgumentTypeError: "expected EXPECTED, found
    'TEXT'" (or EXPECTED_RANGE, when it reads but is out of range)."""
    try:
        value = convert(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {expected}, found {text!r}") from None
    if not accept(value):
        raise argparse.ArgumentTypeError(f"expected {expected_range or expected}, found {text!r}")
    return value


def _plain(text: str) -> str:
    """A number as people write it: 100_000 or 100,000."""
    return text.replace("_", "").replace(",", "")


def _whole(text: str) -> int:
    """A whole number as people write it (100_000 and 100,000 read too)."""
    return int(_plain(text))


def positive_int(text: str) -> int:
    """A whole number above 0 (persons, replications, workers; 100_000 and 100,000 read too)."""
    return checked(text, _whole, lambda v: v > 0, "a whole number", "a number above 0")


def draws(text: str) -> int:
    """How many parameter draws (hpa validate --draws): 0 for none, else 2 to 2,000 (one draw has no interval)."""
    return checked(text, _whole, lambda v: v == 0 or 2 <= v <= 2000, "a whole number",
                   "0, or a number from 2 to 2,000")


def seed(text: str) -> int:
    """A root seed: a whole number ≥ 0."""
    return checked(text, int, lambda v: v >= 0, "a whole number ≥ 0")


def year(text: str) -> int:
    """A calendar year 1990-2100 (--year, --from)."""
    return checked(text, int, lambda v: 1990 <= v <= 2100, "a year such as 2018", "a year 1990-2100")


def budget_year(text: str) -> int:
    """A year the growth rates reach (--budget-year: model/uncertainty/growth.YEARS)."""
    from model.uncertainty.growth import YEARS

    return checked(text, int, lambda v: v in YEARS, "a year such as 2021", f"a year in {YEARS.start}-{YEARS.stop - 1}")


def years_count(text: str) -> int:
    """How many years a --years run follows its households: 1 to 30."""
    value = positive_int(text)
    if value > 30:
        raise argparse.ArgumentTypeError(f"expected at most 30 years, found {text!r}")
    return value


def yuan(text: str) -> float:
    """An amount in yuan ≥ 0 (5000000, 5_000_000 and 5,000,000 read alike)."""
    return checked(text, lambda t: float(_plain(t)), lambda v: v >= 0 and v != float("inf"),
                   "an amount in yuan such as 5000000", "an amount in yuan ≥ 0")


def fraction(text: str) -> float:
    """A relative error strictly between 0 and 1 (--precision)."""
    return checked(text, float, lambda v: 0 < v < 1, "a relative error such as 0.02",
                   "a relative error between 0 and 1 (such as 0.02)")


def port(text: str) -> int:
    """A TCP port 1-65535."""
    return checked(text, int, lambda v: 1 <= v <= 65535, "a port number 1-65535")
