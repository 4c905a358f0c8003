"""Reading a claims file (spec §1) with pyarrow.csv into arrays, rejecting every bad row by line and column (payments: payments_csv.py)."""

from __future__ import annotations

import csv
import mmap
import os
import re
import stat
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import permutations
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from model.codes import (CATEGORY_SET_CODE, CATEGORY_SETS, CHRONIC_CODES, DISEASE_CODE, DISEASES, LEVEL_CODE, LEVELS,
                         SERVICE_CODE, SERVICES)
from model.arrowtext import MAX_MONEY_FEN, arrow_buffers, as_arrow, as_numpy, parse_money
from model.errors import InputError, describe_found
from model.inputfile import any_csv_field_size, check_status, open_error, read_all
from model.rules.claim_arrays import ClaimArrays
from model.rules.payments_csv import csv_fields

COLUMNS = ("claim_id", "person_id", "date", "service", "level", "disease",
           "total_cost", "eligible_cost", "compliant", "category")
CLAIM_ID, PERSON_ID, DATE, SERVICE, LEVEL, DISEASE, TOTAL, ELIGIBLE, COMPLIANT, CATEGORY = range(10)
# A row's problems: one bit per column (spec order), then these.
BIT_COLUMNS, BIT_QUOTING, BIT_UTF8, BIT_ELIGIBLE_ABOVE_TOTAL = 1 << 10, 1 << 12, 1 << 13, 1 << 14
BIT_CHRONIC_WITHOUT_CODE, BIT_VILLAGE_ADMISSION, BIT_DUPLICATE_ID, BIT_CONTROL, BIT_PERSON_YEAR = (1 << b for b in range(15, 20))
MAX_PERSON_YEAR_FEN = 10 * MAX_MONEY_FEN
CONTROL = "[\x00-\x1f\x7f-\x9f]"  # C0, DEL and C1: an id holding one could not be written back on one line, nor shown
MAX_HEADER_BYTES = 1 << 16  # a header longer than this is not a claims file's
MAX_PIPE_BYTES = 4 << 30  # a claims file read from a pipe is held in memory: at most this
MAX_LISTED = 50
# Every way to write each category set (spec §1: order does not matter).
CATEGORY_SPELLINGS = tuple(dict.fromkeys("+".join(order) for members in CATEGORY_SETS for order in permutations(members)))
SPELLING_CODE = np.array([CATEGORY_SET_CODE[frozenset(word.split("+"))] for word in CATEGORY_SPELLINGS], dtype=np.int8)
VOCABULARIES = {SERVICE: SERVICES, LEVEL: LEVELS, DISEASE: DISEASES, COMPLIANT: ("false", "true"), CATEGORY: CATEGORY_SPELLINGS}
IS_CHRONIC = np.isin(np.arange(len(DISEASES)), [DISEASE_CODE[c] for c in CHRONIC_CODES])
PARALLEL_BYTES = 8 << 20  # files smaller than this are read on one thread
BLOCK_BYTES = 8 << 20  # pyarrow.csv reads blocks of this (not its 1 MiB): as fast, with fewer dictionaries to unify
THREADS = min(2, os.cpu_count() or 1)  # threads for adjudicating one file: the stages gain little past two
QUOTE, COMMA, NEWLINE, RETURN = 34, 44, 10, 13
DICTIONARY = pa.dictionary(pa.int32(), pa.string())
BLANK = re.compile(rb"[ \t]*\r?")  # spec §1: a line with nothing, or only spaces and tabs (before a CRLF end)
FIELD = rb'"(?:[^"\n]|"")*"|[^,"\n]*'  # RFC 4180: quoted (quotes doubled inside) or holding no quote; on one line
NOT_UTF8 = re.compile("[\udc80-\udcff]")  # a byte that is not UTF-8, decoded with surrogateescape
LINE = rb"(?:%s)(?:,(?:%s))*\r?" % (FIELD, FIELD)
RFC_LINE, RFC_FIELD = re.compile(LINE), re.compile(rb"(?:^|,)(%s)" % FIELD)


