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
from model.codes import OUTPUT_COLUMNS, SPEC_COLUMNS
from model.rules.claims_csv import ClaimsFile, arrow_buffers

COMMA, NEWLINE, POINT, ZERO = 44, 10, 46, 48
CHUNK_ROWS = 125_000  # payment rows formatted at a time: chunks already formatted are written while others format


def header(amounts: np.ndarray) -> bytes:
    """The header of spec §2 for `amounts` as `engine.settle` returns them: a `charity` column (before
    `oop`) only where the scheme has a charity layer, i.e. where the amounts have every payer's column."""
    columns = OUTPUT_COLUMNS if amounts.shape[1] == len(OUTPUT_COLUMNS) else SPEC_COLUMNS
    return ("claim_id," + ",".join(columns) + "\n").encode("utf-8")


def csv_fields(texts: pa.Array) -> pa.Array:
    """Texts as CSV fields: quoted (quotes doubled) where they hold a comma, quote or line break."""
    quoted = pc.binary_join_element_wise('"', pc.replace_substring(texts, '"', '""'), '"', "")
    return pc.if_else(pc.match_substring_regex(texts, '[,"\r\n]'), quoted, texts)


POWERS = 10 ** np.arange(19, dtype=np.int64)


def payment_rows(ids: pa.Array, amounts: np.ndarray) -> pa.Buffer:
    """Spec §2 rows 'id,bmi,...,oop\n' (no header) for CSV-field ids and amounts in fen (>= 0), as one buffer:
    each row laid out in a byte matrix (the id, then each amount as yuan with two decimals, right-aligned,
    digits by place), the padding masked out."""
    amounts = np.asarray(amounts, dtype=np.int64)
    if len(amounts) == 0:
        return pa.py_buffer(b"")
    offsets, text = arrow_buffers(ids)
    lengths = np.diff(offsets)
    width = max(3, int(np.searchsorted(POWERS, amounts.max(), side="right")))  # digits of the largest fen, '0.0x' at least
    field = width + 2  # ',' then the digits with a point before the last two
    lead = int(lengths.max())
    cells = np.empty((len(amounts), lead + amounts.shape[1] * field + 1), dtype=np.uint8)
    keep = np.ones(cells.shape, dtype=np.bool_)
    keep[:, :lead] = np.arange(lead) < lengths[:, None]
    cells[:, :lead][keep[:, :lead]] = text[offsets[0] : offsets[-1]]  # each id, left-aligned
    money = cells[:, lead:-1].reshape(len(amounts), -1, field)
    money[:, :, 0], money[:, :, -3], cells[:, -1] = COMMA, POINT, NEWLINE
    places = (field - 1, field - 2, *range(field - 4, 0, -1))  # units of a fen first
    for group in range(0, width, 8):  # eight digits at a time in int32, cheaper to divide
        rest = (amounts // POWERS[group] % POWERS[8]).astype(np.int32)
        for at in places[group : group + 8]:
            tens = rest // 10
            money[:, :, at] = rest - tens * 10 + ZERO
            rest = tens
    shown = np.maximum(3, np.searchsorted(POWERS, amounts, side="right"))  # digits shown: no zeros before the yuan
    keep[:, lead:-1].reshape(money.shape)[:, :, 1 : field - 3] = np.arange(width - 2) >= (width - shown)[:, :, None]
    return pa.py_buffer(cells.ravel().compress(keep.ravel()))  # row by row, the padding left out


def payments_chunks(claims_file: ClaimsFile, amounts: np.ndarray, threads: int = 1) -> Iterator[pa.Buffer]:
    """Spec §2 rows (no header) for the claims of a file, ids written back exactly as read: consecutive
    chunks, in order, formatted up to `threads` at a time (numpy releases the GIL)."""
    amounts = np.asarray(amounts, dtype=np.int64)
    chunk = lambda rows: payment_rows(claims_file.ids[rows[0] : rows[1]], amounts[rows[0] : rows[1]])  # noqa: E731
    with ThreadPoolExecutor(max_workers=max(threads, 1)) as pool:
        yield from pool.map(chunk, pairwise([*range(0, len(amounts), CHUNK_ROWS), len(amounts)]))


def payments_csv(claims_file: ClaimsFile, amounts: np.ndarray) -> bytes:
    return header(amounts) + b"".join(chunk.to_pybytes() for chunk in payments_chunks(claims_file, amounts))


def write_payments(path: Path | str, claims_file: ClaimsFile, amounts: np.ndarray, threads: int = 1) -> None:
    atomic.write_chunks(Path(path), chain([header(amounts)], payments_chunks(claims_file, amounts, threads)))
