"""Reading a claims file (spec §1) with pyarrow.csv into arrays; bad rows named by line, claim id and column."""

from __future__ import annotations

import csv
import mmap
import os
import re
import stat
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property
from itertools import permutations
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from model.arrowtext import MAX_MONEY_FEN, arrow_buffers, as_arrow, as_numpy, parse_money
from model.codes import (CATEGORY_SET_CODE, CATEGORY_SETS, CHRONIC_CODES, DISEASE_CODE, DISEASES, LEVEL_CODE, LEVELS,
                         SERVICE_CODE, SERVICES, category_set_problem)
from model.errors import InputError, describe_found
from model.inputfile import any_csv_field_size, check_status, open_error, read_all
from model.rules.claim_arrays import ClaimArrays
from model.rules.payments_csv import csv_fields, quoted

COLUMNS = ("claim_id", "person_id", "date", "service", "level", "disease",
           "total_cost", "eligible_cost", "compliant", "category")
CLAIM_ID, PERSON_ID, DATE, SERVICE, LEVEL, DISEASE, TOTAL, ELIGIBLE, COMPLIANT, CATEGORY = range(10)
# A row's problems: one bit per column (spec order), then these.
(BIT_COLUMNS, BIT_QUOTING, BIT_UTF8, BIT_CONTROL, BIT_LINE_BREAK, BIT_DUPLICATE_ID, BIT_ELIGIBLE_ABOVE_TOTAL,
 BIT_CHRONIC_WITHOUT_CODE, BIT_VILLAGE_ADMISSION, BIT_PERSON_YEAR) = (1 << b for b in range(10, 20))
MAX_PERSON_YEAR_FEN = 10 * MAX_MONEY_FEN
MAX_HEADER_BYTES = 1 << 16  # a header longer than this is not a claims file's
MAX_PIPE_BYTES = 4 << 30  # a claims file read from a pipe is held in memory: at most this
MAX_RECORD_BYTES = 1 << 20  # a quoted field running over line breaks is read as one record up to this
MAX_LISTED = 50
PARALLEL_BYTES = 8 << 20  # files smaller than this are read on one thread
BLOCK_BYTES = 8 << 20  # pyarrow.csv reads blocks of this (not its 1 MiB): as fast, with fewer dictionaries to unify
THREADS = min(2, os.cpu_count() or 1)  # threads for adjudicating one file: the stages gain little past two
# Every way to write each category set (spec §1: order does not matter).
CATEGORY_SPELLINGS = tuple(dict.fromkeys("+".join(order) for members in CATEGORY_SETS for order in permutations(members)))
SPELLING_CODE = np.array([CATEGORY_SET_CODE[frozenset(word.split("+"))] for word in CATEGORY_SPELLINGS], dtype=np.int8)
VOCABULARIES = {SERVICE: SERVICES, LEVEL: LEVELS, DISEASE: DISEASES, COMPLIANT: ("false", "true"), CATEGORY: CATEGORY_SPELLINGS}
IS_CHRONIC = np.isin(np.arange(len(DISEASES)), [DISEASE_CODE[c] for c in CHRONIC_CODES])
FIRST_DAY = -719162  # 0001-01-01, days from 1970
DICTIONARY = pa.dictionary(pa.int32(), pa.string())
NEWLINE, RETURN = 10, 13
CONTROL = "[\x00-\x1f\x7f-\x9f]"  # C0, DEL and C1: an id holding one could not be written back on one line, nor shown
NOT_UTF8 = re.compile("[\udc80-\udcff]")  # a byte that is not UTF-8, decoded with surrogateescape
BLANK = r"^[ \t]*\r?\n?$"  # spec §1: a line with nothing, or only spaces and tabs (before its end)
BLANK_LINE = re.compile(rb"[ \t]*\r?")  # the same, for one line without its newline
FIELD = r'"(?:[^"]|"")*"|[^,"\n]*'  # RFC 4180: quoted (quotes doubled inside) or holding no quote
RFC_LINE = r"^(?:%s)(?:,(?:%s))*\r?\r?\n?$" % (FIELD, FIELD)  # (one carriage return before the line end is no field's)
MONEY_EXPECTED = (f"yuan as digits with an optional point and 1–2 decimals, at most {MAX_MONEY_FEN // 100:,} "
                  "(no sign, exponent or spaces)")