@dataclass
class ClaimsFile:
    """A validated claims file: the arrays the engine settles, and the claim ids as read (CSV text, quotes kept)."""

    path: Path
    claims: ClaimArrays
    data: np.ndarray  # the file's bytes
    ids: pa.Array  # each claim id's field exactly as in the file
    header: list[str]
    body: int  # where the rows start
    _lines: np.ndarray | None = field(default=None, repr=False)  # each row's line: start, end

    def __len__(self) -> int:
        return len(self.claims)

    def claim_id(self, row: int) -> str:
        return self.fields(row)["claim_id"]

    def find(self, claim_id: str) -> int | None:
        """The row of a claim id (matched on its exact CSV text, quoted as needed)."""
        rows = np.flatnonzero(as_numpy(pc.equal(self.ids, csv_fields(as_arrow([claim_id]))[0])))
        return int(rows[0]) if rows.size else None

    def fields(self, row: int) -> dict[str, str]:
        """The row's text fields by column name (for slips and messages)."""
        if self._lines is None:
            self._lines = row_lines(self.data, self.body)
        start, end = self._lines[:, row]
        return dict(zip(self.header, split_line(self.data[start:end].tobytes().decode("utf-8", "replace").rstrip("\r"))))


def split_line(text: str) -> list[str]:
    """A line's fields as CSV reads them, a carriage return inside a field kept as text (the csv
    module would take it for a line end and refuse the line): a private-use character stands in for it."""
    with any_csv_field_size():
        return [value.replace("\ue000", "\r") for value in next(csv.reader([text.replace("\r", "\ue000")]), [])]


def row_lines(data: np.ndarray, body: int) -> np.ndarray:
    """Where each row's line starts and ends: the lines after the header that are not blank (spec §1)."""
    newlines = np.flatnonzero(data[body:] == NEWLINE) + body
    starts, ends = np.r_[body, newlines + 1], np.r_[newlines, data.shape[0]]
    rows = np.flatnonzero(ends > starts)
    if np.isin(data[starts[rows]], (32, 9, RETURN)).any():  # a line starting with any other byte holds text
        holds_text = (data != 32) & (data != 9) & (data != NEWLINE)
        last = ends[rows] - 1
        holds_text[last[data[last] == RETURN]] = False  # a carriage return ending a line
        rows = rows[np.logical_or.reduceat(holds_text, starts[rows])]
    return np.stack([starts[rows], ends[rows]])


def _read_bytes(path: Path) -> mmap.mmap | bytes:
    """The file's bytes, read-only, mapped rather than copied. A pipe is read up to MAX_PIPE_BYTES; a
    device (such as /dev/zero) or a folder is refused."""
    try:
        with path.open("rb") as file:
            status = os.fstat(file.fileno())
            check_status(path, status, "claims file")
            if not stat.S_ISREG(status.st_mode):  # a pipe
                return read_all(file, path, "claims file read from a pipe", MAX_PIPE_BYTES)
            if status.st_size == 0:
                return b""
            try:
                return mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
            except (OSError, ValueError):  # a file system that cannot map
                return file.read()
    except OSError as exc:
        raise open_error(path, exc, "claims file") from None


def _header(path: Path, raw: mmap.mmap | bytes) -> tuple[list[str], int]:
    """The column names and where the rows start. The header is the first line that is not blank."""
    start, line = (3 if raw[:3] == b"\xef\xbb\xbf" else 0), 1
    line_end = lambda start: raw.find(b"\n", start) % (len(raw) + 1)  # noqa: E731 (no newline left: the end)
    while start < len(raw) and BLANK.fullmatch(raw[start : line_end(start)]):  # spec §1: blank
        start, line = line_end(start) + 1, line + 1
    if start >= len(raw):
        raise InputError(f"{path}: expected a header line with the columns {','.join(COLUMNS)}, found no line that is not blank")
    if raw.find(b"\n", start, start + MAX_HEADER_BYTES + 1) < 0 and len(raw) - start > MAX_HEADER_BYTES:
        raise InputError(f"{path}: line {line} (header): expected the columns {','.join(COLUMNS)}, "
                         f"found a line of more than {MAX_HEADER_BYTES:,} bytes")
    try:
        text = raw[start : line_end(start)].decode("utf-8").rstrip("\r")
    except UnicodeDecodeError:
        raise InputError(f"{path}: line {line} (header): expected UTF-8 text, found bytes that are not UTF-8") from None
    header = [name.strip() for name in split_line(text)]
    missing = [name for name in COLUMNS if name not in header]
    if missing:  # spec §1: each missing column gets a message naming it
        raise InputError("\n".join(
            f"{path}: line {line} (header): missing column {name} (expected the columns {','.join(COLUMNS)} in any "
            f"order; found {describe_found(','.join(header), 300)})" for name in missing))
    duplicated = sorted({name for name in header if header.count(name) > 1})
    if duplicated:
        raise InputError(f"{path}: line {line} (header): column {duplicated[0]} appears more than once")
    return header, min(line_end(start) + 1, len(raw))


