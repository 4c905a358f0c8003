"""Reading a claims file (spec §1) into arrays, rejecting every bad row by line and column; writing payments (§2)."""

from __future__ import annotations

import csv
import mmap
import os
import stat
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import chain, pairwise, permutations
from pathlib import Path

import numpy as np

from model import atomic
from model.codes import (
    CATEGORY_SET_CODE,
    CATEGORY_SETS,
    CHRONIC_CODES,
    category_set_problem,
    DISEASE_CODE,
    DISEASES,
    LEVEL_CODE,
    LEVELS,
    OUTPUT_COLUMNS,
    SPEC_COLUMNS,
    SERVICE_CODE,
    SERVICES,
)
from model.errors import InputError, describe_found
from model.inputfile import any_csv_field_size, check_status, open_error, read_all
from model.rules import claims_scan as scan
from model.rules.claims import ClaimArrays
from model.rules.textscan import MAX_MONEY_FEN, format_rows

COLUMNS = (
    "claim_id", "person_id", "date", "service", "level", "disease",
    "total_cost", "eligible_cost", "compliant", "category",
)
MONEY_EXPECTED = (f"yuan as digits with an optional point and 1–2 decimals, at most {MAX_MONEY_FEN // 100:,} "
                  "(no sign, exponent or spaces)")
# A person's claims in one year may total at most this: with MAX_MONEY_FEN a claim, no product of a
# rate (millionths) and an amount the kernel forms (cumulative tiered and ceiling bases included)
# passes 10**17 fen×millionths, far inside int64.
MAX_PERSON_YEAR_FEN = 10 * MAX_MONEY_FEN
MAX_HEADER_BYTES = 1 << 16  # a header longer than this is not a claims file's
MAX_PIPE_BYTES = 4 << 30  # a claims file read from a pipe is held in memory: at most this
CONTROL_EXPECTED = "without control characters (a line break, carriage return, tab, NUL, ...)"
EXPECTED = {
    "claim_id": "a claim id",
    "person_id": "a person id",
    "date": "a date YYYY-MM-DD that exists",
    "service": "outpatient, chronic_outpatient or inpatient",
    "level": "village, township, county, prefecture or province",
    "disease": "a disease code of spec §5, or nothing",
    "total_cost": MONEY_EXPECTED,
    "eligible_cost": MONEY_EXPECTED,
    "compliant": "true or false (lowercase)",
    "category": "ordinary, or one or more of registered_poor, dibao, extreme_poor joined by +",
}
MAX_LISTED = 50
# Every way to write each category set (spec §1: order does not matter); the four single categories
# first, so that their spelling's index is their code.
CATEGORY_SPELLINGS = tuple(dict.fromkeys("+".join(order) for members in CATEGORY_SETS for order in permutations(members)))
SPELLING_CODE = np.array([CATEGORY_SET_CODE[frozenset(word.split("+"))] for word in CATEGORY_SPELLINGS], dtype=np.int8)
_VOCABULARIES = (SERVICES, LEVELS, DISEASES, ("false", "true"), CATEGORY_SPELLINGS)
PACKED_BYTES = 24  # the longest word the scan's fast path compares; longer words take the general path


def _vocabulary_tables() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    words = [word.encode() for vocabulary in _VOCABULARIES for word in vocabulary]
    offsets = np.zeros(len(words) + 1, dtype=np.int64)
    np.cumsum([len(w) for w in words], out=offsets[1:])
    sets = np.zeros(len(_VOCABULARIES) + 1, dtype=np.int64)
    np.cumsum([len(v) for v in _VOCABULARIES], out=sets[1:])
    return np.frombuffer(b"".join(words) or b"\0", dtype=np.uint8).copy(), offsets, sets


WORDS, WORD_OFFSETS, WORD_SETS = _vocabulary_tables()


