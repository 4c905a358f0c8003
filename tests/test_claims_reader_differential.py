"""The compiled claims reader against a plain reading of spec §1 (Python's csv module and the
table's rules), on generated files: fields valid, nearly valid, quoted or not; LF or CRLF ends.

The compiled scan takes fast paths for unquoted dates, money and codes and falls back to a
general path for anything else, so every near miss here must land where the plain reading does.
"""

from __future__ import annotations

import csv
import datetime
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model.codes import CATEGORIES, CATEGORY_SET_NAMES, CHRONIC_CODES, DISEASES, LEVELS, SERVICES
from model.errors import InputError
from model.rules import claims_csv
from model.rules.claims_csv import COLUMNS, read_claims

MONEY = re.compile(r"[0-9]{1,10}(\.[0-9]{1,2})?")
MAX_YUAN = 100_000_000  # a claim's bound (issue 11): rate × amount stays inside int64
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
WORDS = {"service": SERVICES, "level": LEVELS, "disease": DISEASES, "compliant": ("false", "true")}
# category sets (spec §1), written in some of their orders, and near misses: a repeated, empty or unknown part
CATEGORY_TEXTS = CATEGORIES + ("registered_poor+dibao", "dibao+registered_poor", "extreme_poor+dibao+registered_poor",
                               "registered_poor+extreme_poor", "dibao+extreme_poor", "ordinary+dibao", "dibao+dibao",
                               "dibao+", "+dibao", "dibao+rich", "registered_poor+dibao+extreme_poor+dibao")


def _category_set(text: str) -> frozenset[str] | None:
    """The set a category text names, as spec §1 reads it, or None when it names none."""
    parts = text.split("+")
    if any(part not in CATEGORIES for part in parts) or len(set(parts)) != len(parts):
        return None
    if "ordinary" in parts and len(parts) > 1:
        return None
    return frozenset(parts)


def _near_words(words: tuple[str, ...]) -> list[str]:
    """Each word, and texts that differ from one by a byte: a prefix, an extension, a changed last byte, a case."""
    near = []
    for word in words:
        near.append(word)
        if word:
            near += [word[:-1], word + "s", word[:-1] + "x", word.upper(), " " + word]
    return near


FIELDS = {
    "claim_id": st.sampled_from(["c1", "c2", "c3", "c10", "claim-000000042", "c,1", 'c"1', "", "甲1", "c\t1"]),
    "person_id": st.sampled_from(["p1", "p2", "p12345678", "p123456789", "p123456780", "", "乙", "p,1", "p\x001"]),
    "date": st.sampled_from(["2019-03-01", "2020-02-29", "2019-02-29", "2019-13-01", "2019-3-1", "2019-03-011",
                             "2019/03/01", "", "0000-01-01", "2020-12-31"]),
    "total_cost": st.sampled_from(["5", "5.0", "5.00", "123.45", "0", "5.", ".5", "5.001", "-5", "1e3", " 5", "5 ",
                                   "12345678901", "1234567890.99", "100000000.00", "100000000.01", ""]),
    "eligible_cost": st.sampled_from(["0", "4", "4.5", "80.00", "5.00", "6", "5.", "x", ""]),
    **{name: st.sampled_from(_near_words(words)) for name, words in WORDS.items()},
    "category": st.sampled_from(_near_words(CATEGORY_TEXTS)),
}


