"""Records of parallel arrays (dataclasses whose array fields line up row by row): cutting them to rows."""

from __future__ import annotations

from dataclasses import fields

import numpy as np


def take_rows(record, rows: np.ndarray):
    """The same kind of record with every array field cut to `rows` (other fields kept as they are)."""
    values = {}
    for field in fields(record):
        value = getattr(record, field.name)
        values[field.name] = value[rows] if isinstance(value, np.ndarray) else value
    return type(record)(**values)