def _raw_ids(rows: np.ndarray, ids: pa.Array, column: int, width: int) -> pa.Array | None:
    """The claim ids as the file writes them (quotes kept): where the field opens with a quote, quoted again. None
    unless every quote is where RFC 4180 puts it (opening a field, closing one before a comma or line end, or
    doubled inside it) and no quoted field runs over a line break (claims-file fields hold none): only then has
    pyarrow read the fields as the careful reading would."""
    quotes = np.flatnonzero(rows == QUOTE)
    if quotes.size & 1 or (np.bincount(np.searchsorted(np.flatnonzero(rows == NEWLINE), quotes)) & 1).any():
        return None
    opening, closing = quotes[0::2], quotes[1::2]  # each line's quotes pair up, so the file's do too
    if not (((opening == 0) | np.isin(rows[np.maximum(opening - 1, 0)], (COMMA, NEWLINE, QUOTE))).all()
            and ((closing == rows.size - 1) | np.isin(rows[np.minimum(closing + 1, rows.size - 1)], (COMMA, NEWLINE, QUOTE, RETURN))).all()):
        return None
    separators = np.flatnonzero((rows == COMMA) & ~np.logical_xor.accumulate(rows == QUOTE)).reshape(-1, width - 1)
    if column > 0:
        starts = separators[:, column - 1] + 1
    else:  # a row's first field starts after the last newline before its first separator
        newlines = np.r_[-1, np.flatnonzero(rows == NEWLINE)]
        starts = newlines[np.searchsorted(newlines, separators[:, 0]) - 1] + 1
    quote, nothing = as_arrow(['"', ""])
    return pc.if_else(as_arrow(rows[starts] == QUOTE), pc.binary_join_element_wise(quote, pc.replace_substring(ids, '"', '""'), quote, nothing), ids)


def _arrow_columns(raw: mmap.mmap | bytes, body: int, header: list[str]) -> tuple[list[pa.Array], pa.Array] | None:
    """The spec columns (in spec order) read by pyarrow.csv on up to THREADS threads, the code columns as
    dictionaries, and the claim ids as written; None when the file needs the careful reading
    (which names the line and column of each bad row): quoting that is not RFC 4180's or a quoted line break,
    a carriage return that ends no line, a row with the wrong number of fields (a line of spaces, blank to
    spec §1, included), bytes that are not UTF-8."""
    rows = np.frombuffer(raw, dtype=np.uint8)[body:]
    returns = np.flatnonzero(rows[:-1] == RETURN) if raw.find(b"\r", body) >= 0 else np.zeros(0, dtype=np.int64)
    if (rows[returns + 1] != NEWLINE).any():
        return None
    names = [f"f{i}" for i in range(len(header))]
    types = {names[header.index(name)]: DICTIONARY if role in VOCABULARIES else pa.string()
             for role, name in enumerate(COLUMNS)}
    try:
        table = pacsv.read_csv(
            pa.BufferReader(pa.py_buffer(rows)),
            read_options=pacsv.ReadOptions(column_names=names, use_threads=rows.size > PARALLEL_BYTES and THREADS > 1,
                                           block_size=BLOCK_BYTES),
            convert_options=pacsv.ConvertOptions(column_types=types, include_columns=[names[header.index(n)] for n in COLUMNS],
                                                 strings_can_be_null=False))
    except pa.ArrowException:
        return None
    columns = [column.combine_chunks() for column in table.columns]  # a dictionary column's chunks unified
    ids = _raw_ids(rows, columns[CLAIM_ID], header.index("claim_id"), len(header)) if raw.find(b'"', body) >= 0 else columns[CLAIM_ID]
    return None if ids is None else (columns, ids)


def _careful(text: bytes, lines: np.ndarray, header: list[str]):
    """The rows one line at a time (what pyarrow does not say: which line breaks RFC 4180's quoting, which
    id is not UTF-8): problem bits, spec columns, claim ids as written."""
    roles, width = [COLUMNS.index(name) if name in COLUMNS else -1 for name in header], len(header)
    bits, raw_ids, values = [], [], [[] for _ in COLUMNS]
    for start, end in lines.T.tolist():
        line = text[start : end - (text[end - 1 : end] == b"\r")]
        fields = split_line(line.decode("utf-8", "surrogateescape"))  # bytes that are not UTF-8 kept as surrogates
        row_bits = (0 if RFC_LINE.fullmatch(line) else BIT_QUOTING) | (BIT_COLUMNS if len(fields) != width else 0)
        row = [b""] * len(COLUMNS)
        for value, role in zip(fields, roles):
            if role in (CLAIM_ID, PERSON_ID) and NOT_UTF8.search(value):
                row_bits, value = row_bits | BIT_UTF8 | 1 << role, ""
            if role >= 0:
                row[role] = value.encode("utf-8", "surrogateescape")
        for role, value in enumerate(row):
            values[role].append(value)
        quoted = b'"' in line and not row_bits
        raw_ids.append(RFC_FIELD.findall(line)[roles.index(CLAIM_ID)] if quoted else row[CLAIM_ID])
        bits.append(row_bits)
    return np.array(bits, dtype=np.int32), [pa.array(column, pa.binary()) for column in values], pa.array(raw_ids, pa.binary())


