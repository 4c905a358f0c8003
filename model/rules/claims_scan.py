"""One compiled pass over a claims file's bytes: split CSV fields, check and convert each spec §1 column.

Every row comes out as codes and fen, or with a bit set for each column that broke a rule; the
caller turns bits into messages by re-reading only the bad lines. Ids are interned with a hash
table (persons to dense indices, claim ids to find duplicates).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from model.rules.textscan import date_days, money_fen

# Roles of the spec columns, in spec order; -1 marks a column the spec does not name.
CLAIM_ID, PERSON_ID, DATE, SERVICE, LEVEL, DISEASE, TOTAL, ELIGIBLE, COMPLIANT, CATEGORY = range(10)
# Row problem bits beyond one bit per role.
BIT_COLUMNS = 1 << 10  # wrong number of fields
BIT_BLANK = 1 << 11  # an empty line among the rows
BIT_QUOTING = 1 << 12  # a quote where it cannot be, or an unclosed quote
BIT_UTF8 = 1 << 13  # an id that is not UTF-8
BIT_ELIGIBLE_ABOVE_TOTAL = 1 << 14
BIT_CHRONIC_WITHOUT_CODE = 1 << 15
BIT_VILLAGE_ADMISSION = 1 << 16
BIT_DUPLICATE_ID = 1 << 17

QUOTE, COMMA, NEWLINE, RETURN = 34, 44, 10, 13
FNV_OFFSET = np.uint64(14695981039346656037)
FNV_PRIME = np.uint64(1099511628211)


@njit(cache=True)
def _key(data, start, end, quoted):
    """(hash, length, first 8 bytes packed) of a field's text, quotes unescaped."""
    h = FNV_OFFSET
    length = 0
    head = np.uint64(0)
    k = start
    while k < end:
        b = data[k]
        if quoted and b == QUOTE:
            k += 1  # "" stands for one quote
        h = (h ^ np.uint64(b)) * FNV_PRIME
        if length < 8:
            head |= np.uint64(b) << np.uint64(8 * length)
        length += 1
        k += 1
    return h, length, head


@njit(cache=True)
def _same(data, a0, a1, aq, b0, b1, bq):
    """Equal field contents, quotes unescaped."""
    i, j = a0, b0
    while i < a1 and j < b1:
        if data[i] != data[j]:
            return False
        if aq and data[i] == QUOTE:
            i += 1
        if bq and data[j] == QUOTE:
            j += 1
        i += 1
        j += 1
    return i >= a1 and j >= b1


@njit(cache=True, nogil=True)
def intern(data, starts, ends, quoted, valid):
    """Dense ids in order of first appearance for the fields [starts, ends); -1 where not valid.

    Returns (ids, how many distinct, repeated) with repeated[row] true where the text appeared on
    an earlier valid row. Each slot keeps the hash, length and first 8 bytes of its text: equal
    text, never a hash alone, decides, and ids of up to 8 bytes are compared without going back
    to the file's bytes.
    """
    n = starts.shape[0]
    size = 1
    while size < 2 * n + 2:
        size *= 2
    mask = np.uint64(size - 1)
    slot_hash = np.zeros(size, dtype=np.uint64)
    slot_head = np.zeros(size, dtype=np.uint64)
    slot_length = np.zeros(size, dtype=np.int64)
    slot_row = np.zeros(size, dtype=np.int64)  # row + 1; 0: empty (zeros cost nothing until touched)
    slot_id = np.zeros(size, dtype=np.int64)
    ids = np.full(n, -1, dtype=np.int64)
    repeated = np.zeros(n, dtype=np.bool_)
    count = 0
    for row in range(n):
        if not valid[row]:
            continue
        h, length, head = _key(data, starts[row], ends[row], quoted[row])
        slot = h & mask
        while True:
            other = slot_row[slot] - 1
            if other < 0:
                slot_row[slot] = row + 1
                slot_hash[slot] = h
                slot_head[slot] = head
                slot_length[slot] = length
                slot_id[slot] = count
                ids[row] = count
                count += 1
                break
            if slot_hash[slot] == h and slot_length[slot] == length and slot_head[slot] == head and (
                length <= 8 or _same(data, starts[row], ends[row], quoted[row], starts[other], ends[other], quoted[other])
            ):
                ids[row] = slot_id[slot]
                repeated[row] = True
                break
            slot = (slot + np.uint64(1)) & mask
    return ids, count, repeated