ONE_LINE = "text on one line (a claims file's fields hold no line break)"
CONTROL_EXPECTED = "without control characters (a line break, carriage return, tab, NUL, ...)"
EXPECTED = {
    "claim_id": "a claim id", "person_id": "a person id", "date": "a date YYYY-MM-DD that exists",
    "service": "outpatient, chronic_outpatient or inpatient", "level": "village, township, county, prefecture or province",
    "disease": "a disease code of spec §5, or nothing", "total_cost": MONEY_EXPECTED, "eligible_cost": MONEY_EXPECTED,
    "compliant": "true or false (lowercase)",
    "category": "ordinary, or one or more of registered_poor, dibao, extreme_poor joined by +",
}
RULES = {  # a row's faults across its fields: the column named, what was expected, what was found
    BIT_DUPLICATE_ID: ("claim_id", "a claim id not used on an earlier line", "{claim_id} again"),
    BIT_ELIGIBLE_ABOVE_TOTAL: ("eligible_cost", "at most total_cost ({total})", "{eligible_cost}"),
    BIT_CHRONIC_WITHOUT_CODE: ("disease", "a chronic code (spec §5) on a chronic_outpatient claim", "{disease}"),
    BIT_VILLAGE_ADMISSION: ("level", "township or above for an inpatient claim (village clinics do not admit)", "{level}"),
    BIT_PERSON_YEAR: ("total_cost", f"one person's claims in one year to total at most {MAX_PERSON_YEAR_FEN // 100:,}.00 yuan",
                      "{reached} with this claim (person_id {person}, {year})"),
}


@dataclass
class ClaimsFile:
    """A validated claims file: the arrays the engine settles, and the claim ids as read (CSV text, quotes kept)."""

    path: Path
    claims: ClaimArrays
    data: np.ndarray  # the file's bytes
    ids: pa.Array  # each claim id's field exactly as in the file
    header: list[str]
    body: int  # where the rows start

    def __len__(self) -> int:
        return len(self.claims)

    @cached_property
    def _rows(self) -> pa.Array:
        return rows_of(self.data, self.body)[0]

    def claim_id(self, row: int) -> str:
        """The claim id of a row, as CSV reads it."""
        return self.fields(row)["claim_id"]

    def find(self, claim_id: str) -> int | None:
        """The row of a claim id (matched on its exact CSV text, quoted as needed)."""
        rows = np.flatnonzero(as_numpy(pc.equal(self.ids, csv_fields(as_arrow([claim_id]))[0])))
        return int(rows[0]) if rows.size else None

    def fields(self, row: int) -> dict[str, str]:
        """The row's text fields by column name (for slips and messages)."""
        return dict(zip(self.header, split_line(_text(self._rows[row].as_py()))))


def split_line(text: str) -> list[str]:
    """A line's fields as CSV reads them, a carriage return kept as text (a private-use character stands in)."""
    with any_csv_field_size():
        return [value.replace("\ue000", "\r") for value in next(csv.reader([text.replace("\r", "\ue000")]), [])]


def _text(line: bytes) -> str:
    """A line as messages show it: its end left out, bytes that are not UTF-8 replaced."""
    return line.removesuffix(b"\n").decode("utf-8", "replace").rstrip("\r")