def _first_byte_tables() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per vocabulary: its words grouped by first byte (offsets by byte into one list of word
    indices), and the index of its empty word or -1. The scan tries only the words a field can be."""
    first_start = np.zeros((len(_VOCABULARIES), 257), dtype=np.int64)
    first_words: list[int] = []
    empty_word = np.full(len(_VOCABULARIES), -1, dtype=np.int64)
    for index, vocabulary in enumerate(_VOCABULARIES):
        for lead in range(256):
            first_start[index, lead] = len(first_words)
            for position, word in enumerate(vocabulary):
                if word and word.encode()[0] == lead and len(word.encode()) <= PACKED_BYTES:
                    first_words.append(int(WORD_SETS[index]) + position)
        first_start[index, 256] = len(first_words)
        if "" in vocabulary:
            empty_word[index] = vocabulary.index("")
    return first_start, np.array(first_words, dtype=np.int64), empty_word


FIRST_START, FIRST_WORDS, EMPTY_WORD = _first_byte_tables()


def _packed_words() -> tuple[np.ndarray, np.ndarray]:
    """Each vocabulary word's bytes as three little-endian 8-byte words, and masks of the bytes it has
    (all zero for a word longer than the fast path compares: `_first_byte_tables` leaves it out)."""
    packed = np.zeros((len(WORD_OFFSETS) - 1, 3), dtype=np.uint64)
    masks = np.zeros_like(packed)
    for w in range(len(WORD_OFFSETS) - 1):
        word = WORDS[WORD_OFFSETS[w] : WORD_OFFSETS[w + 1]].tobytes()
        if len(word) > PACKED_BYTES:
            continue
        padded = word.ljust(24, b"\0")
        packed[w] = np.frombuffer(padded, dtype="<u8")
        masks[w] = np.frombuffer(b"\xff" * len(word) + b"\0" * (24 - len(word)), dtype="<u8")
    return packed, masks


WORD_PACKED, WORD_MASKS = _packed_words()
IS_CHRONIC = np.isin(np.arange(len(DISEASES)), [DISEASE_CODE[c] for c in CHRONIC_CODES])


@dataclass
class ClaimsFile:
    """A validated claims file: the arrays the engine settles, and what is needed to write ids back."""

    path: Path
    claims: ClaimArrays
    data: np.ndarray  # the file's bytes
    id_start: np.ndarray  # claim ids as raw CSV fields data[id_start:id_end], quotes included
    id_end: np.ndarray
    id_quoted: np.ndarray
    line_start: np.ndarray
    header: list[str]

    def __len__(self) -> int:
        return len(self.claims)

    def claim_id(self, row: int) -> str:
        return self.fields(row)["claim_id"]

    def find(self, claim_id: str) -> int | None:
        """The row of a claim id (matched on its exact CSV text, quoted as needed)."""
        wanted = _as_field(claim_id)
        for row in np.flatnonzero(self.id_end - self.id_start == len(wanted)):
            if self.data[self.id_start[row] : self.id_end[row]].tobytes() == wanted:
                return int(row)
        return None

    def fields(self, row: int) -> dict[str, str]:
        """The row's text fields by column name (for slips and messages)."""
        return _line_fields(self.data, int(self.line_start[row]), self.header)


def _as_field(text: str) -> bytes:
    if any(ch in text for ch in ',"\r\n'):
        return ('"' + text.replace('"', '""') + '"').encode()
    return text.encode()


def _line_end(data: np.ndarray, start: int) -> int:
    """Index of the newline ending the line that starts at `start` (or the end of the data)."""
    end = start
    window = 1 << 12
    while end < data.shape[0]:  # growing windows: never a scan of the whole file for one line
        newline = np.flatnonzero(data[end : end + window] == 10)
        if newline.size:
            return end + int(newline[0])
        end += window
        window *= 2
    return data.shape[0]


def _line_text(data: np.ndarray, start: int, errors: str = "replace") -> str:
    return data[start : _line_end(data, start)].tobytes().decode("utf-8", errors=errors).rstrip("\r")


PLACEHOLDER = "\ue000"  # a private-use character standing in for "\r" while the csv module reads a line



def _split_line(text: str) -> list[str]:
    """A line's fields as CSV reads them, a carriage return inside a field kept as text (the csv
    module would take it for a line end and refuse the line)."""
    with any_csv_field_size():
        return [value.replace(PLACEHOLDER, "\r") for value in next(csv.reader([text.replace("\r", PLACEHOLDER)]), [])]