@njit(cache=True)
def _word(data, start, end, vocabulary, offsets, first, last):
    """Index (from `first`) of the vocabulary word among words first..last-1 equal to data[start:end], or -1."""
    length = end - start
    for w in range(first, last):
        lo = offsets[w]
        if offsets[w + 1] - lo != length:
            continue
        same = True
        for k in range(length):
            if data[start + k] != vocabulary[lo + k]:
                same = False
                break
        if same:
            return w - first
    return -1


@njit(cache=True)
def _utf8_ok(data, start, end):
    """Well-formed UTF-8 (no overlong forms, surrogates or code points above U+10FFFF)."""
    k = start
    while k < end:
        b = data[k]
        if b < 0x80:
            k += 1
            continue
        if 0xC2 <= b <= 0xDF:
            need, low, high = 1, 0x80, 0xBF
        elif 0xE0 <= b <= 0xEF:
            need = 2
            low = 0xA0 if b == 0xE0 else 0x80
            high = 0x9F if b == 0xED else 0xBF
        elif 0xF0 <= b <= 0xF4:
            need = 3
            low = 0x90 if b == 0xF0 else 0x80
            high = 0x8F if b == 0xF4 else 0xBF
        else:
            return False
        if k + need >= end + 1 or data[k + 1] < low or data[k + 1] > high:
            return False
        for j in range(2, need + 1):
            if (data[k + j] & 0xC0) != 0x80:
                return False
        k += need + 1
    return True


