"""Writing payments (spec §2): each claim's id as read, then every payer's amount and the OOP in yuan with two decimals."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from itertools import chain, pairwise
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from model import atomic
from model.arrowtext import arrow_buffers, as_arrow
from model.codes import OUTPUT_COLUMNS, SPEC_COLUMNS

CHUNK_ROWS = 125_000  # payment rows formatted at a time: chunks already formatted are written while others format
YUAN = pa.decimal64(18, 2)  # fen as a decimal with two places: Arrow writes it as yuan, '0.05' to '12345.00'
ZERO = as_arrow(["0.00"])
QUOTE, COMMA, NOTHING, LINE_END = as_arrow(['"', ",", "", "\n"])  # Arrow scalars: a Python str would import pandas


def header(amounts: np.ndarray) -> bytes:
    """The header of spec §2 for `amounts` from `engine.settle`: `charity` (before `oop`) where they have its column."""
    columns = OUTPUT_COLUMNS if amounts.shape[1] == len(OUTPUT_COLUMNS) else SPEC_COLUMNS
    return ("claim_id," + ",".join(columns) + "\n").encode("utf-8")


def quoted(texts: pa.Array) -> pa.Array:
    """Texts as quoted CSV fields (RFC 4180: in quotes, quotes inside doubled)."""
    return pc.binary_join_element_wise(QUOTE, pc.replace_substring(texts, '"', '""'), QUOTE, NOTHING)


def csv_fields(texts: pa.Array) -> pa.Array:
    """Texts as CSV fields: quoted where they hold a comma, quote or line break."""
    return pc.if_else(pc.match_substring_regex(texts, '[,"\r\n]'), quoted(texts), texts)


def _yuan(fen: np.ndarray) -> pa.Array:
    """Amounts in fen (>= 0) as yuan text, a decimal with two places; where most are 0, only the others formatted."""
    paid = np.flatnonzero(fen) if np.count_nonzero(fen) < len(fen) // 2 else None
    values = np.ascontiguousarray(fen if paid is None else fen[paid])
    texts = pc.cast(pa.Array.from_buffers(YUAN, len(values), [None, pa.py_buffer(values)]), pa.string())
    if paid is None:
        return texts
    which = np.zeros(len(fen), dtype=np.int32)
    which[paid] = np.arange(1, paid.size + 1, dtype=np.int32)
    return pa.concat_arrays([ZERO, texts]).take(as_arrow(which))


def payment_rows(ids: pa.Array, amounts: np.ndarray) -> pa.Buffer:
    """Spec §2 rows 'id,bmi,...,oop\n' (no header) for CSV-field ids and amounts in fen (>= 0), as one buffer."""
    amounts = np.asarray(amounts, dtype=np.int64)
    if len(amounts) == 0:
        return pa.py_buffer(b"")
    fields = [_yuan(column) for column in amounts.T]
    last = pc.binary_join_element_wise(fields[-1], NOTHING, LINE_END)  # the row's last amount and its line end
    offsets, data = arrow_buffers(pc.binary_join_element_wise(ids.cast(pa.string()), *fields[:-1], last, COMMA))
    return pa.py_buffer(data[offsets[0] : offsets[-1]])


def payments_chunks(claims_file, amounts: np.ndarray, threads: int = 1) -> Iterator[pa.Buffer]:
    """Spec §2 rows (no header), ids exactly as read, in chunks formatted up to `threads` at a time."""
    amounts = np.asarray(amounts, dtype=np.int64)
    chunk = lambda rows: payment_rows(claims_file.ids[rows[0] : rows[1]], amounts[rows[0] : rows[1]])  # noqa: E731
    with ThreadPoolExecutor(max_workers=max(threads, 1)) as pool:
        yield from pool.map(chunk, pairwise([*range(0, len(amounts), CHUNK_ROWS), len(amounts)]))


def payments_csv(claims_file, amounts: np.ndarray) -> bytes:
    """The whole payments file (spec §2) for a claims file's `amounts`, as bytes."""
    return header(amounts) + b"".join(chunk.to_pybytes() for chunk in payments_chunks(claims_file, amounts))


def write_payments(path: Path | str, claims_file, amounts: np.ndarray, threads: int = 1) -> None:
    """Write the payments file (spec §2) at `path`, atomically."""
    atomic.write_chunks(Path(path), chain([header(amounts)], payments_chunks(claims_file, amounts, threads)))
