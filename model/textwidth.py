"""Aligning terminal tables that mix Chinese (two columns wide) and Latin text."""

from __future__ import annotations

import unicodedata


def display_width(text: str) -> int:
    """Columns `text` takes in a terminal: two for a wide (CJK) character, one otherwise.

    Parameters
    ----------
    text : str

    Returns
    -------
    int
    """
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def pad(text: str, width: int, right: bool = False) -> str:
    """`text` padded with spaces to `width` terminal columns (see display_width).

    Parameters
    ----------
    text : str
    width : int
        Columns.
    right : bool
        Align right (pad on the left).

    Returns
    -------
    str
    """
    gap = " " * max(0, width - display_width(text))
    return gap + text if right else text + gap


def table(rows: list[list[str]], right_aligned: set[int] = frozenset(), gap: str = "  ", indent: str = "") -> str:
    """Rows of cells as aligned lines; the first row is the header."""
    widths = [max(display_width(row[i]) for row in rows if i < len(row)) for i in range(max(map(len, rows)))]
    lines = []
    for row in rows:
        cells = [pad(cell, widths[i], i in right_aligned) for i, cell in enumerate(row)]
        lines.append(indent + gap.join(cells).rstrip())
    return "\n".join(lines)
