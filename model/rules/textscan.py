"""Compiled scanners of text bytes: exact money and dates checked byte by byte (spec §1), and money written back."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from numba import njit

MAX_INTEGER_DIGITS = 10  # digits read before a value is refused: the sum below never nears int64
# The most one claim (or a household's year) may carry: 100,000,000.00 yuan. With a person-year's
# claims at most 10 times that (claims_csv.MAX_PERSON_YEAR_FEN), a rate in millionths times any
# amount the kernel forms, cumulative bases included, stays below 10**17, far inside 2**63.
MAX_MONEY_FEN = 10**10


def string_buffers(array: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(offsets, bytes) of an Arrow string array with no nulls, as numpy views."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if array.type == pa.large_string():
        offset_type = np.int64
    else:
        array = array.cast(pa.string())
        offset_type = np.int32
    _validity, offsets_buffer, data_buffer = array.buffers()
    offsets = np.frombuffer(offsets_buffer, dtype=offset_type)[array.offset : array.offset + len(array) + 1]
    data = np.frombuffer(data_buffer, dtype=np.uint8) if data_buffer is not None else np.zeros(0, dtype=np.uint8)
    return offsets.astype(np.int64), data


@njit(cache=True)
def money_fen(data, start, end):
    """Fen of yuan written as spec §1 has it ('5', '5.0', '5.00'; not '5.', '.5', '1e3', '-5', ' 5'), or -1
    (also above MAX_MONEY_FEN)."""
    whole = 0
    digits = 0
    k = start
    while k < end and 48 <= data[k] <= 57:
        whole = whole * 10 + (data[k] - 48)
        digits += 1
        k += 1
    if digits == 0 or digits > MAX_INTEGER_DIGITS:
        return -1
    cents = 0
    if k < end:
        if data[k] != 46:
            return -1
        k += 1
        decimals = end - k
        if decimals < 1 or decimals > 2:
            return -1
        for j in range(k, end):
            if data[j] < 48 or data[j] > 57:
                return -1
            cents = cents * 10 + (data[j] - 48)
        if decimals == 1:
            cents *= 10
    fen = whole * 100 + cents
    return fen if fen <= MAX_MONEY_FEN else -1


DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)


@njit(cache=True)
def _digit(data, at):
    """The digit at data[at], or 10 or more when the byte is not a digit (unsigned: below '0' wraps)."""
    return np.uint64(data[np.uint64(at)]) - np.uint64(48)


@njit(cache=True)
def date_days(data, start, end):
    """(days since 1970, year) of an existing YYYY-MM-DD date, or (0, -1)."""
    if end - start != 10 or data[start + 4] != 45 or data[start + 7] != 45:
        return 0, -1
    y0, y1, y2, y3 = _digit(data, start), _digit(data, start + 1), _digit(data, start + 2), _digit(data, start + 3)
    m0, m1, d0, d1 = _digit(data, start + 5), _digit(data, start + 6), _digit(data, start + 8), _digit(data, start + 9)
    nine = np.uint64(9)
    # all eight checked at once, without a branch per byte
    if (y0 > nine) | (y1 > nine) | (y2 > nine) | (y3 > nine) | (m0 > nine) | (m1 > nine) | (d0 > nine) | (d1 > nine):
        return 0, -1
    year = np.int64(y0 * np.uint64(1000) + y1 * np.uint64(100) + y2 * np.uint64(10) + y3)
    month = np.int64(m0 * np.uint64(10) + m1)
    day = np.int64(d0 * np.uint64(10) + d1)
    if year < 1 or month < 1 or month > 12 or day < 1:
        return 0, -1
    limit = DAYS_IN_MONTH[month]
    if month == 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0):
        limit = 29
    if day > limit:
        return 0, -1
    y = year - 1 if month <= 2 else year
    era = y // 400
    yoe = y - era * 400
    mp = month - 3 if month > 2 else month + 9
    doy = (153 * mp + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468, year


@njit(cache=True)
def parse_money(offsets, data):
    """money_fen over an Arrow string column: (fen, ok)."""
    n = offsets.shape[0] - 1
    fen = np.zeros(n, dtype=np.int64)
    ok = np.zeros(n, dtype=np.bool_)
    for i in range(n):
        value = money_fen(data, offsets[i], offsets[i + 1])
        if value >= 0:
            fen[i] = value
            ok[i] = True
    return fen, ok


PAIRS = np.array([ord(c) for i in range(100) for c in f"{i:02d}"], dtype=np.uint8)


@njit(cache=True)
def _put_money(buffer, at, fen, pairs):
    """Write fen as yuan 'W.CC' at buffer[at:], two digits at a time; returns the new end."""
    whole = fen // 100
    cents = fen - whole * 100
    width = 1
    probe = whole
    while probe >= 10:
        probe //= 10
        width += 1
    end = at + width
    k = end
    while whole >= 100:
        pair = (whole % 100) * 2
        whole //= 100
        buffer[k - 1] = pairs[pair + 1]
        buffer[k - 2] = pairs[pair]
        k -= 2
    if whole >= 10:
        buffer[k - 1] = pairs[whole * 2 + 1]
        buffer[k - 2] = pairs[whole * 2]
    else:
        buffer[k - 1] = 48 + whole
    buffer[end] = 46  # '.'
    buffer[end + 1] = pairs[cents * 2]
    buffer[end + 2] = pairs[cents * 2 + 1]
    return end + 3


def format_rows(id_start: np.ndarray, id_end: np.ndarray, id_data: np.ndarray, amounts: np.ndarray, quote_ids: bool) -> np.ndarray:
    """CSV rows 'id,a,b,...\n', amounts in yuan with 2 decimals (bytes as a uint8 array).

    Ids are copied from id_data[id_start:id_end]; with `quote_ids` an id that needs quoting gets
    quotes (ids already in CSV form, as read from a file, are copied as they are). Releases the GIL.
    """
    n = len(amounts)
    size = 2 * int((id_end - id_start).sum()) + n * (3 + amounts.shape[1] * 24)  # at the longest
    buffer = np.empty(size, dtype=np.uint8)  # from numpy: large pages
    return buffer[: _format_into(buffer, id_start, id_end, id_data, amounts, quote_ids, PAIRS)]


# No reference counting: it would count references to the buffer around every amount written.
@njit(cache=True, nogil=True, _nrt=False)
def _format_into(buffer, id_start, id_end, id_data, amounts, quote_ids, pairs):
    """The rows of `format_rows` written into `buffer`; returns their length."""
    at = 0
    for i in range(amounts.shape[0]):
        lo, hi = id_start[i], id_end[i]
        quote = False
        if quote_ids:
            for k in range(lo, hi):
                if id_data[k] == 44 or id_data[k] == 34 or id_data[k] == 10 or id_data[k] == 13:
                    quote = True
        if quote:
            buffer[at] = 34
            at += 1
        for k in range(lo, hi):
            buffer[at] = id_data[k]
            at += 1
            if quote and id_data[k] == 34:
                buffer[at] = 34
                at += 1
        if quote:
            buffer[at] = 34
            at += 1
        for column in range(amounts.shape[1]):
            buffer[at] = 44
            at = _put_money(buffer, at + 1, amounts[i, column], pairs)
        buffer[at] = 10
        at += 1
    return at
