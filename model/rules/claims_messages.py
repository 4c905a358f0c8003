"""The message a claims file with bad rows gets: each bad row named by line, claim id and column, with what
was expected and what was found (spec §1; read_claims in claims_csv.py finds the rows)."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np

from model.arrowtext import MAX_MONEY_FEN
from model.codes import category_set_problem
from model.errors import describe_found
from model.rules import claims_csv
from model.rules.claims_csv import (BIT_CHRONIC_WITHOUT_CODE, BIT_COLUMNS, BIT_CONTROL, BIT_DUPLICATE_ID,
                                    BIT_ELIGIBLE_ABOVE_TOTAL, BIT_PERSON_YEAR, BIT_QUOTING, BIT_UTF8,
                                    BIT_VILLAGE_ADMISSION, COLUMNS, MAX_PERSON_YEAR_FEN, NEWLINE, row_lines, split_line)

MONEY_EXPECTED = (f"yuan as digits with an optional point and 1–2 decimals, at most {MAX_MONEY_FEN // 100:,} "
                  "(no sign, exponent or spaces)")
CONTROL_EXPECTED = "without control characters (a line break, carriage return, tab, NUL, ...)"
EXPECTED = {
    "claim_id": "a claim id", "person_id": "a person id", "date": "a date YYYY-MM-DD that exists",
    "service": "outpatient, chronic_outpatient or inpatient", "level": "village, township, county, prefecture or province",
    "disease": "a disease code of spec §5, or nothing", "total_cost": MONEY_EXPECTED, "eligible_cost": MONEY_EXPECTED,
    "compliant": "true or false (lowercase)",
    "category": "ordinary, or one or more of registered_poor, dibao, extreme_poor joined by +",
}
MAX_RECORD_BYTES = 1 << 20  # a quoted field running over line breaks is read back for a message up to this
RECORD = re.compile(rb'(?:[^"\n]+|"[^"]*")*')  # a CSV record: it ends at the first newline outside quotes


def value_shown(text: str, limit: int = 60) -> str:
    """A field as a message shows it: quoted, control characters escaped, shortened if long."""
    return describe_found(text, limit) if text != "" else "nothing"


def _id_shown(text: str) -> str:
    """An id as it reads in '(claim_id c1)': as is when short and printable, else quoted and shortened."""
    return text if len(text) <= 40 and text.isprintable() and text.strip() == text else describe_found(text, 40)


def _spanning_record(data: np.ndarray, header: list[str], start: int, line_end: int, where: str) -> tuple[int, list[str]] | None:
    """(end, messages) for a row whose quoted field runs over a line break (valid CSV, but claims-file
    fields hold no line break): each such field named once, instead of one bad row per line it spans."""
    text = data[start : start + MAX_RECORD_BYTES + 1].tobytes()
    end = RECORD.match(text).end()
    end = end if end < len(text) and text[end] == NEWLINE else len(text)  # a quote never closed: to the end
    if start + end <= line_end or end > MAX_RECORD_BYTES:
        return None
    try:
        values = split_line(text[:end].decode("utf-8", errors="replace").rstrip("\r"))
    except csv.Error:
        return None
    if len(values) != len(header):
        return None
    messages = []
    for name, value in zip(header, values):
        if "\n" in value or "\r" in value:
            expected = (f"{EXPECTED[name]} {CONTROL_EXPECTED}" if name in ("claim_id", "person_id") else EXPECTED[name]
                        if name in EXPECTED else "text on one line (a claims file's fields hold no line break)")
            messages.append(f"{where}, column {name}: expected {expected}, found {value_shown(value)}")
    return (start + end, messages) if messages else None


def bad_rows_message(path: Path, data: np.ndarray, body: int, header: list[str], problems: np.ndarray, reached: dict[int, int]) -> str:
    """The message for a file with bad rows: each bad row's problems named by line, claim id and column
    (up to claims_csv.MAX_LISTED messages, read when called so that a test may raise it)."""
    bad = np.flatnonzero(problems)
    looked_at = bad[: 4 * claims_csv.MAX_LISTED]
    messages: list[str] = []
    listed = spanned = 0  # spanned: rows that were lines inside a quoted field already named
    span_end = -1
    starts, ends = row_lines(data, body)[:, looked_at]
    numbers = np.searchsorted(np.flatnonzero(data == NEWLINE), starts) + 1
    for row, number, start, end in zip(looked_at.tolist(), numbers.tolist(), starts.tolist(), ends.tolist()):
        bits, line = int(problems[row]), data[start:end].tobytes()
        if start < span_end:
            spanned += 1
            continue
        listed += 1
        values = split_line(line.decode("utf-8", errors="replace").rstrip("\r"))
        fields = {name: (values[i] if i < len(values) else "") for i, name in enumerate(header)}
        where = f"{path}: line {number}" + (f" (claim_id {_id_shown(fields['claim_id'])})" if fields.get("claim_id") else "")
        spanning = bits & BIT_QUOTING and _spanning_record(data, header, start, end, f"{path}: line {number}")
        if spanning:
            span_end = spanning[0]
            messages.extend(spanning[1])
            continue
        if bits & BIT_COLUMNS:
            messages.append(f"{where}: expected {len(header)} comma-separated columns, found {len(values)}")
            continue
        if bits & BIT_QUOTING:
            messages.append(f"{where}: expected fields quoted as CSV does (a quote only around a whole field, doubled inside it)")
        for role, name in enumerate(COLUMNS):
            if not bits & (1 << role):
                continue
            if name in ("claim_id", "person_id") and bits & BIT_UTF8:
                messages.append(f"{where}, column {name}: expected UTF-8 text, found bytes that are not UTF-8")
            elif name in ("claim_id", "person_id") and bits & BIT_CONTROL:
                messages.append(f"{where}, column {name}: expected {EXPECTED[name]} {CONTROL_EXPECTED}, found {value_shown(fields[name])}")
            else:
                problem = (category_set_problem(fields[name])  # why a set is refused; a single word speaks for itself
                           if name == "category" and "+" in fields[name] and len(fields[name]) <= 200 else None)
                why = f" ({problem})" if problem else ""
                messages.append(f"{where}, column {name}: expected {EXPECTED[name]}, found {value_shown(fields[name])}{why}")
        if bits & BIT_DUPLICATE_ID:
            messages.append(f"{where}, column claim_id: expected a claim id not used on an earlier line, found {value_shown(fields['claim_id'])} again")
        if bits & BIT_ELIGIBLE_ABOVE_TOTAL:
            messages.append(f"{where}, column eligible_cost: expected at most total_cost ({_id_shown(fields['total_cost'])}), "
                            f"found {value_shown(fields['eligible_cost'])}")
        if bits & BIT_CHRONIC_WITHOUT_CODE:
            messages.append(f"{where}, column disease: expected a chronic code (spec §5) on a chronic_outpatient claim, found {value_shown(fields['disease'])}")
        if bits & BIT_VILLAGE_ADMISSION:
            messages.append(f"{where}, column level: expected township or above for an inpatient claim (village clinics do not admit), found 'village'")
        if bits & BIT_PERSON_YEAR:
            total = reached.get(row, 0)
            messages.append(
                f"{where}, column total_cost: expected one person's claims in one year to total at most "
                f"{MAX_PERSON_YEAR_FEN // 100:,}.00 yuan, found {total // 100:,}.{total % 100:02d} with this claim "
                f"(person_id {_id_shown(fields['person_id'])}, {fields['date'][:4]})")
        if len(messages) >= claims_csv.MAX_LISTED:
            break
    count = int(bad.size) - spanned
    more = f"\n... and {count - listed} more bad rows" if count > listed else ""
    return f"{path}: {count} bad row{'s' if count != 1 else ''}; nothing was written\n" + "\n".join(messages) + more
