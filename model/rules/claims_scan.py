"""One compiled pass over a claims file's bytes: split CSV fields, check and convert each spec §1 column.

Every row comes out as codes and fen, or with a bit set for each column that broke a rule; the
caller turns bits into messages by re-reading only the bad lines. An unquoted date, amount or
code is parsed as it is split (8 bytes at a time where it can be); anything else takes the general
path, which splits first and then checks. Persons are numbered with a hash table; claim ids are
checked for duplicates by their order, or else by sorting their hashes.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from model.rules.textscan import MAX_INTEGER_DIGITS, date_days, money_fen

# Roles of the spec columns, in spec order; -1 marks a column the spec does not name.
CLAIM_ID, PERSON_ID, DATE, SERVICE, LEVEL, DISEASE, TOTAL, ELIGIBLE, COMPLIANT, CATEGORY = range(10)
# Row problem bits beyond one bit per role.
BIT_COLUMNS = 1 << 10  # wrong number of fields
BIT_QUOTING = 1 << 12  # a quote where it cannot be, or an unclosed quote
BIT_UTF8 = 1 << 13  # an id that is not UTF-8
BIT_ELIGIBLE_ABOVE_TOTAL = 1 << 14
BIT_CHRONIC_WITHOUT_CODE = 1 << 15
BIT_VILLAGE_ADMISSION = 1 << 16
BIT_DUPLICATE_ID = 1 << 17

QUOTE, COMMA, NEWLINE, RETURN, SPACE, TAB = 34, 44, 10, 13, 32, 9
MIX = np.uint64(0x9E3779B97F4A7C15)


@njit(cache=True)
def _load8(data, at):
    """Bytes data[at:at+8] as one little-endian word (one load: unsigned indices need no wraparound)."""
    u = np.uint64(at)
    word = np.uint64(0)
    for j in range(8):
        word |= np.uint64(data[u + np.uint64(j)]) << np.uint64(8 * j)
    return word


@njit(cache=True)
def _mix(h, word):
    """Fold one 8-byte word into a hash (multiply, then fold the high half down for the table's low bits)."""
    h = (h ^ word) * MIX
    return h ^ (h >> np.uint64(29))


@njit(cache=True)
def _key(data, start, end, quoted):
    """(hash, length, first 8 bytes packed) of a field's text, quotes unescaped: eight bytes at a time."""
    h = np.uint64(0)
    if not quoted and end + 8 <= data.shape[0]:
        length = end - start
        k = start
        head = np.uint64(0)
        while True:
            word = _load8(data, k)
            left = end - k
            if left < 8:
                word &= (np.uint64(1) << np.uint64(8 * left)) - np.uint64(1)
            if k == start:
                head = word
            h = _mix(h, word)
            k += 8
            if k >= end:
                break
        return _mix(h, np.uint64(length)), length, head
    # quoted (or at the very end of the file): the same words, built a byte at a time
    length = 0
    head = np.uint64(0)
    word = np.uint64(0)
    k = start
    while k < end:
        b = data[k]
        if quoted and b == QUOTE:
            k += 1  # "" stands for one quote
        word |= np.uint64(b) << np.uint64(8 * (length % 8))
        length += 1
        if length % 8 == 0:
            if length == 8:
                head = word
            h = _mix(h, word)
            word = np.uint64(0)
        k += 1
    if length % 8 != 0 or length == 0:
        if length < 8:
            head = word
        h = _mix(h, word)
    return _mix(h, np.uint64(length)), length, head


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


TABLE_START = 1 << 12  # slots of a new id table; it doubles whenever half full
LOW32 = np.uint64(0xFFFFFFFF)
TAG_BITS = np.uint64(0xFFFFFF0000000000)  # the hash bits a slot keeps beside the length and the id


@njit(cache=True, nogil=True)
def field_keys(data, starts, ends, quoted, hashes, heads, lengths):
    """Each field's key for `intern` into the arrays given: (hash, first 8 bytes packed, length) of its text."""
    for row in range(starts.shape[0]):
        hashes[row], lengths[row], heads[row] = _key(data, starts[row], ends[row], quoted[row])


@njit(cache=True)
def _rehashed(table, key_row, hashes):
    """The table's entries placed in a table twice its size."""
    size = table.shape[0]  # slots × 2 words
    mask = np.uint64(size - 1)
    bigger = np.zeros(2 * size, dtype=np.uint64)
    for slot in range(size // 2):
        entry = table[2 * slot]
        if entry != 0:
            place = hashes[key_row[np.int64(entry & LOW32) - 1]] & mask
            while bigger[2 * place] != 0:
                place = (place + np.uint64(1)) & mask
            bigger[2 * place] = entry
            bigger[2 * place + 1] = table[2 * slot + 1]
    return bigger


@njit(cache=True, nogil=True)
def intern(data, starts, ends, quoted, valid, hashes, heads, lengths, table, ids, repeated):
    """Dense ids in order of first appearance for the fields [starts, ends) into `ids` (-1 where not
    valid), and repeated[row] (which comes zeroed) set where the text appeared on an earlier valid
    row; returns how many distinct texts. Use `intern_fields`, which allocates.

    Takes each field's key from `field_keys` (the scan makes the persons' as it reads them).
    `table` (zeros, two words a slot, a power of two slots) is where the table starts; it doubles
    when half full, so for a file's persons it stays small enough for the caches (claim ids, all
    distinct, are checked by `repeated_fields` instead). A slot holds
    hash bits, length and id, then the first 8 bytes. Equal text, never a hash alone, decides:
    texts of up to 8 bytes match on the slot alone, longer ones are compared with the text that made
    the slot. At most 2**32 - 2 distinct texts.
    """
    n = starts.shape[0]
    mask = np.uint64(table.shape[0] // 2 - 1)
    key_row = np.empty(table.shape[0] // 4 + 1, dtype=np.int64)  # by id: the row that made it
    count = 0
    for row in range(n):
        if not valid[row]:
            ids[row] = -1
            continue
        h = hashes[row]
        head = heads[row]
        length = lengths[row]
        meta = (h & TAG_BITS) | (np.uint64(min(length, 255)) << np.uint64(32))
        slot = h & mask
        while True:
            entry = table[2 * slot]
            if entry == 0:
                if count == key_row.shape[0]:
                    bigger = np.empty(2 * count, dtype=np.int64)
                    bigger[:count] = key_row
                    key_row = bigger
                key_row[count] = row
                table[2 * slot] = meta | np.uint64(count + 1)
                table[2 * slot + 1] = head
                ids[row] = count
                count += 1
                if 4 * count > table.shape[0]:  # half the slots full
                    table = _rehashed(table, key_row, hashes)
                    mask = np.uint64(table.shape[0] // 2 - 1)
                break
            if entry & ~LOW32 == meta and table[2 * slot + 1] == head:
                other = np.int64(entry & LOW32) - 1
                first = key_row[other]
                if length <= 8 or (
                    lengths[first] == length
                    and _same(data, starts[row], ends[row], quoted[row], starts[first], ends[first], quoted[first])
                ):
                    ids[row] = other
                    repeated[row] = True
                    break
            slot = (slot + np.uint64(1)) & mask
    return count


def intern_fields(data, starts, ends, quoted, valid, keys=None):
    """`intern` with its arrays made here by numpy (which asks for large pages): (ids, count, repeated).
    `keys` are the fields' keys if already made."""
    n = len(starts)
    if keys is None:
        keys = (np.empty(n, dtype=np.uint64), np.empty(n, dtype=np.uint64), np.empty(n, dtype=np.int64))
        field_keys(data, starts, ends, quoted, *keys)
    ids = np.empty(n, dtype=np.int64)
    repeated = np.zeros(n, dtype=np.bool_)
    count = intern(data, starts, ends, quoted, valid, *keys, np.zeros(2 * TABLE_START, dtype=np.uint64), ids, repeated)
    return ids, count, repeated


@njit(cache=True, nogil=True)
def in_increasing_order(data, starts, ends, quoted, valid):
    """True when the valid fields are unquoted and each is after the one before in (length, bytes)
    order, as numbered claim ids usually come: then no two are equal, and no table is needed."""
    previous = -1
    for row in range(starts.shape[0]):
        if not valid[row]:
            continue
        if quoted[row]:
            return False
        if previous >= 0:
            a, b = starts[previous], starts[row]
            length = ends[previous] - a
            if ends[row] - b < length:
                return False
            if ends[row] - b == length:
                k = 0
                while k < length and data[a + k] == data[b + k]:
                    k += 1
                if k == length or data[b + k] < data[a + k]:
                    return False
        previous = row
    return True


@njit(cache=True, nogil=True)
def _mark_repeats(data, starts, ends, quoted, hashes, heads, lengths, tagged, same_tag_as_next, repeated):
    """For runs of `tagged` (hash tag << 32 | row, sorted) whose tags are equal: mark each row whose
    text equals that of an earlier row of the run (rows come in file order within a run)."""
    k = 0
    while k < same_tag_as_next.shape[0]:
        first = same_tag_as_next[k]
        last = first + 1
        k += 1
        while k < same_tag_as_next.shape[0] and same_tag_as_next[k] == last:
            last += 1
            k += 1
        for j in range(first + 1, last + 1):
            b = np.int64(tagged[j] & LOW32)
            for i in range(first, j):
                a = np.int64(tagged[i] & LOW32)
                if (hashes[a] == hashes[b] and lengths[a] == lengths[b] and heads[a] == heads[b]
                        and _same(data, starts[a], ends[a], quoted[a], starts[b], ends[b], quoted[b])):
                    repeated[b] = True
                    break


def repeated_fields(data, starts, ends, quoted, valid) -> np.ndarray:
    """Where a valid field's text appeared on an earlier valid row, for fields expected all distinct
    (claim ids): checked by their order when they increase, else by sorting their hashes (one sort
    of 8-byte words beats a table too big for the caches) and comparing texts only where hashes meet."""
    n = len(starts)
    repeated = np.zeros(n, dtype=np.bool_)
    if n == 0 or in_increasing_order(data, starts, ends, quoted, valid):
        return repeated
    keys = (np.empty(n, dtype=np.uint64), np.empty(n, dtype=np.uint64), np.empty(n, dtype=np.int64))
    field_keys(data, starts, ends, quoted, *keys)
    rows = np.flatnonzero(valid).astype(np.uint64)
    tagged = (keys[0][rows] & ~LOW32) | rows  # rows < 2**32
    tagged.sort()
    tags = tagged >> np.uint64(32)
    same_tag_as_next = np.flatnonzero(tags[1:] == tags[:-1])
    if same_tag_as_next.size:
        _mark_repeats(data, starts, ends, quoted, *keys, tagged, same_tag_as_next, repeated)
    return repeated


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


@njit(cache=True)
def _field_end(data, at, n):
    """Where the scan stands after a field whose text ends at `at` (on the comma, the newline or the
    end), or -1 when `at` does not end a field. A carriage return before a newline ends a field too."""
    if at >= n:
        return n
    b = data[at]
    if b == COMMA or b == NEWLINE:
        return at
    if b == RETURN and (at + 1 >= n or data[at + 1] == NEWLINE):
        return at + 1
    return -1


@njit(cache=True)
def blank_line_end(data, at, n):
    """Where the next line starts when the line at `at` is blank (nothing, or only spaces and tabs,
    before its line end), else -1."""
    k = at
    while k < n and (data[k] == SPACE or data[k] == TAB):
        k += 1
    if k >= n:
        return n
    if data[k] == NEWLINE:
        return k + 1
    if data[k] == RETURN and (k + 1 >= n or data[k + 1] == NEWLINE):
        return min(k + 2, n)
    return -1


@njit(cache=True)
def _money_prefix(data, start, n):
    """(fen, end) of yuan written as spec §1 has it at data[start:end], or (-1, _) when it is not."""
    whole = 0
    k = start
    while k < n and 48 <= data[k] <= 57:
        if k - start == MAX_INTEGER_DIGITS:
            return -1, k
        whole = whole * 10 + (data[k] - 48)
        k += 1
    if k == start:
        return -1, k
    cents = 0
    if k < n and data[k] == 46:
        k += 1
        if k >= n or data[k] < 48 or data[k] > 57:
            return -1, k
        cents = (data[k] - 48) * 10
        k += 1
        if k < n and 48 <= data[k] <= 57:
            cents += data[k] - 48
            k += 1
    return whole * 100 + cents, k


@njit(cache=True)
def _word_prefix(data, start, n, offsets, first, first_start, slot, first_words, empty, packed, masks):
    """(index from `first`, where the scan stands after it) of the vocabulary word that is the whole
    field at data[start:], among the set's words beginning with its first byte; (-1, -1) when none is.
    Words are compared 8 bytes at a time: `packed` holds each word's bytes in three words, `masks`
    which of their bytes count."""
    if empty >= 0:
        after = _field_end(data, start, n)
        if after >= 0:
            return empty, after
    if start + 24 > data.shape[0]:  # the file's last bytes: left to the general path
        return -1, -1
    lead = data[start]
    a, b, c = _load8(data, start), _load8(data, start + 8), _load8(data, start + 16)
    for candidate in range(first_start[slot, lead], first_start[slot, lead + 1]):
        w = first_words[candidate]
        if (((a ^ packed[w, 0]) & masks[w, 0]) | ((b ^ packed[w, 1]) & masks[w, 1])
                | ((c ^ packed[w, 2]) & masks[w, 2])) == 0:
            after = _field_end(data, start + offsets[w + 1] - offsets[w], n)
            if after >= 0:
                return w - first, after
    return -1, -1


@njit(cache=True)
def _vocabulary(role):
    """Which vocabulary (claims_csv._VOCABULARIES) a code column's role reads."""
    return role - SERVICE if role <= DISEASE else role - COMPLIANT + 3


@njit(cache=True)
def _store_money(role, row, fen, total, eligible):
    if role == TOTAL:
        total[row] = fen
    else:
        eligible[row] = fen


@njit(cache=True)
def _store_word(role, row, w, service, level, disease, compliant, category):
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


# No reference counting: a compiled call with array arguments would otherwise count references to
# them around every call, atomically, and this loop makes several calls a field.
@njit(cache=True, nogil=True, _nrt=False)
def _scan_rows(data, start, stop, final, first_row, roles, n_header, words, word_offsets, word_sets, first_start,
               first_words, empty_word, word_packed, word_masks, chronic, inpatient, chronic_service, village, line_start, problems, id_start,
               id_end, id_quoted, person_start, person_end, person_quoted, person_hash, person_head, person_length, day,
               year, service, level, disease, compliant, category, total, eligible):
    """The rows of data[start:stop] into the arrays given from `first_row` on (see `scan_into`); returns the
    row after the last. Blank lines are skipped (spec §1); `final` is True for the part that ends the file."""
    n = stop
    k = start
    row = first_row
    while k < n:
        # one line; a blank one (nothing, or only spaces and tabs: spec §1) is no row
        blank_end = blank_line_end(data, k, n)
        if blank_end >= 0:
            k = blank_end
            continue
        line_start[row] = k
        field = 0
        bits = 0
        while True:
            f0 = k
            quoted = False
            high = 0  # the bytes of an unquoted field OR-ed: 0x80 set only if it holds non-ASCII bytes
            role = roles[field] if field < roles.shape[0] else -1
            if role >= DATE and k < n and data[k] != QUOTE:
                # an unquoted field that is its column's value is read once, parsed as it is split
                after = -1
                if role == DATE:
                    d, y = date_days(data, k, min(k + 10, n))
                    if y >= 0:
                        after = _field_end(data, k + 10, n)
                        day[row] = d
                        year[row] = y
                elif role == TOTAL or role == ELIGIBLE:
                    fen, end = _money_prefix(data, k, n)
                    if fen >= 0:
                        after = _field_end(data, end, n)
                        _store_money(role, row, fen, total, eligible)
                else:
                    slot = _vocabulary(role)
                    w, after = _word_prefix(data, k, n, word_offsets, word_sets[slot], first_start, slot, first_words,
                                            empty_word[slot], word_packed, word_masks)
                    if w >= 0:
                        _store_word(role, row, w, service, level, disease, compliant, category)
                if after >= 0:
                    k = after
                    field += 1
                    if k < n and data[k] == COMMA:
                        k += 1
                        continue
                    break
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
                if k < n and data[k] == RETURN and (k + 1 >= n or data[k + 1] == NEWLINE):
                    k += 1  # a CRLF line end after a closing quote
                elif k < n and data[k] != COMMA and data[k] != NEWLINE:
                    bits |= BIT_QUOTING
                    while k < n and data[k] != COMMA and data[k] != NEWLINE:
                        k += 1
                    f1 = k
            else:
                while k < n:
                    b = data[k]
                    if b > COMMA:  # every byte that can end a field or break quoting is below ','
                        high |= b
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
            if role >= 0:
                c0, c1 = f0, f1
                if quoted:
                    c0, c1 = f0 + 1, f1 - 1
                if role == CLAIM_ID or role == PERSON_ID:
                    if c1 <= c0:
                        bits |= 1 << role
                    elif (quoted or high >= 0x80) and not _utf8_ok(data, c0, c1):
                        bits |= BIT_UTF8 | (1 << role)
                    if role == CLAIM_ID:  # the raw field, quotes and all: written back as read
                        id_start[row], id_end[row], id_quoted[row] = f0, f1, quoted
                    else:
                        person_start[row], person_end[row], person_quoted[row] = c0, c1, quoted
                        person_hash[row], person_length[row], person_head[row] = _key(data, c0, c1, quoted)
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
                    _store_money(role, row, fen, total, eligible)
                else:
                    slot = _vocabulary(role)
                    w = _word(data, c0, c1, words, word_offsets, word_sets[slot], word_sets[slot + 1])
                    if w < 0:
                        bits |= 1 << role
                        w = 0
                    _store_word(role, row, w, service, level, disease, compliant, category)
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
    return row


# The columns `scan_into` fills, one row per line of the file.
ROW_COLUMNS = (
    ("line_start", np.int64), ("problems", np.int32), ("id_start", np.int64), ("id_end", np.int64),
    ("id_quoted", np.bool_), ("person_start", np.int64), ("person_end", np.int64), ("person_quoted", np.bool_),
    ("person_hash", np.uint64), ("person_head", np.uint64), ("person_length", np.int64), ("day", np.int64),
    ("year", np.int64), ("service", np.int8), ("level", np.int8), ("disease", np.int16), ("compliant", np.bool_),
    ("category", np.int8), ("total", np.int64), ("eligible", np.int64),
)


NEWLINES = np.uint64(0x0A0A0A0A0A0A0A0A)
LOW7 = np.uint64(0x7F7F7F7F7F7F7F7F)
BYTE_ONES = np.uint64(0x0101010101010101)


@njit(cache=True, nogil=True)
def count_lines(data, start, stop):
    """Newlines in data[start:stop]: a part of the file has at most one row more than that.
    Eight bytes at a time: a newline byte becomes a zero byte, whose top bit is then set exactly."""
    count = 0
    k = start
    while k < stop and k % 8 != 0:
        count += data[k] == NEWLINE
        k += 1
    words_end = k + (stop - k) // 8 * 8
    if words_end > k:
        in_words = np.uint64(0)
        for word in data[k:words_end].view(np.uint64):
            x = word ^ NEWLINES
            zero_tops = ~(((x & LOW7) + LOW7) | x | LOW7)
            in_words += ((zero_tops >> np.uint64(7)) * BYTE_ONES) >> np.uint64(56)
        count += np.int64(in_words)
        k = words_end
    while k < stop:
        count += data[k] == NEWLINE
        k += 1
    return count


def new_rows(n: int) -> tuple[np.ndarray, ...]:
    """Empty columns (ROW_COLUMNS) for n rows. Zeroed lazily by the system: a page costs only when written."""
    return tuple(np.zeros(n, dtype=dtype) for _, dtype in ROW_COLUMNS)


@njit(cache=True, nogil=True)
def scan_into(data, start, stop, final, first_row, roles, n_header, words, word_offsets, word_sets, first_start,
              first_words, empty_word, word_packed, word_masks, chronic, inpatient, chronic_service, village, rows):
    """Parse the lines of data[start:stop] (whole lines) into `rows` (from `new_rows`), from `first_row` on;
    returns the row after the last. Releases the GIL, so parts of a file scan side by side into one set of
    columns.

    Per row (ROW_COLUMNS): line_start, problems (bits), the claim id's raw field
    [id_start, id_end) and id_quoted, the person id's text [person_start, person_end), person_quoted and its
    key for `intern` (hash, head, length), day, year, the five codes, total and eligible in fen. Line numbers
    are left to the few rows a message names: counting them here would cost a pass.
    """
    return _scan_rows(data, start, stop, final, first_row, roles, n_header, words, word_offsets, word_sets,
                      first_start, first_words, empty_word, word_packed, word_masks, chronic, inpatient, chronic_service,
                      village, *rows)


def split_points(data: np.ndarray, start: int, parts: int) -> list[int]:
    """Offsets that cut data[start:] into about equal runs of whole lines, each cut just before a line
    that is not blank."""
    cuts = [start]
    size = data.shape[0]
    for part in range(1, parts):
        guess = start + (size - start) * part // parts
        window = data[guess : guess + (1 << 20) + 1]
        after_newline = np.flatnonzero((window[:-1] == NEWLINE) & (window[1:] != NEWLINE) & (window[1:] != RETURN))
        cut = guess + int(after_newline[0]) + 1 if after_newline.size else size
        cuts.append(max(cuts[-1], min(cut, size)))
    cuts.append(size)
    return cuts
