"""Arrow arrays as numpy and back through their buffers (pyarrow's own conversions import pandas), and yuan read
exactly from Arrow text (the claims reader's and the household table's money)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

# The most one claim (or a household's year) may carry: 100,000,000.00 yuan. With a person-year's claims
# at most 10 times that, a rate in millionths times any amount the kernel forms, cumulative bases included,
# stays below 10**17, far inside int64.
MAX_MONEY_FEN = 10**10


def arrow_buffers(column: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(offsets, bytes) of a string or binary column: numpy views of its Arrow buffers (value i is bytes[offsets[i]:offsets[i+1]])."""
    column = column if column.type in (pa.string(), pa.binary()) else column.cast(pa.binary())  # one layout
    offsets = np.frombuffer(column.buffers()[1], dtype=np.int32)[column.offset : column.offset + len(column) + 1]
    return offsets, np.frombuffer(column.buffers()[2] or b"", dtype=np.uint8)


def as_numpy(array: pa.Array, null: int = 0) -> np.ndarray:
    """A boolean or numeric Arrow array as numpy (its nulls as `null`)."""
    if array.type == pa.bool_():  # bits, each a byte once cast
        return as_numpy(pc.cast(array, pa.uint8()), null).astype(np.bool_)
    values = np.frombuffer(array.buffers()[1], dtype=array.type.to_pandas_dtype())[array.offset : array.offset + len(array)]
    return np.where(as_numpy(pc.is_valid(array)), values, null) if array.null_count else values


def as_arrow(values: np.ndarray | list[str]) -> pa.Array:
    """A numpy boolean or numeric array, or a list of texts, as an Arrow array."""
    if isinstance(values, list):
        data = [text.encode("utf-8") for text in values]
        offsets = np.r_[0, np.cumsum([len(item) for item in data], dtype=np.int64)].astype(np.int32)
        return pa.Array.from_buffers(pa.string(), len(data), [None, pa.py_buffer(offsets), pa.py_buffer(b"".join(data))])
    if values.dtype == np.bool_:
        return pa.Array.from_buffers(pa.bool_(), len(values), [None, pa.py_buffer(np.packbits(values, bitorder="little"))])
    return pa.Array.from_buffers(pa.from_numpy_dtype(values.dtype), len(values), [None, pa.py_buffer(np.ascontiguousarray(values))])


def parse_money(column: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(fen, ok) of yuan as spec §1 writes it ('5', '5.0', '5.00'; not '5.', '.5', '1e3', '-5', ' 5'), at most
    MAX_MONEY_FEN: 1 to 10 digits, then a point and 1 or 2 digits if any, checked on the bytes; read by Arrow
    as floats, a hundred times one, rounded, is the fen exactly (at most 12 digits: the float's error is below a
    millionth of a fen)."""
    offsets, data = arrow_buffers(column)
    length, point = np.diff(offsets), as_numpy(pc.find_substring(column, "."), -1)
    whole = np.where(point < 0, length, point)
    ok = (whole >= 1) & (whole <= 10) & ((point < 0) | (length - point == 2) | (length - point == 3))
    digits = data[offsets[0] : offsets[-1]] - np.uint8(48)
    digits[(offsets[:-1] + point - offsets[0])[point >= 0]] = 0  # the point (the first; a second is no digit)
    ok[np.searchsorted(offsets, np.flatnonzero(digits > 9) + offsets[0], "right") - 1] = False
    good = column if ok.all() else pc.if_else(as_arrow(ok), column, as_arrow(["0"]).cast(column.type)[0])
    fen = np.rint(as_numpy(pc.cast(good.cast(pa.string()), pa.float64())) * 100).astype(np.int64)
    return np.where(ok, fen, 0), ok & (fen <= MAX_MONEY_FEN)