def rows_of(data: np.ndarray, body: int) -> tuple[pa.Array, np.ndarray]:
    """The rows, lines after the header not blank (spec §1), as Arrow views of the bytes; and each one's line."""
    starts = np.r_[body, np.flatnonzero(data[body:] == NEWLINE) + body + 1]
    lines = pa.Array.from_buffers(pa.large_binary(), len(starts), [None, pa.py_buffer(np.r_[starts, data.size]), pa.py_buffer(data)])
    keep = as_numpy(pc.invert(pc.match_substring_regex(lines, BLANK)))
    return lines.filter(as_arrow(keep)), np.searchsorted(np.flatnonzero(data == NEWLINE), starts[keep]) + 1


def _read_bytes(path: Path) -> mmap.mmap | bytes:
    """The file's bytes, mapped rather than copied; a pipe read up to MAX_PIPE_BYTES; a device or folder refused."""
    try:
        with path.open("rb") as file:
            status = os.fstat(file.fileno())
            check_status(path, status, "claims file")
            if not stat.S_ISREG(status.st_mode):  # a pipe
                return read_all(file, path, "claims file read from a pipe", MAX_PIPE_BYTES)
            try:
                return mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
            except (OSError, ValueError):  # an empty file, or a file system that cannot map
                return file.read()
    except OSError as exc:
        raise open_error(path, exc, "claims file") from None


def _header(path: Path, raw: mmap.mmap | bytes) -> tuple[list[str], int]:
    """The column names (from the first line that is not blank) and where the rows start."""
    start, line = (3 if raw[:3] == b"\xef\xbb\xbf" else 0), 1
    line_end = lambda start: raw.find(b"\n", start) % (len(raw) + 1)  # noqa: E731 (no newline left: the end)
    while start < len(raw) and BLANK_LINE.fullmatch(raw[start : line_end(start)]):  # spec §1: blank
        start, line = line_end(start) + 1, line + 1
    where, expected = f"{path}: line {line} (header)", f"the columns {','.join(COLUMNS)}"
    if start >= len(raw):
        raise InputError(f"{path}: expected a header line with {expected}, found no line that is not blank")
    if raw.find(b"\n", start, start + MAX_HEADER_BYTES + 1) < 0 and len(raw) - start > MAX_HEADER_BYTES:
        raise InputError(f"{where}: expected {expected}, found a line of more than {MAX_HEADER_BYTES:,} bytes")
    try:
        header = [name.strip() for name in split_line(raw[start : line_end(start)].decode("utf-8").rstrip("\r"))]
    except UnicodeDecodeError:
        raise InputError(f"{where}: expected UTF-8 text, found bytes that are not UTF-8") from None
    missing = [name for name in COLUMNS if name not in header]
    if missing:  # spec §1: each missing column gets a message naming it
        raise InputError("\n".join(f"{where}: missing column {name} (expected {expected} in any order; found "
                                   f"{describe_found(','.join(header), 300)})" for name in missing))
    duplicated = sorted({name for name in header if header.count(name) > 1})
    if duplicated:
        raise InputError(f"{where}: column {duplicated[0]} appears more than once")
    return header, min(line_end(start) + 1, len(raw))