@njit(cache=True, nogil=True)
def scan(data, start, stop, roles, n_header, words, word_offsets, word_sets, chronic, inpatient,
         chronic_service, village):
    """Parse the rows of data[start:stop] (whole lines). Releases the GIL, so parts of a file scan in parallel.

    Per row: line_start (a blank line's own offset), problems (bits), the claim id's raw field
    [id_start, id_end) and id_quoted, the person id's text [person_start, person_end) and
    person_quoted, day, year, the five codes, total and eligible in fen. Line numbers are left to
    the few rows a message names: counting them here would cost a pass.
    """
    n_max = 1
    for k in range(start, stop):  # rows are at most lines
        n_max += data[k] == NEWLINE
    line_start = np.empty(n_max, dtype=np.int64)
    problems = np.zeros(n_max, dtype=np.int32)
    id_start = np.zeros(n_max, dtype=np.int64)
    id_end = np.zeros(n_max, dtype=np.int64)
    id_quoted = np.zeros(n_max, dtype=np.bool_)
    person_start = np.zeros(n_max, dtype=np.int64)
    person_end = np.zeros(n_max, dtype=np.int64)
    person_quoted = np.zeros(n_max, dtype=np.bool_)
    day = np.zeros(n_max, dtype=np.int64)
    year = np.zeros(n_max, dtype=np.int64)
    service = np.zeros(n_max, dtype=np.int8)
    level = np.zeros(n_max, dtype=np.int8)
    disease = np.zeros(n_max, dtype=np.int16)
    compliant = np.zeros(n_max, dtype=np.bool_)
    category = np.zeros(n_max, dtype=np.int8)
    total = np.zeros(n_max, dtype=np.int64)
    eligible = np.zeros(n_max, dtype=np.int64)
    n = stop
    k = start
    row = 0
    blank_start = 0
    blank_lines = 0
    while k < n:
        # one line
        if data[k] == NEWLINE or (data[k] == RETURN and k + 1 < n and data[k + 1] == NEWLINE):
            if blank_lines == 0:
                blank_start = k
            blank_lines += 1
            k += 1 if data[k] == NEWLINE else 2
            continue
        while blank_lines > 0:  # blank lines followed by more rows: report each
            line_start[row] = blank_start
            problems[row] = BIT_BLANK
            blank_start += 1 if data[blank_start] == NEWLINE else 2
            row += 1
            blank_lines -= 1
        line_start[row] = k
        field = 0
        bits = 0
        while True:
            f0 = k
            quoted = False
            if k < n and data[k] == QUOTE:
                quoted = True
                k += 1
                while True:
                    if k >= n:
                        bits |= BIT_QUOTING
                        break
                    if data[k] == QUOTE:
                        if k + 1 < n and data[k + 1] == QUOTE:
                            k += 2
                            continue
                        k += 1
                        break
                    if data[k] == NEWLINE:
                        bits |= BIT_QUOTING  # newlines inside values are not claims-file text
                        break
                    k += 1
                f1 = k
                if k < n and data[k] != COMMA and data[k] != NEWLINE and data[k] != RETURN:
                    bits |= BIT_QUOTING
                    while k < n and data[k] != COMMA and data[k] != NEWLINE:
                        k += 1
                    f1 = k
            else:
                while k < n:
                    b = data[k]
                    if b > COMMA:  # every byte that can end a field or break quoting is below ','
                        k += 1
                        continue
                    if b == COMMA or b == NEWLINE:
                        break
                    if b == QUOTE:
                        bits |= BIT_QUOTING
                    k += 1
                f1 = k
                if f1 > f0 and data[f1 - 1] == RETURN and (k >= n or data[k] == NEWLINE):
                    f1 -= 1
            role = roles[field] if field < roles.shape[0] else -1
            if role >= 0:
                c0, c1 = f0, f1
                if quoted:
                    c0, c1 = f0 + 1, f1 - 1
                if role == CLAIM_ID or role == PERSON_ID:
                    if c1 <= c0:
                        bits |= 1 << role
                    elif not _utf8_ok(data, c0, c1):
                        bits |= BIT_UTF8 | (1 << role)
                    if role == CLAIM_ID:  # the raw field, quotes and all: written back as read
                        id_start[row], id_end[row], id_quoted[row] = f0, f1, quoted
                    else:
                        person_start[row], person_end[row], person_quoted[row] = c0, c1, quoted
                elif role == DATE:
                    d, y = date_days(data, c0, c1)
                    if y < 0:
                        bits |= 1 << DATE
                    day[row] = d
                    year[row] = y
                elif role == TOTAL or role == ELIGIBLE:
                    fen = money_fen(data, c0, c1)
                    if fen < 0:
                        bits |= 1 << role
                    if role == TOTAL:
                        total[row] = fen
                    else:
                        eligible[row] = fen
                else:
                    slot = role - SERVICE if role <= DISEASE else role - COMPLIANT + 3
                    w = _word(data, c0, c1, words, word_offsets, word_sets[slot], word_sets[slot + 1])
                    if w < 0:
                        bits |= 1 << role
                        w = 0
                    if role == SERVICE:
                        service[row] = w
                    elif role == LEVEL:
                        level[row] = w
                    elif role == DISEASE:
                        disease[row] = w
                    elif role == COMPLIANT:
                        compliant[row] = w == 1
                    else:
                        category[row] = w
            field += 1
            if k < n and data[k] == COMMA:
                k += 1
                continue
            break
        if field != n_header:
            bits |= BIT_COLUMNS
        # cross-field rules, on fields that parsed
        if bits & ((1 << TOTAL) | (1 << ELIGIBLE)) == 0 and eligible[row] > total[row]:
            bits |= BIT_ELIGIBLE_ABOVE_TOTAL
        if bits & ((1 << SERVICE) | (1 << DISEASE)) == 0 and service[row] == chronic_service and not chronic[disease[row]]:
            bits |= BIT_CHRONIC_WITHOUT_CODE
        if bits & ((1 << SERVICE) | (1 << LEVEL)) == 0 and service[row] == inpatient and level[row] == village:
            bits |= BIT_VILLAGE_ADMISSION
        problems[row] = bits
        row += 1
        if k < n and data[k] == NEWLINE:
            k += 1
    return (line_start[:row], problems[:row], id_start[:row], id_end[:row], id_quoted[:row],
            person_start[:row], person_end[:row], person_quoted[:row], day[:row], year[:row], service[:row],
            level[:row], disease[:row], compliant[:row], category[:row], total[:row], eligible[:row])


def split_points(data: np.ndarray, start: int, parts: int) -> list[int]:
    """Offsets that cut data[start:] into about equal runs of whole lines."""
    cuts = [start]
    size = data.shape[0]
    for part in range(1, parts):
        guess = start + (size - start) * part // parts
        newline = np.flatnonzero(data[guess : guess + (1 << 20)] == NEWLINE)
        cut = guess + int(newline[0]) + 1 if newline.size else size
        cuts.append(max(cuts[-1], min(cut, size)))
    cuts.append(size)
    return cuts