def _plain_reading(lines: list[list[str]]) -> tuple[dict[int, set[str]], list[dict[str, str]]]:
    """Bad rows (line number → the columns spec §1 says are wrong, or {'columns'}) and the rows."""
    problems: dict[int, set[str]] = {}
    seen: set[str] = set()
    for number, fields in enumerate(lines, start=2):
        row = dict(zip(COLUMNS, fields))
        bad = set()
        if len(fields) != len(COLUMNS):
            bad.add("columns")
        claim_id = fields[0] if fields else ""
        if claim_id == "" or claim_id in seen or CONTROL.search(claim_id):
            bad.add("claim_id")
        else:
            seen.add(claim_id)
        if "columns" in bad:
            problems[number] = {"columns"}
            continue
        if row["person_id"] == "" or CONTROL.search(row["person_id"]):
            bad.add("person_id")
        try:
            if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", row["date"]):
                raise ValueError
            if datetime.date.fromisoformat(row["date"]).year < 1:
                raise ValueError
        except ValueError:
            bad.add("date")
        for name in ("total_cost", "eligible_cost"):
            if not MONEY.fullmatch(row[name]) or float(row[name]) > MAX_YUAN:
                bad.add(name)
        for name, words in WORDS.items():
            if row[name] not in words:
                bad.add(name)
        if _category_set(row["category"]) is None:
            bad.add("category")
        if not bad & {"total_cost", "eligible_cost"} and float(row["eligible_cost"]) > float(row["total_cost"]):
            bad.add("eligible_cost")
        if not bad & {"service", "disease"} and row["service"] == "chronic_outpatient" and row["disease"] not in CHRONIC_CODES:
            bad.add("disease")
        if not bad & {"service", "level"} and row["service"] == "inpatient" and row["level"] == "village":
            bad.add("level")
        if bad:
            problems[number] = bad
    return problems, [dict(zip(COLUMNS, fields)) for fields in lines]


def _named_in(message: str) -> dict[int, set[str]]:
    named: dict[int, set[str]] = {}
    for line in message.splitlines()[1:]:
        found = re.search(r": line (\d+)(?: \(claim_id .*?\))?(?:, column (\w+)|: expected (\d+) comma-separated)", line)
        assert found, line
        named.setdefault(int(found.group(1)), set()).add(found.group(2) or "columns")
    return named


def _field_text(text: str, quote: bool) -> str:
    if quote or any(ch in text for ch in ',"'):
        return '"' + text.replace('"', '""') + '"'
    return text


rows = st.lists(
    st.tuples(st.fixed_dictionaries(FIELDS), st.lists(st.booleans(), min_size=11, max_size=11), st.integers(-1, 1)),
    min_size=1, max_size=8,
)


@settings(max_examples=300, deadline=None)
@given(rows=rows, crlf=st.booleans(), final_newline=st.booleans())
def test_compiled_reader_agrees_with_a_plain_reading(tmp_path_factory, rows, crlf: bool, final_newline: bool) -> None:
    lines: list[list[str]] = []
    for fields, quotes, width in rows:
        values = [fields[name] for name in COLUMNS]
        if width < 0:
            values = values[:-1]  # a row one column short
        elif width > 0 and values[-1] == "ordinary":  # (the category is the last column)
            values = values + ["extra"]  # one column too many
        lines.append(values)
    end = "\r\n" if crlf else "\n"
    text = ",".join(COLUMNS) + end + end.join(
        ",".join(_field_text(v, q) for v, q in zip(values, quotes)) for values, (_, quotes, _) in zip(lines, rows)
    ) + (end if final_newline else "")
    path = tmp_path_factory.mktemp("reader") / "claims.csv"
    path.write_bytes(text.encode("utf-8"))
    assert [next(csv.reader([line])) for line in text.split(end)[1:len(lines) + 1]] == lines
    problems, plain = _plain_reading(lines)
    try:
        with pytest.MonkeyPatch.context() as patch:  # every message listed, however many
            patch.setattr(claims_csv, "MAX_LISTED", 10_000)
            parsed = read_claims(path)
    except InputError as error:
        message = str(error)
        assert message.startswith(f"{path}: {len(problems)} bad row"), message
        assert _named_in(message) == problems, message
        return
    assert problems == {}
    claims = parsed.claims
    assert [parsed.claim_id(i) for i in range(len(plain))] == [row["claim_id"] for row in plain]
    assert claims.total.tolist() == [round(float(row["total_cost"]) * 100) for row in plain]
    assert claims.eligible.tolist() == [round(float(row["eligible_cost"]) * 100) for row in plain]
    days = [(datetime.date.fromisoformat(row["date"]) - datetime.date(1970, 1, 1)).days for row in plain]
    assert claims.day.tolist() == days
    assert [SERVICES[c] for c in claims.service] == [row["service"] for row in plain]
    assert [LEVELS[c] for c in claims.level] == [row["level"] for row in plain]
    assert [DISEASES[c] for c in claims.disease] == [row["disease"] for row in plain]
    assert [frozenset(CATEGORY_SET_NAMES[c].split("+")) for c in claims.category] == [_category_set(row["category"]) for row in plain]
    assert claims.compliant.tolist() == [row["compliant"] == "true" for row in plain]
    same_person = [[a["person_id"] == b["person_id"] for b in plain] for a in plain]
    assert (claims.person[:, None] == claims.person[None, :]).tolist() == same_person
    assert claims.n_persons == len({row["person_id"] for row in plain})