def _arrow_columns(raw: mmap.mmap | bytes, data: np.ndarray, body: int, header: list[str]) -> tuple[list[pa.Array], pa.Array] | None:
    """The spec columns read by pyarrow.csv (codes as dictionaries) and the claim ids as written; None where the
    careful reading must judge: a bare carriage return, a row of the wrong width (a line of spaces included),
    bytes not UTF-8, quoting not RFC 4180's or a quoted line break."""
    returns = np.flatnonzero(data[body:-1] == RETURN) + body if raw.find(b"\r", body) >= 0 else np.zeros(0, np.int64)
    if (data[returns + 1] != NEWLINE).any():
        return None
    names = [f"f{i}" for i in range(len(header))]
    types = {names[header.index(name)]: DICTIONARY if role in VOCABULARIES else pa.string() for role, name in enumerate(COLUMNS)}
    try:
        table = pacsv.read_csv(
            pa.BufferReader(pa.py_buffer(data[body:])),
            read_options=pacsv.ReadOptions(column_names=names, use_threads=data.size > PARALLEL_BYTES and THREADS > 1,
                                           block_size=BLOCK_BYTES),
            convert_options=pacsv.ConvertOptions(column_types=types, include_columns=[names[header.index(n)] for n in COLUMNS],
                                                 strings_can_be_null=False))
    except pa.ArrowException:
        return None
    columns = [column.combine_chunks() for column in table.columns]  # a dictionary column's chunks unified
    if raw.find(b'"', body) < 0:
        return columns, columns[CLAIM_ID]
    rows = rows_of(data, body)[0]
    if not pc.all(pc.match_substring_regex(rows, RFC_LINE)).as_py():
        return None
    return columns, _written_ids(rows, columns[CLAIM_ID], header.index("claim_id"))