def _record_end(data: np.ndarray, start: int) -> int:
    """Where the CSV record starting at `start` ends (its newline, or the end of the data): the first
    newline after an even number of quotes. Looked for in growing windows, as `_line_end` does."""
    end = start
    window = 1 << 12
    quotes = 0
    while end < data.shape[0]:
        part = data[end : end + window]
        is_quote = part == 34
        inside = (np.cumsum(is_quote) + quotes) & 1
        newline = np.flatnonzero((part == 10) & (inside == 0))
        if newline.size:
            return end + int(newline[0])
        quotes += int(is_quote.sum())
        end += window
        window *= 2
    return data.shape[0]


def _shown(text: str, limit: int = 60) -> str:
    """A field as a message shows it: quoted, control characters escaped, shortened if long."""
    return describe_found(text, limit) if text != "" else "nothing"


def _line_fields(data: np.ndarray, start: int, header: list[str]) -> dict[str, str]:
    values = _split_line(_line_text(data, start))
    return {name: (values[i] if i < len(values) else "") for i, name in enumerate(header)}


def _read_bytes(path: Path) -> np.ndarray:
    """The file's bytes, read-only. Mapped rather than copied: the scan then reads the page cache itself.
    A pipe is read up to MAX_PIPE_BYTES; a device (such as /dev/zero) or a folder is refused."""
    try:
        with path.open("rb") as file:
            status = os.fstat(file.fileno())
            check_status(path, status, "claims file")
            if not stat.S_ISREG(status.st_mode):  # a pipe
                return np.frombuffer(read_all(file, path, "claims file read from a pipe", MAX_PIPE_BYTES), dtype=np.uint8)
            if status.st_size == 0:
                return np.zeros(0, dtype=np.uint8)
            try:
                mapped = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
            except (OSError, ValueError):  # a file system that cannot map
                return np.frombuffer(file.read(), dtype=np.uint8)
    except OSError as exc:
        raise open_error(path, exc, "claims file") from None
    return np.frombuffer(mapped, dtype=np.uint8)