def _read_or_message(path):
    try:
        parsed = read_claims(path)
    except InputError as error:
        return str(error)
    claims = parsed.claims
    return [column.tolist() for column in (claims.person, claims.day, claims.service, claims.level, claims.disease,
                                           claims.category, claims.compliant, claims.total, claims.eligible)]


lines = st.lists(
    st.one_of(
        st.just(""),
        st.just(" \t"),  # blank too (spec §1)
        st.builds(",".join, st.lists(st.sampled_from(["c1", "c2", "p1", "2019-03-01", "inpatient", "county", "", "5.00",
                                                      "4", "true", "ordinary", '"q,"', "village", "\r"]),
                                     min_size=8, max_size=11)),
    ),
    min_size=0, max_size=12,
)


@settings(max_examples=200, deadline=None)
@given(body=lines, final_newline=st.booleans())
def test_a_file_scanned_in_two_parts_reads_as_in_one(tmp_path_factory, body, final_newline) -> None:
    """Large files are cut in two at a line start and scanned side by side; forcing the cut on small
    files (blank lines and all) must change nothing, messages included."""
    from model.rules import claims_csv

    path = tmp_path_factory.mktemp("parts") / "claims.csv"
    path.write_bytes((",".join(COLUMNS) + "\n" + "\n".join(body) + ("\n" if final_newline else "")).encode())
    one_part = _read_or_message(path)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(claims_csv, "PARALLEL_BYTES", 0)
        patch.setattr(claims_csv, "THREADS", 2)
        assert _read_or_message(path) == one_part


@settings(max_examples=300, deadline=None)
@given(body=st.binary(max_size=300))
def test_any_bytes_are_read_or_refused_with_a_message(tmp_path_factory, body: bytes) -> None:
    """Bytes of every kind after a good header: the compiled scan reads rows or names bad ones, never more."""
    path = tmp_path_factory.mktemp("bytes") / "claims.csv"
    path.write_bytes((",".join(COLUMNS) + "\n").encode() + body)
    result = _read_or_message(path)
    assert isinstance(result, list) or result.startswith(f"{path}: ")


@settings(max_examples=200, deadline=None)
@given(rows=rows, crlf=st.booleans(), final_newline=st.booleans())
def test_pyarrow_and_the_line_by_line_reading_agree(tmp_path_factory, rows, crlf: bool, final_newline: bool) -> None:
    """A file pyarrow reads (no quote, no bare carriage return, every row of the header's width) reads, or is
    refused, exactly as when the line-by-line reading (the path for every other file) reads it."""
    end = "\r\n" if crlf else "\n"
    lines = [",".join(fields[name] for name in COLUMNS).replace('"', "") for fields, _, _ in rows]
    path = tmp_path_factory.mktemp("paths") / "claims.csv"
    path.write_bytes((",".join(COLUMNS) + end + end.join(lines) + (end if final_newline else "")).encode())
    by_arrow = _read_or_message(path)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(claims_csv, "_arrow_columns", lambda *args: None)
        assert _read_or_message(path) == by_arrow