def _written_ids(rows: pa.Array, ids: pa.Array, column: int) -> pa.Array:
    """The claim ids as the rows write them: quoted again (RFC 4180) where the field opens with a quote."""
    for _ in range(column // 1000):  # RE2 repeats a pattern at most 1,000 times
        rows = pc.replace_substring_regex(rows, r"^(?:(?:%s),){1000}" % FIELD, "")
    column %= 1000
    return pc.if_else(pc.match_substring_regex(rows, r'^(?:(?:%s),){%d}"' % (FIELD, column)), quoted(ids), ids)


def _split(text: bytes) -> list[str] | None:
    """A row's fields (bytes not UTF-8 as surrogates, a carriage return before its end left out); None if unreadable."""
    try:
        return split_line(text.removesuffix(b"\r").decode("utf-8", "surrogateescape"))
    except csv.Error:  # a line break outside quotes, to the csv module's reading
        return None


def _careful(raw: mmap.mmap | bytes, body: int, header: list[str]) -> tuple[np.ndarray, list[pa.Array], pa.Array, np.ndarray]:
    """The rows split one at a time by the csv module, each a line (not blank) or, where a quoted field runs over line
    breaks, the record as CSV reads it if it has the header's width: problem bits, spec columns, rows, lines."""
    places, lines = [header.index(name) for name in COLUMNS], raw[body:].split(b"\n")
    table, bits, rows, numbers, i, first = [], [], [], [], 0, raw[:body].count(b"\n") + 1
    while i < len(lines):
        end, quotes, size = i + 1, lines[i].count(b'"'), len(lines[i])
        while quotes % 2 and end < len(lines) and size <= MAX_RECORD_BYTES:  # a quote left open: CSV reads on
            end, quotes, size = end + 1, quotes + lines[end].count(b'"'), size + 1 + len(lines[end])
        fields = _split(b"\n".join(lines[i:end])) if end > i + 1 and size <= MAX_RECORD_BYTES else None
        if not fields or len(fields) != len(header) or not any("\n" in field or "\r" in field for field in fields):
            end, fields = i + 1, _split(lines[i])
            if BLANK_LINE.fullmatch(lines[i]):  # blank (spec §1)
                i += 1
                continue
        bits.append((BIT_COLUMNS if len(fields) != len(header) else 0) | (BIT_LINE_BREAK if end > i + 1 else 0))
        row = [fields[place] if place < len(fields) else "" for place in places]
        for role in (CLAIM_ID, PERSON_ID):
            if NOT_UTF8.search(row[role]):  # bytes that are not UTF-8, as surrogates
                bits[-1], row[role] = bits[-1] | BIT_UTF8 | 1 << role, ""
        table.append([value.encode("utf-8", "surrogateescape") for value in row])
        rows.append(b"\n".join(lines[i:end]))
        numbers.append(first + i)
        i = end
    rows = pa.array(rows, pa.large_binary())  # (a file over 2 GiB too)
    bits = np.array(bits, np.int64) | np.where(as_numpy(pc.match_substring_regex(rows, RFC_LINE)), 0, BIT_QUOTING)
    return bits, [pa.array(column, pa.binary()) for column in (zip(*table) if table else [[]] * len(COLUMNS))], rows, np.array(numbers)


def _dates(column: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(days since 1970, ok) of dates YYYY-MM-DD that exist (year 1 on)."""
    ok = np.diff(arrow_buffers(column)[0]) == 10
    text = pc.cast(column, pa.string(), safe=False)  # bytes that are not UTF-8 read as no date
    try:  # Arrow reads a column of dates that all exist; where one does not, those read back as written are
        dates = pc.cast(text, pa.date32())
    except pa.ArrowInvalid:
        dates = pc.strptime(text, "%Y-%m-%d", "s", error_is_null=True)
        ok &= as_numpy(pc.equal(pc.strftime(dates, "%Y-%m-%d"), text), False)
        dates = pc.cast(dates, pa.date32())
    days = as_numpy(dates.view(pa.int32())).astype(np.int64)
    ok &= days >= FIRST_DAY
    return np.where(ok, days, 0), ok


def _codes(column: pa.Array, words: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """(code, ok) of each value: its index among `words` (each distinct value looked up once)."""
    codes = column if isinstance(column, pa.DictionaryArray) else pc.dictionary_encode(column)
    code = as_numpy(pc.index_in(codes.dictionary, value_set=as_arrow(list(words)).cast(codes.dictionary.type)), -1)[as_numpy(codes.indices)]
    return np.maximum(code, 0), code >= 0


def _id_problems(column: pa.Array, role: int) -> np.ndarray:
    """An id column's problems: empty, or holding a control character (a dictionary's checked once per id)."""
    if isinstance(column, pa.DictionaryArray):
        return _id_problems(column.dictionary, role)[as_numpy(column.indices)]
    offsets, data = arrow_buffers(column)
    bits = np.where(np.diff(offsets) == 0, 1 << role, 0)
    text = data[offsets[0] : offsets[-1]]
    if ((text < 32) | (text == 127) | (text == 0xC2)).any():  # a C0 control or DEL, or the lead byte of a C1 one
        bits |= np.where(as_numpy(pc.match_substring_regex(column, CONTROL)), BIT_CONTROL | 1 << role, 0)
    return bits


def _repeated(ids: pa.Array, ok: np.ndarray) -> np.ndarray:
    """Where an id (among rows `ok`) appeared on an earlier such row. Ids each after the one before in (length,
    bytes) order, as numbered claim ids usually come, repeat none: no hash table is needed then."""
    repeated, lengths = np.zeros(len(ids), dtype=np.bool_), np.diff(arrow_buffers(ids)[0])
    if ((lengths[1:] > lengths[:-1]) | (lengths[1:] == lengths[:-1]) & as_numpy(pc.less(ids[:-1], ids[1:]), False)).all():
        return repeated
    index = as_numpy(pc.dictionary_encode(ids.filter(as_arrow(ok))).indices)  # numbered in order of first appearance
    repeated[ok] = index <= np.maximum.accumulate(np.r_[-1, index[:-1]])
    return repeated


def _person_years_past(claims: ClaimArrays, ok: np.ndarray) -> tuple[np.ndarray, dict[int, int]]:
    """Where a person-year's total (rows `ok`, in processing order) first passes the bound, and the total reached."""
    person, year, day, total = claims.person, claims.year, claims.day, claims.total
    # float sums only choose whom to sort: well inside their precision of the bound
    heavy = np.bincount(person[ok], weights=total[ok], minlength=claims.n_persons) > 0.999 * MAX_PERSON_YEAR_FEN
    order = np.flatnonzero(ok & heavy[person])
    order = order[np.lexsort((order, day[order], year[order], person[order]))]
    start = (np.diff(person[order], prepend=-1) != 0) | (np.diff(year[order], prepend=-1) != 0)
    running = np.cumsum(total[order])
    running -= (running - total[order])[start][np.cumsum(start) - 1]
    past = running > MAX_PERSON_YEAR_FEN
    first = past & (start | ~np.r_[False, past[:-1]])
    flagged = np.zeros(len(total), dtype=np.bool_)
    flagged[order[first]] = True
    return flagged, dict(zip(order[first][: 4 * MAX_LISTED].tolist(), running[first][: 4 * MAX_LISTED].tolist()))


def _checked(columns: list[pa.Array], problems: np.ndarray | int, pool: ThreadPoolExecutor) -> tuple[ClaimArrays, np.ndarray, dict]:
    """The claims, every row's problems and the person-year totals past the bound, read on the pool's threads."""
    read = {DATE: pool.submit(_dates, columns[DATE])} | {role: pool.submit(parse_money, columns[role]) for role in (TOTAL, ELIGIBLE)}
    read |= {role: pool.submit(_codes, columns[role], words) for role, words in VOCABULARIES.items()}
    persons = pool.submit(pc.dictionary_encode, columns[PERSON_ID])  # numbered in order of first appearance
    problems, parsed = problems | _id_problems(columns[CLAIM_ID], CLAIM_ID), {}
    for role, future in read.items():
        parsed[role], ok = future.result()
        problems = problems | np.where(ok, 0, 1 << role)
    persons = persons.result()
    problems |= _id_problems(persons, PERSON_ID)
    claims = ClaimArrays(
        person=as_numpy(persons.indices).astype(np.int64), day=parsed[DATE], service=parsed[SERVICE].astype(np.int8),
        level=parsed[LEVEL].astype(np.int8), disease=parsed[DISEASE].astype(np.int16), compliant=parsed[COMPLIANT] == 1,
        category=SPELLING_CODE[parsed[CATEGORY]], total=parsed[TOTAL], eligible=parsed[ELIGIBLE], n_persons=len(persons.dictionary))
    fine = lambda *roles: (problems & sum(1 << role for role in roles)) == 0  # noqa: E731 (cross-field rules read fields that parsed)
    problems |= np.where(fine(TOTAL, ELIGIBLE) & (claims.eligible > claims.total), BIT_ELIGIBLE_ABOVE_TOTAL, 0)
    problems |= np.where(fine(SERVICE, DISEASE) & (claims.service == SERVICE_CODE["chronic_outpatient"]) & ~IS_CHRONIC[claims.disease],
                         BIT_CHRONIC_WITHOUT_CODE, 0)
    problems |= np.where(fine(SERVICE, LEVEL) & (claims.service == SERVICE_CODE["inpatient"]) & (claims.level == LEVEL_CODE["village"]),
                         BIT_VILLAGE_ADMISSION, 0)
    problems |= np.where(_repeated(columns[CLAIM_ID], fine(CLAIM_ID)), BIT_DUPLICATE_ID, 0)
    past, reached = _person_years_past(claims, problems == 0)
    return claims, problems | np.where(past, BIT_PERSON_YEAR, 0), reached


def read_claims(path: Path | str) -> ClaimsFile:
    """Read and validate a claims CSV; raise InputError listing the bad rows (line, claim_id, column)."""
    path = Path(path)
    raw = _read_bytes(path)
    data = np.frombuffer(raw, dtype=np.uint8)
    header, body = _header(path, raw)
    problems, rows, (columns, ids) = 0, None, _arrow_columns(raw, data, body, header) or (None, None)
    if columns is None:
        problems, columns, rows, numbers = _careful(raw, body, header)
        columns[:2] = (column.cast(pa.string()) for column in columns[:2])  # UTF-8 now
        ids = _written_ids(rows, columns[CLAIM_ID], header.index("claim_id"))
    with ThreadPoolExecutor(THREADS) as pool:
        claims, problems, reached = _checked(columns, problems, pool)
    if problems.any():
        rows, numbers = rows_of(data, body) if rows is None else (rows, numbers)
        raise InputError(bad_rows_message(path, rows, numbers, header, problems, reached))
    return ClaimsFile(path, claims, data, ids.cast(pa.string()), header, body)


def value_shown(text: str, limit: int = 60) -> str:
    """A field as a message shows it: quoted, control characters escaped, shortened if long."""
    return describe_found(text, limit) if text != "" else "nothing"


def _id_shown(text: str) -> str:
    """An id as it reads in '(claim_id c1)': as is when short and printable, else quoted and shortened."""
    return text if len(text) <= 40 and text.isprintable() and text.strip() == text else describe_found(text, 40)


def _row_messages(where: str, bits: int, fields: dict[str, str], found: int, reached: int) -> list[str]:
    """A bad row's messages: each fault named by column, with what was expected and what was found."""
    if bits & BIT_COLUMNS:
        return [f"{where}: expected {len(fields)} comma-separated columns, found {found}"]
    messages = [f"{where}: expected fields quoted as CSV does (a quote only around a whole field, doubled inside it)"] * bool(bits & BIT_QUOTING)
    for role, name in enumerate(COLUMNS):
        expected, value = EXPECTED[name], fields[name]
        if not bits & 1 << role:
            continue
        found = value_shown(value)
        if role in (CLAIM_ID, PERSON_ID) and bits & (BIT_UTF8 | BIT_CONTROL):
            expected, found = ("UTF-8 text", "bytes that are not UTF-8") if bits & BIT_UTF8 else (f"{expected} {CONTROL_EXPECTED}", found)
        elif role == CATEGORY and "+" in value and len(value) <= 200 and (problem := category_set_problem(value)):
            found += f" ({problem})"  # why a set is refused; a single word speaks for itself
        messages.append(f"{where}, column {name}: expected {expected}, found {found}")
    messages += [f"{where}, column {name}: expected {ONE_LINE}, found {value_shown(value)}"
                 for name, value in fields.items() if bits & BIT_LINE_BREAK and name not in COLUMNS and ("\n" in value or "\r" in value)]
    shown = {name: value_shown(fields[name]) for name in COLUMNS} | {
        "total": _id_shown(fields["total_cost"]), "person": _id_shown(fields["person_id"]), "year": fields["date"][:4],
        "reached": f"{reached // 100:,}.{reached % 100:02d}"}
    return messages + [f"{where}, column {name}: expected {expected.format(**shown)}, found {found.format(**shown)}"
                       for bit, (name, expected, found) in RULES.items() if bits & bit]


def bad_rows_message(path: Path, rows: pa.Array, numbers: np.ndarray, header: list[str], problems: np.ndarray,
                     reached: dict[int, int]) -> str:
    """The message for a file with bad rows: each named by line, claim id and column (up to MAX_LISTED messages)."""
    bad, messages = np.flatnonzero(problems), []
    for listed, row in enumerate(bad[: 4 * MAX_LISTED].tolist(), start=1):
        values = split_line(_text(rows[row].as_py()))
        fields = {name: (values[i] if i < len(values) else "") for i, name in enumerate(header)}
        named = fields["claim_id"] and not problems[row] & BIT_LINE_BREAK  # a record over lines: named by its line alone
        where = f"{path}: line {numbers[row]}" + (f" (claim_id {_id_shown(fields['claim_id'])})" if named else "")
        messages += _row_messages(where, int(problems[row]), fields, len(values), reached.get(row, 0))
        if len(messages) >= MAX_LISTED:
            break
    more = f"\n... and {bad.size - listed} more bad rows" if bad.size > listed else ""
    return f"{path}: {bad.size} bad row{'s' if bad.size != 1 else ''}; nothing was written\n" + "\n".join(messages) + more