def _line_numbers(data: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """The 1-based line number of each byte offset (only for the few rows a message names)."""
    return np.searchsorted(np.flatnonzero(data == 10), offsets, side="left") + 1


def _header(path: Path, data: np.ndarray) -> tuple[list[str], int]:
    """The column names and where the rows start. The header is the first line that is not blank
    (spec §1 ignores blank lines); lines keep their numbers in the file."""
    start = 3 if data[:3].tobytes() == b"\xef\xbb\xbf" else 0
    line = 1
    while start < data.shape[0] and (after := scan.blank_line_end(data, start, data.shape[0])) >= 0:
        start, line = after, line + 1
    if start >= data.shape[0]:
        raise InputError(f"{path}: expected a header line with the columns {','.join(COLUMNS)}, found no line that is not blank")
    if np.flatnonzero(data[start : start + MAX_HEADER_BYTES + 1] == 10).size == 0 and data.shape[0] - start > MAX_HEADER_BYTES:
        raise InputError(f"{path}: line {line} (header): expected the columns {','.join(COLUMNS)}, "
                         f"found a line of more than {MAX_HEADER_BYTES:,} bytes")
    try:
        text = _line_text(data, start, errors="strict")
    except UnicodeDecodeError:
        raise InputError(f"{path}: line {line} (header): expected UTF-8 text, found bytes that are not UTF-8") from None
    header = [name.strip() for name in _split_line(text)]
    missing = [name for name in COLUMNS if name not in header]
    if missing:  # spec §1: each missing column gets a message naming it
        raise InputError("\n".join(
            f"{path}: line {line} (header): missing column {name} (expected the columns {','.join(COLUMNS)} in any "
            f"order; found {describe_found(','.join(header), 300)})" for name in missing))
    duplicated = sorted({name for name in header if header.count(name) > 1})
    if duplicated:
        raise InputError(f"{path}: line {line} (header): column {duplicated[0]} appears more than once")
    return header, min(_line_end(data, start) + 1, data.shape[0])


def _id_shown(text: str) -> str:
    """An id as it reads in '(claim_id c1)': as is when short and printable, else quoted and shortened."""
    return text if len(text) <= 40 and text.isprintable() and text.strip() == text else describe_found(text, 40)


MAX_RECORD_BYTES = 1 << 20  # a quoted field running over line breaks is read back for a message up to this


def _spanning_record(path: Path, data: np.ndarray, header: list[str], start: int, where: str) -> tuple[int, list[str]] | None:
    """(end, messages) for a row whose quoted field runs over a line break (valid CSV, but claims-file
    fields hold no line break): each such field named once, instead of one bad row per line it spans."""
    line_end = _line_end(data, start)
    end = _record_end(data, start)
    if end <= line_end or end - start > MAX_RECORD_BYTES:
        return None
    text = data[start:end].tobytes().decode("utf-8", errors="replace").rstrip("\r")
    try:
        values = _split_line(text)
    except csv.Error:
        return None
    if len(values) != len(header):
        return None
    messages = []
    for name, value in zip(header, values):
        if "\n" not in value and "\r" not in value:
            continue
        if name in ("claim_id", "person_id"):
            expected = f"{EXPECTED[name]} {CONTROL_EXPECTED}"
        elif name in EXPECTED:
            expected = EXPECTED[name]
        else:
            expected = "text on one line (a claims file's fields hold no line break)"
        messages.append(f"{where}, column {name}: expected {expected}, found {_shown(value)}")
    return (end, messages) if messages else None


def _problem_lines(path: Path, data: np.ndarray, header: list[str], line_start: np.ndarray, problems: np.ndarray,
                   reached: dict[int, int] | None = None) -> str:
    bad = np.flatnonzero(problems)
    looked_at = bad[: 4 * MAX_LISTED]
    lines = dict(zip(looked_at.tolist(), _line_numbers(data, line_start[looked_at]).tolist()))
    messages: list[str] = []
    listed = 0
    spanned = 0  # rows that were lines inside a quoted field already named
    span_end = -1
    for row in looked_at:
        bits = int(problems[row])
        start = int(line_start[row])
        if start < span_end:
            spanned += 1
            continue
        listed += 1
        line = lines[int(row)]
        fields = _line_fields(data, start, header)
        named = f" (claim_id {_id_shown(fields['claim_id'])})" if fields.get("claim_id") else ""
        where = f"{path}: line {line}{named}"
        if bits & scan.BIT_QUOTING:
            spanning = _spanning_record(path, data, header, start, f"{path}: line {line}")
            if spanning is not None:
                span_end, found = spanning
                messages.extend(found)
                continue
        if bits & scan.BIT_COLUMNS:
            found = len(_split_line(_line_text(data, start)))
            messages.append(f"{where}: expected {len(header)} comma-separated columns, found {found}")
            continue
        if bits & scan.BIT_QUOTING:
            messages.append(f"{where}: expected fields quoted as CSV does (a quote only around a whole field, doubled inside it)")
        for role, name in enumerate(COLUMNS):
            if bits & (1 << role):
                if name in ("claim_id", "person_id") and bits & scan.BIT_UTF8:
                    messages.append(f"{where}, column {name}: expected UTF-8 text, found bytes that are not UTF-8")
                elif name in ("claim_id", "person_id") and bits & scan.BIT_CONTROL:
                    messages.append(f"{where}, column {name}: expected {EXPECTED[name]} {CONTROL_EXPECTED}, "
                                    f"found {_shown(fields[name])}")
                else:
                    problem = (category_set_problem(fields[name])  # why a set is refused; a single word speaks for itself
                               if name == "category" and "+" in fields[name] and len(fields[name]) <= 200 else None)
                    why = f" ({problem})" if problem else ""
                    messages.append(f"{where}, column {name}: expected {EXPECTED[name]}, found {_shown(fields[name])}{why}")
        if bits & scan.BIT_DUPLICATE_ID:
            messages.append(f"{where}, column claim_id: expected a claim id not used on an earlier line, found {_shown(fields['claim_id'])} again")
        if bits & scan.BIT_ELIGIBLE_ABOVE_TOTAL:
            messages.append(f"{where}, column eligible_cost: expected at most total_cost ({_id_shown(fields['total_cost'])}), "
                            f"found {_shown(fields['eligible_cost'])}")
        if bits & scan.BIT_CHRONIC_WITHOUT_CODE:
            messages.append(f"{where}, column disease: expected a chronic code (spec §5) on a chronic_outpatient claim, found {_shown(fields['disease'])}")
        if bits & scan.BIT_VILLAGE_ADMISSION:
            messages.append(f"{where}, column level: expected township or above for an inpatient claim (village clinics do not admit), found 'village'")
        if bits & scan.BIT_PERSON_YEAR:
            total = (reached or {}).get(int(row), 0)
            messages.append(
                f"{where}, column total_cost: expected one person's claims in one year to total at most "
                f"{MAX_PERSON_YEAR_FEN // 100:,}.00 yuan, found {total // 100:,}.{total % 100:02d} with this claim "
                f"(person_id {_id_shown(fields['person_id'])}, {fields['date'][:4]})")
        if len(messages) >= MAX_LISTED:
            break
    count = int(bad.size) - spanned
    more = f"\n... and {count - listed} more bad rows" if count > listed else ""
    return f"{path}: {count} bad row{'s' if count != 1 else ''}; nothing was written\n" + "\n".join(messages) + more


def _person_years_past(person: np.ndarray, year: np.ndarray, day: np.ndarray, total: np.ndarray, ok: np.ndarray,
                       n_persons: int) -> tuple[np.ndarray, dict[int, int]]:
    """The claims (rows) at which a person-year's total, in processing order, first passes
    MAX_PERSON_YEAR_FEN, and the total each reaches. Only persons whose claims together pass it are sorted."""
    flagged = np.zeros(len(total), dtype=np.bool_)
    if len(total) * MAX_MONEY_FEN <= MAX_PERSON_YEAR_FEN:
        return flagged, {}
    heavy = scan.persons_past(person, total, ok, n_persons, MAX_PERSON_YEAR_FEN)
    if not heavy.any():
        return flagged, {}
    rows = np.flatnonzero(ok & heavy[np.maximum(person, 0)])
    order = rows[np.lexsort((rows, day[rows], year[rows], person[rows]))]
    reached = np.zeros(len(total), dtype=np.int64)
    scan.first_past(order, person, year, total, MAX_PERSON_YEAR_FEN, flagged, reached)
    return flagged, {int(row): int(reached[row]) for row in np.flatnonzero(flagged)[: 4 * MAX_LISTED]}


PARALLEL_BYTES = 8 << 20  # files smaller than this are scanned in one part
# Threads for adjudicating one file (scan, settle, format): the stages gain little past two.
THREADS = min(2, os.cpu_count() or 1)


def _scan_in_parts(data: np.ndarray, body: int, roles: np.ndarray, n_header: int) -> tuple[np.ndarray, ...]:
    """Scan runs of whole lines on up to two threads (the scanner releases the GIL) into one set of
    columns, rows in file order: a part's lines are counted first, so each part knows its first row."""
    parts = THREADS if data.shape[0] - body > PARALLEL_BYTES else 1
    cuts = scan.split_points(data, body, parts)
    spans = [(left, right) for left, right in pairwise(cuts) if right > left] or [(body, body)]
    with ThreadPoolExecutor(max_workers=len(spans)) as pool:
        lines = list(pool.map(lambda span: scan.count_lines(data, *span), spans))
        rows = scan.new_rows(sum(lines) + 1)
        first_rows = np.concatenate([[0], np.cumsum(lines)[:-1]]).tolist()

        def scan_part(part: int) -> int:
            left, right = spans[part]
            return scan.scan_into(
                data, left, right, right == data.shape[0], first_rows[part], roles, n_header, WORDS, WORD_OFFSETS,
                WORD_SETS, FIRST_START, FIRST_WORDS, EMPTY_WORD, WORD_PACKED, WORD_MASKS, IS_CHRONIC, SERVICE_CODE["inpatient"],
                SERVICE_CODE["chronic_outpatient"], LEVEL_CODE["village"], rows)

        ends = list(pool.map(scan_part, range(len(spans))))
    # a part fills at most one row per line it holds: fewer where lines are blank (spec §1), so the
    # parts' rows are joined up when any part left rows unfilled
    if all(end == first + count for end, first, count in zip(ends[:-1], first_rows, lines)):
        return tuple(column[: ends[-1]] for column in rows)
    filled = np.concatenate([np.arange(first, end) for first, end in zip(first_rows, ends)])
    return tuple(column[filled] for column in rows)


def read_claims(path: Path | str) -> ClaimsFile:
    """Read and validate a claims CSV; raise InputError listing the bad rows (line, claim_id, column)."""
    path = Path(path)
    data = _read_bytes(path)
    header, body = _header(path, data)
    roles = np.array([COLUMNS.index(name) if name in COLUMNS else -1 for name in header], dtype=np.int64)
    (line_start, problems, id_start, id_end, id_quoted, person_start, person_end, person_quoted, person_hash, person_head,
     person_length, day, year, service, level, disease, compliant, category, total, eligible) = _scan_in_parts(
        data, body, roles, len(header))
    id_ok = (problems & (1 << scan.CLAIM_ID)) == 0
    # claim ids (for duplicates) and person ids (to number persons) are independent: two threads, GIL released
    with ThreadPoolExecutor(max_workers=2) as pool:
        claims_repeated = pool.submit(scan.repeated_fields, data, id_start + id_quoted, id_end - id_quoted, id_quoted, id_ok)
        person, n_persons, _ = scan.intern_fields(data, person_start, person_end, person_quoted, np.ones(len(id_ok), np.bool_),
                                                  (person_hash, person_head, person_length))
        repeated = claims_repeated.result()
    if repeated.any():
        problems = problems | np.where(repeated, scan.BIT_DUPLICATE_ID, 0).astype(problems.dtype)
    past, reached = _person_years_past(person, year, day, total, problems == 0, n_persons)
    if reached:
        problems = problems | np.where(past, scan.BIT_PERSON_YEAR, 0).astype(problems.dtype)
    if problems.any():
        raise InputError(_problem_lines(path, data, header, line_start, problems, reached))
    claims = ClaimArrays(
        person=person, day=day, service=service, level=level, disease=disease, compliant=compliant,
        category=SPELLING_CODE[category], total=total, eligible=eligible, n_persons=n_persons, _year=year,
    )
    return ClaimsFile(path, claims, data, id_start, id_end, id_quoted, line_start, header)


def header(amounts: np.ndarray) -> bytes:
    """The header of spec §2 for `amounts` as `engine.settle` returns them: a `charity` column (before
    `oop`) only where the scheme has a charity layer, i.e. where the amounts have every payer's column."""
    columns = OUTPUT_COLUMNS if amounts.shape[1] == len(OUTPUT_COLUMNS) else SPEC_COLUMNS
    return ("claim_id," + ",".join(columns) + "\n").encode("utf-8")


HEADER = header(np.zeros((0, len(SPEC_COLUMNS)), dtype=np.int64))  # the five spec schemes' header


CHUNK_ROWS = 125_000  # rows formatted at a time: chunks already formatted are written while others format


def payments_chunks(claims_file: ClaimsFile, amounts: np.ndarray, threads: int = 1) -> Iterator[np.ndarray]:
    """Spec §2 rows (no header) for the claims of a file, ids written back exactly as read: consecutive
    chunks, in order, formatted up to `threads` at a time (the formatter releases the GIL)."""
    amounts = np.ascontiguousarray(amounts, dtype=np.int64)
    n = len(amounts)
    cuts = list(range(0, n, CHUNK_ROWS)) + [n]

    def chunk(rows: tuple[int, int]) -> np.ndarray:
        lo, hi = rows
        return format_rows(claims_file.id_start[lo:hi], claims_file.id_end[lo:hi], claims_file.data, amounts[lo:hi], False)

    if threads <= 1 or len(cuts) <= 2:
        yield from map(chunk, pairwise(cuts))
        return
    with ThreadPoolExecutor(max_workers=threads) as pool:
        yield from pool.map(chunk, pairwise(cuts))


def payments_csv(claims_file: ClaimsFile, amounts: np.ndarray) -> bytes:
    return header(amounts) + b"".join(chunk.tobytes() for chunk in payments_chunks(claims_file, amounts))


def write_payments(path: Path | str, claims_file: ClaimsFile, amounts: np.ndarray, threads: int = 1) -> None:
    atomic.write_chunks(Path(path), chain([header(amounts)], payments_chunks(claims_file, amounts, threads)))