def _dates(column: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(days since 1970, year, ok) of dates YYYY-MM-DD that exist (year 1 on)."""
    ok = np.diff(arrow_buffers(column)[0]) == 10
    text = pc.cast(column, pa.string(), safe=False)  # bytes that are not UTF-8 read as no date
    try:  # Arrow reads a column of dates that all exist; where one does not, those read back as written are
        dates = pc.cast(text, pa.date32()) if ok.all() else None
    except pa.ArrowInvalid:
        dates = None
    if dates is None:
        dates = pc.strptime(text, "%Y-%m-%d", "s", error_is_null=True)
        ok &= as_numpy(pc.equal(pc.strftime(dates, "%Y-%m-%d"), text), False)
        dates = pc.cast(dates, pa.date32())
    year = as_numpy(pc.year(dates), 0)
    ok &= year >= 1
    return np.where(ok, as_numpy(dates.view(pa.int32())), 0).astype(np.int64), year, ok


def _codes(column: pa.Array, words: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """(code, ok) of each value: its index among `words` (each distinct value looked up once)."""
    codes = _encoded(column)
    code = as_numpy(pc.index_in(codes.dictionary, value_set=as_arrow(list(words)).cast(codes.dictionary.type)), -1)[as_numpy(codes.indices)]
    return np.maximum(code, 0), code >= 0


def _check(columns: list[pa.Array], pool: ThreadPoolExecutor) -> tuple[np.ndarray, dict]:
    """Every row's problems with the spec columns' values (bits), and the values as codes, days and fen (by
    role; "day", "year"), the columns read on the pool's threads (Arrow and numpy work without the GIL)."""
    dates = pool.submit(_dates, columns[DATE])
    read = {role: pool.submit(parse_money, columns[role]) for role in (TOTAL, ELIGIBLE)}
    read |= {role: pool.submit(_codes, columns[role], words) for role, words in VOCABULARIES.items()}
    day, year, ok = dates.result()
    parsed, bits = {"day": day, "year": year}, np.where(ok, 0, 1 << DATE).astype(np.int32)
    for role, future in read.items():
        parsed[role], ok = future.result()
        bits |= np.where(ok, 0, 1 << role).astype(np.int32)
    total, eligible, service, level, disease = (parsed[role] for role in (TOTAL, ELIGIBLE, SERVICE, LEVEL, DISEASE))
    fine = lambda *roles: (bits & sum(1 << role for role in roles)) == 0  # noqa: E731 (cross-field rules read fields that parsed)
    bits |= np.where(fine(TOTAL, ELIGIBLE) & (eligible > total), BIT_ELIGIBLE_ABOVE_TOTAL, 0).astype(np.int32)
    bits |= np.where(fine(SERVICE, DISEASE) & (service == SERVICE_CODE["chronic_outpatient"]) & ~IS_CHRONIC[disease],
                     BIT_CHRONIC_WITHOUT_CODE, 0).astype(np.int32)
    bits |= np.where(fine(SERVICE, LEVEL) & (service == SERVICE_CODE["inpatient"]) & (level == LEVEL_CODE["village"]),
                     BIT_VILLAGE_ADMISSION, 0).astype(np.int32)
    return bits, parsed


def _encoded(column: pa.Array) -> pa.DictionaryArray:
    return column if isinstance(column, pa.DictionaryArray) else pc.dictionary_encode(column)


def _id_problems(column: pa.Array, role: int) -> np.ndarray:
    """An id column's problems (read by pyarrow, so UTF-8): empty, or holding a control character; a
    dictionary's checked once per id."""
    if isinstance(column, pa.DictionaryArray):
        return _id_problems(column.dictionary, role)[as_numpy(column.indices)]
    offsets, data = arrow_buffers(column)
    bits = np.where(np.diff(offsets) == 0, 1 << role, 0)
    text = data[offsets[0] : offsets[-1]]
    if ((text < 32) | (text == 127) | (text == 0xC2)).any():  # a C0 control or DEL, or the lead byte of a C1 one
        bits |= np.where(as_numpy(pc.match_substring_regex(column, CONTROL)), BIT_CONTROL | 1 << role, 0)
    return bits


def _repeated(ids: pa.Array, ok: np.ndarray) -> np.ndarray:
    """Where an id (among rows where `ok`) appeared on an earlier such row. Ids each after the one before in
    (length, bytes) order, as numbered claim ids usually come, repeat none: no hash table is needed then."""
    repeated, lengths = np.zeros(len(ids), dtype=np.bool_), np.diff(arrow_buffers(ids)[0])
    after = as_numpy(pc.less(ids[:-1], ids[1:]), False)
    if ((lengths[1:] > lengths[:-1]) | (lengths[1:] == lengths[:-1]) & after).all():
        return repeated
    encoded = _encoded(ids)
    if len(encoded.dictionary) == len(ids):
        return repeated
    rows = np.flatnonzero(ok)
    _, first = np.unique(as_numpy(encoded.indices)[rows], return_index=True)
    repeated[rows] = True
    repeated[rows[first]] = False
    return repeated


def _person_years_past(person, year, day, total, ok) -> tuple[np.ndarray, dict[int, int]]:
    """The claims (rows) at which a person-year's total, in processing order, first passes
    MAX_PERSON_YEAR_FEN, and the total each reaches. Only persons near the bound are sorted."""
    flagged = np.zeros(len(total), dtype=np.bool_)
    # float sums only choose whom to sort: well inside their precision of the bound
    heavy = np.bincount(person[ok], weights=total[ok], minlength=int(person.max(initial=0)) + 1) > 0.999 * MAX_PERSON_YEAR_FEN
    rows = np.flatnonzero(ok & heavy[np.maximum(person, 0)])
    if rows.size == 0:
        return flagged, {}
    order = rows[np.lexsort((rows, day[rows], year[rows], person[rows]))]
    p, y, t = person[order], year[order], total[order]
    start = np.r_[True, (p[1:] != p[:-1]) | (y[1:] != y[:-1])]
    running = np.cumsum(t)
    running -= (running - t)[start][np.cumsum(start) - 1]
    past = running > MAX_PERSON_YEAR_FEN
    first = past & (start | ~np.r_[False, past[:-1]])
    flagged[order[first]] = True
    return flagged, dict(zip(order[first][: 4 * MAX_LISTED].tolist(), running[first][: 4 * MAX_LISTED].tolist()))


def read_claims(path: Path | str) -> ClaimsFile:
    """Read and validate a claims CSV; raise InputError listing the bad rows (line, claim_id, column)."""
    path = Path(path)
    raw = _read_bytes(path)
    data = np.frombuffer(raw, dtype=np.uint8)
    header, body = _header(path, raw)
    arrow = _arrow_columns(raw, body, header)
    if arrow is not None:
        problems, (columns, ids) = 0, arrow
    else:
        problems, columns, ids = _careful(raw[:], row_lines(data, body), header)
        columns[CLAIM_ID], columns[PERSON_ID] = (column.cast(pa.string()) for column in columns[:2])  # UTF-8 now
    with ThreadPoolExecutor(THREADS) as pool:
        persons = pool.submit(_encoded, columns[PERSON_ID])  # numbered in order of first appearance
        bits, parsed = _check(columns, pool)
        persons = persons.result()
    problems = problems | bits | _id_problems(columns[CLAIM_ID], CLAIM_ID) | _id_problems(persons, PERSON_ID)
    repeated = _repeated(columns[CLAIM_ID], (problems & (1 << CLAIM_ID)) == 0)
    problems |= np.where(repeated, BIT_DUPLICATE_ID, 0).astype(np.int32)
    person = as_numpy(persons.indices).astype(np.int64)
    past, reached = _person_years_past(person, parsed["year"], parsed["day"], parsed[TOTAL], problems == 0)
    problems |= np.where(past, BIT_PERSON_YEAR, 0).astype(np.int32)
    if problems.any():
        from model.rules.claims_messages import bad_rows_message  # the error path only

        raise InputError(bad_rows_message(path, data, body, header, problems, reached))
    claims = ClaimArrays(
        person=person, day=parsed["day"], service=parsed[SERVICE].astype(np.int8), level=parsed[LEVEL].astype(np.int8),
        disease=parsed[DISEASE].astype(np.int16), compliant=parsed[COMPLIANT] == 1,
        category=SPELLING_CODE[parsed[CATEGORY]], total=parsed[TOTAL], eligible=parsed[ELIGIBLE],
        n_persons=len(persons.dictionary), _year=parsed["year"])
    return ClaimsFile(path, claims, data, ids.cast(pa.string()), header, body)
